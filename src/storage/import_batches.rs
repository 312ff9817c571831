//! Import batches: an importer's item writes grouped into one database
//! transaction, each item inside a savepoint of its own. An item that fails
//! rolls back to its savepoint only (the items before it stay); the batch
//! commits every [`BATCH_ITEMS`] items or [`BATCH_TIME`], whichever comes
//! first, with the ledger rows of its items, so an import killed at any
//! moment loses at most the uncommitted batch, and the resume (which trusts
//! only committed ledger rows) redoes exactly that. One commit per batch
//! instead of per item is most of an import's speed: a commit waits for the
//! disk (SQLite `synchronous=FULL`, PostgreSQL's WAL flush).
//!
//! While a batch is open it holds the write lock (SQLite's `BEGIN
//! IMMEDIATE`, PostgreSQL's writers' advisory lock), so an importer must
//! make every write of the batch's span through it, or commit it first.
//! The single-item writes of `storage::imports` are one-item batches.
//!
//! New stories can go in together instead ([`ImportBatch::new_stories`],
//! `storage::import_bulk`): a few multi-row statements for up to a hundred
//! of them, in one savepoint; when that fails, nothing of them is written
//! and the importer stores each through [`ImportBatch::story_history`].

use std::time::{Duration, Instant};

use sqlx::{Acquire, Postgres, Sqlite, Transaction};

use super::articles::NewRevision;
use super::backend::Backend;
use super::drupal7::LaterRevision;
use super::events::NewEvent;
use super::imports::{ImportedStory, import_comment};
use super::media::MediaRow;
use super::{Db, LedgerKey, Result, Store};

/// Items per batch at most.
pub const BATCH_ITEMS: usize = 1000;
/// How long a batch stays open at most (the work a SIGKILL can lose, and
/// how long other writers wait for the write lock).
pub const BATCH_TIME: Duration = Duration::from_millis(200);

enum BatchTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// An open (or not yet opened) batch of item writes on `store`.
pub struct ImportBatch<'s> {
    store: &'s Store,
    tx: Option<BatchTx>,
    items: usize,
    opened: Instant,
    /// Topics and people the bulk writes found or made in this batch.
    names: super::import_bulk::Names,
}

