//! A stored body as readers see it: library images
//! (`<figure data-media-id>`) drawn from their media rows as a responsive
//! `<picture>` like the lead image, and embeds
//! (`<figure data-embed data-embed-src>`) as a sandboxed iframe or a
//! click-to-load placeholder (`Config::embeds`). Only the sanitizer's own
//! output is scanned (attribute values double-quoted, `<` in text
//! escaped), so a plain scan finds its figures.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::media::{DerivativeFormat, Media};
use crate::text::embeds::{self, EmbedDisplay};

/// The sandbox of every embedded player: its scripts run in its own
/// origin, it may open the provider's page and go full screen, nothing else
/// (no top navigation, no forms, no downloads).
pub(crate) const EMBED_SANDBOX: &str =
    "allow-scripts allow-same-origin allow-popups allow-presentation";

/// A rendered body.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Body<'a> {
    /// The stored body itself when it has nothing to draw (most stories:
    /// no copy on the page's path).
    pub html: Cow<'a, str>,
    /// It has click-to-load embeds: the page loads `/static/embeds.js`.
    pub deferred_embeds: bool,
    /// Hosts its players are framed from beyond the reader CSP's fixed
    /// list (a Mastodon status's own instance), each once: the page's CSP
    /// names them in its `frame-src`.
    pub frame_hosts: Vec<String>,
}

/// The media ids of the body's library images, in order, each once: what
/// to load, and the page's `media:<id>` cache tags.
pub(crate) fn media_ids(html: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for (tag, _) in figures(html) {
        if let Some(id) = attribute(tag, "data-media-id").and_then(|v| v.parse().ok())
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// The start tags of the figures in `html`, with their offsets.
fn figures(html: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let at = from + html[from..].find("<figure")?;
            let after = at + "<figure".len();
            from = after;
            if html[after..].starts_with([' ', '>']) {
                let end = tag_end(html, at)?;
                return Some((&html[at..end], at));
            }
        }
    })
}

/// The offset just past the `>` ending the tag that starts at `at`.
fn tag_end(html: &str, at: usize) -> Option<usize> {
    let mut quoted = false;
    html[at..].char_indices().find_map(|(i, c)| match c {
        '"' => {
            quoted = !quoted;
            None
        }
        '>' if !quoted => Some(at + i + 1),
        _ => None,
    })
}

/// The value of `name` in a start tag, as written (entities not decoded).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let at = tag.find(&needle)? + needle.len();
    let len = tag[at..].find('"')?;
    Some(&tag[at..at + len])
}

/// The offset of the `</figure>` closing the figure whose start tag ends at
/// `inner`, and of the end of that closing tag.
fn figure_end(html: &str, inner: usize) -> Option<(usize, usize)> {
    let mut depth = 1;
    let mut from = inner;
    loop {
        let open = html[from..].find("<figure").map(|i| from + i);
        let close = from + html[from..].find("</figure>")?;
        match open {
            Some(open) if open < close => {
                depth += 1;
                from = open + 7;
            }
            _ => {
                depth -= 1;
                from = close + 9;
                if depth == 0 {
                    return Some((close, from));
                }
            }
        }
    }
}

/// Decodes what the serializer escapes in an attribute value.
fn decode(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Escapes text for an attribute value or element content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Sanitized inner HTML as attribute text: tags dropped, quotes escaped
/// (entities the serializer wrote stay as they are).
fn as_attribute(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out.trim().to_owned()
}

/// The inner HTML of the first `<name ...>...</name>` in `html`.
fn element<'a>(html: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    let open = format!("<{name}");
    let at = html.find(&open)?;
    let start_end = tag_end(html, at)?;
    let close = format!("</{name}>");
    let end = start_end + html[start_end..].find(&close)?;
    Some((&html[at..start_end], &html[start_end..end]))
}

