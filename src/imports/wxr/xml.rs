//! The XML layer of the WXR reader: quick-xml's events reduced to start
//! tags (classified by namespace URI), ends and decoded text; the checks
//! quick-xml leaves to its user (entity references, `]]>` in text, nesting,
//! the end of the file inside an element); and positions of errors as line
//! and column.

use std::borrow::Cow;
use std::io::BufRead;

use quick_xml::encoding::EncodingError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::{Mark, Ns, Position, Raw, Tag, TextRef, WxrError, WxrErrorKind, WxrReader};

/// What each value costs the item's budget besides its text, so that many
/// empty elements are not free.
const VALUE_OVERHEAD: usize = 64;

/// The room the event buffer keeps between events.
const KEPT_BUFFER: usize = 64 << 10;

/// An XML event, owned, before the reader acts on it.
enum Step {
    Start(Tag),
    End,
    /// Text at `ptr..ptr + len` of the buffer (as addresses), and where a
    /// `]]>` in it is.
    Text {
        ptr: usize,
        len: usize,
        cdata_end: Option<usize>,
    },
    /// Text already in `chunk`.
    Chunk,
    /// An entity reference that is not XML's.
    BadRef(String),
    BadTag(String),
    Skip,
    Eof,
    Failed(quick_xml::Error),
}

