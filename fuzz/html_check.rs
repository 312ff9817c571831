//! A small scanner of the sanitizer's output, shared by the Markdown and
//! sanitizer targets: the attribute names in every tag and the values of
//! URL attributes, read with quotes respected (a `style=` inside a quoted
//! value is text, not an attribute).

/// Panics with the offending HTML if a tag carries an event handler or a
/// `style` attribute, or a URL attribute holds a `javascript:` URL, or a
/// forbidden element opens.
pub fn assert_safe(html: &str) {
    let lower = html.to_ascii_lowercase();
    for opening in [
        "<script", "<style", "<iframe", "<object", "<embed", "<form", "<input", "<svg", "<math",
        "<base", "<meta", "<link",
    ] {
        assert!(!lower.contains(opening), "{opening} survived in {html:?}");
    }
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '<' {
            continue;
        }
        // Inside a tag: names outside quotes, values inside.
        let mut name = String::new();
        let mut last_name = String::new();
        while let Some(c) = chars.next() {
            match c {
                '>' => break,
                '"' | '\'' => {
                    let mut value = String::new();
                    for v in chars.by_ref() {
                        if v == c {
                            break;
                        }
                        value.push(v);
                    }
                    if matches!(last_name.as_str(), "href" | "src" | "action" | "formaction") {
                        // As a browser reads a URL (WHATWG URL parser): tabs
                        // and newlines anywhere are dropped, leading C0
                        // controls and spaces stripped; other spaces stay
                        // (so "javasc ript:" is a relative path).
                        let url: String = value
                            .chars()
                            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                            .collect();
                        let url = url.trim_start_matches(|c: char| c <= ' ');
                        assert!(
                            !url.starts_with("javascript:") && !url.starts_with("vbscript:"),
                            "a script URL survived in {html:?}"
                        );
                    }
                }
                '=' | ' ' | '\t' | '\n' | '/' => {
                    if !name.is_empty() {
                        assert!(
                            !name.starts_with("on") && name != "style",
                            "attribute {name} survived in {html:?}"
                        );
                        last_name = std::mem::take(&mut name);
                    }
                }
                _ => name.push(c),
            }
        }
    }
}
