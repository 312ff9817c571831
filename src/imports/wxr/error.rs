//! Why an export could not be read, where, and which item the reader was in
//! or had just read: enough for an editor to open the file at the place.

use std::fmt;
use std::sync::Arc;

use super::model::Position;

/// An export that cannot be read, and where: line and column of the problem,
/// the item being read (if any) and the last item read before it.
#[derive(Debug, thiserror::Error)]
#[error("{position}: {kind}{}", Context(.in_item, .after_item))]
pub struct WxrError {
    pub position: Position,
    pub kind: WxrErrorKind,
    /// The item whose `<item>` the reader was inside, with what it had read
    /// of it so far.
    pub in_item: Option<Box<ItemRef>>,
    /// The last item read completely before the problem.
    pub after_item: Option<Box<ItemRef>>,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum WxrErrorKind {
    /// The file is not well-formed XML.
    #[error("not well-formed XML ({0})")]
    Xml(String),
    /// Well-formed XML, but not an RSS channel.
    #[error("not a WordPress export: {0}")]
    NotWxr(String),
    /// No `wp:wxr_version` in the channel header.
    #[error(
        "not a WordPress export: no <wp:wxr_version> in the channel before its first author, \
         term or item (WordPress refuses such a file too)"
    )]
    MissingVersion,
    /// A `wp:wxr_version` that is not a number like `1.2`.
    #[error("not a WordPress export: the WXR version {0:?} is not a version number")]
    InvalidVersion(String),
    /// A WXR version this reader does not know (only 1.x exists).
    #[error("WXR version {0} is not supported (1.0, 1.1, 1.2 and later 1.x are)")]
    UnsupportedVersion(String),
    /// A value, a tag or an item over the reader's memory limits.
    #[error("{what} is longer than the limit of {limit} bytes")]
    TooLong { what: &'static str, limit: usize },
    /// Elements nested deeper than the reader follows.
    #[error("elements are nested deeper than {0} levels")]
    TooDeep(usize),
    /// The underlying reader failed.
    #[error("cannot read the export: {0}")]
    Io(#[source] Arc<std::io::Error>),
}

/// An item named in an error: its post id and title as far as they were
/// read (titles shortened), and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRef {
    pub position: Position,
    pub post_id: Option<String>,
    pub title: Option<String>,
}

/// How many characters of a post id or title an error repeats.
const NAMED_CHARS: usize = 80;

impl ItemRef {
    pub(super) fn at(position: Position) -> Self {
        Self {
            position,
            post_id: None,
            title: None,
        }
    }

    /// The post id, if the item had a non-blank one.
    fn id(&self) -> Option<&str> {
        self.post_id.as_deref().filter(|id| !id.trim().is_empty())
    }

    pub(super) fn set_post_id(&mut self, value: &str) {
        self.post_id = Some(shorten(value));
    }

    pub(super) fn set_title(&mut self, value: &str) {
        self.title = Some(shorten(value));
    }
}

fn shorten(value: &str) -> String {
    match value.char_indices().nth(NAMED_CHARS) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

impl fmt::Display for ItemRef {
    /// `item 12 "Hello world"`, `item 12`, `the item "Hello world" from line
    /// 40`, or `the item from line 40`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id();
        let title = self.title.as_deref().filter(|t| !t.trim().is_empty());
        match (id, title) {
            (Some(id), Some(title)) => write!(f, "item {id} {title:?}"),
            (Some(id), None) => write!(f, "item {id}"),
            (None, Some(title)) => {
                write!(f, "the item {title:?} from line {}", self.position.line)
            }
            (None, None) => write!(f, "the item from line {}", self.position.line),
        }
    }
}

/// The error message's tail: ` in <item>`, ` after <item>`, both or nothing.
struct Context<'a>(&'a Option<Box<ItemRef>>, &'a Option<Box<ItemRef>>);

impl fmt::Display for Context<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(item) = self.0 {
            write!(f, " in {item}")?;
            if item.id().is_some() {
                write!(f, " from line {}", item.position.line)?;
            }
            if self.1.is_some() {
                f.write_str(",")?;
            }
        }
        if let Some(item) = self.1 {
            write!(f, " after {item}")?;
        }
        Ok(())
    }
}
