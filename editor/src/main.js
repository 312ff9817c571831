// masthead's rich-text body editor. It enhances every
// <textarea data-rich-editor> (the story body, the page body): the textarea
// stays in the form, hidden, and holds the body as HTML. On every change
// the editor writes its HTML there and fires a bubbling `input` event (the
// live preview and autosave listen to the form); a `masthead:body-replaced`
// event on the textarea (autosave's restore) reloads the editor from it.
// Without JavaScript the textarea is the editor (HTML source).
import { EditorState, TextSelection } from "prosemirror-state";
import { EditorView } from "prosemirror-view";
import { DOMParser, DOMSerializer } from "prosemirror-model";
import { keymap } from "prosemirror-keymap";
import { history, undo, redo, undoDepth, redoDepth } from "prosemirror-history";
import {
  baseKeymap,
  toggleMark,
  setBlockType,
  wrapIn,
  lift,
  chainCommands,
  exitCode,
} from "prosemirror-commands";
import {
  inputRules,
  wrappingInputRule,
  textblockTypeInputRule,
  InputRule,
  undoInputRule,
} from "prosemirror-inputrules";
import {
  wrapInList,
  splitListItem,
  liftListItem,
  sinkListItem,
} from "prosemirror-schema-list";
import { dropCursor } from "prosemirror-dropcursor";
import { gapCursor } from "prosemirror-gapcursor";
import { schema } from "./schema.js";
import { cleanPastedHTML } from "./paste.js";
import { imageDialog, imageFile } from "./images.js";
import { handleLinkPaste } from "./embeds.js";

const WORDS_PER_MINUTE = 230;
const nodes = schema.nodes;
const marks = schema.marks;

// ---- reading and writing the textarea's HTML ----

export function parseHTML(html) {
  const holder = document.createElement("div");
  // A <template> keeps the markup inert: no image loads, nothing runs.
  const template = document.createElement("template");
  template.innerHTML = html;
  holder.appendChild(template.content);
  return DOMParser.fromSchema(schema).parse(holder);
}

export function serializeHTML(doc) {
  const holder = document.createElement("div");
  holder.appendChild(DOMSerializer.fromSchema(schema).serializeFragment(doc.content));
  return holder.innerHTML;
}

// An empty document writes an empty body, not "<p></p>".
function bodyOf(doc) {
  if (doc.childCount === 1 && doc.firstChild.type === nodes.paragraph && doc.firstChild.content.size === 0) {
    return "";
  }
  return serializeHTML(doc);
}

// ---- commands ----

function markActive(state, type) {
  const { from, $from, to, empty } = state.selection;
  if (empty) return !!type.isInSet(state.storedMarks || $from.marks());
  return state.doc.rangeHasMark(from, to, type);
}

function blockActive(state, type, attrs) {
  const { $from, to } = state.selection;
  const parent = $from.parent;
  if (to > $from.end()) return false;
  if (parent.type !== type) return false;
  if (!attrs) return true;
  return Object.keys(attrs).every((k) => parent.attrs[k] === attrs[k]);
}

function wrappedIn(state, type) {
  const { $from } = state.selection;
  for (let d = $from.depth; d > 0; d--) if ($from.node(d).type === type) return true;
  return false;
}

function toggleHeading(level) {
  return (state, dispatch) => {
    if (blockActive(state, nodes.heading, { level })) {
      return setBlockType(nodes.paragraph)(state, dispatch);
    }
    return setBlockType(nodes.heading, { level })(state, dispatch);
  };
}

function toggleWrap(type) {
  return (state, dispatch) => {
    if (wrappedIn(state, type)) return lift(state, dispatch);
    return wrapIn(type)(state, dispatch);
  };
}

