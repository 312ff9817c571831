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
/// One pass is not always enough: the HTML parser rearranges misnested
/// markup (table content moved out of the table, formatting elements
/// reopened across blocks), the allow-list then drops elements that caused
/// the rearrangement, and the serialized result can parse into another
/// tree. Passes repeat until one changes nothing (in practice the second or
/// third).
pub fn sanitize(html: &str) -> String {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer"));
    let mut out = builder.clean(html).to_string();
    for _ in 1..MAX_PASSES {
        let again = builder.clean(&out).to_string();
        if again == out {
            break;
        }
        out = again;
    }
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
        for html in [
            "<table><tr><td>a<table><td>b</table></td></tr></table>",
            "<p><table>x<tr><td>y</td></tr></table></p>",
            "<b><p>bold<i>both</b>italic</i></p>",
        ] {
            let once = sanitize(html);
            assert_eq!(sanitize(&once), once, "for {html:?}");
        }
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
