//! What a Drupal 7 database holds, as the reader hands it out: ids and Unix
//! times as integers, text verbatim (never trimmed), each field value as the
//! columns Drupal stored it in. The importer decides what a value means.

use std::collections::BTreeMap;
use std::fmt;

/// Where a source item is: its table and primary key (`node nid=12`,
/// `comment cid=4`), for reports and errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub table: &'static str,
    pub key: &'static str,
    pub id: i64,
}

impl Position {
    pub fn node(nid: i64) -> Position {
        Position {
            table: "node",
            key: "nid",
            id: nid,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}={}", self.table, self.key, self.id)
    }
}

/// The site's settings from `variable` (PHP-serialized there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteVariables {
    pub site_name: Option<String>,
    pub slogan: Option<String>,
    /// `date_default_timezone`, an IANA name.
    pub time_zone: Option<String>,
    /// `date_format_<type>` (short, medium, long and custom types): PHP
    /// `date()` patterns.
    pub date_formats: BTreeMap<String, String>,
}

/// A `users` row (uid 0, Drupal's anonymous user, is left out) with the
/// names of its roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub uid: i64,
    pub name: String,
    /// Drupal's password hash (`$S$...`), as stored.
    pub pass: String,
    pub mail: String,
    pub created: i64,
    /// 1 active, 0 blocked.
    pub status: i64,
    pub timezone: Option<String>,
    pub roles: Vec<String>,
}

/// A taxonomy vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    pub vid: i64,
    pub name: String,
    pub machine_name: String,
    pub description: String,
}

/// A taxonomy term with its parents (0 is the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub tid: i64,
    pub vid: i64,
    pub name: String,
    pub description: String,
    pub weight: i64,
    pub parents: Vec<i64>,
}

/// A field's definition (`field_config`) and the node types that have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// `text_with_summary`, `image`, `taxonomy_term_reference`, `link_field`...
    pub field_type: String,
    pub module: String,
    /// The columns after the `<name>_` prefix (`value`, `summary`, `fid`...).
    pub columns: Vec<String>,
    pub bundles: Vec<String>,
}

/// One value of a field in one revision: its delta, language and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldItem {
    pub delta: i64,
    pub language: String,
    pub columns: BTreeMap<String, Option<String>>,
}

impl FieldItem {
    /// A column's value, if set.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.columns.get(column).and_then(|v| v.as_deref())
    }
}

/// One revision of a node (`node_revision`), with every field's values in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub vid: i64,
    pub uid: i64,
    pub title: String,
    pub log: String,
    pub timestamp: i64,
    pub status: i64,
    pub promote: i64,
    pub sticky: i64,
    /// Field name → its values, by delta.
    pub fields: BTreeMap<String, Vec<FieldItem>>,
}

/// A node with every revision, oldest first; `vid` is the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub nid: i64,
    pub vid: i64,
    pub node_type: String,
    pub language: String,
    pub title: String,
    pub uid: i64,
    pub status: i64,
    pub created: i64,
    pub changed: i64,
    /// 0 hidden, 1 closed, 2 open.
    pub comment: i64,
    pub promote: i64,
    pub sticky: i64,
    /// The node of its translation set (0: none).
    pub tnid: i64,
    /// The Metatag module's description of the node (its current
    /// revision's, else its newest), where the site has the module.
    pub description: Option<String>,
    pub revisions: Vec<Revision>,
    pub comments: Vec<Comment>,
}

impl Node {
    /// The current revision (the last one if `vid` is not among them).
    pub fn current(&self) -> Option<&Revision> {
        self.revisions
            .iter()
            .find(|r| r.vid == self.vid)
            .or(self.revisions.last())
    }

    pub fn position(&self) -> Position {
        Position::node(self.nid)
    }
}

/// A comment, with its `comment_body` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub cid: i64,
    /// The comment it replies to (0: none).
    pub pid: i64,
    pub nid: i64,
    pub uid: i64,
    pub subject: String,
    pub hostname: String,
    pub created: i64,
    pub changed: i64,
    /// 1 published, 0 not.
    pub status: i64,
    /// Drupal's vancode thread (`01.00/`).
    pub thread: String,
    pub name: String,
    pub mail: String,
    pub homepage: String,
    pub body: String,
}

/// A `url_alias` row: `alias` answers for `source` (`node/1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub pid: i64,
    pub source: String,
    pub alias: String,
    pub language: String,
}

/// A row of the Redirect module's `redirect` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub rid: i64,
    pub source: String,
    pub redirect: String,
    pub status_code: i64,
}

/// A `file_managed` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub fid: i64,
    pub filename: String,
    /// `public://2016/07/a.jpg`
    pub uri: String,
    pub filemime: String,
    pub filesize: i64,
}
