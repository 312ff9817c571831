//! A WordPress post's content as masthead HTML: the `<!--more-->` teaser
//! break, block-editor comments, the shortcodes WordPress itself ships
//! (`[caption]`, `[gallery]`, `[embed]`, `[audio]`, `[video]`) as
//! masthead's figure and embed HTML, and classic-editor text's paragraphs
//! (WordPress's `wpautop`: a blank line is a paragraph, a line break a
//! `<br>`). An unknown shortcode stays in the text as written and is listed,
//! never dropped. Pure: the images a gallery or caption names come in
//! resolved.

use std::collections::HashMap;

/// An image of the media library a shortcode names (by attachment id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub url: String,
    pub alt: String,
    pub caption: String,
}

/// The content, converted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converted {
    /// HTML before sanitizing.
    pub html: String,
    /// The HTML before `<!--more-->`, when the post has one.
    pub before_more: Option<String>,
    /// Shortcodes kept as text (`[foo]`), once each, in order.
    pub unknown: Vec<String>,
    /// Attachment ids a gallery or caption named that are not in the
    /// library.
    pub missing: Vec<String>,
}

/// The attachment ids `content`'s galleries and captions name, to resolve
/// before [`convert`].
pub fn attachment_ids(content: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = content;
    while let Some(at) = rest.find('[') {
        rest = &rest[at + 1..];
        let Some(code) = parse_open(rest) else {
            continue;
        };
        match code.name.as_str() {
            "gallery" => ids.extend(
                code.attr("ids")
                    .unwrap_or_default()
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
            ),
            "caption" | "wp_caption" => {
                if let Some(id) = code.attr("id").and_then(|v| v.strip_prefix("attachment_")) {
                    ids.push(id.to_owned());
                }
            }
            _ => {}
        }
    }
    ids
}

/// Converts `content`; `images` are the attachments [`attachment_ids`]
/// named that the library has.
pub fn convert(content: &str, images: &HashMap<String, Image>) -> Converted {
    let content = content.replace("\r\n", "\n");
    let blocks = content.contains("<!-- wp:");
    let mut out = Converted::default();
    let (body, before_more) = split_more(&content);
    let body = if blocks {
        embeds_of_blocks(&body)
    } else {
        body
    };
    let mut html = shortcodes(&body, images, &mut out);
    if !blocks {
        html = autop(&html);
    }
    out.html = html;
    out.before_more = before_more.map(|before| {
        let before = shortcodes(&before, images, &mut Converted::default());
        if blocks { before } else { autop(&before) }
    });
    out
}

/// The content without its `<!--more-->` (and `<!--noteaser-->`), and the
/// part before it.
fn split_more(content: &str) -> (String, Option<String>) {
    let Some(at) = content.find("<!--more") else {
        return (content.to_owned(), None);
    };
    let end = content[at..]
        .find("-->")
        .map_or(content.len(), |e| at + e + 3);
    let before = content[..at].to_owned();
    let after = content[end..].replace("<!--noteaser-->", "");
    // A block-editor `<!-- wp:more -->` wraps the marker in block comments.
    let before = before
        .trim_end()
        .trim_end_matches("<!-- wp:more -->")
        .to_owned();
    let after = after.trim_start().trim_start_matches("<!-- /wp:more -->");
    (format!("{before}\n\n{after}"), Some(before))
}

