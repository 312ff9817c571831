//! The site's settings row, and the lock nodes take to set up an empty
//! site once.

use super::backend::Backend;
use super::events::NewEvent;
use super::{Db, Result, StorageError, Store, in_transaction, with_db};

/// Held by the one node setting up an empty site (see [`Store::lock_setup`]);
/// released when dropped.
#[derive(Debug)]
pub struct SetupLock {
    _lock: Option<sqlx::Transaction<'static, sqlx::Postgres>>,
}

/// The site's settings as stored; `date_formats` is a JSON object of named
/// PHP date() formats.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SiteRow {
    pub name: String,
    pub base_url: String,
    pub language: String,
    pub time_zone: String,
    pub date_formats: String,
    pub teaser_length: i64,
    /// Feeds carry the full body (true) or the teaser only.
    pub feed_full_text: bool,
    /// The WebSub hub feeds name and publishing pings, if any.
    pub websub_hub: Option<String>,
    /// Approved comments show under stories.
    pub comments_shown: bool,
    /// Readers may post comments (held for moderation).
    pub comments_posting: bool,
    /// The pre-publish checks' severities, JSON (`{"byline": "blocking"}`).
    pub check_severities: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    /// Waits for the first-start lock. On PostgreSQL it is an advisory lock
    /// of this schema held by a transaction of its own, so that nodes started
    /// together on an empty database create the site (and the demo
    /// newsroom) once: the others wait, then find the site there. A node
    /// that dies holding it releases it with its connection. On SQLite one
    /// `serve` runs per data folder, and there is nothing to take.
    pub async fn lock_setup(&self) -> Result<SetupLock> {
        let lock = match &self.db {
            Db::Sqlite(_) => None,
            Db::Postgres(pool) => {
                let mut lock = pool.begin().await?;
                // The two-key space does not overlap the writers' lock (7261).
                sqlx::query("SELECT pg_advisory_xact_lock(7262, hashtext(current_schema()))")
                    .execute(&mut *lock)
                    .await?;
                Some(lock)
            }
        };
        Ok(SetupLock { _lock: lock })
    }

    /// The site's settings, or `None` before the site is set up.
    pub async fn site(&self) -> Result<Option<SiteRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT name, base_url, language, time_zone, date_formats, teaser_length, feed_full_text, websub_hub, comments_shown, comments_posting, check_severities, created_at, updated_at \
             FROM site WHERE id = 1")
            .fetch_optional(pool).await?))
    }

    /// Creates or replaces the site's settings.
    pub async fn save_site(&self, site: &SiteRow, events: &[NewEvent]) -> Result<()> {
        in_transaction!(self, tx => {
            sqlx::query(
                "INSERT INTO site (id, name, base_url, language, time_zone, date_formats, teaser_length, created_at, updated_at, feed_full_text, websub_hub, comments_shown, comments_posting, check_severities) \
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO UPDATE SET \
                 name = excluded.name, base_url = excluded.base_url, language = excluded.language, \
                 time_zone = excluded.time_zone, date_formats = excluded.date_formats, \
                 teaser_length = excluded.teaser_length, updated_at = excluded.updated_at, \
                 feed_full_text = excluded.feed_full_text, websub_hub = excluded.websub_hub, \
                 comments_shown = excluded.comments_shown, comments_posting = excluded.comments_posting, \
                 check_severities = excluded.check_severities",
            )
            .bind(&site.name)
            .bind(&site.base_url)
            .bind(&site.language)
            .bind(&site.time_zone)
            .bind(&site.date_formats)
            .bind(site.teaser_length)
            .bind(site.created_at)
            .bind(site.updated_at)
            .bind(site.feed_full_text)
            .bind(&site.websub_hub)
            .bind(site.comments_shown)
            .bind(site.comments_posting)
            .bind(&site.check_severities)
            .execute(&mut *tx)
            .await?;
            Backend::insert_events(&mut tx, site.updated_at, events).await?;
            Ok::<(), StorageError>(())
        })
    }
}
