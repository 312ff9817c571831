// Images in the text: a dialog that inserts a library image or a new
// upload (the file button, a file dropped on the text or pasted) as a
// figure the reader page draws from the media row (<figure
// data-media-id>, src/rendering/body.rs). Alt text is required: the dialog
// will not insert without it. Caption, credit and alt text are saved onto
// the image (the upload's fields, or POST /admin/media/<id>).
import { schema } from "./schema.js";

const nodes = schema.nodes;

function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const k of kids) e.append(k);
  return e;
}

function field(id, label, hint) {
  const input = el("input", { id, type: "text" });
  const p = el("p", { className: "editor-field" }, el("label", { htmlFor: id, textContent: label }), input);
  if (hint) {
    const h = el("span", { className: "editor-hint", id: id + "-hint", textContent: hint });
    input.setAttribute("aria-describedby", h.id);
    p.append(h);
  }
  return { p, input };
}

// The widest JPEG up to 1024 pixels (the reader's fallback `src`).
function fallback(media) {
  const jpegs = (media.derivatives || []).filter((d) => d.format === "jpeg").sort((a, b) => a.width - b.width);
  const fit = jpegs.filter((d) => d.width <= 1024);
  return fit.length ? fit[fit.length - 1] : jpegs[0] || { url: media.original, width: media.width, height: media.height };
}

function thumbnail(media) {
  const jpegs = (media.derivatives || []).filter((d) => d.format === "jpeg").sort((a, b) => a.width - b.width);
  return jpegs.length ? jpegs[0].url : media.original;
}

export function figureOf(media, text) {
  const image = fallback(media);
  const kids = [
    nodes.figure_image.create({
      src: image.url,
      alt: text.alt,
      width: String(image.width),
      height: String(image.height),
    }),
  ];
  const caption = [text.caption, text.credit].filter((t) => t).join(" ");
  if (caption) kids.push(nodes.figcaption.create(null, schema.text(caption)));
  return nodes.figure.create({ mediaId: String(media.id) }, kids);
}

