// The body schema: exactly the HTML the server's body sanitizer keeps
// (src/text/markdown.rs, `BODY_TAGS`): paragraphs, headings, quotes, pull
// quotes (<blockquote class="pullquote">), rules, lists, code, tables,
// figures with images (library ones with their media id), embeds; bold, italic, links, code, strike, sup, sub. Parse
// rules read pasted Word, Google Docs and web HTML into it: anything else
// (spans, fonts, styles, classes, comments) has no rule and is dropped,
// its text kept.
import { Schema } from "prosemirror-model";

// A style that says "not bold" (Google Docs wraps a whole paste in
// <b style="font-weight:normal">).
function notBold(style) {
  return /(^|[;\s])font-weight\s*:\s*(normal|[1-4]00)\b/i.test(style || "");
}

// Word marks its list paragraphs with classes and an mso-list style; they
// are turned into real lists before parsing (paste.js), the rest of Word's
// styling has no rule here.
const attrsOf = (dom, names) => {
  const out = {};
  for (const n of names) out[n] = dom.getAttribute(n) || null;
  return out;
};

const cellAttrs = {
  colspan: { default: 1 },
  rowspan: { default: 1 },
};
function cellFromDom(dom) {
  const colspan = parseInt(dom.getAttribute("colspan") || "1", 10);
  const rowspan = parseInt(dom.getAttribute("rowspan") || "1", 10);
  return {
    colspan: colspan > 1 ? colspan : 1,
    rowspan: rowspan > 1 ? rowspan : 1,
  };
}
function cellToDom(tag, node) {
  const attrs = {};
  if (node.attrs.colspan > 1) attrs.colspan = String(node.attrs.colspan);
  if (node.attrs.rowspan > 1) attrs.rowspan = String(node.attrs.rowspan);
  return [tag, attrs, 0];
}

