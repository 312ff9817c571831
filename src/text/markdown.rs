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

/// Sanitizes HTML from any source (Markdown output, imports).
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(html)
        .to_string()
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
