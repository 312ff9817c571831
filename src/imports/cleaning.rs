//! Sanitizing imported HTML and saying what the sanitizer removed: scripts,
//! event-handler attributes (`onclick`...) and `javascript:` links, counted
//! in the HTML before and after masthead's sanitizer, so an import report
//! can list per item what an editor will not find any more.

use std::fmt;

use crate::text::markdown;

/// What the sanitizer removed from one item's HTML.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub scripts: usize,
    pub event_handlers: usize,
    pub javascript_links: usize,
}

impl Removed {
    pub fn is_empty(&self) -> bool {
        self.scripts == 0 && self.event_handlers == 0 && self.javascript_links == 0
    }

    /// Adds what another piece of the same item lost.
    pub fn add(&mut self, other: Removed) {
        self.scripts += other.scripts;
        self.event_handlers += other.event_handlers;
        self.javascript_links += other.javascript_links;
    }
}

impl fmt::Display for Removed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        let mut parts = Vec::new();
        if self.scripts > 0 {
            parts.push(plural(self.scripts, "script", "scripts"));
        }
        if self.event_handlers > 0 {
            parts.push(plural(
                self.event_handlers,
                "event handler",
                "event handlers",
            ));
        }
        if self.javascript_links > 0 {
            parts.push(plural(
                self.javascript_links,
                "javascript: link",
                "javascript: links",
            ));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Sanitizes `html` with masthead's sanitizer and counts what it removed.
pub fn sanitize(html: &str) -> (String, Removed) {
    let clean = markdown::sanitize(html);
    let before = count(html);
    let after = count(&clean);
    let removed = Removed {
        scripts: before.scripts.saturating_sub(after.scripts),
        event_handlers: before.event_handlers.saturating_sub(after.event_handlers),
        javascript_links: before
            .javascript_links
            .saturating_sub(after.javascript_links),
    };
    (clean, removed)
}

/// Scripts, event-handler attributes and `javascript:` URLs in the start
/// tags of `html` (a plain scan of tags, as the sanitizer's input comes).
fn count(html: &str) -> Removed {
    let mut found = Removed::default();
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.is_empty() {
            continue;
        }
        if name == "script" {
            found.scripts += 1;
        }
        // Attribute names: a space, then `on` and letters, then `=`.
        let bytes = tag.as_bytes();
        for i in 1..bytes.len() {
            if bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'/' {
                let attr: String = tag[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if attr.len() > 2
                    && attr.starts_with("on")
                    && tag[i + attr.len()..].trim_start().starts_with('=')
                {
                    found.event_handlers += 1;
                }
            }
        }
        let compact: String = tag.chars().filter(|c| !c.is_whitespace()).collect();
        found.javascript_links += compact.matches("javascript:").count();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_sanitizer_removed_is_counted_and_the_rest_kept() {
        let (clean, removed) = sanitize(
            "<p onclick=\"x()\">Hi<script>alert(1)</script> <a href=\"javascript:alert(1)\">a</a>\
             <img src=\"a.jpg\" alt=\"\" onerror =\"y()\"></p>",
        );
        assert_eq!(
            removed,
            Removed {
                scripts: 1,
                event_handlers: 2,
                javascript_links: 1
            }
        );
        assert!(clean.contains("Hi"), "{clean}");
        assert!(!clean.contains("onclick"), "{clean}");
        assert_eq!(
            removed.to_string(),
            "1 script, 2 event handlers, 1 javascript: link"
        );
    }

    #[test]
    fn clean_html_reports_nothing_removed() {
        let (_, removed) =
            sanitize("<p>Only <a href=\"https://example.com/\">words</a>, one online.</p>");
        assert!(removed.is_empty(), "{removed:?}");
    }
}
