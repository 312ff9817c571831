//! The workflow's steps on stored stories. Each loads the story, checks the
//! actor's role and the transition, and saves the new state as a revision
//! with the changes-feed event that names every page it touches.

use super::{Action, Actor, StoryFields, UpdateKind, WorkflowError, check, checks};
use crate::articles::revisions::{self, SaveRecord};
use crate::articles::{self, Article, Correction, SectionRef, Status};
use crate::media::{MediaError, TextChange};
use crate::storage::{Store, WriteExtras};

async fn load(store: &Store, id: i64) -> Result<Article, WorkflowError> {
    articles::find(store, id)
        .await?
        .ok_or(WorkflowError::NotFound)
}

async fn section(store: &Store, id: i64) -> Result<SectionRef, WorkflowError> {
    crate::sections::list(store)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .map(|s| SectionRef {
            id: s.id,
            slug: s.slug,
            name: s.name,
        })
        .ok_or_else(|| WorkflowError::Invalid("choose a section".into()))
}

/// Creates a draft owned by `actor`. Anyone in the newsroom may.
pub async fn create(
    store: &Store,
    actor: &Actor,
    fields: &StoryFields,
    message: &str,
    now: i64,
) -> Result<Article, WorkflowError> {
    let mut article = fields.new_draft(section(store, fields.section_id).await?, now)?;
    article.owner_id = actor.id;
    article.tags = topic_names(store, &article.tags).await?;
    article.bylines = byline_names(store, &article.bylines).await?;
    link_translation(store, &mut article, fields).await?;
    let message = if message.trim().is_empty() {
        "Created"
    } else {
        message.trim()
    };
    let image = image_text(store, actor, &article, fields).await?;
    let extras = extras(image.as_ref(), None);
    Ok(articles::create_with(store, article, &actor.name, message, &extras).await?)
}

/// The story's topic names as its topics have them (see
/// [`crate::topics::canonical_names`]).
async fn topic_names(store: &Store, names: &[String]) -> Result<Vec<String>, WorkflowError> {
    crate::topics::canonical_names(store, names)
        .await
        .map_err(|error| match error {
            crate::topics::TopicError::Storage(error) => {
                articles::ArticleError::Storage(error).into()
            }
            other => WorkflowError::Invalid(other.to_string()),
        })
}

/// The story's byline names as its people have them (see
/// [`crate::people::canonical_names`]).
async fn byline_names(store: &Store, names: &[String]) -> Result<Vec<String>, WorkflowError> {
    crate::people::canonical_names(store, names)
        .await
        .map_err(|error| match error {
            crate::people::PersonError::Storage(error) => {
                articles::ArticleError::Storage(error).into()
            }
            other => WorkflowError::Invalid(other.to_string()),
        })
}

/// The change the fields' lead-image text makes to the story's image, once
/// the story's own checks have passed.
async fn image_text(
    store: &Store,
    actor: &Actor,
    article: &Article,
    fields: &StoryFields,
) -> Result<Option<TextChange>, WorkflowError> {
    let (Some(text), Some(reference)) = (&fields.lead_image_text, article.lead_image.as_deref())
    else {
        return Ok(None);
    };
    crate::media::text_change(store, actor, reference, text)
        .await
        .map_err(media_refusal)
}

fn media_refusal(error: MediaError) -> WorkflowError {
    match error {
        MediaError::Storage(error) => articles::ArticleError::Storage(error).into(),
        other => WorkflowError::Invalid(other.to_string()),
    }
}

/// What a write records besides the story: the image's text and the audit
/// entry, committed with it or not at all.
fn extras(image: Option<&TextChange>, audit: Option<crate::storage::NewAuditEntry>) -> WriteExtras {
    let (media_text, events) = match image.map(TextChange::records) {
        Some((update, event)) => (Some(update), vec![event]),
        None => (None, Vec::new()),
    };
    WriteExtras {
        audit: audit.into_iter().collect(),
        media_text,
        events,
    }
}