function toggleList(type, other) {
  return (state, dispatch) => {
    if (wrappedIn(state, type)) return liftListItem(nodes.list_item)(state, dispatch);
    if (wrappedIn(state, other)) {
      // Bullets to numbers (or back): change the nearest list's type.
      const { $from } = state.selection;
      for (let d = $from.depth; d > 0; d--) {
        if ($from.node(d).type === other) {
          if (dispatch) dispatch(state.tr.setNodeMarkup($from.before(d), type));
          return true;
        }
      }
    }
    return wrapInList(type)(state, dispatch);
  };
}

function insertRule(state, dispatch) {
  if (dispatch) dispatch(state.tr.replaceSelectionWith(nodes.horizontal_rule.create()).scrollIntoView());
  return true;
}

const hardBreak = chainCommands(exitCode, (state, dispatch) => {
  if (dispatch) dispatch(state.tr.replaceSelectionWith(nodes.hard_break.create()).scrollIntoView());
  return true;
});

// ---- Markdown-style input rules ----

// `*text*`, `_text_`, `**text**`, `` `text` ``: the text gets the mark, the
// signs go.
function markRule(pattern, type) {
  return new InputRule(pattern, (state, match, start, end) => {
    const text = match[2];
    const from = start + match[1].length;
    const tr = state.tr.replaceWith(from, end, schema.text(text, [...state.doc.resolve(from).marks(), type.create()]));
    return tr.removeStoredMark(type);
  });
}

