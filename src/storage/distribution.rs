//! Queries behind sitemaps and the cursors of this module's changes-feed
//! consumers. Every list here uses the reader condition (`VISIBLE`).
//!
//! A consumer that acts outside the database (WebSub pings) runs its rounds
//! under a [`ConsumerClaim`], so that with several nodes following the same
//! feed each event is acted on by one node, not by every node.

use super::articles::VISIBLE;
use super::{Db, Result, Store, with_db};

/// One URL of an article sitemap.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SitemapEntry {
    pub id: i64,
    pub section_slug: String,
    pub slug: String,
    /// A custom canonical path, the story's address when set.
    pub canonical_path: Option<String>,
    /// The editorial update time (or first publication).
    pub lastmod: i64,
}

/// One file of the article sitemap: its position, how many URLs it holds
/// and when its newest story was last updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct SitemapChunk {
    pub chunk: i64,
    pub urls: i64,
    pub lastmod: i64,
}

/// A consumer's claim on its cursor, held for one round: while a node holds
/// it, no other node runs a round of that consumer. On PostgreSQL it is the
/// cursor's row, locked `FOR UPDATE SKIP LOCKED` in a transaction that
/// ends when the claim is released or dropped, or when the node dies (the
/// server rolls back the dead connection's transaction). On SQLite only
/// one `serve` runs per data folder, so the claim is the cursor alone.
#[derive(Debug)]
pub struct ConsumerClaim {
    /// The last event the consumer handled.
    pub cursor: i64,
    name: String,
    lock: Option<sqlx::Transaction<'static, sqlx::Postgres>>,
}

impl Store {
    /// Claims consumer `name`'s cursor for a round; `None` while another
    /// node holds it (that node does the round).
    pub async fn claim_consumer(&self, name: &str, now: i64) -> Result<Option<ConsumerClaim>> {
        let pool = match &self.db {
            Db::Sqlite(_) => {
                return Ok(Some(ConsumerClaim {
                    cursor: self.distribution_cursor(name).await?,
                    name: name.to_owned(),
                    lock: None,
                }));
            }
            Db::Postgres(pool) => pool,
        };
        // The row must exist to be locked.
        sqlx::query(
            "INSERT INTO distribution_cursors (name, last_event_id, updated_at) VALUES ($1, 0, $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(now)
        .execute(pool)
        .await?;
        let mut lock = pool.begin().await?;
        let cursor: Option<i64> = sqlx::query_scalar(
            "SELECT last_event_id FROM distribution_cursors WHERE name = $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(name)
        .fetch_optional(&mut *lock)
        .await?;
        Ok(cursor.map(|cursor| ConsumerClaim {
            cursor,
            name: name.to_owned(),
            lock: Some(lock),
        }))
    }

    /// Starts consumer `name` at `event_id` unless it has a cursor already:
    /// a consumer with no use for the past (the purge webhook) begins at the
    /// end of the feed, not at its first event.
    pub async fn start_consumer(&self, name: &str, event_id: i64, now: i64) -> Result<()> {
        with_db!(self, pool => sqlx::query(
            "INSERT INTO distribution_cursors (name, last_event_id, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING")
            .bind(name).bind(event_id).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Releases a claim without moving its cursor (a round that failed or
    /// found nothing), at once: a claim merely dropped is rolled back by
    /// the pool later, and the next round (this node's retry included)
    /// would find the cursor still locked and skip.
    pub async fn abandon_consumer(&self, claim: ConsumerClaim) -> Result<()> {
        if let Some(lock) = claim.lock {
            lock.rollback().await?;
        }
        Ok(())
    }

    /// Moves a claimed cursor to `event_id` and releases the claim. A claim
    /// dropped without this leaves the cursor where it was, for the next
    /// round (on any node) to handle the same events again.
    pub async fn release_consumer(
        &self,
        claim: ConsumerClaim,
        event_id: i64,
        now: i64,
    ) -> Result<()> {
        match claim.lock {
            None => {
                self.set_distribution_cursor(&claim.name, event_id, now)
                    .await
            }
            Some(mut lock) => {
                sqlx::query(
                    "UPDATE distribution_cursors SET last_event_id = $2, updated_at = $3 WHERE name = $1",
                )
                .bind(&claim.name)
                .bind(event_id)
                .bind(now)
                .execute(&mut *lock)
                .await?;
                lock.commit().await?;
                Ok(())
            }
        }
    }

    /// The article sitemap's files at `now`, `size` URLs each, ordered by id.
    pub async fn sitemap_chunks(&self, now: i64, size: i64) -> Result<Vec<SitemapChunk>> {
        let sql = format!(
            "SELECT (n - 1) / $2 AS chunk, COUNT(*) AS urls, MAX(lastmod) AS lastmod FROM ( \
               SELECT ROW_NUMBER() OVER (ORDER BY a.id) AS n, \
                      COALESCE(a.last_update_at, a.first_published_at, a.modified_at) AS lastmod \
               FROM articles a WHERE {VISIBLE}) v \
             GROUP BY (n - 1) / $2 ORDER BY chunk"
        );
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now).bind(size).fetch_all(pool).await?),
        )
    }

    /// The id of the `offset`-th visible story (0-based) in id order: where
    /// a sitemap file starts.
    pub async fn sitemap_start(&self, now: i64, offset: i64) -> Result<Option<i64>> {
        let sql =
            format!("SELECT a.id FROM articles a WHERE {VISIBLE} ORDER BY a.id LIMIT 1 OFFSET $2");
        Ok(
            with_db!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(now).bind(offset).fetch_optional(pool).await?),
        )
    }

    /// Up to `limit` visible stories with an id of at least `from_id`, in id
    /// order (keyset pages, so a sitemap streams in constant memory).
    pub async fn sitemap_entries(
        &self,
        now: i64,
        from_id: i64,
        limit: i64,
    ) -> Result<Vec<SitemapEntry>> {
        let sql = format!(
            "SELECT a.id, s.slug AS section_slug, a.slug, a.canonical_path, \
                    COALESCE(a.last_update_at, a.first_published_at, a.modified_at) AS lastmod \
             FROM articles a JOIN sections s ON s.id = a.section_id \
             WHERE {VISIBLE} AND a.id >= $2 ORDER BY a.id LIMIT $3"
        );
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now).bind(from_id).bind(limit).fetch_all(pool).await?),
        )
    }

    /// The last event a named consumer has handled (0 when it never ran).
    pub async fn distribution_cursor(&self, name: &str) -> Result<i64> {
        Ok(with_db!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT last_event_id FROM distribution_cursors WHERE name = $1")
            .bind(name).fetch_optional(pool).await?)
        .unwrap_or(0))
    }

    /// Records that a named consumer has handled every event up to `event_id`.
    pub async fn set_distribution_cursor(&self, name: &str, event_id: i64, now: i64) -> Result<()> {
        with_db!(self, pool => sqlx::query(
            "INSERT INTO distribution_cursors (name, last_event_id, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id, updated_at = excluded.updated_at")
            .bind(name).bind(event_id).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
