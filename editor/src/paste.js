// Pasted HTML before the schema reads it: Word's list paragraphs become
// real lists, its comments and conditional markup go. Styles, fonts, spans
// and classes need no work here: the schema has no rule for them, so only
// their text stays (schema.js).

const LIST_PARAGRAPH = /MsoListParagraph/i;
const ORDERED_MARKER = /^\s*(\(?\d+[.)]|\(?[a-z][.)]|\(?[ivxlc]+[.)])\s*$/i;

function isWordListItem(el) {
  if (el.nodeName !== "P") return false;
  const style = el.getAttribute("style") || "";
  return LIST_PARAGRAPH.test(el.className || "") || /mso-list\s*:\s*l\d/i.test(style);
}

function levelOf(el) {
  const m = /level(\d+)/i.exec(el.getAttribute("style") || "");
  return m ? parseInt(m[1], 10) : 1;
}

// Removes the marker Word writes before the text (a span with
// mso-list:Ignore, or the first span holding a bullet or a number) and says
// whether it was a number.
function takeMarker(el) {
  let marker = null;
  for (const span of el.querySelectorAll("span")) {
    const style = span.getAttribute("style") || "";
    if (/mso-list\s*:\s*ignore/i.test(style)) {
      marker = span;
      break;
    }
  }
  if (!marker) {
    const first = el.firstElementChild;
    if (first && first.nodeName === "SPAN") {
      const text = first.textContent.replace(/\u00a0/g, " ").trim();
      if (/^([\u00b7\u2022\u25aa\u25cf\u25e6o§\-–]|\(?\w{1,4}[.)])$/.test(text)) marker = first;
    }
  }
  if (!marker) return false;
  const text = marker.textContent.replace(/\u00a0/g, " ").trim();
  marker.remove();
  return ORDERED_MARKER.test(text);
}

function wordLists(doc) {
  const items = Array.from(doc.body.querySelectorAll("p")).filter(isWordListItem);
  const done = new Set();
  for (const first of items) {
    if (done.has(first)) continue;
    // One run of list paragraphs next to each other.
    const run = [first];
    let next = first.nextElementSibling;
    while (next && isWordListItem(next)) {
      run.push(next);
      next = next.nextElementSibling;
    }
    const stack = []; // [{level, list}]
    const anchor = first;
    let top = null;
    for (const p of run) {
      done.add(p);
      const level = levelOf(p);
      const ordered = takeMarker(p);
      while (stack.length && stack[stack.length - 1].level > level) stack.pop();
      if (!stack.length || stack[stack.length - 1].level < level) {
        const list = doc.createElement(ordered ? "ol" : "ul");
        if (stack.length) {
          const parent = stack[stack.length - 1].list;
          const lastItem = parent.lastElementChild || parent.appendChild(doc.createElement("li"));
          lastItem.appendChild(list);
        } else {
          top = list;
          anchor.parentNode.insertBefore(list, anchor);
        }
        stack.push({ level, list });
      }
      const li = doc.createElement("li");
      const para = doc.createElement("p");
      while (p.firstChild) para.appendChild(p.firstChild);
      li.appendChild(para);
      stack[stack.length - 1].list.appendChild(li);
      p.remove();
    }
    void top;
  }
}

function removeComments(node) {
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === 8) child.remove();
    else if (child.nodeType === 1) removeComments(child);
  }
}

// Word's comment marks and the comments themselves.
function wordComments(doc) {
  for (const el of doc.body.querySelectorAll(
    "[class*=MsoCommentReference], [class*=msocomtxt], [style*='mso-element:comment'], [id^=_com_], [class*=MsoCommentText]",
  )) {
    el.remove();
  }
  for (const a of doc.body.querySelectorAll("a[href^='#_msocom'], a[name^='_msoanchor']")) {
    a.remove();
  }
}

const BLOCK = /^(P|H[1-6]|UL|OL|LI|BLOCKQUOTE|PRE|TABLE|FIGURE|HR|DIV|SECTION|ARTICLE)$/;

// Google Docs puts a <br> between blocks for the space it shows there, and
// Chrome ends a copy with one: between blocks a <br> is no line of text.
function strayBreaks(doc) {
  for (const br of Array.from(doc.body.querySelectorAll("br"))) {
    const parent = br.parentElement;
    if (!parent || BLOCK.test(parent.nodeName) && parent.nodeName !== "DIV") continue;
    const before = br.previousElementSibling;
    const after = br.nextElementSibling;
    const blockOrEdge = (el) => !el || BLOCK.test(el.nodeName);
    if (blockOrEdge(before) && blockOrEdge(after) || br.classList.contains("Apple-interchange-newline")) {
      br.remove();
    }
  }
}

// A heading's or a table header's own styles say bold (they are), which is
// no bold text.
function headingStyles(doc) {
  for (const el of doc.body.querySelectorAll("h1, h2, h3, h4, h5, h6, th")) {
    el.removeAttribute("style");
  }
}

function unwrap(el) {
  while (el.firstChild) el.parentNode.insertBefore(el.firstChild, el);
  el.remove();
}

function wrapChildren(el, tag) {
  const wrapper = el.ownerDocument.createElement(tag);
  while (el.firstChild) wrapper.appendChild(el.firstChild);
  el.appendChild(wrapper);
}

// Bold and italic said by a style (Google Docs: spans with font-weight:700
// or font-style:italic) become <strong> and <em>; the <b
// style="font-weight:normal"> Google Docs wraps a whole copy in is no bold.
// Read from the attribute's text: under the admin CSP (no inline styles)
// the browser never applies a pasted style, so the schema's style rules
// see nothing.
function styleMarks(doc) {
  for (const el of Array.from(doc.body.querySelectorAll("[style]"))) {
    const style = el.getAttribute("style") || "";
    if (/^(B|STRONG)$/.test(el.nodeName) && /(^|[;\s])font-weight\s*:\s*(normal|[1-4]00)\b/i.test(style)) {
      unwrap(el);
      continue;
    }
    if (/(^|[;\s])font-weight\s*:\s*(bold(er)?|[6-9]00)\b/i.test(style)) wrapChildren(el, "strong");
    if (/(^|[;\s])font-style\s*:\s*italic\b/i.test(style)) wrapChildren(el, "em");
  }
}

export function cleanPastedHTML(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  removeComments(doc.body);
  wordComments(doc);
  wordLists(doc);
  strayBreaks(doc);
  headingStyles(doc);
  styleMarks(doc);
  return doc.body.innerHTML;
}