function rules() {
  return inputRules({
    rules: [
      textblockTypeInputRule(/^(#{2,4})\s$/, nodes.heading, (m) => ({ level: m[1].length })),
      wrappingInputRule(/^\s*>\s$/, nodes.blockquote),
      wrappingInputRule(/^\s*([-+*])\s$/, nodes.bullet_list),
      wrappingInputRule(
        /^(\d+)\.\s$/,
        nodes.ordered_list,
        (m) => ({ start: +m[1] }),
        (m, node) => node.childCount + node.attrs.start === +m[1],
      ),
      textblockTypeInputRule(/^```$/, nodes.code_block),
      markRule(/(^|[^*])\*\*([^*\s](?:[^*]*[^*\s])?)\*\*$/, marks.strong),
      markRule(/(^|[^*\w])\*([^*\s](?:[^*]*[^*\s])?)\*$/, marks.em),
      markRule(/(^|[^_\w])_([^_\s](?:[^_]*[^_\s])?)_$/, marks.em),
      markRule(/(^|[^`])`([^`]+)`$/, marks.code),
      new InputRule(/^(?:---|\*\*\*|___)$/, (state, match, start) => {
        const $start = state.doc.resolve(start);
        if ($start.parent.type !== nodes.paragraph || $start.parent.textContent.length !== 2) return null;
        const before = $start.before();
        const tr = state.tr.replaceWith(before, $start.after(), [
          nodes.horizontal_rule.create(),
          nodes.paragraph.create(),
        ]);
        return tr.setSelection(TextSelection.create(tr.doc, before + 2)).scrollIntoView();
      }),
    ],
  });
}

// ---- the toolbar ----

function button(label, key, icon, command, isActive) {
  return { label, key, icon, command, isActive };
}

function buildToolbar(view, getLinkUi, getImageUi) {
  const mod = /Mac|iP(hone|ad)/.test(navigator.platform) ? "⌘" : "Ctrl+";
  const items = [
    button("Bold", mod + "B", "B", toggleMark(marks.strong), (s) => markActive(s, marks.strong)),
    button("Italic", mod + "I", "I", toggleMark(marks.em), (s) => markActive(s, marks.em)),
    button("Link", mod + "K", "Link", (s, d) => getLinkUi().open(s, d), (s) => markActive(s, marks.link)),
    button("Heading 2", "## ", "H2", toggleHeading(2), (s) => blockActive(s, nodes.heading, { level: 2 })),
    button("Heading 3", "### ", "H3", toggleHeading(3), (s) => blockActive(s, nodes.heading, { level: 3 })),
    button("Heading 4", "#### ", "H4", toggleHeading(4), (s) => blockActive(s, nodes.heading, { level: 4 })),
    button("Bulleted list", "* ", "•", toggleList(nodes.bullet_list, nodes.ordered_list), (s) => wrappedIn(s, nodes.bullet_list)),
    button("Numbered list", "1. ", "1.", toggleList(nodes.ordered_list, nodes.bullet_list), (s) => wrappedIn(s, nodes.ordered_list)),
    button("Quote", "> ", "“", toggleWrap(nodes.blockquote), (s) => wrappedIn(s, nodes.blockquote)),
    button("Pull quote", null, "❝", toggleWrap(nodes.pullquote), (s) => wrappedIn(s, nodes.pullquote)),
    button("Horizontal rule", "---", "―", insertRule, null),
    button("Image", null, "Image", (s, d) => (d ? getImageUi().open(null, null) : true), null),
    button("Undo", mod + "Z", "↶", undo, null),
    button("Redo", mod + "Shift+Z", "↷", redo, null),
  ];
  const bar = document.createElement("div");
  bar.className = "editor-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Formatting");
  bar.setAttribute("aria-controls", view.dom.id);
  const buttons = items.map((item, i) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "editor-button";
    b.textContent = item.icon;
    b.dataset.name = item.label;
    // A visible text in letters or digits is the name itself (H2, 1.):
    // a screen reader says what a sighted person sees (WCAG 2.5.3); a
    // symbol or a single letter gets the words.
    if (!/[A-Za-z0-9]{2}|\d/.test(item.icon) || item.label.toLowerCase().startsWith(item.icon.toLowerCase())) {
      b.setAttribute("aria-label", item.label);
    }
    b.title = item.key ? item.label + " (" + item.key + ")" : item.label;
    if (item.key && item.key.startsWith(mod)) b.setAttribute("aria-keyshortcuts", item.key.replace("⌘", "Meta+").replace("Ctrl+", "Control+"));
    b.tabIndex = i === 0 ? 0 : -1;
    b.addEventListener("mousedown", (e) => e.preventDefault());
    b.addEventListener("click", () => {
      item.command(view.state, view.dispatch, view);
      if (item.label !== "Link" && item.label !== "Image") view.focus();
    });
    bar.appendChild(b);
    return b;
  });
  // Roving tabindex: Tab reaches the toolbar once; arrows, Home and End
  // move along it.
  bar.addEventListener("keydown", (e) => {
    const at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    let next = null;
    if (e.key === "ArrowRight") next = (at + 1) % buttons.length;
    else if (e.key === "ArrowLeft") next = (at - 1 + buttons.length) % buttons.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = buttons.length - 1;
    if (next === null) return;
    e.preventDefault();
    buttons[at].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  });
  function update(state) {
    items.forEach((item, i) => {
      const b = buttons[i];
      if (item.isActive) b.setAttribute("aria-pressed", item.isActive(state) ? "true" : "false");
      let enabled;
      if (item.label === "Undo") enabled = undoDepth(state) > 0;
      else if (item.label === "Redo") enabled = redoDepth(state) > 0;
      else if (item.label === "Link" || item.label === "Image") enabled = true;
      else enabled = item.command(state, null, view);
      // aria-disabled, not disabled: the button stays in the keyboard path.
      b.setAttribute("aria-disabled", enabled ? "false" : "true");
    });
  }
  return { bar, update };
}

// ---- the link field (Mod-K or the Link button) ----

function linkUi(view, container) {
  const box = document.createElement("div");
  box.className = "editor-link";
  box.hidden = true;
  const label = document.createElement("label");
  const id = view.dom.id + "-link";
  label.htmlFor = id;
  label.textContent = "Link address";
  const input = document.createElement("input");
  input.id = id;
  input.type = "url";
  input.placeholder = "https://";
  const apply = document.createElement("button");
  apply.type = "button";
  apply.textContent = "Apply link";
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = "Remove link";
  box.append(label, input, apply, remove);
  container.appendChild(box);
  let range = null;
  function close() {
    box.hidden = true;
    range = null;
    view.focus();
  }
  function commit() {
    const href = input.value.trim();
    if (!range) return close();
    const { from, to } = range;
    let tr = view.state.tr.removeMark(from, to, marks.link);
    if (href) {
      if (from === to) {
        tr = tr.insertText(href, from).addMark(from, from + href.length, marks.link.create({ href }));
      } else {
        tr = tr.addMark(from, to, marks.link.create({ href }));
      }
    }
    view.dispatch(tr);
    close();
  }
  apply.addEventListener("click", commit);
  remove.addEventListener("click", () => {
    input.value = "";
    commit();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      commit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
  return {
    open(state, dispatch) {
      if (!dispatch) return true;
      let { from, to } = state.selection;
      const link = marks.link.isInSet(state.selection.$from.marks());
      input.value = link ? link.attrs.href : "";
      if (link && from === to) {
        // The whole link around the cursor.
        const $pos = state.selection.$from;
        const start = $pos.start();
        let a = $pos.parentOffset;
        let b = $pos.parentOffset;
        const parent = $pos.parent;
        parent.forEach((child, offset) => {
          if (link.isInSet(child.marks) && offset <= $pos.parentOffset && offset + child.nodeSize >= $pos.parentOffset) {
            a = Math.min(a, offset);
            b = Math.max(b, offset + child.nodeSize);
          }
        });
        from = start + a;
        to = start + b;
      }
      range = { from, to };
      box.hidden = false;
      input.focus();
      input.select();
      return true;
    },
  };
}

// ---- word count and reading time ----

function countWords(doc) {
  const text = doc.textBetween(0, doc.content.size, " ", " ");
  // Whatever stands between spaces and holds a letter or a digit: "don't",
  // "2026" and an address are one word each, a dash alone is none.
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

function describeCount(words) {
  const minutes = Math.max(1, Math.round(words / WORDS_PER_MINUTE));
  const w = words === 1 ? "1 word" : words.toLocaleString("en") + " words";
  return words === 0 ? "0 words" : w + " · " + minutes + " min read";
}

// ---- one editor over one textarea ----

function enhance(textarea) {
  // A page's body format field: the editor writes HTML, so it says HTML
  // and is hidden. A body written in Markdown (typed without JavaScript
  // and shown again) stays in the plain textarea.
  const formatField = textarea.dataset.formatField && document.getElementById(textarea.dataset.formatField);
  if (formatField) {
    if (formatField.value !== "html" && textarea.value.trim() !== "") return null;
    formatField.value = "html";
    const row = formatField.closest("p");
    if (row) row.hidden = true;
  }
  const wrapper = document.createElement("div");
  wrapper.className = "rich-editor";
  textarea.parentNode.insertBefore(wrapper, textarea);
  const mount = document.createElement("div");
  const counter = document.createElement("p");
  counter.className = "editor-count";
  counter.setAttribute("aria-live", "polite");
  counter.id = textarea.id + "-count";

  let written = textarea.value;
  let toolbar = null;
  let linkBox = null;
  let images = null;
  const statusLine = document.createElement("p");
  statusLine.className = "editor-status";
  statusLine.id = textarea.id + "-status";
  statusLine.setAttribute("role", "status");
  const status = (message) => {
    statusLine.textContent = message;
  };
  const labelled = document.querySelector('label[for="' + textarea.id + '"]');
  if (labelled) {
    if (!labelled.id) labelled.id = textarea.id + "-label";
    // The label now names the rich editor; clicking it focuses the editor.
    labelled.addEventListener("click", (e) => {
      e.preventDefault();
      view.focus();
    });
  }

  const keys = {
    "Mod-z": undo,
    "Shift-Mod-z": redo,
    "Mod-y": redo,
    "Mod-b": toggleMark(marks.strong),
    "Mod-B": toggleMark(marks.strong),
    "Mod-i": toggleMark(marks.em),
    "Mod-I": toggleMark(marks.em),
    "Mod-k": (s, d) => linkBox.open(s, d),
    "Mod-`": toggleMark(marks.code),
    "Shift-Enter": hardBreak,
    "Mod-Enter": hardBreak,
    Enter: splitListItem(nodes.list_item),
    "Mod-[": liftListItem(nodes.list_item),
    "Mod-]": sinkListItem(nodes.list_item),
    Tab: sinkListItem(nodes.list_item),
    "Shift-Tab": liftListItem(nodes.list_item),
    Backspace: undoInputRule,
    "Shift-Ctrl-0": setBlockType(nodes.paragraph),
    "Shift-Ctrl-2": toggleHeading(2),
    "Shift-Ctrl-3": toggleHeading(3),
    "Shift-Ctrl-4": toggleHeading(4),
  };

  function makeState(html) {
    return EditorState.create({
      doc: parseHTML(html),
      plugins: [rules(), keymap(keys), keymap(baseKeymap), dropCursor(), gapCursor(), history()],
    });
  }

  const view = new EditorView(mount, {
    state: makeState(textarea.value),
    attributes: {
      id: textarea.id + "-editor",
      class: "editor-body",
      role: "textbox",
      "aria-multiline": "true",
      "aria-labelledby": labelled ? labelled.id : "",
      "aria-describedby": counter.id,
      spellcheck: "true",
    },
    transformPastedHTML: cleanPastedHTML,
    handlePaste(view, event) {
      const f = imageFile(event.clipboardData);
      if (f) {
        event.preventDefault();
        return images.open(f, view.state.selection.from);
      }
      return handleLinkPaste(view, event, status);
    },
    handleDrop(view, event) {
      const f = imageFile(event.dataTransfer);
      if (!f) return false;
      event.preventDefault();
      const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
      return images.open(f, at ? at.pos : null);
    },
    dispatchTransaction(tr) {
      const state = view.state.apply(tr);
      view.updateState(state);
      toolbar.update(state);
      if (tr.docChanged) {
        counter.textContent = describeCount(countWords(state.doc));
        written = bodyOf(state.doc);
        textarea.value = written;
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }
    },
  });
  if (!labelled) view.dom.setAttribute("aria-label", "Body");

  toolbar = buildToolbar(view, () => linkBox, () => images);
  wrapper.appendChild(toolbar.bar);
  linkBox = linkUi(view, wrapper);
  images = imageDialog(view, wrapper, status);
  wrapper.appendChild(mount);
  wrapper.appendChild(counter);
  wrapper.appendChild(statusLine);
  toolbar.update(view.state);
  counter.textContent = describeCount(countWords(view.state.doc));

  // Whatever the server sent is now the editor's HTML (a Markdown story
  // arrives converted): the form posts what the editor shows.
  written = bodyOf(view.state.doc);
  textarea.value = written;
  textarea.hidden = true;
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;

  textarea.addEventListener("masthead:body-replaced", () => {
    if (textarea.value === written) return;
    view.updateState(makeState(textarea.value));
    toolbar.update(view.state);
    counter.textContent = describeCount(countWords(view.state.doc));
    written = bodyOf(view.state.doc);
    if (written !== textarea.value) {
      textarea.value = written;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });

  // What the page says the editor is doing, for tests and other scripts.
  textarea.masthead = { view, parseHTML, serializeHTML };
  return view;
}

function start() {
  const format = document.querySelectorAll("[data-rich-editor]");
  for (const textarea of format) {
    if (textarea.nodeName === "TEXTAREA" && !textarea.masthead) enhance(textarea);
  }
  // The editor's own parse/serialize, for the schema's agreement with the
  // server's sanitizer (tests/it): HTML in, HTML out.
  window.mastheadEditor = {
    roundTrip: (html) => serializeHTML(parseHTML(html)),
    cleanPaste: (html) => serializeHTML(parseHTML(cleanPastedHTML(html))),
  };
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