export const schema = new Schema({
  nodes: {
    doc: { content: "block+" },
    paragraph: {
      content: "inline*",
      group: "block",
      parseDOM: [{ tag: "p" }],
      toDOM: () => ["p", 0],
    },
    heading: {
      attrs: { level: { default: 2 } },
      content: "inline*",
      group: "block",
      defining: true,
      parseDOM: [1, 2, 3, 4, 5, 6].map((level) => ({
        tag: "h" + level,
        attrs: { level },
      })),
      toDOM: (node) => ["h" + node.attrs.level, 0],
    },
    pullquote: {
      content: "paragraph+",
      group: "block",
      defining: true,
      parseDOM: [{ tag: "blockquote.pullquote", priority: 60 }],
      toDOM: () => ["blockquote", { class: "pullquote" }, 0],
    },
    blockquote: {
      content: "block+",
      group: "block",
      defining: true,
      parseDOM: [{ tag: "blockquote" }],
      toDOM: () => ["blockquote", 0],
    },
    horizontal_rule: {
      group: "block",
      parseDOM: [{ tag: "hr" }],
      toDOM: () => ["hr"],
    },
    code_block: {
      content: "text*",
      marks: "",
      group: "block",
      code: true,
      defining: true,
      parseDOM: [{ tag: "pre", preserveWhitespace: "full" }],
      toDOM: () => ["pre", ["code", 0]],
    },
    ordered_list: {
      attrs: { start: { default: 1 } },
      content: "list_item+",
      group: "block",
      parseDOM: [
        {
          tag: "ol",
          getAttrs: (dom) => ({
            start: dom.hasAttribute("start")
              ? parseInt(dom.getAttribute("start"), 10) || 1
              : 1,
          }),
        },
      ],
      toDOM: (node) =>
        node.attrs.start === 1
          ? ["ol", 0]
          : ["ol", { start: String(node.attrs.start) }, 0],
    },
    bullet_list: {
      content: "list_item+",
      group: "block",
      parseDOM: [{ tag: "ul" }],
      toDOM: () => ["ul", 0],
    },
    list_item: {
      content: "paragraph block*",
      defining: true,
      parseDOM: [{ tag: "li" }],
      toDOM: () => ["li", 0],
    },
    figure: {
      // mediaId: the library image (data-media-id); the reader page fills
      // its srcset from the media row.
      attrs: { mediaId: { default: null } },
      content: "figure_image figcaption?",
      group: "block",
      parseDOM: [
        {
          tag: "figure",
          getAttrs: (dom) => {
            // A figure without an image (an embed the sanitizer refused)
            // is read as its content: no empty image is made up.
            if (!dom.querySelector("img[src]")) return false;
            const id = dom.getAttribute("data-media-id") || "";
            return { mediaId: /^[1-9][0-9]{0,17}$/.test(id) ? id : null };
          },
        },
      ],
      toDOM: (node) =>
        node.attrs.mediaId ? ["figure", { "data-media-id": node.attrs.mediaId }, 0] : ["figure", 0],
    },
    // An embed of an allow-listed provider (src/text/embeds.rs): the
    // provider, its player's address and the link with its title. The
    // server's sanitizer keeps only allow-listed providers and player hosts.
    embed: {
      attrs: {
        provider: {},
        src: { default: null },
        href: { default: null },
        title: { default: "" },
      },
      group: "block",
      atom: true,
      draggable: true,
      parseDOM: [
        {
          tag: "figure[data-embed]",
          priority: 60,
          getAttrs: (dom) => {
            const kids = Array.from(dom.childNodes).filter(
              (n) => !(n.nodeType === 3 && !n.textContent.trim()),
            );
            if (kids.length > 1) return false;
            const a = kids[0];
            if (a && !(a.nodeName === "A" && a.hasAttribute("href") && a.children.length === 0)) {
              return false;
            }
            return {
              provider: dom.getAttribute("data-embed"),
              src: dom.getAttribute("data-embed-src") || null,
              href: a ? a.getAttribute("href") : null,
              title: a ? a.textContent : "",
            };
          },
        },
      ],
      toDOM: (node) => {
        const attrs = { "data-embed": node.attrs.provider, "data-embed-src": node.attrs.src };
        if (node.attrs.href === null) return ["figure", attrs];
        return ["figure", attrs, ["a", { href: node.attrs.href }, node.attrs.title]];
      },
    },
    figure_image: {
      attrs: {
        src: { default: "" },
        alt: { default: null },
        title: { default: null },
        srcset: { default: null },
        sizes: { default: null },
        width: { default: null },
        height: { default: null },
      },
      parseDOM: [
        {
          tag: "img[src]",
          context: "figure/",
          getAttrs: (dom) =>
            attrsOf(dom, ["src", "alt", "title", "srcset", "sizes", "width", "height"]),
        },
      ],
      toDOM: (node) => ["img", node.attrs],
    },
    figcaption: {
      content: "inline*",
      parseDOM: [{ tag: "figcaption" }],
      toDOM: () => ["figcaption", 0],
    },
    table: {
      content: "table_head? table_body",
      group: "block",
      isolating: true,
      parseDOM: [{ tag: "table" }],
      toDOM: () => ["table", 0],
    },
    table_head: {
      content: "table_row+",
      parseDOM: [{ tag: "thead" }],
      toDOM: () => ["thead", 0],
    },
    table_body: {
      content: "table_row+",
      parseDOM: [{ tag: "tbody" }],
      toDOM: () => ["tbody", 0],
    },
    table_row: {
      content: "(table_header | table_cell)+",
      parseDOM: [{ tag: "tr" }],
      toDOM: () => ["tr", 0],
    },
    table_header: {
      attrs: cellAttrs,
      content: "inline*",
      isolating: true,
      parseDOM: [{ tag: "th", getAttrs: cellFromDom }],
      toDOM: (node) => cellToDom("th", node),
    },
    table_cell: {
      attrs: cellAttrs,
      content: "inline*",
      isolating: true,
      parseDOM: [{ tag: "td", getAttrs: cellFromDom }],
      toDOM: (node) => cellToDom("td", node),
    },
    text: { group: "inline" },
    image: {
      inline: true,
      group: "inline",
      attrs: {
        src: {},
        alt: { default: null },
        title: { default: null },
        srcset: { default: null },
        sizes: { default: null },
        width: { default: null },
        height: { default: null },
      },
      draggable: true,
      parseDOM: [
        {
          tag: "img[src]",
          getAttrs: (dom) => {
            // Tracking pixels: 1x1 images and images with no real address.
            const w = dom.getAttribute("width");
            const h = dom.getAttribute("height");
            if (w === "1" || h === "1" || w === "0" || h === "0") return false;
            const src = dom.getAttribute("src") || "";
            if (!/^(https?:|\/)/i.test(src)) return false;
            return attrsOf(dom, ["src", "alt", "title", "srcset", "sizes", "width", "height"]);
          },
        },
      ],
      toDOM: (node) => ["img", node.attrs],
    },
    hard_break: {
      inline: true,
      group: "inline",
      selectable: false,
      parseDOM: [{ tag: "br" }],
      toDOM: () => ["br"],
    },
  },
  marks: {
    link: {
      attrs: { href: {}, title: { default: null } },
      inclusive: false,
      parseDOM: [
        {
          tag: "a[href]",
          getAttrs: (dom) => {
            const href = dom.getAttribute("href") || "";
            // Only addresses the sanitizer keeps; a Word comment anchor
            // (#_msocom_1) or a javascript: link stays text.
            if (!/^(https?:|mailto:|\/|#(?!_)|[^:]*$)/i.test(href)) return false;
            if (/^#_/.test(href)) return false;
            return { href, title: dom.getAttribute("title") || null };
          },
        },
      ],
      toDOM: (mark) => [
        "a",
        { href: mark.attrs.href, title: mark.attrs.title },
        0,
      ],
    },
    em: {
      parseDOM: [
        { tag: "em" },
        { tag: "i" },
        { style: "font-style=italic" },
        { style: "font-style=normal", clearMark: (m) => m.type.name === "em" },
      ],
      toDOM: () => ["em", 0],
    },
    strong: {
      parseDOM: [
        { tag: "strong" },
        {
          tag: "b",
          getAttrs: (dom) => (notBold(dom.getAttribute("style")) ? false : null),
        },
        {
          style: "font-weight",
          getAttrs: (value) => /^(bold(er)?|[5-9]00)$/.test(value) && null,
        },
      ],
      toDOM: () => ["strong", 0],
    },
    strike: {
      parseDOM: [{ tag: "del" }, { tag: "s" }, { tag: "strike" }],
      toDOM: () => ["del", 0],
    },
    sup: {
      excludes: "sub",
      parseDOM: [{ tag: "sup" }],
      toDOM: () => ["sup", 0],
    },
    sub: {
      excludes: "sup",
      parseDOM: [{ tag: "sub" }],
      toDOM: () => ["sub", 0],
    },
    code: {
      parseDOM: [{ tag: "code" }],
      toDOM: () => ["code", 0],
    },
  },
});