/// Renders `html` for readers, with the library images in `media` (a
/// missing row leaves its figure as stored: its image and caption).
pub(crate) fn render<'a>(
    html: &'a str,
    media: &HashMap<i64, Media>,
    display: EmbedDisplay,
) -> Body<'a> {
    if !html.contains("<figure ") {
        return Body {
            html: Cow::Borrowed(html),
            deferred_embeds: false,
            frame_hosts: Vec::new(),
        };
    }
    let mut out = String::with_capacity(html.len() + 512);
    let mut deferred = false;
    let mut frame_hosts = Vec::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some((tag, at)) = figures(&html[from..]).next().map(|(t, a)| (t, from + a)) {
        let inner = at + tag.len();
        from = inner;
        let Some((close, after)) = figure_end(html, inner) else {
            break;
        };
        let content = &html[inner..close];
        let drawn = if let Some(id) = attribute(tag, "data-media-id") {
            id.parse()
                .ok()
                .and_then(|id: i64| media.get(&id))
                .map(|m| library_image(m, content))
        } else if let Some(provider) = attribute(tag, "data-embed") {
            embed(
                provider,
                attribute(tag, "data-embed-src"),
                content,
                display,
                &mut deferred,
                &mut frame_hosts,
            )
        } else {
            None
        };
        if let Some(drawn) = drawn {
            out.push_str(&html[copied..at]);
            out.push_str(&drawn);
            copied = after;
            from = after;
        }
    }
    out.push_str(&html[copied..]);
    Body {
        html: out.into(),
        deferred_embeds: deferred,
        frame_hosts,
    }
}

/// A library image as a `<picture>`: WebP and JPEG `srcset`s, intrinsic
/// size, the row's alt text (else the stored one) and the row's caption and
/// credit (else the stored caption).
fn library_image(media: &Media, content: &str) -> String {
    let stored_alt = element(content, "img")
        .and_then(|(tag, _)| attribute(tag, "alt"))
        .unwrap_or("");
    let alt = if media.alt.is_empty() {
        stored_alt.to_owned()
    } else {
        escape(&media.alt)
    };
    let view = super::views::image_view(media);
    let mut out = String::from("<figure class=\"body-image\">\n<picture>\n");
    if !media.derivatives_of(DerivativeFormat::Webp).is_empty() {
        out.push_str(&format!(
            "<source type=\"image/webp\" srcset=\"{}\" sizes=\"{}\">\n",
            escape(&view.webp_srcset),
            view.sizes
        ));
    }
    out.push_str(&format!("<img src=\"{}\"", escape(&view.src)));
    if !view.srcset.is_empty() {
        out.push_str(&format!(
            " srcset=\"{}\" sizes=\"{}\"",
            escape(&view.srcset),
            view.sizes
        ));
    }
    out.push_str(&format!(
        " width=\"{}\" height=\"{}\" alt=\"{alt}\" loading=\"lazy\">\n</picture>\n",
        view.width, view.height
    ));
    if !(media.caption.is_empty() && media.credit.is_empty()) {
        out.push_str("<figcaption>");
        out.push_str(&escape(&media.caption));
        if !media.caption.is_empty() && !media.credit.is_empty() {
            out.push(' ');
        }
        if !media.credit.is_empty() {
            out.push_str(&format!(
                "<span class=\"credit\">{}</span>",
                escape(&media.credit)
            ));
        }
        out.push_str("</figcaption>\n");
    } else if let Some((_, caption)) = element(content, "figcaption")
        && !caption.trim().is_empty()
    {
        out.push_str(&format!("<figcaption>{caption}</figcaption>\n"));
    }
    out.push_str("</figure>");
    out
}

