//! Shared XML writing: quick-xml escapes markup characters only, so text is
//! also stripped of characters XML 1.0 forbids (C0 controls are common in
//! imported text and would make a whole feed unreadable).

use std::borrow::Cow;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

pub(crate) type Xml = Writer<Vec<u8>>;

/// A writer with the XML declaration written.
pub(crate) fn document() -> io::Result<Xml> {
    let mut writer = Writer::new(Vec::with_capacity(16 * 1024));
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer.get_mut().push(b'\n');
    Ok(writer)
}

/// `text` without the characters XML 1.0 does not allow.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        (c >= ' ' || matches!(c, '\t' | '\n' | '\r')) && c != '\u{FFFE}' && c != '\u{FFFF}'
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// Writes `<name>text</name>`.
pub(crate) fn text_element(writer: &mut Xml, name: &str, text: &str) -> io::Result<()> {
    writer
        .create_element(name)
        .write_text_content(BytesText::new(&clean(text)))?;
    Ok(())
}

/// RFC 3339 in UTC, as Atom, JSON Feed, sitemaps and schema.org want it.
pub(crate) fn rfc3339(unix_seconds: i64) -> String {
    jiff::Timestamp::from_second(unix_seconds)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// RFC 822/2822 in UTC, as RSS 2.0 wants it.
pub(crate) fn rfc2822(unix_seconds: i64) -> String {
    jiff::Timestamp::from_second(unix_seconds)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_removed_and_tabs_and_newlines_kept() {
        assert_eq!(clean("a\u{0}b\u{1b}c\td\ne"), "abc\td\ne");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn dates_are_written_in_each_standard_form() {
        assert_eq!(rfc3339(1_468_271_340), "2016-07-11T21:09:00Z");
        assert_eq!(rfc2822(1_468_271_340), "Mon, 11 Jul 2016 21:09:00 +0000");
    }
}
