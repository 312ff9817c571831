//! Writing stories through the API: create, update, publish, unpublish. The
//! API's token user becomes a workflow [`Actor`] and every step goes through
//! `publishing`, so the API follows exactly the newsroom's rules (writers
//! create and edit their own drafts; editors and administrators edit
//! anything, publish and unpublish) and appends the same events.

use crate::accounts::User;
use crate::articles::Article;
use crate::publishing::{self, Actor, StoryFields, UpdateKind, WorkflowError};
use crate::storage::Store;

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("there is no section {0:?}")]
    UnknownSection(String),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

/// The fields of a story a client sends; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    pub section: Option<String>,
    pub slug: Option<String>,
    pub headline: Option<String>,
    pub standfirst: Option<String>,
    pub teaser: Option<Option<String>>,
    pub body: Option<String>,
    pub dateline: Option<String>,
    pub bylines: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub lead_image: Option<Option<String>>,
    pub embargo_until: Option<Option<i64>>,
    pub fields: Option<crate::articles::fields::KeptFields>,
    pub language: Option<String>,
    /// `Some(None)` unlinks the story from its translations.
    pub translation_of: Option<Option<i64>>,
    /// `Some(None)` returns the story to its section address.
    pub canonical_path: Option<Option<String>>,
}

/// The workflow actor a token's user is.
pub(crate) fn actor(user: &User) -> Actor {
    Actor::from(user)
}

impl Fields {
    /// These changes over `base` (the story as stored, or empty for a new one).
    async fn apply(self, store: &Store, mut base: StoryFields) -> Result<StoryFields, WriteError> {
        if let Some(slug) = self.section {
            base.section_id = store
                .section_by_slug(&slug)
                .await?
                .ok_or(WriteError::UnknownSection(slug))?
                .id;
        }
        if let Some(v) = self.slug {
            base.slug = v;
        }
        if let Some(v) = self.headline {
            base.headline = v;
        }
        if let Some(v) = self.standfirst {
            base.standfirst = v;
        }
        if let Some(v) = self.teaser {
            base.teaser = v.unwrap_or_default();
        }
        if let Some(v) = self.body {
            base.body = v;
        }
        if let Some(v) = self.dateline {
            base.dateline = v;
        }
        if let Some(v) = self.bylines {
            base.bylines = v.join("\n");
        }
        if let Some(v) = self.tags {
            base.tags = v.join(", ");
        }
        if let Some(v) = self.lead_image {
            base.lead_image = v.unwrap_or_default();
        }
        if let Some(v) = self.embargo_until {
            base.embargo_until = v;
        }
        if let Some(v) = self.fields {
            crate::articles::fields::check(&v)
                .map_err(|e| WorkflowError::Invalid(e.to_string()))?;
            base.fields = crate::articles::fields::to_text(&v);
        }
        if let Some(v) = self.language {
            if v.trim().is_empty() {
                return Err(WorkflowError::Invalid(
                    "the language is empty: send a language tag such as en or fr".into(),
                )
                .into());
            }
            base.language = v;
        }
        if let Some(v) = self.translation_of {
            base.translation_of = Some(v.map(|id| id.to_string()).unwrap_or_default());
        }
        if let Some(v) = self.canonical_path {
            base.canonical_path = Some(v.unwrap_or_default());
        }
        Ok(base)
    }
}

/// Creates a draft owned by `user`.
pub(crate) async fn create(
    store: &Store,
    user: &User,
    fields: Fields,
    now: i64,
) -> Result<Article, WriteError> {
    let fields = fields.apply(store, StoryFields::default()).await?;
    Ok(publishing::create(store, &actor(user), &fields, "Created through the API", now).await?)
}

/// Updates story `id` over revision `expected`. On a published story,
/// `editorial_update` moves "Last update"; otherwise it is a silent fix.
pub(crate) async fn update(
    store: &Store,
    user: &User,
    id: i64,
    expected: i64,
    fields: Fields,
    editorial_update: bool,
    now: i64,
) -> Result<Article, WriteError> {
    let before = crate::articles::find(store, id)
        .await
        .map_err(WorkflowError::from)?
        .ok_or(WorkflowError::NotFound)?;
    let fields = fields.apply(store, StoryFields::of(&before)).await?;
    let kind = Some(if editorial_update {
        UpdateKind::Editorial
    } else {
        UpdateKind::SilentFix
    });
    Ok(publishing::save(
        store,
        &actor(user),
        id,
        expected,
        &fields,
        kind,
        "Saved through the API",
        now,
    )
    .await?)
}

/// Publishes story `id` now.
pub(crate) async fn publish(
    store: &Store,
    user: &User,
    id: i64,
    now: i64,
) -> Result<Article, WriteError> {
    Ok(publishing::publish(store, &actor(user), id, now).await?)
}

/// Takes story `id` off every public surface.
pub(crate) async fn unpublish(
    store: &Store,
    user: &User,
    id: i64,
    now: i64,
) -> Result<Article, WriteError> {
    Ok(publishing::unpublish(store, &actor(user), id, now).await?)
}
