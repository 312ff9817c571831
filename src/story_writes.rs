//! Writing stories through the API: create, update, publish, unpublish, with
//! the role rules of `accounts::Role` (writers create and edit their own
//! drafts; editors and administrators edit anything, publish and unpublish).
//! A thin stand-in for the workflow in `publishing` (branch `editorial`):
//! when that lands, these functions should delegate to it.

use crate::accounts::User;
use crate::articles::{
    self, Article, ArticleError, BodyFormat, NewArticle, SectionRef, Slug, Status,
};
use crate::storage::{NewEvent, NewRevision, StorageError, Store};

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}")]
    Forbidden(String),
    #[error("there is no story {0}")]
    NotFound(i64),
    #[error("there is no section {0:?}")]
    UnknownSection(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Article(ArticleError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<ArticleError> for WriteError {
    fn from(error: ArticleError) -> WriteError {
        match error {
            ArticleError::EmptyHeadline | ArticleError::InvalidSlug(_) => {
                WriteError::Invalid(error.to_string())
            }
            ArticleError::Taken(_) | ArticleError::Conflict(_) => {
                WriteError::Conflict(error.to_string())
            }
            other => WriteError::Article(other),
        }
    }
}

/// The fields of a story a client sends; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub section: Option<String>,
    pub slug: Option<String>,
    pub headline: Option<String>,
    pub standfirst: Option<String>,
    pub teaser: Option<Option<String>>,
    pub body: Option<String>,
    pub body_format: Option<BodyFormat>,
    pub dateline: Option<String>,
    pub bylines: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub lead_image: Option<Option<String>>,
}

async fn section(store: &Store, slug: &str) -> Result<SectionRef, WriteError> {
    let s = crate::sections::find(store, slug)
        .await
        .map_err(|e| WriteError::Invalid(e.to_string()))?
        .ok_or_else(|| WriteError::UnknownSection(slug.to_owned()))?;
    Ok(SectionRef {
        id: s.id,
        slug: s.slug,
        name: s.name,
    })
}

/// Who wrote a story first (the author of revision 1), as the audit names them.
async fn first_author(store: &Store, id: i64) -> Result<Option<String>, WriteError> {
    Ok(store
        .revisions(id)
        .await?
        .into_iter()
        .next()
        .map(|r| r.author))
}

/// Creates a draft written by `user`.
pub async fn create(
    store: &Store,
    user: &User,
    fields: Fields,
    now: i64,
) -> Result<Article, WriteError> {
    let section_slug = fields
        .section
        .clone()
        .ok_or_else(|| WriteError::Invalid("section is required".into()))?;
    let slug = fields
        .slug
        .as_deref()
        .map(Slug::parse)
        .transpose()
        .map_err(|e| WriteError::Invalid(e.to_string()))?;
    let mut article = NewArticle {
        section: section(store, &section_slug).await?,
        slug,
        headline: fields.headline.clone().unwrap_or_default(),
        standfirst: fields.standfirst.clone().unwrap_or_default(),
        teaser: fields.teaser.clone().flatten(),
        body_source: fields.body.clone().unwrap_or_default(),
        body_format: fields.body_format.unwrap_or(BodyFormat::Markdown),
        dateline: fields.dateline.clone().unwrap_or_default(),
        bylines: fields.bylines.clone().unwrap_or_default(),
        tags: fields.tags.clone().unwrap_or_default(),
    }
    .into_draft(now)?;
    article.lead_image = fields.lead_image.clone().flatten();
    Ok(articles::create(
        store,
        article,
        &user.audit_name(),
        "Created through the API",
    )
    .await?)
}

async fn load(store: &Store, id: i64) -> Result<Article, WriteError> {
    articles::find(store, id)
        .await?
        .ok_or(WriteError::NotFound(id))
}

/// Saves `next` over revision `expected` of `before`, with one event whose
/// tags cover both states (so caches drop the old and the new pages).
async fn save(
    store: &Store,
    user: &User,
    before: &Article,
    mut next: Article,
    expected: i64,
    kind: &str,
    now: i64,
) -> Result<Article, WriteError> {
    next.modified_at = now;
    next.revision = expected + 1;
    let mut tags = before.tags_touched();
    for tag in next.tags_touched() {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let event = NewEvent {
        kind: kind.into(),
        subject: format!("article:{}", next.id),
        tags,
        payload: serde_json::json!({ "section": next.section.slug, "slug": next.slug, "status": next.status, "by": user.id }),
    };
    let old_path = (before.path() != next.path() && before.first_published_at.is_some())
        .then(|| before.path());
    let message = format!("{kind} through the API");
    let saved = store
        .update_article(
            &next.to_row(),
            expected,
            NewRevision {
                author: &user.audit_name(),
                message: &message,
                snapshot: next.snapshot(),
            },
            &[event],
            old_path.as_deref(),
        )
        .await
        .map_err(ArticleError::from)?;
    if !saved {
        return Err(WriteError::Conflict(format!(
            "the story was changed since revision {expected}; load it again and reapply your change"
        )));
    }
    Ok(next)
}

/// Updates fields of story `id` over revision `expected`. On a published
/// story, `editorial_update` moves "Last update" (a silent fix does not).
pub async fn update(
    store: &Store,
    user: &User,
    id: i64,
    expected: i64,
    fields: Fields,
    editorial_update: bool,
    now: i64,
) -> Result<Article, WriteError> {
    let before = load(store, id).await?;
    if !user.role.can_edit_any() {
        let own = first_author(store, id).await?.as_deref() == Some(user.audit_name().as_str());
        if !own {
            return Err(WriteError::Forbidden(
                "writers can edit only their own stories".into(),
            ));
        }
        if !matches!(before.status, Status::Draft | Status::Review) {
            return Err(WriteError::Forbidden(
                "this story is past review: only an editor can change it now".into(),
            ));
        }
    }
    if before.revision != expected {
        return Err(WriteError::Conflict(format!(
            "the story is at revision {}, not {expected}; load it again and reapply your change",
            before.revision
        )));
    }
    let mut next = before.clone();
    if let Some(slug) = &fields.section {
        next.section = section(store, slug).await?;
    }
    if let Some(slug) = &fields.slug {
        next.slug = Slug::parse(slug).map_err(|e| WriteError::Invalid(e.to_string()))?;
    }
    if let Some(headline) = &fields.headline {
        let headline = headline.trim();
        if headline.is_empty() {
            return Err(WriteError::Invalid("headline must not be empty".into()));
        }
        headline.clone_into(&mut next.headline);
    }
    if let Some(v) = fields.standfirst {
        next.standfirst = v;
    }
    if let Some(v) = fields.teaser {
        next.teaser = v.filter(|t| !t.trim().is_empty());
    }
    if let Some(v) = fields.body {
        next.body_source = v;
    }
    if let Some(v) = fields.body_format {
        next.body_format = v;
    }
    if let Some(v) = fields.dateline {
        next.dateline = v;
    }
    if let Some(v) = fields.bylines {
        next.bylines = v;
    }
    if let Some(v) = fields.tags {
        next.tags = v;
    }
    if let Some(v) = fields.lead_image {
        next.lead_image = v;
    }
    next.render_body();
    if editorial_update && next.status == Status::Published {
        next.last_update_at = Some(now);
    }
    save(store, user, &before, next, expected, "article.updated", now).await
}

/// Publishes story `id` now (editors and administrators only).
pub async fn publish(store: &Store, user: &User, id: i64, now: i64) -> Result<Article, WriteError> {
    if !user.role.can_publish() {
        return Err(WriteError::Forbidden(
            "writers cannot publish a story: ask an editor".into(),
        ));
    }
    let before = load(store, id).await?;
    if before.status == Status::Published {
        return Err(WriteError::Conflict(
            "the story is already published".into(),
        ));
    }
    let mut next = before.clone();
    let at = next.embargo_until.filter(|t| *t > now).unwrap_or(now);
    next.mark_published(at);
    next.scheduled_at = None;
    let expected = before.revision;
    save(
        store,
        user,
        &before,
        next,
        expected,
        "article.published",
        now,
    )
    .await
}

/// Takes story `id` off every public surface (editors and administrators only).
pub async fn unpublish(
    store: &Store,
    user: &User,
    id: i64,
    now: i64,
) -> Result<Article, WriteError> {
    if !user.role.can_publish() {
        return Err(WriteError::Forbidden(
            "writers cannot unpublish a story: ask an editor".into(),
        ));
    }
    let before = load(store, id).await?;
    if before.status != Status::Published {
        return Err(WriteError::Conflict("the story is not published".into()));
    }
    let mut next = before.clone();
    next.status = Status::Unpublished;
    let expected = before.revision;
    save(
        store,
        user,
        &before,
        next,
        expected,
        "article.unpublished",
        now,
    )
    .await
}
