//! Markdown source to sanitized HTML. Smart punctuation stays off: an
//! editor's quotes and dashes are kept exactly as written.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown to HTML safe to embed in a page: raw HTML in the source
/// passes through the allow-list sanitizer, so no script or event handler
/// survives.
pub fn to_html(source: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let mut unsafe_html = String::with_capacity(source.len() * 5 / 4);
    html::push_html(&mut unsafe_html, Parser::new_ext(source, options));
    sanitize(&unsafe_html)
}

/// Most sanitizer passes one [`sanitize`] makes.
const MAX_PASSES: usize = 4;

/// Sanitizes HTML from any source (Markdown output, imports, a paste), to
/// HTML that sanitizes to itself, so a stored body renders the same on
/// every later save.
///
/// One pass is not always enough:
/// - The HTML parser drops a newline right after `<pre>`, and the
///   serializer does not write one back, so a `<pre>` whose text starts
///   with newlines lost one on every save. `keep_pre_newlines` writes it
///   back.
/// - The parser rearranges misnested markup (table content moved out of the
///   table, formatting elements reopened across blocks), the allow-list
///   then drops elements that caused the rearrangement, and the serialized
///   result can parse into another tree. Passes repeat until one changes
///   nothing (in practice the second or third).
pub fn sanitize(html: &str) -> String {
    // Built once: making the policy (its tag and attribute sets) cost as
    // much as cleaning a short body.
    static POLICY: std::sync::LazyLock<ammonia::Builder<'static>> =
        std::sync::LazyLock::new(body_policy);
    let builder = &*POLICY;
    let clean = |html: &str| {
        one_name_each(&no_rel_without_href(&keep_pre_newlines(
            &builder.clean(html).to_string(),
        )))
    };
    let mut out = clean(html);
    for _ in 1..MAX_PASSES {
        let again = clean(&out);
        if again == out {
            break;
        }
        out = again;
    }
    out
}

/// The elements a story or page body keeps: exactly what the rich editor's
/// schema holds (`editor/src/schema.js`), plus `b`, `i`, `s` and `strike`,
/// which [`one_name_each`] renames to the schema's `strong`, `em` and
/// `del`. Headings go from `h1` to `h6` so old bodies keep theirs (the
/// editor's toolbar offers `h2`-`h4`: the headline is the page's `h1`).
#[rustfmt::skip]
const BODY_TAGS: &[&str] = &[
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "pre", "ol", "ul", "li",
    "figure", "figcaption", "img", "table", "thead", "tbody", "tr", "th", "td", "br", "a",
    "strong", "em", "code", "del", "sup", "sub", "b", "i", "s", "strike",
];

/// The attributes each body element keeps (none on the others).
const BODY_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "title"]),
    (
        "img",
        &["src", "alt", "title", "srcset", "sizes", "width", "height"],
    ),
    ("ol", &["start"]),
    // A library image (`data-media-id`: the reader page fills its srcset
    // from the media row) and an embed of an allow-listed provider
    // (`data-embed`, its player `data-embed-src`): checked by
    // [`figure_attribute`].
    ("figure", &["data-media-id", "data-embed", "data-embed-src"]),
    ("th", &["colspan", "rowspan"]),
    ("td", &["colspan", "rowspan"]),
];

/// The body allow-list: [`BODY_TAGS`] with [`BODY_ATTRIBUTES`], a pull quote
/// as `<blockquote class="pullquote">` (the only class kept), links with
/// `rel="noopener noreferrer"`, no comments, and `script`/`style` dropped
/// with their content.
fn body_policy() -> ammonia::Builder<'static> {
    use std::collections::{HashMap, HashSet};
    let mut builder = ammonia::Builder::default();
    builder
        .tags(BODY_TAGS.iter().copied().collect())
        .generic_attributes(HashSet::new())
        .tag_attributes(
            BODY_ATTRIBUTES
                .iter()
                .map(|(tag, attributes)| (*tag, attributes.iter().copied().collect()))
                .collect(),
        )
        .allowed_classes(HashMap::from([(
            "blockquote",
            HashSet::from(["pullquote"]),
        )]))
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(|element, attribute, value| {
            if element == "figure" {
                figure_attribute(attribute, value).then(|| value.into())
            } else {
                Some(value.into())
            }
        });
    builder
}

/// Whether a figure keeps this attribute: a positive media id, a provider
/// of the embeds allow-list, a player address on an allow-listed host
/// (`crate::text::embeds`).
fn figure_attribute(attribute: &str, value: &str) -> bool {
    match attribute {
        "data-media-id" => {
            !value.starts_with('0')
                && !value.is_empty()
                && value.len() < 19
                && value.bytes().all(|b| b.is_ascii_digit())
        }
        "data-embed" => super::embeds::by_name(value).is_some(),
        "data-embed-src" => super::embeds::frame_plausible(value),
        _ => true,
    }
}