impl<R: BufRead> WxrReader<R> {
    /// The next XML event that matters to a WXR.
    pub(super) fn next_raw(&mut self) -> Result<Raw, WxrError> {
        if self.end_due {
            self.end_due = false;
            self.depth -= 1;
            return Ok(Raw::End);
        }
        loop {
            self.set_mark();
            self.buf.clear();
            // After one huge value, do not keep its room for the rest of the
            // file.
            self.buf.shrink_to(KEPT_BUFFER);
            let position = self.mark_position();
            let step = match self.xml.read_resolved_event_into(&mut self.buf) {
                Err(e) => Step::Failed(e),
                Ok((ns, event)) => match event {
                    Event::Start(start) => tag(ns, &start, position),
                    // Not with `expand_empty_elements`, but should it come:
                    // its end is due next.
                    Event::Empty(start) => {
                        self.end_due = true;
                        tag(ns, &start, position)
                    }
                    Event::End(_) => Step::End,
                    Event::Text(text) => match text.into_inner() {
                        Cow::Borrowed(s) => Step::Text {
                            ptr: s.as_ptr() as usize,
                            len: s.len(),
                            cdata_end: s.find("]]>"),
                        },
                        Cow::Owned(s) => {
                            self.chunk = s;
                            Step::Chunk
                        }
                    },
                    Event::CData(cdata) => match cdata.into_inner() {
                        Cow::Borrowed(s) => Step::Text {
                            ptr: s.as_ptr() as usize,
                            len: s.len(),
                            cdata_end: None,
                        },
                        Cow::Owned(s) => {
                            self.chunk = s;
                            Step::Chunk
                        }
                    },
                    Event::GeneralRef(reference) => match decode_reference(&reference) {
                        Some(c) => {
                            self.chunk.clear();
                            self.chunk.push(c);
                            Step::Chunk
                        }
                        None => Step::BadRef(String::from(&*reference)),
                    },
                    Event::Eof => Step::Eof,
                    Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {
                        Step::Skip
                    }
                },
            };
            match step {
                Step::Start(tag) => {
                    self.depth += 1;
                    if self.depth > self.limits.depth {
                        let kind = WxrErrorKind::TooDeep(self.limits.depth);
                        return Err(self.error(tag.position, kind));
                    }
                    return Ok(Raw::Start(tag));
                }
                Step::End => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Raw::End);
                }
                Step::Text {
                    ptr,
                    len,
                    cdata_end,
                } => {
                    let start = ptr.wrapping_sub(self.buf.as_ptr() as usize);
                    if let Some(at) = cdata_end {
                        let position = self.position_at(self.mark.xml + (start + at) as u64);
                        let message = "\"]]>\" outside a CDATA section (a CDATA section \
                                       inside another one?)";
                        return Err(self.error(position, WxrErrorKind::Xml(message.to_owned())));
                    }
                    return Ok(Raw::Text(TextRef::Buf(start, start + len)));
                }
                Step::Chunk => return Ok(Raw::Text(TextRef::Chunk)),
                Step::BadRef(name) => {
                    let message = format!("the entity &{name}; is not defined");
                    return Err(self.error(position, WxrErrorKind::Xml(message)));
                }
                Step::BadTag(message) => {
                    return Err(self.error(position, WxrErrorKind::Xml(message)));
                }
                Step::Skip => {}
                Step::Eof => return Ok(Raw::Eof),
                Step::Failed(e) => return Err(self.xml_error(e)),
            }
        }
    }

    /// The length in bytes of a piece of text.
    fn text_len(&self, text: TextRef) -> usize {
        match text {
            TextRef::Buf(start, end) => end - start,
            TextRef::Chunk => self.chunk.len(),
        }
    }

    /// Appends a piece of text to `value`, line ends normalized as XML
    /// wants (`\r\n` and a lone `\r` become `\n`).
    fn append(&self, text: TextRef, value: &mut String) {
        let piece = match text {
            TextRef::Buf(start, end) => {
                // quick-xml made the event from these bytes, as UTF-8.
                let piece = self.buf.get(start..end).map(std::str::from_utf8);
                debug_assert!(matches!(piece, Some(Ok(_))), "text outside the buffer");
                piece.and_then(Result::ok).unwrap_or_default()
            }
            TextRef::Chunk => &self.chunk,
        };
        if piece.contains('\r') {
            let normalized = piece.replace("\r\n", "\n").replace('\r', "\n");
            value.push_str(&normalized);
        } else {
            value.push_str(piece);
        }
    }

    /// Whether a piece of text is only XML white space.
    pub(super) fn is_blank(&self, text: TextRef) -> bool {
        let bytes = match text {
            TextRef::Buf(start, end) => self.buf.get(start..end).unwrap_or_default(),
            TextRef::Chunk => self.chunk.as_bytes(),
        };
        bytes
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    }

    /// Refuses text before or after the root element.
    pub(super) fn outside_root(&mut self, text: TextRef) -> Result<(), WxrError> {
        if self.is_blank(text) {
            return Ok(());
        }
        let message = "text outside the root element".to_owned();
        Err(self.error(self.mark_position(), WxrErrorKind::Xml(message)))
    }

    /// The text of the element `tag` just started, descendants' text
    /// included, up to its end tag.
    pub(super) fn read_value(&mut self, tag: &Tag) -> Result<String, WxrError> {
        self.charge(tag, VALUE_OVERHEAD)?;
        let mut value = String::new();
        let mut depth = 0usize;
        loop {
            match self.next_raw()? {
                Raw::Start(_) => depth += 1,
                Raw::End if depth == 0 => return Ok(value),
                Raw::End => depth -= 1,
                Raw::Text(text) => {
                    let len = self.text_len(text);
                    if value.len().saturating_add(len) > self.limits.value_bytes {
                        let kind = WxrErrorKind::TooLong {
                            what: "a value",
                            limit: self.limits.value_bytes,
                        };
                        return Err(self.error(tag.position, kind));
                    }
                    self.charge(tag, len)?;
                    self.append(text, &mut value);
                }
                Raw::Eof => return Err(self.truncated(tag.local())),
            }
        }
    }

    /// Counts `bytes` against the current author, term or item.
    fn charge(&mut self, tag: &Tag, bytes: usize) -> Result<(), WxrError> {
        self.entity_bytes = self.entity_bytes.saturating_add(bytes);
        if self.entity_bytes > self.limits.item_bytes {
            let kind = WxrErrorKind::TooLong {
                what: "an item",
                limit: self.limits.item_bytes,
            };
            return Err(self.error(tag.position, kind));
        }
        Ok(())
    }

    /// Reads past the element `tag` just started.
    pub(super) fn skip(&mut self, tag: &Tag) -> Result<(), WxrError> {
        let mut depth = 0usize;
        loop {
            match self.next_raw()? {
                Raw::Start(_) => depth += 1,
                Raw::End if depth == 0 => return Ok(()),
                Raw::End => depth -= 1,
                Raw::Text(_) => {}
                Raw::Eof => return Err(self.truncated(tag.local())),
            }
        }
    }

    /// The next child element of `parent`, `None` at its end tag; text
    /// between children is dropped.
    pub(super) fn next_child(&mut self, parent: &Tag) -> Result<Option<Tag>, WxrError> {
        loop {
            match self.next_raw()? {
                Raw::Start(tag) => return Ok(Some(tag)),
                Raw::End => return Ok(None),
                Raw::Text(_) => {}
                Raw::Eof => return Err(self.truncated(parent.local())),
            }
        }
    }

    /// The file ended inside `element`.
    pub(super) fn truncated(&self, element: &str) -> WxrError {
        let message = format!("the file ends inside <{element}> (is it cut short?)");
        self.error(self.frontier(), WxrErrorKind::Xml(message))
    }

    pub(super) fn error(&self, position: Position, kind: WxrErrorKind) -> WxrError {
        WxrError {
            position,
            kind,
            in_item: self.in_item.clone().map(Box::new),
            after_item: self.last_item.clone().map(Box::new),
        }
    }

    fn xml_error(&self, error: quick_xml::Error) -> WxrError {
        match error {
            quick_xml::Error::Io(_) if self.xml.get_ref().over_limit => {
                let kind = WxrErrorKind::TooLong {
                    what: "a text, tag or comment",
                    limit: self.limits.value_bytes,
                };
                self.error(self.mark_position(), kind)
            }
            quick_xml::Error::Io(e) => self.error(self.frontier(), WxrErrorKind::Io(e)),
            quick_xml::Error::Encoding(EncodingError::Utf8(e)) => {
                let position = self.position_at(self.mark.xml + e.valid_up_to() as u64);
                let message = "not UTF-8".to_owned();
                self.error(position, WxrErrorKind::Xml(message))
            }
            other => {
                let position = self.position_at(self.xml.error_position());
                self.error(position, WxrErrorKind::Xml(other.to_string()))
            }
        }
    }

    /// Remembers where the next XML event starts.
    fn set_mark(&mut self) {
        let source = self.xml.get_mut();
        source.mark();
        self.mark = Mark {
            xml: self.xml.buffer_position(),
            source: self.xml.get_ref().consumed,
            counter: self.xml.get_ref().counter,
        };
    }

    /// Where the current XML event starts.
    pub(super) fn mark_position(&self) -> Position {
        position(&self.mark.counter)
    }

    /// Where the bytes read so far end.
    pub(super) fn frontier(&self) -> Position {
        position(&self.xml.get_ref().counter)
    }

    /// The line and column of an offset of the XML reader's, which is
    /// within the current event: counted on from the event's start over the
    /// event's bytes, which the XML reader keeps in `buf` from the event's
    /// first byte.
    fn position_at(&self, offset: u64) -> Position {
        let delta = offset.saturating_sub(self.mark.xml);
        let read = self.xml.get_ref().consumed - self.mark.source;
        if delta >= read {
            return self.frontier();
        }
        let mut counter = self.mark.counter;
        let seen = (delta as usize).min(self.buf.len());
        counter.advance(&self.buf[..seen]);
        counter.skip_columns(delta - seen as u64);
        position(&counter)
    }
}

