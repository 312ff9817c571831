// Embeds in the editor: a link of an allow-listed provider
// (src/text/embeds.rs, mirrored here) pasted alone on a line is asked of
// the server's resolver (POST /admin/embeds/resolve, which fetches oEmbed
// and checks the player) and becomes an embed node. Until the answer comes,
// and whenever it fails, the link stays in the text as a link.
import { schema } from "./schema.js";

const HOSTS = {
  youtube: ["youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"],
  vimeo: ["vimeo.com", "www.vimeo.com"],
  x: ["x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"],
  instagram: ["instagram.com", "www.instagram.com"],
  tiktok: ["tiktok.com", "www.tiktok.com"],
  bluesky: ["bsky.app"],
  soundcloud: ["soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"],
  spotify: ["open.spotify.com"],
};

// The provider of a pasted link, or null (the server decides for good).
export function providerOf(text) {
  let url;
  try {
    url = new URL(text);
  } catch (e) {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  const host = url.hostname.toLowerCase();
  for (const name of Object.keys(HOSTS)) {
    if (HOSTS[name].includes(host) && url.pathname.length > 1) return name;
  }
  if (/^\/@[^/]+\/\d+\/?$/.test(url.pathname)) return "mastodon";
  return null;
}

// Asks the server what `href` becomes; null when it cannot say.
async function resolve(href) {
  try {
    const response = await fetch("/admin/embeds/resolve", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ url: href }),
    });
    if (!response.ok) return null;
    return await response.json();
  } catch (e) {
    return null;
  }
}

// The position of the paragraph holding only a link to `href`, or -1.
function findLinkParagraph(doc, href) {
  let found = -1;
  doc.descendants((node, pos) => {
    if (found >= 0) return false;
    if (node.type !== schema.nodes.paragraph) return true;
    if (node.childCount === 1 && node.firstChild.isText) {
      const link = schema.marks.link.isInSet(node.firstChild.marks);
      if (link && link.attrs.href === href && node.textContent === href) found = pos;
    }
    return false;
  });
  return found;
}

// The paste handler: a provider link alone on an empty line becomes a
// linked paragraph at once and an embed once the server answers.
export function handleLinkPaste(view, event, status) {
  const data = event.clipboardData;
  if (!data) return false;
  const html = data.getData("text/html");
  const text = (data.getData("text/plain") || "").trim();
  if (!text || /\s/.test(text) || (html && !html.includes(text))) return false;
  const provider = providerOf(text);
  if (!provider) return false;
  const { $from, empty } = view.state.selection;
  if (!empty || $from.parent.type !== schema.nodes.paragraph || $from.parent.content.size !== 0) {
    return false;
  }
  event.preventDefault();
  const link = schema.marks.link.create({ href: text });
  const paragraph = schema.nodes.paragraph.create(null, schema.text(text, [link]));
  const start = $from.before();
  view.dispatch(view.state.tr.replaceWith(start, $from.after(), paragraph).scrollIntoView());
  status("Looking up the " + provider + " link…");
  resolve(text).then((answer) => {
    const at = findLinkParagraph(view.state.doc, text);
    if (at < 0) return;
    if (!answer || !answer.provider) {
      status("The link stays a link" + (answer && answer.note ? ": " + answer.note : "."));
      return;
    }
    const node = schema.nodes.embed.create({
      provider: answer.provider,
      src: answer.src || null,
      href: answer.href || text,
      title: answer.title || text,
    });
    const para = view.state.doc.nodeAt(at);
    let tr = view.state.tr.replaceWith(at, at + para.nodeSize, node);
    // A paragraph after it to keep writing in.
    const after = at + node.nodeSize;
    if (after >= tr.doc.content.size || tr.doc.resolve(after).nodeAfter === null) {
      tr = tr.insert(after, schema.nodes.paragraph.create());
    }
    view.dispatch(tr);
    status(answer.src ? "Embedded: " + (answer.title || text) : "Inserted as a link: " + (answer.note || "no player"));
  });
  return true;
}