export function imageDialog(view, container, status) {
  const base = view.dom.id + "-image";
  const title = el("h2", { id: base + "-title", textContent: "Insert an image" });
  const file = el("input", { id: base + "-file", type: "file", accept: "image/jpeg,image/png,image/webp,image/gif" });
  const fileRow = el("p", { className: "editor-field" }, el("label", { htmlFor: file.id, textContent: "Upload an image" }), file);
  const libraryLabel = el("p", { id: base + "-library-label", textContent: "Or choose from the library:" });
  const search = el("input", { id: base + "-search", type: "search", placeholder: "Alt text, caption or credit" });
  const searchRow = el("p", { className: "editor-field" }, el("label", { htmlFor: search.id, textContent: "Search the library" }), search);
  const library = el("div", { className: "editor-library", id: base + "-library" });
  library.setAttribute("role", "group");
  library.setAttribute("aria-labelledby", libraryLabel.id);
  const more = el("button", { type: "button", id: base + "-more", textContent: "More images" });
  more.hidden = true;
  const chosenNote = el("p", { className: "editor-chosen", id: base + "-chosen", textContent: "No image chosen yet." });
  chosenNote.setAttribute("aria-live", "polite");
  const alt = field(base + "-alt", "Alt text (required)", "What the image shows, for readers who cannot see it.");
  alt.input.setAttribute("aria-required", "true");
  const caption = field(base + "-caption", "Caption");
  const credit = field(base + "-credit", "Credit");
  const error = el("p", { className: "editor-error", id: base + "-error" });
  error.setAttribute("role", "alert");
  const insert = el("button", { type: "submit", textContent: "Insert image" });
  const cancel = el("button", { type: "button", textContent: "Cancel" });
  const form = el(
    "form",
    { method: "dialog" },
    title,
    fileRow,
    libraryLabel,
    searchRow,
    library,
    more,
    chosenNote,
    alt.p,
    caption.p,
    credit.p,
    error,
    el("p", { className: "editor-actions" }, insert, " ", cancel),
  );
  const dialog = el("dialog", { className: "editor-image-dialog", id: base + "-dialog" }, form);
  dialog.setAttribute("aria-labelledby", title.id);
  container.appendChild(dialog);

  let chosen = null; // { file } or { media }
  let at = null; // where the figure goes
  let busy = false;

  function choose(next, label) {
    chosen = next;
    chosenNote.textContent = label;
    for (const b of library.querySelectorAll("button")) {
      b.setAttribute("aria-pressed", next.media && b.dataset.id === String(next.media.id) ? "true" : "false");
    }
    if (next.media) {
      alt.input.value = next.media.alt || "";
      caption.input.value = next.media.caption || "";
      credit.input.value = next.media.credit || "";
    }
  }

  // The library a page at a time (the newest first), narrowed by the
  // search box; `before` is the page's start (null for the first). An
  // answer to an older request (the search changed since) is dropped.
  let asked = 0;
  let next = null;
  async function loadLibrary(before) {
    const ticket = ++asked;
    if (before == null) library.textContent = "Loading the library…";
    more.hidden = true;
    const query = new URLSearchParams();
    if (search.value.trim()) query.set("q", search.value.trim());
    if (before != null) query.set("before", String(before));
    try {
      const response = await fetch("/admin/media?" + query, { headers: { accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const json = await response.json();
      if (ticket !== asked) return;
      const list = json.items || [];
      if (before == null) {
        library.textContent = list.length ? "" : search.value.trim() ? "No image matches “" + search.value.trim() + "”." : "The library is empty.";
      }
      for (const media of list) {
        const b = el("button", { type: "button", className: "editor-library-item" });
        b.dataset.id = String(media.id);
        b.setAttribute("aria-pressed", chosen && chosen.media && chosen.media.id === media.id ? "true" : "false");
        const img = el("img", { src: thumbnail(media), alt: "" });
        b.append(img, el("span", { textContent: media.alt || media.caption || "media:" + media.id }));
        b.setAttribute("aria-label", "Image " + media.id + ": " + (media.alt || media.caption || "no alt text yet"));
        b.addEventListener("click", () => choose({ media }, "Chosen: library image " + media.id + "."));
        library.append(b);
      }
      next = json.next == null ? null : json.next;
      more.hidden = next == null;
    } catch (e) {
      if (ticket !== asked) return;
      library.textContent = "The library could not be loaded (" + e.message + "); upload an image instead.";
    }
  }

  let typing = null;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => loadLibrary(null), 250);
  });
  search.addEventListener("keydown", (e) => {
    // Enter searches; it does not insert the image.
    if (e.key !== "Enter") return;
    e.preventDefault();
    clearTimeout(typing);
    loadLibrary(null);
  });
  more.addEventListener("click", () => {
    if (next != null) loadLibrary(next);
  });

  file.addEventListener("change", () => {
    if (file.files && file.files[0]) choose({ file: file.files[0] }, "Chosen: " + file.files[0].name + " (uploaded on insert).");
  });
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => view.focus());

  async function upload(f, text) {
    const data = new FormData();
    data.append("file", f, f.name || "pasted-image");
    data.append("alt", text.alt);
    data.append("caption", text.caption);
    data.append("credit", text.credit);
    const response = await fetch("/admin/media", {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.message || json.detail || "the upload was refused (HTTP " + response.status + ")");
    return json;
  }

  async function saveText(media, text) {
    if (media.alt === text.alt && media.caption === text.caption && media.credit === text.credit) return media;
    const response = await fetch("/admin/media/" + media.id, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(text).toString(),
    }).catch(() => null);
    if (!response || !response.ok) {
      status("The image's own text was not changed (your role may not change it); the figure uses what you typed.");
    }
    return Object.assign({}, media, text);
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    const text = { alt: alt.input.value.trim(), caption: caption.input.value.trim(), credit: credit.input.value.trim() };
    if (!chosen) {
      error.textContent = "Choose an image from the library or upload one.";
      file.focus();
      return;
    }
    if (!text.alt) {
      error.textContent = "Alt text is required: describe the image for readers who cannot see it.";
      alt.input.setAttribute("aria-invalid", "true");
      alt.input.focus();
      return;
    }
    alt.input.removeAttribute("aria-invalid");
    error.textContent = "";
    busy = true;
    insert.setAttribute("aria-disabled", "true");
    try {
      const media = chosen.file ? await upload(chosen.file, text) : await saveText(chosen.media, text);
      const figure = figureOf(media, text);
      const pos = Math.min(at == null ? view.state.selection.from : at, view.state.doc.content.size);
      const $pos = view.state.doc.resolve(pos);
      // In an empty line the figure takes its place; else it goes after
      // the top-level block the cursor is in.
      const empty = $pos.depth === 1 && $pos.parent.type === nodes.paragraph && $pos.parent.content.size === 0;
      const where = $pos.depth >= 1 ? $pos.after(1) : pos;
      const tr = empty
        ? view.state.tr.replaceWith($pos.before(1), $pos.after(1), figure)
        : view.state.tr.insert(where, figure);
      view.dispatch(tr.scrollIntoView());
      status("Image inserted: " + text.alt);
      dialog.close();
    } catch (err) {
      error.textContent = "The image was not inserted: " + err.message;
    } finally {
      busy = false;
      insert.setAttribute("aria-disabled", "false");
    }
  });

  return {
    open(withFile, pos) {
      chosen = null;
      at = pos == null ? null : pos;
      file.value = "";
      alt.input.value = "";
      caption.input.value = "";
      credit.input.value = "";
      error.textContent = "";
      chosenNote.textContent = "No image chosen yet.";
      search.value = "";
      if (withFile) choose({ file: withFile }, "Chosen: " + (withFile.name || "the pasted image") + " (uploaded on insert).");
      if (!dialog.open) dialog.showModal();
      loadLibrary(null);
      (withFile ? alt.input : file).focus();
      return true;
    },
  };
}

// The first image file of a paste or a drop, or null.
export function imageFile(transfer) {
  if (!transfer || !transfer.files) return null;
  for (const f of transfer.files) if (/^image\//.test(f.type)) return f;
  return null;
}