/// Block-editor embeds (`<!-- wp:embed {"url":...} -->`, and the older
/// `wp:core-embed/...`) as masthead's embed HTML; other blocks keep their
/// HTML (the sanitizer drops the comments).
fn embeds_of_blocks(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(at) = rest.find("<!-- wp:") {
        let after = &rest[at + 8..];
        let is_embed = after.starts_with("embed") || after.starts_with("core-embed/");
        let Some(open_end) = after.find("-->") else {
            break;
        };
        if !is_embed {
            out.push_str(&rest[..at + 8 + open_end + 3]);
            rest = &after[open_end + 3..];
            continue;
        }
        let json_start = after[..open_end].find('{');
        let url = json_start
            .and_then(|s| serde_json::from_str::<serde_json::Value>(after[s..open_end].trim()).ok())
            .and_then(|v| v.get("url").and_then(|u| u.as_str()).map(str::to_owned));
        let close = after.find("<!-- /wp:").map(|c| {
            let end = after[c..].find("-->").map_or(after.len(), |e| c + e + 3);
            (c, end)
        });
        out.push_str(&rest[..at]);
        match (url, close) {
            (Some(url), Some((_, end))) => {
                out.push_str(&embed(&url, ""));
                rest = &after[end..];
            }
            _ => {
                out.push_str(&rest[at..at + 8 + open_end + 3]);
                rest = &after[open_end + 3..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A shortcode's opening tag: `name attr="v" attr2=v2 positional`.
#[derive(Debug)]
struct Open {
    name: String,
    attrs: Vec<(String, String)>,
    /// Bytes of the tag after the `[`, `]` included.
    len: usize,
    self_closing: bool,
}

impl Open {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a shortcode's opening tag at `text` (just after its `[`).
fn parse_open(text: &str) -> Option<Open> {
    let name_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(text.len());
    let name = &text[..name_len];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after = &text[name_len..];
    if !after.starts_with([' ', ']', '/', '\t', '\n']) {
        return None;
    }
    let close = after.find(']')?;
    let inside = &after[..close];
    if inside.contains('[') {
        return None;
    }
    let self_closing = inside.trim_end().ends_with('/');
    Some(Open {
        name: name.to_ascii_lowercase(),
        attrs: attributes(inside.trim_end().trim_end_matches('/')),
        len: name_len + close + 1,
        self_closing,
    })
}

/// `a="x" b='y' c=z positional` as (name, value) pairs; a positional value
/// gets its index as name.
fn attributes(text: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut rest = text.trim();
    let mut index = 0;
    while !rest.is_empty() {
        let name_len = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_len);
        if let Some(value) = after.strip_prefix('=') {
            let (value, tail) = match value.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &value[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or_default())
                }
                _ => {
                    let end = value.find(char::is_whitespace).unwrap_or(value.len());
                    (&value[..end], &value[end..])
                }
            };
            attrs.push((name.to_ascii_lowercase(), value.to_owned()));
            rest = tail.trim_start();
        } else {
            let value = name.trim_matches(['"', '\'']);
            attrs.push((index.to_string(), value.to_owned()));
            index += 1;
            rest = after.trim_start();
        }
    }
    attrs
}

/// Replaces the shortcodes masthead knows and lists the others.
fn shortcodes(text: &str, images: &HashMap<String, Image>, out: &mut Converted) -> String {
    let mut html = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('[') {
        html.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        // `[[foo]]` is WordPress's escape for a literal `[foo]`.
        if let Some(inner) = after.strip_prefix('[')
            && let Some(end) = inner.find("]]")
            && parse_open(inner).is_some()
        {
            html.push('[');
            html.push_str(&inner[..end]);
            html.push(']');
            rest = &inner[end + 2..];
            continue;
        }
        let Some(code) = parse_open(after) else {
            html.push('[');
            rest = after;
            continue;
        };
        let tail = &after[code.len..];
        let closing = format!("[/{}]", code.name);
        let (inner, next) = if code.self_closing {
            (None, tail)
        } else {
            match find_ignore_case(tail, &closing) {
                Some(end) => (Some(&tail[..end]), &tail[end + closing.len()..]),
                None => (None, tail),
            }
        };
        let known = match code.name.as_str() {
            "caption" | "wp_caption" => {
                Some(caption(&code, inner.unwrap_or_default(), images, out))
            }
            "gallery" => gallery(&code, images, out),
            "embed" => inner
                .map(str::trim)
                .filter(|u| is_web_url(u))
                .map(|url| embed(url, "")),
            "audio" | "video" => media_link(&code, inner),
            _ => None,
        };
        match known {
            Some(replacement) => {
                html.push_str(&replacement);
                rest = next;
            }
            None => {
                let written = format!("[{}", &after[..code.len]);
                let name = format!("[{}]", code.name);
                if !out.unknown.contains(&name) {
                    out.unknown.push(name);
                }
                html.push_str(&written);
                rest = tail;
            }
        }
    }
    html.push_str(rest);
    html
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

fn is_web_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && !text.contains(char::is_whitespace)
}

/// `[caption]<a><img></a> The caption[/caption]`: a figure with the image
/// and its caption.
fn caption(
    code: &Open,
    inner: &str,
    images: &HashMap<String, Image>,
    out: &mut Converted,
) -> String {
    // The image (maybe inside a link) comes first; the rest is the caption.
    let split = match inner.find("</a>") {
        Some(end) if inner.trim_start().starts_with("<a") => end + 4,
        _ => inner.find('>').map_or(0, |e| e + 1),
    };
    let (image, text) = inner.split_at(split.min(inner.len()));
    let text = match code.attr("caption") {
        Some(c) if text.trim().is_empty() => c.to_owned(),
        _ => text.trim().to_owned(),
    };
    let mut image = image.trim().to_owned();
    if let Some(id) = code.attr("id").and_then(|v| v.strip_prefix("attachment_")) {
        match images.get(id) {
            Some(found) if image.is_empty() => image = img(found),
            Some(_) => {}
            None => out.missing.push(id.to_owned()),
        }
    }
    format!("<figure>{image}<figcaption>{text}</figcaption></figure>")
}

/// `[gallery ids="1,2,3"]`: a figure of the images; without ids (a gallery
/// of whatever was attached to the post) it stays as text.
fn gallery(code: &Open, images: &HashMap<String, Image>, out: &mut Converted) -> Option<String> {
    let ids = code.attr("ids")?;
    let mut html = String::from("<figure>");
    for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match images.get(id) {
            Some(image) => html.push_str(&img(image)),
            None => out.missing.push(id.to_owned()),
        }
    }
    html.push_str("</figure>");
    Some(html)
}

fn img(image: &Image) -> String {
    format!(
        "<img src=\"{}\" alt=\"{}\">",
        escape(&image.url),
        escape(&image.alt)
    )
}

/// `[audio src=...]`, `[video mp4=...]`: a link to the file in a figure.
fn media_link(code: &Open, inner: Option<&str>) -> Option<String> {
    let src = ["src", "mp3", "m4a", "ogg", "wav", "mp4", "webm", "ogv", "0"]
        .iter()
        .find_map(|k| code.attr(k))
        .or(inner.map(str::trim))
        .filter(|u| is_web_url(u))?;
    let label = if code.name == "audio" {
        "Audio"
    } else {
        "Video"
    };
    Some(embed(src, label))
}

/// masthead's embed HTML: a figure with a link to what is embedded (a page
/// never loads another site's script or frame).
fn embed(url: &str, label: &str) -> String {
    let caption = if label.is_empty() {
        String::new()
    } else {
        format!("<figcaption>{}</figcaption>", escape(label))
    };
    format!(
        "<figure><a href=\"{0}\">{0}</a>{caption}</figure>",
        escape(url)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Elements that start a block of their own: text starting with one is not
/// wrapped in a paragraph.
const BLOCKS: &[&str] = &[
    "address",
    "aside",
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
    "!--",
];

/// WordPress's `wpautop`, simplified: blank lines make paragraphs, other
/// line breaks `<br>`, except in text that already starts with a block.
pub fn autop(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut in_pre = false;
    for chunk in text.split("\n\n") {
        let trimmed = chunk.trim();
        if trimmed.is_empty() {
            continue;
        }
        let lower = trimmed.to_ascii_lowercase();
        if in_pre || lower.contains("<pre") {
            // Inside a <pre> the blank lines are the text's own.
            out.push_str(chunk);
            out.push_str("\n\n");
            in_pre = lower.matches("<pre").count() > lower.matches("</pre").count()
                || (in_pre && !lower.contains("</pre"));
            continue;
        }
        let starts_block = lower.strip_prefix('<').is_some_and(|tag| {
            BLOCKS.iter().any(|b| {
                tag.starts_with(b) && tag[b.len()..].starts_with([' ', '>', '/', '\n', '-'])
                    || (*b == "!--" && tag.starts_with(b))
            })
        });
        if starts_block {
            out.push_str(trimmed);
        } else {
            out.push_str("<p>");
            out.push_str(&trimmed.replace('\n', "<br>\n"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images() -> HashMap<String, Image> {
        HashMap::from([(
            "12".to_owned(),
            Image {
                url: "/media/ab-orig.jpg".into(),
                alt: "A boat".into(),
                caption: "The boat".into(),
            },
        )])
    }

    #[test]
    fn blank_lines_make_paragraphs_and_line_breaks_br() {
        assert_eq!(
            autop("One\ntwo\n\nThree\n\n<h2>Four</h2>"),
            "<p>One<br>\ntwo</p>\n<p>Three</p>\n<h2>Four</h2>\n"
        );
    }

    #[test]
    fn the_more_marker_is_the_teaser_break_and_leaves_the_body() {
        let c = convert("Intro words.\n<!--more-->\nThe rest.", &HashMap::new());
        assert_eq!(c.before_more.as_deref(), Some("<p>Intro words.</p>\n"));
        assert!(!c.html.contains("more"), "{}", c.html);
        assert!(c.html.contains("<p>Intro words.</p>") && c.html.contains("<p>The rest.</p>"));
    }

    #[test]
    fn a_caption_becomes_a_figure_with_its_figcaption() {
        let c = convert(
            "[caption id=\"attachment_12\" align=\"alignleft\" width=\"300\"]<img src=\"http://old/boat.jpg\" alt=\"A boat\" /> The boat at dawn[/caption]",
            &images(),
        );
        assert_eq!(
            c.html,
            "<figure><img src=\"http://old/boat.jpg\" alt=\"A boat\" /><figcaption>The boat at dawn</figcaption></figure>\n"
        );
        assert!(c.unknown.is_empty());
    }

    #[test]
    fn a_gallery_embed_audio_and_video_become_figures() {
        let c = convert(
            "[gallery ids=\"12,99\"]\n\n[embed]https://www.youtube.com/watch?v=x[/embed]\n\n[audio mp3=\"https://old/a.mp3\"][/audio]\n\n[video src=\"https://old/v.mp4\"]",
            &images(),
        );
        assert!(
            c.html
                .contains("<figure><img src=\"/media/ab-orig.jpg\" alt=\"A boat\"></figure>"),
            "{}",
            c.html
        );
        assert!(
            c.html
                .contains("<figure><a href=\"https://www.youtube.com/watch?v=x\">")
        );
        assert!(c.html.contains(
            "<a href=\"https://old/a.mp3\">https://old/a.mp3</a><figcaption>Audio</figcaption>"
        ));
        assert!(
            c.html
                .contains("https://old/v.mp4</a><figcaption>Video</figcaption>")
        );
        assert_eq!(c.missing, vec!["99".to_owned()]);
    }

    #[test]
    fn an_unknown_shortcode_stays_as_text_and_is_listed() {
        let c = convert(
            "Buy now [contact-form to=\"x\"] and [1] and [[gallery]].",
            &images(),
        );
        assert!(c.html.contains("[contact-form to=\"x\"]"), "{}", c.html);
        assert!(
            c.html.contains("[1]") && c.html.contains("[gallery]"),
            "{}",
            c.html
        );
        assert_eq!(c.unknown, vec!["[contact-form]".to_owned()]);
    }

    #[test]
    fn block_editor_embeds_become_figures_and_other_blocks_keep_their_html() {
        let c = convert(
            "<!-- wp:paragraph -->\n<p>Hello</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:embed {\"url\":\"https://vimeo.com/1\",\"type\":\"video\"} -->\n<figure class=\"wp-block-embed\"><div>https://vimeo.com/1</div></figure>\n<!-- /wp:embed -->",
            &HashMap::new(),
        );
        assert!(c.html.contains("<p>Hello</p>"), "{}", c.html);
        assert!(
            c.html.contains(
                "<figure><a href=\"https://vimeo.com/1\">https://vimeo.com/1</a></figure>"
            ),
            "{}",
            c.html
        );
        assert!(!c.html.contains("<p><!--"), "{}", c.html);
    }

    #[test]
    fn the_attachments_of_galleries_and_captions_are_named() {
        assert_eq!(
            attachment_ids("[gallery ids=\"3, 4\"] [caption id=\"attachment_7\"]x[/caption]"),
            vec!["3", "4", "7"]
        );
    }
}