/// Sanitizer output with `b`, `i`, `s` and `strike` named as the editor
/// writes them (`strong`, `em`, `del`), so a body means one thing in one
/// spelling, and a quote whose classes were all dropped without the empty
/// `class=""` the sanitizer leaves. These keep no other attributes, so
/// their tags are exactly `<b>`, `</b>`, `<blockquote class="">`; text `<`
/// is escaped.
fn one_name_each(html: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("<b>", "<strong>"),
        ("</b>", "</strong>"),
        ("<i>", "<em>"),
        ("</i>", "</em>"),
        ("<s>", "<del>"),
        ("</s>", "</del>"),
        ("<strike>", "<del>"),
        ("</strike>", "</del>"),
        ("<blockquote class=\"\">", "<blockquote>"),
    ];
    if !NAMES.iter().any(|(from, _)| html.contains(from)) {
        return html.to_owned();
    }
    let mut out = html.to_owned();
    for (from, to) in NAMES {
        out = out.replace(from, to);
    }
    out
}

/// Serialized sanitizer output with one more newline after every `<pre>`
/// start tag whose text starts with a newline: the parser drops the first
/// newline after `<pre>`, so this reads back as the text it was. (The HTML
/// serializer of old did this; html5ever's follows the current spec, which
/// does not.) Only the sanitizer's own output is scanned: there every `<`
/// outside a tag is escaped and attribute values are double-quoted.
fn keep_pre_newlines(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 8);
    let mut rest = html;
    while let Some(at) = rest.find("<pre") {
        let after = &rest[at + 4..];
        if !after.starts_with(['>', ' ', '\t', '\n', '/']) {
            out.push_str(&rest[..at + 4]);
            rest = after;
            continue;
        }
        // The end of the start tag: the first `>` outside a quoted value.
        let mut quoted = false;
        let end = after.char_indices().find_map(|(i, c)| match c {
            '"' => {
                quoted = !quoted;
                None
            }
            '>' if !quoted => Some(i),
            _ => None,
        });
        let Some(end) = end else {
            break;
        };
        let tag_end = at + 4 + end + 1;
        out.push_str(&rest[..tag_end]);
        rest = &rest[tag_end..];
        if rest.starts_with('\n') {
            out.push('\n');
        }
    }
    out.push_str(rest);
    out
}

