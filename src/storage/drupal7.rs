//! The Drupal 7 importer's writes that the shared import writes
//! (`storage::imports`) do not cover: a node with every revision stored as
//! one story in one transaction (its current state inserted as a new story
//! is, its earlier revisions as the revision rows before it, so the story's
//! history is Drupal's), and
//! old addresses that lead to a section, topic or person page. Each write
//! carries its ledger row in the same transaction.

use super::backend::Backend;
use super::events::NewEvent;
use super::imports::{ImportRevision, ImportedStory, import_comment};
use super::{ArticleRow, LedgerKey, NewRevision, Result, StorageError, Store, in_transaction};

/// A later revision of an imported story: its state and revision record.
#[derive(Debug, Clone)]
pub struct LaterRevision {
    pub row: ArticleRow,
    pub revision: ImportRevision,
}

impl Store {
    /// Stores a new story whose history is `story` then each of `later`
    /// (oldest first; `story.events` are those of the newest state), or
    /// saves `story` over `expected_revision` of a stored one (`later`
    /// empty), with the old addresses, comments and ledger rows, in one
    /// transaction. `Ok(None)` when the stored story changed since
    /// `expected_revision` (nothing is written).
    pub async fn import_story_history(
        &self,
        story: &ImportedStory,
        later: &[LaterRevision],
    ) -> Result<Option<i64>> {
        in_transaction!(self, tx => {
            let (id, modified_at) = match story.expected_revision {
                // A new story: the current state goes in through the same
                // insert as every new story (events, topic and people
                // filing, search), numbered after the earlier revisions,
                // which go in as the revision rows before it.
                None => {
                    let (row, revision) = match later.last() {
                        Some(last) => (&last.row, &last.revision),
                        None => (&story.row, &story.revision),
                    };
                    let current = NewRevision {
                        author: &revision.author,
                        message: &revision.message,
                        snapshot: revision.snapshot.clone(),
                    };
                    let id = Backend::insert_article(&mut tx, row, &current, &story.events).await?;
                    if !later.is_empty() {
                        let count = later.len() as i64 + 1;
                        sqlx::query("UPDATE revisions SET number = $1 WHERE article_id = $2 AND number = 1")
                            .bind(count).bind(id).execute(&mut *tx).await?;
                        sqlx::query("UPDATE articles SET revision = $1 WHERE id = $2")
                            .bind(count).bind(id).execute(&mut *tx).await?;
                        let earlier = std::iter::once((&story.row, &story.revision))
                            .chain(later[..later.len() - 1].iter().map(|l| (&l.row, &l.revision)));
                        for (number, (row, revision)) in (1..).zip(earlier) {
                            // Snapshots made before the id was known name story 0.
                            let snapshot = revision.snapshot.replacen("{\"id\":0,", &format!("{{\"id\":{id},"), 1);
                            sqlx::query(
                                "INSERT INTO revisions (article_id, number, author, message, created_at, snapshot) \
                                 VALUES ($1, $2, $3, $4, $5, $6)")
                                .bind(id).bind(number as i64).bind(&revision.author).bind(&revision.message)
                                .bind(row.modified_at).bind(snapshot)
                                .execute(&mut *tx).await?;
                        }
                    }
                    (id, row.modified_at)
                }
                Some(expected) => {
                    let revision = NewRevision {
                        author: &story.revision.author,
                        message: &story.revision.message,
                        snapshot: story.revision.snapshot.clone(),
                    };
                    if !Backend::update_article(&mut tx, &story.row, expected, &revision, &story.events, None).await? {
                        return Ok(None);
                    }
                    (story.row.id, story.row.modified_at)
                }
            };
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
