//! Sections: the site's departments (World, Business...), in display order.

pub use crate::storage::SectionRow as Section;

use crate::articles::Slug;
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
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for SectionError {
    fn from(error: StorageError) -> SectionError {
        match error {
            StorageError::Conflict(what) => SectionError::Taken(what),
            other => SectionError::Storage(other),
        }
    }
}

/// Every section in display order.
pub async fn list(store: &Store) -> Result<Vec<Section>, SectionError> {
    Ok(store.sections().await?)
}

/// The section at `/<slug>`.
pub async fn find(store: &Store, slug: &str) -> Result<Option<Section>, SectionError> {
    Ok(store.section_by_slug(slug).await?)
}

/// Creates a section, its slug made from the name unless given.
pub async fn create(
    store: &Store,
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
    Ok(store.create_section(slug.as_str(), name, now).await?)
}

/// Renames a section; its address (slug) stays, so links keep working.
pub async fn rename(
    store: &Store,
    id: i64,
    name: &str,
    now: i64,
) -> Result<Option<Section>, SectionError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(SectionError::EmptyName);
    }
    Ok(store.rename_section(id, name, now).await?)
}

/// Moves a section one place earlier (`up`) or later in display order;
/// `false` when it is already first or last (or does not exist).
pub async fn move_by_one(store: &Store, id: i64, up: bool, now: i64) -> Result<bool, SectionError> {
    Ok(store.move_section(id, up, now).await?)
}
