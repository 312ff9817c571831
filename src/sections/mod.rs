//! Sections: the site's departments (World, Business...), in display order.
//! Creating, renaming and moving a section records who did it in the audit
//! log, in the same transaction as the change: a change whose entry cannot
//! be written does not happen.

pub use crate::storage::SectionRow as Section;

use crate::actor::Actor;
use crate::articles::Slug;
use crate::audit;
use crate::storage::{StorageError, Store};

/// What can go wrong with a section.
#[derive(Debug, thiserror::Error)]
pub enum SectionError {
    #[error("the section name is empty")]
    EmptyName,
    #[error(transparent)]
    InvalidSlug(#[from] crate::articles::InvalidSlug),
    #[error("{0} already exists")]
    Taken(String),
    #[error("/{0} is an address of the site itself; choose another address for the section")]
    Reserved(String),
    /// Refused by a rule checked in the write's transaction (a page lives
    /// at the address).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for SectionError {
    fn from(error: StorageError) -> SectionError {
        match error {
            StorageError::Conflict(what) => SectionError::Taken(what),
            StorageError::Refused(why) => SectionError::Refused(why),
            other => SectionError::Storage(other),
        }
    }
}

/// First parts of addresses the site answers itself: a section there would
/// hide its stories (`/topics/<slug>` is a topic page, not a story).
pub const RESERVED: &[&str] = &[
    "admin", "api", "feeds", "sitemaps", "static", "media", "topics", "people", "search",
    "healthz", "readyz", "metrics",
];

/// Every section in display order.
pub async fn list(store: &Store) -> Result<Vec<Section>, SectionError> {
    Ok(store.sections().await?)
}

/// The section at `/<slug>`.
pub async fn find(store: &Store, slug: &str) -> Result<Option<Section>, SectionError> {
    Ok(store.section_by_slug(slug).await?)
}

/// Creates a section for `actor`, its slug made from the name unless given.
pub async fn create(
    store: &Store,
    actor: &Actor,
    name: &str,
    slug: Option<&str>,
    now: i64,
) -> Result<Section, SectionError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(SectionError::EmptyName);
    }
    let slug = match slug {
        Some(s) => Slug::parse(s)?,
        None => Slug::from_title(name),
    };
    if RESERVED.contains(&slug.as_str()) {
        return Err(SectionError::Reserved(slug.as_str().to_owned()));
    }
    let entry = |section: &Section| {
        let details = serde_json::json!({ "slug": section.slug, "name": section.name });
        audit::entry(actor, "section.created", &subject(section.id), details)
    };
    Ok(store
        .create_section(slug.as_str(), name, now, entry)
        .await?)
}

/// Renames a section for `actor`; its address (slug) stays, so links keep
/// working.
pub async fn rename(
    store: &Store,
    actor: &Actor,
    id: i64,
    name: &str,
    now: i64,
) -> Result<Option<Section>, SectionError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(SectionError::EmptyName);
    }
    let entry = |section: &Section| {
        let details = serde_json::json!({ "slug": section.slug, "name": section.name });
        audit::entry(actor, "section.renamed", &subject(section.id), details)
    };
    Ok(store.rename_section(id, name, now, entry).await?)
}

/// Moves a section one place earlier (`up`) or later in display order for
/// `actor`; `false` when it is already first or last (or does not exist).
pub async fn move_by_one(
    store: &Store,
    actor: &Actor,
    id: i64,
    up: bool,
    now: i64,
) -> Result<bool, SectionError> {
    let direction = if up { "up" } else { "down" };
    let details = serde_json::json!({ "direction": direction });
    let entry = audit::entry(actor, "section.moved", &subject(id), details);
    Ok(store.move_section(id, up, now, &entry).await?)
}

/// How the audit log names a section.
fn subject(id: i64) -> String {
    format!("section:{id}")
}
