//! Curated fronts (`front_pins`) and the breaking-news banner
//! (`breaking_banner`). A front's arrangement is replaced as a whole, with
//! its event and audit entry, in one transaction; readers get only pins of
//! stories they may see (`VISIBLE`) whose time has not run out.

use super::articles::{ArticleRow, SELECT, VISIBLE};
use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::events::NewEvent;
use super::reads::Read;
use super::{Result, StorageError, Store, in_transaction, with_db};

/// One pin as stored: story `article_id` at `position` (0 leads) on
/// `front` (`home` or `section:<slug>`), until `until` if set.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct PinRow {
    pub front: String,
    pub position: i64,
    pub article_id: i64,
    pub until: Option<i64>,
}

/// A pin to store: the story and when it drops out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewPin {
    pub article_id: i64,
    pub until: Option<i64>,
}

/// The breaking-news banner as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct BannerRow {
    pub text: String,
    pub link: String,
    pub until: Option<i64>,
    pub updated_at: i64,
}

impl Store {
    /// Every pin of `front` in order, whatever the stories' state (the
    /// editor's view).
    pub async fn front_pins(&self, front: &str) -> Result<Vec<PinRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT front, position, article_id, until FROM front_pins WHERE front = $1 ORDER BY position")
            .bind(front).fetch_all(pool).await?))
    }

    /// The pinned stories of `front` readers may see at `now`, in order,
    /// leaving out pins whose time ran out.
    pub async fn visible_front_articles(&self, front: &str, now: i64) -> Result<Vec<ArticleRow>> {
        let sql = format!(
            "{SELECT} JOIN front_pins p ON p.article_id = a.id \
             WHERE {VISIBLE} AND p.front = $2 AND (p.until IS NULL OR p.until > $1) \
             ORDER BY p.position"
        );
        Read::new(sql).bind(now).bind(front).all(self).await
    }

    /// Replaces `front`'s pins with `pins` (in order) with its event and
    /// audit entry, in one transaction.
    pub async fn arrange_front(
        &self,
        front: &str,
        pins: &[NewPin],
        pinned_by: Option<i64>,
        now: i64,
        event: &NewEvent,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            sqlx::query("DELETE FROM front_pins WHERE front = $1")
                .bind(front).execute(&mut *tx).await?;
            for (position, pin) in pins.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO front_pins (front, position, article_id, until, pinned_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(front).bind(position as i64).bind(pin.article_id).bind(pin.until)
                    .bind(pinned_by).bind(now).execute(&mut *tx).await?;
            }
            Backend::insert_events(&mut tx, now, std::slice::from_ref(event)).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// The banner, if one is set (it may have run out: see `until`).
    pub async fn banner(&self) -> Result<Option<BannerRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT text, link, until, updated_at FROM breaking_banner WHERE id = 1")
            .fetch_optional(pool).await?))
    }

    /// Sets (`Some`) or clears (`None`) the banner with its event and audit
    /// entry, in one transaction.
    pub async fn set_banner(
        &self,
        banner: Option<(&str, &str, Option<i64>)>,
        now: i64,
        event: &NewEvent,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            match banner {
                Some((text, link, until)) => {
                    sqlx::query(
                        "INSERT INTO breaking_banner (id, text, link, until, updated_at) \
                         VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET \
                         text = excluded.text, link = excluded.link, until = excluded.until, \
                         updated_at = excluded.updated_at")
                        .bind(text).bind(link).bind(until).bind(now).execute(&mut *tx).await?;
                }
                None => {
                    sqlx::query("DELETE FROM breaking_banner WHERE id = 1")
                        .execute(&mut *tx).await?;
                }
            }
            Backend::insert_events(&mut tx, now, std::slice::from_ref(event)).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// The earliest time after `after` at which a pin or the banner runs
    /// out: a moment the page cache must purge with no write to announce it.
    pub async fn next_front_expiry(&self, after: i64) -> Result<Option<i64>> {
        let pins: Option<i64> = with_db!(self, pool => sqlx::query_scalar(
            "SELECT MIN(until) FROM front_pins WHERE until > $1")
            .bind(after).fetch_one(pool).await?);
        let banner: Option<i64> = with_db!(self, pool => sqlx::query_scalar(
            "SELECT MIN(until) FROM breaking_banner WHERE until > $1")
            .bind(after).fetch_one(pool).await?);
        Ok(match (pins, banner) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    /// The cache tags of what runs out in `(after, through]`: the fronts
    /// with a pin expiring (`home`, `section:<slug>`) and `banner` when
    /// the banner does.
    pub async fn fronts_expired(&self, after: i64, through: i64) -> Result<Vec<String>> {
        let mut tags: Vec<String> = with_db!(self, pool => sqlx::query_scalar(
            "SELECT DISTINCT front FROM front_pins WHERE until > $1 AND until <= $2")
            .bind(after).bind(through).fetch_all(pool).await?);
        let banner: i64 = with_db!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM breaking_banner WHERE until > $1 AND until <= $2")
            .bind(after).bind(through).fetch_one(pool).await?);
        if banner > 0 {
            tags.push("banner".to_owned());
        }
        Ok(tags)
    }
}
