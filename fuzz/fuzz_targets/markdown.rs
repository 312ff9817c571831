//! Markdown from an editor (or an API client) through the renderer and the
//! sanitizer: never a panic, and never an element or attribute that could
//! run script in a reader's browser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead::rendering::markdown;

/// Openings that must never reach a page. In sanitized output a literal
/// `<` only ever starts an allowed tag (text has it escaped), so a plain
/// substring check is exact.
const FORBIDDEN: &[&str] = &[
    "<script", "<style", "<iframe", "<object", "<embed", "<form", "<input", "<svg", "<math",
    "<base", "<meta", "<link",
];

fuzz_target!(|source: &str| {
    let html = markdown::to_html(source);
    let lower = html.to_ascii_lowercase();
    for opening in FORBIDDEN {
        assert!(!lower.contains(opening), "{opening} survived in {html:?}");
    }
    for attribute in [" onerror=", " onload=", " onclick=", " style="] {
        assert!(
            !inside_tags(&lower).contains(attribute),
            "{attribute} survived in {html:?}"
        );
    }
    // The text an editor escapes renders as written, whatever it holds.
    let escaped = markdown::to_html(&markdown::escape_plain_text(source));
    let lower = escaped.to_ascii_lowercase();
    for opening in FORBIDDEN {
        assert!(
            !lower.contains(opening),
            "{opening} survived escaping in {escaped:?}"
        );
    }
});

/// The text inside `<...>` only (attributes), so that an event handler's
/// name written as text in a paragraph does not count.
fn inside_tags(html: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => {
                inside = false;
                out.push('>');
            }
            _ if inside => out.push(c),
            _ => {}
        }
    }
    out
}
