//! The Drupal 7 importer's writes that the shared import writes
//! (`storage::imports`) do not cover: a node with every revision stored as
//! one story in one transaction (its current state inserted as a new story
//! is, its earlier revisions as the revision rows before it, so the story's
//! history is Drupal's), and
//! old addresses that lead to a section, topic or person page. Each write
//! carries its ledger row in the same transaction.

use super::backend::Backend;
use super::imports::{ImportRevision, ImportedStory};
use super::{ArticleRow, LedgerKey, Result, StorageError, Store, in_transaction};

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
        let mut batch = self.import_batch();
        let id = batch.story_history(story, later).await?;
        batch.commit().await?;
        Ok(id)
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
