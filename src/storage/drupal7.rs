//! The Drupal 7 importer's writes that the shared import writes
//! (`storage::imports`) do not cover: a node with every revision stored as
//! one story in one transaction (its first revision inserted, each later
//! one saved over the one before, so the story's history is Drupal's), and
//! old addresses that lead to a section, topic or person page. Each write
//! carries its ledger row in the same transaction.

use super::backend::Backend;
use super::events::NewEvent;
use super::imports::{ImportRevision, ImportedStory, import_comment};
use super::{ArticleRow, LedgerKey, NewRevision, Result, StorageError, Store, in_transaction};

/// A later revision of an imported story.
#[derive(Debug, Clone)]
pub struct LaterRevision {
    pub row: ArticleRow,
    pub revision: ImportRevision,
    /// Its events; `{id}` becomes the story's id.
    pub events: Vec<NewEvent>,
}

impl Store {
    /// Stores `story` (inserted, or saved over `expected_revision`) and then
    /// each of `later` over the revision before it, with the old addresses,
    /// comments and ledger rows, in one transaction. `Ok(None)` when the
    /// stored story changed since `expected_revision` (nothing is written).
    pub async fn import_story_history(
        &self,
        story: &ImportedStory,
        later: &[LaterRevision],
    ) -> Result<Option<i64>> {
        in_transaction!(self, tx => {
            let first = NewRevision {
                author: &story.revision.author,
                message: &story.revision.message,
                snapshot: story.revision.snapshot.clone(),
            };
            let (id, mut number) = match story.expected_revision {
                None => (Backend::insert_article(&mut tx, &story.row, &first, &story.events).await?, 1),
                Some(expected) => {
                    if !Backend::update_article(&mut tx, &story.row, expected, &first, &story.events, None).await? {
                        return Ok(None);
                    }
                    (story.row.id, expected + 1)
                }
            };
            let mut modified_at = story.row.modified_at;
            for next in later {
                let mut row = next.row.clone();
                row.id = id;
                row.revision = number;
                // Snapshots made before the id was known name story 0.
                let snapshot = next.revision.snapshot.replacen("{\"id\":0,", &format!("{{\"id\":{id},"), 1);
                let revision = NewRevision {
                    author: &next.revision.author,
                    message: &next.revision.message,
                    snapshot,
                };
                let events = NewEvent::with_id(&next.events, id);
                if !Backend::update_article(&mut tx, &row, number, &revision, &events, None).await? {
                    return Err(StorageError::Corrupt(format!("story {id} changed while its history was written")));
                }
                number += 1;
                modified_at = row.modified_at;
            }
            let path: String = sqlx::query_scalar(
                "SELECT '/' || s.slug || '/' || a.slug FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            for old in &story.old_paths {
                if *old == path || Backend::path_owner(&mut tx, old).await?.is_some() {
                    continue;
                }
                sqlx::query(
                    "INSERT INTO redirects (old_path, article_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (old_path) DO UPDATE SET article_id = excluded.article_id, target_path = NULL")
                    .bind(old).bind(id).bind(modified_at)
                    .execute(&mut *tx).await?;
            }
            let mut shown = false;
            for comment in &story.comments {
                shown |= import_comment(&mut tx, id, comment, modified_at).await?;
            }
            if shown {
                let event = NewEvent {
                    kind: "comments.imported".into(),
                    subject: format!("article:{id}"),
                    tags: vec![super::comments::comments_tag(id)],
                    payload: serde_json::json!({ "article": id }),
                };
                Backend::insert_events(&mut tx, modified_at, &[event]).await?;
            }
            Backend::ledger_put(&mut tx, &story.key, "article", id, &story.digest, modified_at).await?;
            Ok::<Option<i64>, StorageError>(Some(id))
        })
    }

    /// Makes each of `paths` (old path, new path) an old address answering
    /// 301 with the new path, unless something lives at the old path or a
    /// story's redirect holds it; records `key` in the same transaction.
    /// Returns how many were stored.
    pub async fn import_path_redirects(
        &self,
        key: &LedgerKey,
        digest: &str,
        paths: &[(String, String)],
        now: i64,
    ) -> Result<u64> {
        in_transaction!(self, tx => {
            let mut stored = 0;
            for (old, target) in paths {
                if old == target || Backend::path_owner(&mut tx, old).await?.is_some() {
                    continue;
                }
                let story: Option<Option<i64>> = sqlx::query_scalar(
                    "SELECT article_id FROM redirects WHERE old_path = $1")
                    .bind(old).fetch_optional(&mut *tx).await?;
                if matches!(story, Some(Some(_))) {
                    continue;
                }
                sqlx::query(
                    "INSERT INTO redirects (old_path, target_path, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (old_path) DO UPDATE SET target_path = excluded.target_path")
                    .bind(old).bind(target).bind(now)
                    .execute(&mut *tx).await?;
                stored += 1;
            }
            Backend::ledger_put(&mut tx, key, "redirect", 0, digest, now).await?;
            Ok::<u64, StorageError>(stored)
        })
    }
}