fn position(counter: &super::Counter) -> Position {
    Position {
        line: counter.line(),
        column: counter.column(),
    }
}

/// The character an entity reference stands for: XML's five, or a
/// character reference to a character XML allows.
fn decode_reference(reference: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if reference.is_char_ref() {
        let c = reference.resolve_char_ref().ok().flatten()?;
        let allowed = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
        return allowed.then_some(c);
    }
    match &**reference {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

/// A start tag, classified, with the attributes a WXR uses; every attribute
/// is read so that a malformed one is refused.
fn tag(ns: ResolveResult<'_>, start: &BytesStart<'_>, position: Position) -> Step {
    let ns = match ns {
        ResolveResult::Unbound => Ns::None,
        ResolveResult::Bound(uri) => namespace(uri.into_inner()),
        ResolveResult::Unknown(_) => Ns::Other,
    };
    let name = start.name().into_inner().to_owned();
    let local_start = name.len() - start.local_name().into_inner().len();
    let mut tag = Tag {
        ns,
        name,
        local_start,
        position,
        domain: None,
        nicename: None,
        is_permalink: None,
    };
    for attribute in start.attributes() {
        let attribute = match attribute {
            Ok(a) => a,
            Err(e) => return Step::BadTag(format!("an attribute of <{}>: {e}", tag.name)),
        };
        let value = match attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
            Ok(v) => v.into_owned(),
            Err(e) => return Step::BadTag(format!("an attribute of <{}>: {e}", tag.name)),
        };
        match attribute.key.into_inner() {
            "domain" => tag.domain = Some(value),
            "nicename" => tag.nicename = Some(value),
            "isPermaLink" => tag.is_permalink = Some(value),
            _ => {}
        }
    }
    Step::Start(tag)
}

/// Which of a WXR's namespaces a URI names.
fn namespace(uri: &str) -> Ns {
    match uri {
        "http://purl.org/rss/1.0/modules/content/" => return Ns::Content,
        "http://purl.org/dc/elements/1.1/" => return Ns::Dc,
        _ => {}
    }
    let Some(rest) = uri
        .strip_prefix("http://")
        .or_else(|| uri.strip_prefix("https://"))
        .and_then(|rest| rest.strip_prefix("wordpress.org/export/"))
    else {
        return Ns::Other;
    };
    let Some((version, tail)) = rest.split_once('/') else {
        return Ns::Other;
    };
    let numeric = version
        .split_once('.')
        .is_some_and(|(major, minor)| super::is_number(major) && super::is_number(minor));
    match tail {
        "" if numeric => Ns::Wp,
        "excerpt/" if numeric => Ns::Excerpt,
        _ => Ns::Other,
    }
}