/// Sanitizer output without the `rel` the sanitizer gives every `<a>` on
/// the anchors that have no `href` (a `javascript:` link loses its
/// `href`): `rel` without `href` is invalid HTML. Only the sanitizer's own
/// output is scanned: attribute values are double-quoted, `<` in text is
/// escaped.
fn no_rel_without_href(html: &str) -> String {
    const REL: &str = " rel=\"noopener noreferrer\"";
    if !html.contains("<a rel=") {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<a ") {
        let end = rest[at..].find('>').map_or(rest.len(), |e| at + e);
        let tag = &rest[at..end];
        out.push_str(&rest[..at]);
        if tag.contains(" href=\"") {
            out.push_str(tag);
        } else {
            out.push_str(&tag.replacen(REL, "", 1));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Escapes plain text so Markdown renders it as written: characters that
/// would start emphasis, links, code or HTML are backslash-escaped, and a
/// line that would start a heading, list or quote is escaped at its start.
pub fn escape_plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        let starts_block = trimmed.starts_with(['#', '>', '-', '+', '=', '|'])
            || trimmed
                .split_once(['.', ')'])
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        for (j, ch) in line.char_indices() {
            let at_start = j == line.len() - trimmed.len();
            if matches!(
                ch,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '!'
            ) || (at_start && starts_block && !ch.is_ascii_digit())
            {
                out.push('\\');
            }
            if at_start && starts_block && ch.is_ascii_digit() {
                // "2016. A year" would become a list: escape the dot after the number.
                let number_len = trimmed.bytes().take_while(u8::is_ascii_digit).count();
                out.push_str(&trimmed[..number_len]);
                out.push('\\');
                out.push_str(&trimmed[number_len..]);
                break;
            }
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_apostrophes_are_kept_as_written() {
        let html = to_html("\"This is entirely consistent,\" Iraq’s -- minister said...");
        assert_eq!(
            html,
            "<p>\"This is entirely consistent,\" Iraq’s -- minister said...</p>\n"
        );
    }

    #[test]
    fn sanitized_html_sanitizes_to_itself_even_when_the_parser_rearranges_it() {
        // Found by the sanitizer fuzz target: misnested tables inside an
        // unclosed <pre> and a broken <script, which one pass of the
        // sanitizer turns into HTML that parses into another tree.
        let input = include_bytes!("../../fuzz/seeds/sanitizer/unstable-misnested-table");
        let input = std::str::from_utf8(input).expect("UTF-8");
        let once = sanitize(input);
        assert_eq!(sanitize(&once), once, "for {input:?}");
        // Sixty newlines at the start of a <pre>: one pass dropped one.
        let input = include_bytes!("../../fuzz/seeds/sanitizer/pre-leading-newlines");
        let input = String::from_utf8_lossy(input);
        let once = sanitize(&input);
        assert_eq!(sanitize(&once), once, "for {input:?}");
        for html in [
            "<table><tr><td>a<table><td>b</table></td></tr></table>",
            "<p><table>x<tr><td>y</td></tr></table></p>",
            "<b><p>bold<i>both</b>italic</i></p>",
            "<pre>\n\n\n\ncode</pre>",
            "<pre title=\"a > b\">\n\nx</pre><pre>\ny</pre>",
        ] {
            let once = sanitize(html);
            assert_eq!(sanitize(&once), once, "for {html:?}");
        }
    }

    #[test]
    fn a_pre_keeps_its_leading_blank_lines() {
        // "\n\nx" parses as a <pre> holding "\nx": one blank line, then x.
        let once = sanitize("<pre>\n\nx</pre>");
        assert_eq!(once, "<pre>\n\nx</pre>");
        assert_eq!(sanitize("<pre>x\n</pre>"), "<pre>x\n</pre>");
    }

    #[test]
    fn a_link_that_loses_its_href_loses_its_rel_too() {
        let once = sanitize("<p><a href=\"javascript:alert(1)\">x</a> <a href=\"/a\">y</a></p>");
        assert_eq!(
            once,
            "<p><a>x</a> <a href=\"/a\" rel=\"noopener noreferrer\">y</a></p>"
        );
        assert_eq!(sanitize(&once), once);
    }

    #[test]
    fn a_body_keeps_the_editors_html_and_nothing_else() {
        let kept = "<h2>Title</h2><p><strong>b</strong> <em>i</em> <a href=\"https://example.com/\" rel=\"noopener noreferrer\">l</a></p>\
            <blockquote class=\"pullquote\"><p>Said</p></blockquote><blockquote><p>Q</p></blockquote><hr>\
            <ol start=\"3\"><li><p>x</p></li></ol><ul><li>y</li></ul>\
            <figure><img src=\"/media/1.jpg\" alt=\"A quay\"><figcaption>Cap</figcaption></figure>";
        assert_eq!(sanitize(kept), kept);
        assert_eq!(
            sanitize(
                "<p class=\"MsoNormal\" style=\"color:red\"><span style=\"font-family:Arial\"><font face=\"x\">Hi</font></span><!-- c --></p>\
                 <blockquote class=\"twitter-tweet other\">T</blockquote><div id=\"x\"><p lang=\"fr\">Oui</p></div>"
            ),
            "<p>Hi</p><blockquote>T</blockquote><p>Oui</p>"
        );
        assert_eq!(
            sanitize("<p><b>b</b> <i>i</i> <s>s</s> <strike>t</strike></p>"),
            "<p><strong>b</strong> <em>i</em> <del>s</del> <del>t</del></p>"
        );
    }

    #[test]
    fn figures_keep_media_ids_and_embeds_only_of_allow_listed_players() {
        let kept = "<figure data-media-id=\"7\"><img src=\"/media/a-800.jpg\" alt=\"A quay\"><figcaption>Cap</figcaption></figure>\
            <figure data-embed=\"youtube\" data-embed-src=\"https://www.youtube-nocookie.com/embed/abc\">\
            <a href=\"https://www.youtube.com/watch?v=abc\" rel=\"noopener noreferrer\">Harbour at dawn</a></figure>";
        assert_eq!(sanitize(kept), kept);
        assert_eq!(
            sanitize(
                "<figure data-media-id=\"0x1\" data-embed=\"evil\" data-embed-src=\"https://evil.example/player\" data-x=\"1\"><a href=\"https://evil.example/\">x</a></figure>"
            ),
            "<figure><a href=\"https://evil.example/\" rel=\"noopener noreferrer\">x</a></figure>"
        );
        assert_eq!(
            sanitize(
                "<figure data-embed=\"vimeo\" data-embed-src=\"javascript:alert(1)\"></figure>"
            ),
            "<figure data-embed=\"vimeo\"></figure>"
        );
        // An iframe is never stored: the reader page builds the player.
        assert_eq!(
            sanitize("<iframe src=\"https://www.youtube.com/embed/abc\"></iframe><p>x</p>"),
            "<p>x</p>"
        );
    }

    #[test]
    fn scripts_and_event_handlers_are_removed() {
        let html = to_html(
            "Hi <script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))",
        );
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn escaped_plain_text_renders_as_the_same_text() {
        for text in [
            "# not a heading",
            "- not a list",
            "2016. A year",
            "*stars* and _underscores_ and [brackets](x) and <b>tags</b> & `ticks`",
            "Plain \\ backslash",
        ] {
            let html = to_html(&escape_plain_text(text));
            let expected = format!(
                "<p>{}</p>\n",
                text.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            );
            assert_eq!(html, expected, "{text}");
        }
    }
}