/// The audit log's name for a step, when the step is audited (the ones that
/// change what readers see).
fn audited(action: Action) -> Option<&'static str> {
    match action {
        Action::Publish => Some("story.published"),
        Action::Unpublish => Some("story.unpublished"),
        Action::Schedule => Some("story.scheduled"),
        Action::Correct => Some("story.corrected"),
        _ => None,
    }
}

/// Saves the editor's fields over revision `expected` (the one the editor
/// opened). On a published story `kind` must say whether this is an
/// editorial update (moves `Last update`) or a silent fix (does not).
#[allow(
    clippy::too_many_arguments,
    reason = "each is one field of the editor's form"
)]
pub async fn save(
    store: &Store,
    actor: &Actor,
    id: i64,
    expected: i64,
    fields: &StoryFields,
    kind: Option<UpdateKind>,
    message: &str,
    now: i64,
) -> Result<Article, WorkflowError> {
    let before = load(store, id).await?;
    check(actor, &before, Action::Edit)?;
    let mut after = fields.apply(&before, section(store, fields.section_id).await?)?;
    if after.tags != before.tags {
        after.tags = topic_names(store, &after.tags).await?;
    }
    if after.bylines != before.bylines {
        after.bylines = byline_names(store, &after.bylines).await?;
    }
    link_translation(store, &mut after, fields).await?;
    let event = match (before.status, kind) {
        (Status::Published, None) => return Err(WorkflowError::UpdateKindRequired),
        (Status::Published, Some(UpdateKind::Editorial)) => {
            after.last_update_at = Some(now);
            "article.updated"
        }
        (Status::Published, Some(UpdateKind::SilentFix)) => "article.fixed",
        _ => "article.saved",
    };
    let message = match message.trim() {
        "" => match kind {
            Some(UpdateKind::Editorial) if before.status == Status::Published => "Editorial update",
            Some(UpdateKind::SilentFix) if before.status == Status::Published => "Silent fix",
            _ => "Saved",
        },
        text => text,
    };
    let image = image_text(store, actor, &after, fields).await?;
    ready_for_readers(store, &after, image.as_ref()).await?;
    let extras = extras(image.as_ref(), None);
    let record = SaveRecord {
        author: &actor.name,
        message,
        event,
        extras: &extras,
    };
    Ok(revisions::save(store, &before, after, expected, record, now).await?)
}

/// A story that readers will see (published, or scheduled to be) needs
/// alt text on its lead image.
async fn ready_for_readers(
    store: &Store,
    article: &Article,
    image: Option<&TextChange>,
) -> Result<(), WorkflowError> {
    if !matches!(article.status, Status::Published | Status::Scheduled) {
        return Ok(());
    }
    crate::media::check_publishable_with(store, article, image)
        .await
        .map_err(media_refusal)
}