/// An embed: the player in a sandboxed iframe, or a placeholder that loads
/// it on a click, or (a player masthead may not frame, none at all) the
/// link alone. A Mastodon player's instance is added to `frame_hosts`.
fn embed(
    provider: &str,
    src: Option<&str>,
    content: &str,
    display: EmbedDisplay,
    deferred: &mut bool,
    frame_hosts: &mut Vec<String>,
) -> Option<String> {
    let provider = embeds::by_name(provider)?;
    let (href, title) = match element(content, "a") {
        Some((tag, text)) => (attribute(tag, "href"), text.trim()),
        None => (None, ""),
    };
    let title_text = as_attribute(title);
    let title_text = if title_text.is_empty() {
        format!("{} content", provider.label)
    } else {
        title_text
    };
    let link = match href {
        Some(href) => format!(
            "<a href=\"{href}\" rel=\"noopener noreferrer\">{}</a>",
            if title.is_empty() { href } else { title }
        ),
        None => String::new(),
    };
    let class = format!("embed embed-{}", provider.name);
    let player = src.map(decode).filter(|src| {
        embeds::frame_allowed(provider.name, &href.map(decode).unwrap_or_default(), src)
            && (embeds::in_reader_csp(src)
                || embeds::instance_frame_host(provider.name, src).is_some_and(|host| {
                    if !frame_hosts.contains(&host) {
                        frame_hosts.push(host);
                    }
                    true
                }))
    });
    let Some(player) = player else {
        return Some(format!("<figure class=\"{class}\">\n{link}\n</figure>"));
    };
    let player = escape(&player);
    Some(match display {
        EmbedDisplay::Frame => format!(
            "<figure class=\"{class}\">\n<iframe src=\"{player}\" title=\"{title_text}\" \
             sandbox=\"{EMBED_SANDBOX}\" loading=\"lazy\" allowfullscreen \
             referrerpolicy=\"strict-origin-when-cross-origin\"></iframe>\n\
             <figcaption>{link}</figcaption>\n</figure>"
        ),
        EmbedDisplay::ClickToLoad => {
            *deferred = true;
            let label = provider.label;
            format!(
                "<figure class=\"{class} embed-deferred\" data-embed-frame=\"{player}\" \
                 data-embed-title=\"{title_text}\">\n\
                 <p class=\"embed-notice\">{label}: {link}</p>\n\
                 <p class=\"embed-consent\" hidden>Showing it here loads content from {label}, \
                 which may set cookies. <button type=\"button\" class=\"embed-load\">Load \
                 {label} content</button></p>\n</figure>"
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(id: i64) -> Media {
        Media {
            id,
            hash: "ab".repeat(32),
            width: 1600,
            height: 900,
            mime: "image/jpeg".into(),
            byte_size: 1,
            caption: "Harbour at dawn".into(),
            credit: "A. Photographer".into(),
            alt: "Boats & cranes".into(),
            derivatives: vec![
                crate::media::Derivative {
                    format: DerivativeFormat::Jpeg,
                    width: 640,
                    height: 360,
                    bytes: 1,
                },
                crate::media::Derivative {
                    format: DerivativeFormat::Webp,
                    width: 640,
                    height: 360,
                    bytes: 1,
                },
            ],
            uploaded_by: None,
            created_at: 0,
        }
    }

    const EMBED: &str = "<p>Before</p><figure data-embed=\"youtube\" data-embed-src=\"https://www.youtube-nocookie.com/embed/abc?a=1&amp;b=2\"><a href=\"https://youtu.be/abc\" rel=\"noopener noreferrer\">A \"quoted\" talk</a></figure><p>After</p>";

    #[test]
    fn an_embed_is_a_sandboxed_frame_or_a_placeholder() {
        let framed = render(EMBED, &HashMap::new(), EmbedDisplay::Frame);
        assert!(!framed.deferred_embeds);
        assert!(
            framed
                .html
                .starts_with("<p>Before</p><figure class=\"embed embed-youtube\">"),
            "{}",
            framed.html
        );
        assert!(framed.html.contains("<iframe src=\"https://www.youtube-nocookie.com/embed/abc?a=1&amp;b=2\" title=\"A &quot;quoted&quot; talk\" sandbox=\"allow-scripts allow-same-origin allow-popups allow-presentation\" loading=\"lazy\""), "{}", framed.html);
        assert!(framed.html.ends_with("</figure><p>After</p>"));
        let deferred = render(EMBED, &HashMap::new(), EmbedDisplay::ClickToLoad);
        assert!(deferred.deferred_embeds);
        assert!(!deferred.html.contains("<iframe"));
        assert!(deferred.html.contains(
            "data-embed-frame=\"https://www.youtube-nocookie.com/embed/abc?a=1&amp;b=2\""
        ));
        assert!(deferred.html.contains("YouTube: <a href=\"https://youtu.be/abc\" rel=\"noopener noreferrer\">A \"quoted\" talk</a>"));
    }

    #[test]
    fn a_mastodon_player_is_framed_from_its_instance_which_the_body_names() {
        let toot = "<figure data-embed=\"mastodon\" data-embed-src=\"https://mastodon.social/@a/1/embed\"><a href=\"https://mastodon.social/@a/1\">A toot</a></figure>";
        let twice = format!("{toot}{toot}");
        let out = render(&twice, &HashMap::new(), EmbedDisplay::Frame);
        assert_eq!(out.frame_hosts, vec!["mastodon.social"]);
        assert_eq!(
            out.html
                .matches("<iframe src=\"https://mastodon.social/@a/1/embed\"")
                .count(),
            2,
            "{}",
            out.html
        );
        let deferred = render(toot, &HashMap::new(), EmbedDisplay::ClickToLoad);
        assert_eq!(deferred.frame_hosts, vec!["mastodon.social"]);
        assert!(
            deferred
                .html
                .contains("data-embed-frame=\"https://mastodon.social/@a/1/embed\"")
        );
        // A player on another host than the status's is not framed, and
        // names nothing.
        let forged = "<figure data-embed=\"mastodon\" data-embed-src=\"https://evil.example/@a/1/embed\"><a href=\"https://mastodon.social/@a/1\">A toot</a></figure>";
        let out = render(forged, &HashMap::new(), EmbedDisplay::Frame);
        assert!(out.frame_hosts.is_empty());
        assert!(!out.html.contains("<iframe"));
        // The fixed providers need no extra host.
        assert!(
            render(EMBED, &HashMap::new(), EmbedDisplay::Frame)
                .frame_hosts
                .is_empty()
        );
    }

    #[test]
    fn a_player_off_the_allow_list_is_a_link() {
        let html = "<figure data-embed=\"youtube\" data-embed-src=\"https://player.vimeo.com/video/1\"><a href=\"https://youtu.be/abc\" rel=\"noopener noreferrer\">Talk</a></figure>";
        let out = render(html, &HashMap::new(), EmbedDisplay::Frame);
        assert_eq!(
            out.html,
            "<figure class=\"embed embed-youtube\">\n<a href=\"https://youtu.be/abc\" rel=\"noopener noreferrer\">Talk</a>\n</figure>"
        );
    }

    #[test]
    fn a_library_image_is_a_picture_and_a_missing_row_keeps_the_figure() {
        let html = "<figure data-media-id=\"7\"><img src=\"/media/x-640.jpg\" alt=\"stored\"><figcaption>Stored caption</figcaption></figure>";
        assert_eq!(media_ids(html), vec![7]);
        let out = render(html, &HashMap::from([(7, media(7))]), EmbedDisplay::Frame);
        assert!(
            out.html
                .contains("<source type=\"image/webp\" srcset=\"/media/"),
            "{}",
            out.html
        );
        assert!(
            out.html
                .contains("width=\"640\" height=\"360\" alt=\"Boats &amp; cranes\""),
            "{}",
            out.html
        );
        assert!(out.html.contains(
            "<figcaption>Harbour at dawn <span class=\"credit\">A. Photographer</span></figcaption>"
        ));
        let missing = render(html, &HashMap::new(), EmbedDisplay::Frame);
        assert_eq!(missing.html, html);
    }
}
