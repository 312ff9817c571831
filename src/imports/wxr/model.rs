//! What a WordPress export holds, as the reader hands it out: strings kept
//! verbatim (decoded from CDATA or escaped text, never trimmed, never parsed
//! into numbers or dates), `None` where the export had no such element. The
//! importer decides what a value means; this layer only reads it.

use std::fmt;

/// A place in the export: 1-based line and column (columns count characters,
/// not bytes; a tab is one column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// One thing the export says, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WxrEvent {
    /// The channel header; always the first event, before any author, term or
    /// item.
    Site(SiteInfo),
    /// A `<wp:author>` (WXR 1.1 and later; WXR 1.0 names authors only in each
    /// item's `dc:creator`).
    Author(Author),
    /// A `<wp:category>`; its taxonomy is `category`.
    Category(Term),
    /// A `<wp:tag>`; its taxonomy is `post_tag`.
    Tag(Term),
    /// A `<wp:term>` of any taxonomy (custom taxonomies, nav menus...).
    Term(Term),
    /// An `<item>`: a post, page, attachment, menu item or any other post type.
    Item(Box<Item>),
}

/// The channel header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteInfo {
    /// `wp:wxr_version`, checked to be `1.x`.
    pub wxr_version: String,
    pub title: Option<String>,
    pub link: Option<String>,
    pub description: Option<String>,
    pub pub_date: Option<String>,
    pub language: Option<String>,
    /// `wp:base_site_url`: where WordPress itself lived.
    pub base_site_url: Option<String>,
    /// `wp:base_blog_url`: the blog's home address.
    pub base_blog_url: Option<String>,
}

/// A `<wp:author>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub id: Option<String>,
    pub login: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// A category, tag or other term declared in the channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Term {
    pub term_id: Option<String>,
    /// `category` for a `<wp:category>`, `post_tag` for a `<wp:tag>`, the
    /// `wp:term_taxonomy` of a `<wp:term>`.
    pub taxonomy: Option<String>,
    pub slug: Option<String>,
    /// The parent's slug (empty for a top-level term in most exports).
    pub parent: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub meta: Vec<Meta>,
}

/// A `wp:postmeta`, `wp:termmeta` or `wp:commentmeta` pair, verbatim
/// (serialized PHP stays serialized).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    pub key: String,
    pub value: String,
}

/// An item's `<guid>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guid {
    pub value: String,
    /// `isPermaLink`; RSS makes it true when absent.
    pub is_permalink: bool,
}

/// An item's `<category>`: a term the item is filed under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemCategory {
    /// The taxonomy as given: `category`, `post_tag` (`tag` in WXR 1.0),
    /// `post_format`, a custom taxonomy...
    pub domain: Option<String>,
    /// The term's slug.
    pub nicename: Option<String>,
    /// The term's name (the element's text).
    pub name: String,
}

impl ItemCategory {
    /// Whether this names a term as WordPress reads it: with both a domain
    /// and a slug. WXR 1.0 also writes each term a second time as a plain RSS
    /// `<category>` without them; WordPress skips those.
    pub fn is_term(&self) -> bool {
        self.domain.is_some() && self.nicename.is_some()
    }
}

/// An `<item>`. For an element given twice in one item, the last wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Where the `<item>` start tag is in the export.
    pub position: Position,
    pub title: Option<String>,
    /// The permalink on the old site.
    pub link: Option<String>,
    pub pub_date: Option<String>,
    /// `dc:creator`: the author's login.
    pub creator: Option<String>,
    pub guid: Option<Guid>,
    pub description: Option<String>,
    /// `content:encoded`.
    pub content: Option<String>,
    /// `excerpt:encoded`.
    pub excerpt: Option<String>,
    pub post_id: Option<String>,
    pub post_date: Option<String>,
    pub post_date_gmt: Option<String>,
    pub post_modified: Option<String>,
    pub post_modified_gmt: Option<String>,
    pub comment_status: Option<String>,
    pub ping_status: Option<String>,
    /// The slug; empty for a draft that never had one.
    pub post_name: Option<String>,
    /// `wp:status`: `publish`, `draft`, `private`, `pending`, `future`,
    /// `inherit`, `trash`...
    pub status: Option<String>,
    pub post_parent: Option<String>,
    pub menu_order: Option<String>,
    pub post_type: Option<String>,
    pub post_password: Option<String>,
    pub is_sticky: Option<String>,
    pub attachment_url: Option<String>,
    /// Every `<category>`, in file order (terms of every taxonomy).
    pub categories: Vec<ItemCategory>,
    pub meta: Vec<Meta>,
    pub comments: Vec<Comment>,
}

impl Item {
    pub(super) fn at(position: Position) -> Self {
        Self {
            position,
            title: None,
            link: None,
            pub_date: None,
            creator: None,
            guid: None,
            description: None,
            content: None,
            excerpt: None,
            post_id: None,
            post_date: None,
            post_date_gmt: None,
            post_modified: None,
            post_modified_gmt: None,
            comment_status: None,
            ping_status: None,
            post_name: None,
            status: None,
            post_parent: None,
            menu_order: None,
            post_type: None,
            post_password: None,
            is_sticky: None,
            attachment_url: None,
            categories: Vec::new(),
            meta: Vec::new(),
            comments: Vec::new(),
        }
    }

    /// The categories that name terms as WordPress reads them (see
    /// [`ItemCategory::is_term`]).
    pub fn terms(&self) -> impl Iterator<Item = &ItemCategory> {
        self.categories.iter().filter(|c| c.is_term())
    }
}

/// A `<wp:comment>` (comments, pingbacks and trackbacks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comment {
    pub id: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub author_url: Option<String>,
    pub author_ip: Option<String>,
    pub date: Option<String>,
    pub date_gmt: Option<String>,
    pub content: Option<String>,
    /// `1`, `0`, `spam`, `trash`...
    pub approved: Option<String>,
    /// empty or `comment` for a comment, `pingback`, `trackback`...
    pub comment_type: Option<String>,
    pub parent: Option<String>,
    pub user_id: Option<String>,
    pub meta: Vec<Meta>,
}
