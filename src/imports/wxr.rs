//! Reader of WordPress exports (WXR 1.0, 1.1, 1.2: WordPress eXtended RSS),
//! the first piece of the WordPress importer. It owns turning the bytes of an
//! export into [`WxrEvent`]s — the site header, then authors, terms and items
//! in file order — and refusing what is not a readable export with the line
//! and column of the problem. It is pure: no storage, no files of its own.
//!
//! It streams: the export is read from any [`BufRead`] one item at a time,
//! so a 1 GB export takes as little memory as its largest item; a single
//! value, tag or item over the [`Limits`] is refused instead of growing the
//! memory without bound. Elements are matched by namespace URI, never by
//! prefix (`wp:` may be bound to anything; any
//! `http(s)://wordpress.org/export/1.x/` is WordPress's), so an export that
//! rebinds or hijacks a prefix reads as WordPress's newest parser reads it.
//!
//! Stricter than WordPress in two ways, both on purpose: the XML must be
//! well-formed (WordPress's regex fallback reads some broken files, such as an
//! unescaped `]]>` inside CDATA, and guesses), and `wp:wxr_version` must come
//! in the channel header, before the first author, term or item (where every
//! WordPress version writes it), because the header is handed out first.

mod entities;
mod error;
mod model;
mod source;
#[cfg(test)]
mod tests;
mod xml;

use std::io::BufRead;

use quick_xml::NsReader;

pub use error::{ItemRef, WxrError, WxrErrorKind};
pub use model::{
    Author, Comment, Guid, Item, ItemCategory, Meta, Position, SiteInfo, Term, WxrEvent,
};
use source::{Counter, Source};

/// How much memory the reader may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest text value (a post's content, a meta value...), in bytes;
    /// also the longest single tag or run of text in the file.
    pub value_bytes: usize,
    /// Most bytes of text in one author, term or item, all values together.
    pub item_bytes: usize,
    /// Deepest nesting of elements.
    pub depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            value_bytes: 64 << 20,
            item_bytes: 256 << 20,
            depth: 256,
        }
    }
}

/// A streaming reader of one export. Call [`WxrReader::next_event`] (or
/// iterate) until it returns `None`; after an error it returns `None`.
pub struct WxrReader<R> {
    xml: NsReader<Source<R>>,
    /// The bytes of the current XML event, as the XML reader fills them.
    buf: Vec<u8>,
    /// A decoded entity reference, or text the XML reader did not leave in
    /// `buf`.
    chunk: String,
    limits: Limits,
    state: State,
    /// Where the current XML event starts.
    mark: Mark,
    /// Open elements.
    depth: usize,
    /// An `<x/>` was read as a start: its end comes next.
    end_due: bool,
    site: SiteInfo,
    /// `wp:wxr_version` and where it is.
    version: Option<(String, Position)>,
    /// Whether the header went out.
    site_sent: bool,
    /// The first author, term or item, read while the site went out first.
    held: Option<(Entity, Tag)>,
    /// Text bytes in the current author, term or item.
    entity_bytes: usize,
    in_item: Option<ItemRef>,
    last_item: Option<ItemRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Prolog,
    InRss { channel_seen: bool },
    InChannel,
    Epilog,
    Done,
}

#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    /// The XML reader's offset.
    xml: u64,
    /// The source's offset (which also counts a byte order mark).
    source: u64,
    counter: Counter,
}

/// The namespaces a WXR uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// No namespace: RSS's own elements.
    None,
    /// `http(s)://wordpress.org/export/N.M/`
    Wp,
    /// `http(s)://wordpress.org/export/N.M/excerpt/`
    Excerpt,
    Content,
    Dc,
    Other,
}

/// A start tag.
#[derive(Debug)]
struct Tag {
    ns: Ns,
    /// The name as written, prefix included (for messages).
    name: String,
    local_start: usize,
    position: Position,
    /// The unprefixed attributes a WXR uses.
    domain: Option<String>,
    nicename: Option<String>,
    is_permalink: Option<String>,
}

impl Tag {
    fn local(&self) -> &str {
        &self.name[self.local_start..]
    }

    fn is(&self, ns: Ns, local: &str) -> bool {
        self.ns == ns && self.local() == local
    }
}

/// What the channel lists after its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Author,
    Category,
    Tag,
    Term,
    Item,
}

/// One XML event, reduced to what the WXR readers need.
enum Raw {
    Start(Tag),
    End,
    Text(TextRef),
    Eof,
}

/// Where a piece of text is.
#[derive(Clone, Copy)]
enum TextRef {
    /// `buf[start..end]`, line ends not yet normalized.
    Buf(usize, usize),
    /// All of `chunk`.
    Chunk,
}

impl<R: BufRead> WxrReader<R> {
    /// A reader with the default [`Limits`].
    pub fn new(reader: R) -> Self {
        Self::with_limits(reader, Limits::default())
    }

    /// A reader that refuses values, tags, items or nesting over `limits`.
    pub fn with_limits(reader: R, limits: Limits) -> Self {
        // A tag's name and attributes may take some room besides the value.
        let event_limit = limits.value_bytes.saturating_add(64 << 10);
        let mut xml = NsReader::from_reader(Source::new(reader, event_limit));
        let config = xml.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        Self {
            xml,
            buf: Vec::new(),
            chunk: String::new(),
            limits,
            state: State::Prolog,
            mark: Mark::default(),
            depth: 0,
            end_due: false,
            site: SiteInfo::default(),
            version: None,
            site_sent: false,
            held: None,
            entity_bytes: 0,
            in_item: None,
            last_item: None,
        }
    }

    /// The next thing the export says, `None` at its end (and after an
    /// error).
    pub fn next_event(&mut self) -> Result<Option<WxrEvent>, WxrError> {
        let result = self.advance();
        if !matches!(result, Ok(Some(_))) {
            self.state = State::Done;
        }
        result
    }