/// Loads, checks and saves one workflow step over the current revision.
async fn step(
    store: &Store,
    actor: &Actor,
    id: i64,
    action: Action,
    now: i64,
    change: impl FnOnce(&mut Article) -> Result<(String, &'static str), WorkflowError>,
) -> Result<Article, WorkflowError> {
    let before = load(store, id).await?;
    check(actor, &before, action)?;
    let mut after = before.clone();
    let (message, event) = change(&mut after)?;
    ready_for_readers(store, &after, None).await?;
    // The same entry whoever steps: the desk, the API or a job.
    let audit = audited(action).map(|name| {
        crate::audit::entry(
            actor,
            name,
            &format!("article:{id}"),
            serde_json::json!({
                "headline": after.headline,
                "path": after.path(),
                "revision": before.revision + 1,
                "scheduled_at": after.scheduled_at,
            }),
        )
    });
    let extras = extras(None, audit);
    let record = SaveRecord {
        author: &actor.name,
        message: &message,
        event,
        extras: &extras,
    };
    Ok(revisions::save(store, &before, after, before.revision, record, now).await?)
}

/// Submits a draft for review.
pub async fn submit(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<Article, WorkflowError> {
    step(store, actor, id, Action::Submit, now, |a| {
        a.status = Status::Review;
        Ok(("Submitted for review".into(), "article.submitted"))
    })
    .await
}

/// Returns a story in review (or scheduled) to draft.
pub async fn withdraw(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<Article, WorkflowError> {
    step(store, actor, id, Action::Withdraw, now, |a| {
        a.status = Status::Draft;
        a.scheduled_at = None;
        Ok(("Returned to draft".into(), "article.withdrawn"))
    })
    .await
}

/// Marks `article` published at `now` (or when its embargo lifts, if later,
/// so it enters lists at the top when readers can first see it).
pub fn publish_now(article: &mut Article, now: i64) {
    let at = article.embargo_until.filter(|t| *t > now).unwrap_or(now);
    article.mark_published(at);
    article.scheduled_at = None;
}

/// The pre-publish check of story `id` as it is now, would it be
/// published at `now` (or scheduled for `scheduling_at`), on the site's
/// severities (the defaults before the site is set up).
pub async fn check_story(
    store: &Store,
    article: &Article,
    scheduling_at: Option<i64>,
    now: i64,
) -> Result<checks::Report, WorkflowError> {
    let site = match crate::site::Site::load(store).await {
        Ok(site) => site,
        Err(crate::site::SiteError::NotSetUp) => {
            crate::site::unsaved(&crate::site::Settings::demo("http://localhost"), now)
                .map_err(|e| WorkflowError::Invalid(e.to_string()))?
        }
        Err(crate::site::SiteError::Storage(error)) => return Err(error.into()),
        Err(other) => return Err(WorkflowError::Invalid(other.to_string())),
    };
    checks::run(store, &site, article, scheduling_at, now)
        .await
        .map_err(WorkflowError::Checks)
}

/// The pre-publish check of story `id` for `actor`: editors may check any
/// story, writers their own.
pub async fn checks_for(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<(Article, checks::Report), WorkflowError> {
    let article = load(store, id).await?;
    if !actor.can_edit_any() && !actor.owns(article.owner_id) {
        return Err(WorkflowError::Forbidden(
            "writers can check only their own stories".into(),
        ));
    }
    let report = check_story(store, &article, None, now).await?;
    Ok((article, report))
}

/// Refuses `action` on story `id` when the pre-publish check has blocking
/// failures; the role and the transition are checked first, so a writer
/// hears that writers cannot publish, not what the story lacks.
async fn refuse_blocking(
    store: &Store,
    actor: &Actor,
    id: i64,
    action: Action,
    scheduling_at: Option<i64>,
    now: i64,
) -> Result<(), WorkflowError> {
    let article = load(store, id).await?;
    check(actor, &article, action)?;
    let failures = check_story(store, &article, scheduling_at, now)
        .await?
        .blocking();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(WorkflowError::ChecksFailed { action, failures })
    }
}

/// Publishes a story now, unless the pre-publish check blocks it.
pub async fn publish(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<Article, WorkflowError> {
    refuse_blocking(store, actor, id, Action::Publish, None, now).await?;
    step(store, actor, id, Action::Publish, now, |a| {
        publish_now(a, now);
        Ok(("Published".into(), "article.published"))
    })
    .await
}

/// Schedules a story to be published at `at` by the scheduler, unless the
/// pre-publish check blocks it.
pub async fn schedule(
    store: &Store,
    actor: &Actor,
    id: i64,
    at: i64,
    now: i64,
) -> Result<Article, WorkflowError> {
    if at <= now {
        return Err(WorkflowError::Invalid(
            "the publication time has passed: choose a later time or publish now".into(),
        ));
    }
    refuse_blocking(store, actor, id, Action::Schedule, Some(at), now).await?;
    step(store, actor, id, Action::Schedule, now, |a| {
        a.status = Status::Scheduled;
        a.scheduled_at = Some(at);
        Ok((format!("Scheduled for {at}"), "article.scheduled"))
    })
    .await
}

/// Takes a published story off every public surface.
pub async fn unpublish(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<Article, WorkflowError> {
    step(store, actor, id, Action::Unpublish, now, |a| {
        a.status = Status::Unpublished;
        Ok(("Unpublished".into(), "article.unpublished"))
    })
    .await
}

/// Adds a dated correction readers see under the story; it moves
/// `Last update`.
pub async fn correct(
    store: &Store,
    actor: &Actor,
    id: i64,
    note: &str,
    now: i64,
) -> Result<Article, WorkflowError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(WorkflowError::Invalid("the correction is empty".into()));
    }
    step(store, actor, id, Action::Correct, now, |a| {
        a.corrections.push(Correction {
            at: now,
            note: note.to_owned(),
        });
        a.last_update_at = Some(now);
        Ok((format!("Correction: {note}"), "article.corrected"))
    })
    .await
}

/// Restores the written content of revision `revision_id` (saved or
/// refused) as a new revision. On a published story this is a silent fix
/// unless `kind` says it is an editorial update.
pub async fn restore(
    store: &Store,
    actor: &Actor,
    id: i64,
    revision_id: i64,
    kind: Option<UpdateKind>,
    now: i64,
) -> Result<Article, WorkflowError> {
    let old = revisions::find(store, id, revision_id)
        .await?
        .ok_or(WorkflowError::NotFound)?;
    // The section may have been renamed (or, in an imported revision, not
    // yet have had its id): restore it as it is now, by id, then by address;
    // a section that no longer exists leaves the story where it is.
    let sections = crate::sections::list(store).await?;
    let section = sections
        .iter()
        .find(|s| s.id == old.article.section.id)
        .or_else(|| sections.iter().find(|s| s.slug == old.article.section.slug))
        .map(|s| SectionRef {
            id: s.id,
            slug: s.slug.clone(),
            name: s.name.clone(),
        });
    step(store, actor, id, Action::Restore, now, |a| {
        let mut restored = revisions::with_content_of(a, &old.article);
        restored.section = section.unwrap_or_else(|| a.section.clone());
        // As for a save: on a published story the editor says whether this
        // is news to readers; only an editorial update moves "Last update".
        let how = match (a.status, kind) {
            (Status::Published, None) => return Err(WorkflowError::UpdateKindRequired),
            (Status::Published, Some(UpdateKind::Editorial)) => {
                restored.last_update_at = Some(now);
                " (editorial update)"
            }
            (Status::Published, Some(UpdateKind::SilentFix)) => " (silent fix)",
            _ => "",
        };
        *a = restored;
        let what = match old.kind {
            revisions::RevisionKind::Saved => format!("revision {}", old.number),
            revisions::RevisionKind::Refused => {
                format!("the refused save based on revision {}", old.number)
            }
        };
        Ok((format!("Restored {what}{how}"), "article.restored"))
    })
    .await
}

/// Sets on `article` the translation link `fields` ask for: joining the
/// set of the story they name (its set as the save will leave it, so the
/// revision records it), or leaving its set for an empty name.
async fn link_translation(
    store: &Store,
    article: &mut Article,
    fields: &StoryFields,
) -> Result<(), WorkflowError> {
    use crate::storage::TranslationLink;
    let Some(text) = fields.translation_of.as_deref().map(str::trim) else {
        return Ok(());
    };
    if text.is_empty() {
        if article.translation_set.is_some() {
            article.translation_link = Some(TranslationLink::Leave);
            article.translation_set = None;
        }
        return Ok(());
    }
    let Some(other) = articles::translations::find_named(store, text).await? else {
        return Err(WorkflowError::Invalid(format!(
            "there is no story {text:?} to be a translation of: give its number or its address, \
             such as /world/a-story"
        )));
    };
    if other.id == article.id {
        return Err(WorkflowError::Invalid(
            "a story cannot be a translation of itself".into(),
        ));
    }
    let set = other.translation_set.unwrap_or(other.id);
    if article.translation_set != Some(set) {
        article.translation_link = Some(TranslationLink::Join(other.id));
        article.translation_set = Some(set);
    }
    Ok(())
}
