//! Revisions: every save of a story is a full, immutable snapshot of every
//! field, with author, time and message. This module lists them, diffs any
//! two field by field (a line diff for the body), copies an old revision's
//! content for a restore, and saves a new state over the revision the editor
//! opened: a save over a newer revision is refused, and the refused text is
//! kept as a revision of its own so nothing is lost.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use super::{Article, ArticleError};
use crate::storage::{NewEvent, NewRevision, RevisionRow, Store};

/// Whether a revision was saved, or kept from a refused save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RevisionKind {
    Saved,
    /// A save refused because it was based on an older revision; `number`
    /// is the revision it was based on. It never became the story's state.
    Refused,
}

/// One revision with the story as it was saved.
#[derive(Debug, Clone)]
pub struct Revision {
    pub id: i64,
    pub number: i64,
    pub author: String,
    pub message: String,
    pub created_at: i64,
    pub kind: RevisionKind,
    pub article: Article,
}

impl Revision {
    pub fn from_row(row: RevisionRow) -> Result<Revision, ArticleError> {
        let article = serde_json::from_str(&row.snapshot).map_err(|e| ArticleError::Corrupt {
            id: row.article_id,
            reason: format!("revision {}: {e}", row.number),
        })?;
        Ok(Revision {
            id: row.id,
            number: row.number,
            author: row.author,
            message: row.message,
            created_at: row.created_at,
            kind: if row.kind == "refused" {
                RevisionKind::Refused
            } else {
                RevisionKind::Saved
            },
            article,
        })
    }
}

/// Every revision of a story, newest first.
pub async fn list(store: &Store, article_id: i64) -> Result<Vec<Revision>, ArticleError> {
    let mut revisions = store
        .revisions(article_id)
        .await?
        .into_iter()
        .map(Revision::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    revisions.reverse();
    Ok(revisions)
}

/// One revision of a story by its id.
pub async fn find(
    store: &Store,
    article_id: i64,
    revision_id: i64,
) -> Result<Option<Revision>, ArticleError> {
    store
        .revision(article_id, revision_id)
        .await?
        .map(Revision::from_row)
        .transpose()
}

/// How a line changed between two revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineChange {
    Same,
    Removed,
    Added,
}

/// One line of a field's diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
}

/// The diff of one field that differs between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    pub field: &'static str,
    pub lines: Vec<DiffLine>,
}

/// Every field of a story as text lines, as a diff shows them.
fn fields(article: &Article) -> Vec<(&'static str, String)> {
    let corrections = article
        .corrections
        .iter()
        .map(|c| format!("{} {}", c.at, c.note))
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        ("Headline", article.headline.clone()),
        ("Standfirst", article.standfirst.clone()),
        ("Teaser", article.teaser.clone().unwrap_or_default()),
        ("Body", article.body_source.clone()),
        ("Section", article.section.name.clone()),
        ("Address", article.path()),
        ("Dateline", article.dateline.clone()),
        ("Bylines", article.bylines.join("\n")),
        ("Tags", article.tags.join("\n")),
        ("Lead image", article.lead_image.clone().unwrap_or_default()),
        ("Kept fields", super::fields::to_text(&article.fields)),
        ("Language", article.language.clone()),
        (
            "Translation set",
            article
                .translation_set
                .map(|set| set.to_string())
                .unwrap_or_default(),
        ),
        ("Status", article.status.as_str().to_owned()),
        ("Corrections", corrections),
    ]
}

/// The fields that differ from `old` to `new`, each as a line diff.
pub fn diff(old: &Article, new: &Article) -> Vec<FieldDiff> {
    fields(old)
        .into_iter()
        .zip(fields(new))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| FieldDiff {
            field,
            lines: line_diff(&a, &b),
        })
        .collect()
}

fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|change| DiffLine {
            change: match change.tag() {
                ChangeTag::Equal => LineChange::Same,
                ChangeTag::Delete => LineChange::Removed,
                ChangeTag::Insert => LineChange::Added,
            },
            text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
        })
        .collect()
}

/// `current` with the written content of `old` (headline, standfirst,
/// teaser, body, section, slug, dateline, bylines, tags, lead image, kept
/// fields, language; not its translation links, which other stories share).
/// The
/// workflow state (status, times, corrections) stays as it is now: restoring
/// text never unpublishes a story or removes a correction readers saw.
pub fn with_content_of(current: &Article, old: &Article) -> Article {
    let mut restored = current.clone();
    restored.headline = old.headline.clone();
    restored.standfirst = old.standfirst.clone();
    restored.teaser = old.teaser.clone();
    restored.body_source = old.body_source.clone();
    restored.body_format = old.body_format;
    restored.section = old.section.clone();
    restored.slug = old.slug.clone();
    restored.dateline = old.dateline.clone();
    restored.bylines = old.bylines.clone();
    restored.tags = old.tags.clone();
    restored.other_sections = old.other_sections.clone();
    restored.lead_image = old.lead_image.clone();
    restored.fields = old.fields.clone();
    if !old.language.is_empty() {
        restored.language = old.language.clone();
    }
    restored.render_body();
    restored
}