    fn advance(&mut self) -> Result<Option<WxrEvent>, WxrError> {
        if let Some((entity, tag)) = self.held.take() {
            return self.read_entity(entity, tag).map(Some);
        }
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Prolog => match self.next_raw()? {
                    Raw::Start(tag) if tag.is(Ns::None, "rss") => {
                        self.state = State::InRss {
                            channel_seen: false,
                        };
                    }
                    Raw::Start(tag) => {
                        let message = format!("the root element is <{}>, not <rss>", tag.name);
                        return Err(self.error(tag.position, WxrErrorKind::NotWxr(message)));
                    }
                    Raw::Text(text) => self.outside_root(text)?,
                    // The XML reader refuses an end tag without its start.
                    Raw::End => {}
                    Raw::Eof => {
                        let message = "the file has no root element".to_owned();
                        return Err(self.error(self.frontier(), WxrErrorKind::NotWxr(message)));
                    }
                },
                State::InRss { channel_seen } => match self.next_raw()? {
                    Raw::Start(tag) if !channel_seen && tag.is(Ns::None, "channel") => {
                        self.state = State::InChannel;
                    }
                    // RSS has nothing else to say at this level; a second
                    // channel is not WordPress's.
                    Raw::Start(tag) => self.skip(&tag)?,
                    Raw::Text(_) => {}
                    Raw::End if channel_seen => self.state = State::Epilog,
                    Raw::End => {
                        let message = "the <rss> element has no <channel>".to_owned();
                        return Err(self.error(self.mark_position(), WxrErrorKind::NotWxr(message)));
                    }
                    Raw::Eof => return Err(self.truncated("rss")),
                },
                State::InChannel => match self.next_raw()? {
                    Raw::Start(tag) => {
                        if let Some(entity) = entity_of(&tag) {
                            if !self.site_sent {
                                let site = self.finish_site(tag.position)?;
                                self.held = Some((entity, tag));
                                return Ok(Some(WxrEvent::Site(site)));
                            }
                            return self.read_entity(entity, tag).map(Some);
                        }
                        if self.site_sent {
                            // The header went out: a late header element
                            // changes nothing.
                            self.skip(&tag)?;
                        } else {
                            self.read_header_field(&tag)?;
                        }
                    }
                    Raw::Text(_) => {}
                    Raw::End => {
                        self.state = State::InRss { channel_seen: true };
                        if !self.site_sent {
                            let site = self.finish_site(self.mark_position())?;
                            return Ok(Some(WxrEvent::Site(site)));
                        }
                    }
                    Raw::Eof => return Err(self.truncated("channel")),
                },
                State::Epilog => match self.next_raw()? {
                    Raw::Start(tag) => {
                        let message = format!("a second root element <{}> after </rss>", tag.name);
                        return Err(self.error(tag.position, WxrErrorKind::Xml(message)));
                    }
                    Raw::Text(text) => self.outside_root(text)?,
                    // The XML reader refuses an end tag without its start.
                    Raw::End => {}
                    Raw::Eof => return Ok(None),
                },
            }
        }
    }

    /// Reads one element of the channel header (or skips it).
    fn read_header_field(&mut self, tag: &Tag) -> Result<(), WxrError> {
        let known = matches!(
            (tag.ns, tag.local()),
            (
                Ns::None,
                "title" | "link" | "description" | "pubDate" | "language"
            ) | (Ns::Wp, "base_site_url" | "base_blog_url" | "wxr_version")
        );
        if !known {
            return self.skip(tag);
        }
        let value = Some(self.read_value(tag)?);
        let site = &mut self.site;
        match (tag.ns, tag.local()) {
            (Ns::None, "title") => site.title = value,
            (Ns::None, "link") => site.link = value,
            (Ns::None, "description") => site.description = value,
            (Ns::None, "pubDate") => site.pub_date = value,
            (Ns::None, "language") => site.language = value,
            (Ns::Wp, "base_site_url") => site.base_site_url = value,
            (Ns::Wp, "base_blog_url") => site.base_blog_url = value,
            _ => self.version = value.map(|v| (v, tag.position)),
        }
        Ok(())
    }

    /// Checks the version and hands out the header (once); `at` is where the
    /// header ended.
    fn finish_site(&mut self, at: Position) -> Result<SiteInfo, WxrError> {
        self.site_sent = true;
        let Some((version, position)) = self.version.take() else {
            return Err(self.error(at, WxrErrorKind::MissingVersion));
        };
        let trimmed = version.trim();
        let Some((major, minor)) = trimmed.split_once('.') else {
            return Err(self.error(position, WxrErrorKind::InvalidVersion(version)));
        };
        if !is_number(major) || !is_number(minor) {
            return Err(self.error(position, WxrErrorKind::InvalidVersion(version)));
        }
        if major.trim_start_matches('0') != "1" {
            let version = trimmed.to_owned();
            return Err(self.error(position, WxrErrorKind::UnsupportedVersion(version)));
        }
        let mut site = std::mem::take(&mut self.site);
        site.wxr_version = trimmed.to_owned();
        Ok(site)
    }
}

impl<R: BufRead> Iterator for WxrReader<R> {
    type Item = Result<WxrEvent, WxrError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event().transpose()
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn entity_of(tag: &Tag) -> Option<Entity> {
    match (tag.ns, tag.local()) {
        (Ns::None, "item") => Some(Entity::Item),
        (Ns::Wp, "author") => Some(Entity::Author),
        (Ns::Wp, "category") => Some(Entity::Category),
        (Ns::Wp, "tag") => Some(Entity::Tag),
        (Ns::Wp, "term") => Some(Entity::Term),
        _ => None,
    }
}