/// Runs `$body` inside a savepoint of the batch's transaction (opened on
/// first use); `$tx` is the savepoint, a `Transaction` of either backend.
/// The savepoint is released when the body returns `Ok`, rolled back when it
/// returns early or fails.
macro_rules! in_savepoint {
    ($batch:expr, $tx:ident => $body:expr) => {{
        $batch.open().await?;
        let out = match $batch.tx.as_mut().expect("the batch is open") {
            BatchTx::Sqlite(outer) => {
                let mut $tx = outer.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            BatchTx::Postgres(outer) => {
                let mut $tx = outer.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        };
        $batch.items += 1;
        Ok(out)
    }};
}

impl Store {
    /// A new batch of import writes; nothing is opened until its first write.
    pub fn import_batch(&self) -> ImportBatch<'_> {
        ImportBatch {
            store: self,
            tx: None,
            items: 0,
            opened: Instant::now(),
            names: Default::default(),
        }
    }
}

impl ImportBatch<'_> {
    async fn open(&mut self) -> Result<()> {
        if self.tx.is_some() {
            return Ok(());
        }
        self.tx = Some(match &self.store.db {
            Db::Sqlite(pool) => BatchTx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                // The same writers' lock as every write (see `in_transaction!`).
                sqlx::query("SELECT pg_advisory_xact_lock(7261)")
                    .execute(&mut *tx)
                    .await?;
                BatchTx::Postgres(tx)
            }
        });
        self.items = 0;
        self.opened = Instant::now();
        Ok(())
    }

    /// Whether the batch should commit now (enough items, or open long
    /// enough).
    pub fn due(&self) -> bool {
        self.tx.is_some() && (self.items >= BATCH_ITEMS || self.opened.elapsed() >= BATCH_TIME)
    }

    /// Commits the batch if [`ImportBatch::due`]; returns whether it did.
    pub async fn commit_if_due(&mut self) -> Result<bool> {
        if !self.due() {
            return Ok(false);
        }
        self.commit().await?;
        Ok(true)
    }

    /// Commits every item written so far (nothing when none was). The batch
    /// can be used again after.
    pub async fn commit(&mut self) -> Result<()> {
        match self.tx.take() {
            None => {}
            Some(BatchTx::Sqlite(tx)) => {
                tx.commit().await?;
                self.store.count_commit();
            }
            Some(BatchTx::Postgres(mut tx)) => {
                // Wakes changes-feed consumers on every node at commit.
                sqlx::query("NOTIFY masthead_changes")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                self.store.count_commit();
            }
        }
        self.items = 0;
        self.names = Default::default();
        Ok(())
    }

    /// Makes sure section `slug` exists (named `name` when created) and
    /// records it for `key`; returns its id.
    pub async fn section(
        &mut self,
        key: &LedgerKey,
        digest: &str,
        slug: &str,
        name: &str,
        now: i64,
    ) -> Result<i64> {
        in_savepoint!(self, tx => {
            let id = Backend::ensure_section(&mut tx, slug, name, now).await?;
            Backend::ledger_put(&mut tx, key, "section", id, digest, now).await?;
            id
        })
    }

    /// Stores an image's media row (its files are already stored by content
    /// hash) with its ledger row: the row the ledger names gets the new
    /// text, else a new row is made.
    pub async fn media(
        &mut self,
        key: &LedgerKey,
        digest: &str,
        row: &MediaRow,
        now: i64,
    ) -> Result<i64> {
        in_savepoint!(self, tx => {
            let known = Backend::ledger_target(&mut tx, key).await?.map(|(_, id, _)| id);
            let id: i64 = match known {
                Some(id) => {
                    sqlx::query("UPDATE media SET caption = $1, credit = $2, alt = $3, updated_at = $4 WHERE id = $5")
                        .bind(&row.caption).bind(&row.credit).bind(&row.alt).bind(now).bind(id)
                        .execute(&mut *tx).await?;
                    id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO media (hash, width, height, mime, byte_size, caption, credit, alt, \
                     derivatives, uploaded_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id")
                    .bind(&row.hash).bind(row.width).bind(row.height).bind(&row.mime).bind(row.byte_size)
                    .bind(&row.caption).bind(&row.credit).bind(&row.alt).bind(&row.derivatives)
                    .bind(row.uploaded_by).bind(now)
                    .fetch_one(&mut *tx).await?,
            };
            let event = NewEvent {
                kind: "media.imported".into(),
                subject: format!("media:{id}"),
                tags: vec![format!("media:{id}")],
                payload: serde_json::json!({ "hash": row.hash }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::ledger_put(&mut tx, key, "media", id, digest, now).await?;
            id
        })
    }

    /// Stores new stories (not in the ledger, none with a custom address
    /// or a translation link; each with its later revisions, as
    /// [`ImportBatch::story_history`] takes them) all at once with a few
    /// multi-row statements (see `storage::import_bulk`): their ids in
    /// order, or `None` when nothing was written, because a write failed
    /// (a taken address, a broken item) or the run needs the per-item
    /// order of checks. The caller then stores each through
    /// [`ImportBatch::story_history`], which refuses a broken one alone.
    pub async fn new_stories(
        &mut self,
        items: &[(&ImportedStory, &[LaterRevision])],
    ) -> Result<Option<Vec<i64>>> {
        if items.is_empty() {
            return Ok(Some(Vec::new()));
        }
        self.open().await?;
        // The group in a savepoint of its own: kept whole, or (refused or
        // failed) rolled back whole.
        macro_rules! in_group_savepoint {
            ($outer:expr) => {{
                let mut tx = $outer.begin().await?;
                match super::import_bulk::new_stories(&mut tx, items, &mut self.names).await {
                    Ok(Some(ids)) => {
                        tx.commit().await?;
                        Some(ids)
                    }
                    other => {
                        if let Err(e) = other {
                            tracing::debug!(error = %e, "bulk write refused; item by item");
                        }
                        tx.rollback().await?;
                        None
                    }
                }
            }};
        }
        let written = match self.tx.as_mut().expect("the batch is open") {
            BatchTx::Sqlite(outer) => in_group_savepoint!(outer),
            BatchTx::Postgres(outer) => in_group_savepoint!(outer),
        };
        if written.is_some() {
            self.items += items.len();
        }
        Ok(written)
    }

    /// Stores a story with its revision, events, old addresses, comments and
    /// their ledger rows, and its own ledger row. Returns the story's id;
    /// `Ok(None)` when the story was saved by someone else since
    /// `expected_revision` (nothing of it is written).
    pub async fn story(&mut self, story: &ImportedStory) -> Result<Option<i64>> {
        self.story_history(story, &[]).await
    }

    /// Stores a new story whose history is `story` then each of `later`
    /// (oldest first; `story.events` are those of the newest state), or
    /// saves `story` over `expected_revision` of a stored one (`later`
    /// empty), with the old addresses, comments and ledger rows. `Ok(None)`
    /// when the stored story changed since `expected_revision` (nothing of
    /// it is written).
    pub async fn story_history(
        &mut self,
        story: &ImportedStory,
        later: &[LaterRevision],
    ) -> Result<Option<i64>> {
        in_savepoint!(self, tx => {
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
                        // Dropping the savepoint rolls it back.
                        return Ok(None);
                    }
                    (story.row.id, story.row.modified_at)
                }
            };
            let path: String = sqlx::query_scalar(
                "SELECT COALESCE(a.canonical_path, '/' || s.slug || '/' || a.slug) FROM articles a \
                 JOIN sections s ON s.id = a.section_id WHERE a.id = $1")
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
            Some(id)
        })
    }
}