/// What restoring `old` over `current` with [`with_content_of`] brings
/// back: the written fields that differ, named as the editor's form names
/// them, in its order. Empty when the old content is the current one.
pub fn restored_fields(current: &Article, old: &Article) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let mut differs = |name: &'static str, different: bool| {
        if different {
            fields.push(name);
        }
    };
    differs("headline", current.headline != old.headline);
    differs("standfirst", current.standfirst != old.standfirst);
    differs("teaser", current.teaser != old.teaser);
    differs(
        "body",
        current.body_source != old.body_source || current.body_format != old.body_format,
    );
    differs("section", current.section.id != old.section.id);
    differs("address", current.slug != old.slug);
    differs("dateline", current.dateline != old.dateline);
    differs("bylines", current.bylines != old.bylines);
    differs("tags", current.tags != old.tags);
    differs(
        "other sections",
        current.other_sections != old.other_sections,
    );
    differs("lead image", current.lead_image != old.lead_image);
    differs("kept fields", current.fields != old.fields);
    differs(
        "language",
        !old.language.is_empty() && current.language != old.language,
    );
    fields
}

/// Why a save did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Someone saved a newer revision since the editor opened theirs. The
    /// refused state is kept as revision `refused` and can be restored.
    #[error(
        "the story was changed by {} since revision {based_on}; your version is kept as a refused revision",
        current.author_of_revision
    )]
    Conflict {
        based_on: i64,
        refused: i64,
        current: Box<CurrentState>,
        yours: Box<Article>,
    },
    #[error(transparent)]
    Article(#[from] ArticleError),
}

/// The stored story a refused save collided with, and who saved it.
#[derive(Debug, Clone)]
pub struct CurrentState {
    pub article: Article,
    pub author_of_revision: String,
}

impl From<crate::storage::StorageError> for SaveError {
    fn from(error: crate::storage::StorageError) -> SaveError {
        SaveError::Article(error.into())
    }
}

/// What a save records besides the new state.
#[derive(Debug, Clone, Copy)]
pub struct SaveRecord<'a> {
    pub author: &'a str,
    pub message: &'a str,
    /// The changes-feed event kind (`article.updated`, `article.published`...).
    pub event: &'a str,
    /// Recorded with the save only if it happens (audit entries, the lead
    /// image's text).
    pub extras: &'a crate::storage::WriteExtras,
}

/// The event of a change from `before` to `after`: tagged with every page
/// that showed the story before or shows it after (both sections when the
/// section changed; where it was visible when it is unpublished).
pub fn change_event(before: &Article, after: &Article, kind: &str) -> NewEvent {
    let mut tags = before.tags_touched();
    for tag in after.tags_touched() {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    NewEvent {
        kind: kind.to_owned(),
        subject: format!("article:{}", after.id),
        tags,
        payload: serde_json::json!({
            "section": after.section.slug,
            "slug": after.slug,
            "status": after.status,
            "revision": after.revision,
        }),
    }
}

/// The addresses a published story leaves when saved as `after`: its
/// address, and, for a story keeping a custom address, its section address
/// too (which answers with a 301 to the custom one) when its section or
/// slug changes. Both keep answering, with a 301 to where it lives now.
fn left_addresses(before: &Article, after: &Article) -> Vec<String> {
    if before.first_published_at.is_none() {
        return Vec::new();
    }
    let now = [after.path(), after.section_path()];
    let mut left = Vec::new();
    for old in [before.path(), before.section_path()] {
        if !now.contains(&old) && !left.contains(&old) {
            left.push(old);
        }
    }
    left
}

/// Saves `after` over revision `expected` of the stored story `before` (as
/// loaded by the caller) and returns the saved story. A save over any other
/// revision is refused: the stored story is untouched, `after` is kept as a
/// refused revision, and the error carries both versions.
pub async fn save(
    store: &Store,
    before: &Article,
    mut after: Article,
    expected: i64,
    record: SaveRecord<'_>,
    now: i64,
) -> Result<Article, SaveError> {
    after.id = before.id;
    after.modified_at = now;
    after.revision = expected + 1;
    let revision = NewRevision {
        author: record.author,
        message: record.message,
        snapshot: after.snapshot(),
    };
    let saved = if before.revision == expected {
        let old_paths = left_addresses(before, &after);
        let event = change_event(before, &after, record.event);
        store
            .update_article_with(
                &after.to_row(),
                expected,
                revision.clone(),
                &[event],
                &old_paths.iter().map(String::as_str).collect::<Vec<_>>(),
                record.extras,
            )
            .await?
    } else {
        false
    };
    if saved {
        return Ok(after);
    }
    after.revision = expected;
    let refused = store
        .insert_refused_revision(
            before.id,
            expected,
            NewRevision {
                snapshot: after.snapshot(),
                ..revision
            },
            now,
        )
        .await?;
    let current = super::find(store, before.id)
        .await?
        .ok_or(ArticleError::Corrupt {
            id: before.id,
            reason: "the story disappeared during a save".into(),
        })?;
    let author_of_revision = store
        .revisions(before.id)
        .await?
        .into_iter()
        .rev()
        .find(|r| r.kind == "saved" && r.number == current.revision)
        .map(|r| r.author)
        .unwrap_or_else(|| "someone else".into());
    Err(SaveError::Conflict {
        based_on: expected,
        refused,
        current: Box::new(CurrentState {
            article: current,
            author_of_revision,
        }),
        yours: Box::new(after),
    })
}
