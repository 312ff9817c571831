//! Uploaded images (`media` rows); their files live in the data folder.

use super::backend::Backend;
use super::events::NewEvent;
use super::reads::{FromSqlite, Read, id_list, in_ids};
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A media row as stored; `derivatives` is JSON text.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MediaRow {
    pub id: i64,
    pub hash: String,
    pub width: i64,
    pub height: i64,
    pub mime: String,
    pub byte_size: i64,
    pub caption: String,
    pub credit: String,
    pub alt: String,
    pub derivatives: String,
    pub uploaded_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT id, hash, width, height, mime, byte_size, caption, credit, alt, \
     derivatives, uploaded_by, created_at, updated_at FROM media";

impl FromSqlite for MediaRow {
    /// The columns of [`SELECT`], in its order.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<MediaRow> {
        Ok(MediaRow {
            id: row.get(0)?,
            hash: row.get(1)?,
            width: row.get(2)?,
            height: row.get(3)?,
            mime: row.get(4)?,
            byte_size: row.get(5)?,
            caption: row.get(6)?,
            credit: row.get(7)?,
            alt: row.get(8)?,
            derivatives: row.get(9)?,
            uploaded_by: row.get(10)?,
            created_at: row.get(11)?,
            updated_at: row.get(12)?,
        })
    }
}

impl Store {
    /// Inserts a media row and its events (`{id}` in their subject and tags
    /// becomes the new id) in one transaction; returns the new id.
    pub async fn insert_media(&self, row: &MediaRow, events: &[NewEvent]) -> Result<i64> {
        in_transaction!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO media (hash, width, height, mime, byte_size, caption, credit, alt, \
                 derivatives, uploaded_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(&row.hash)
            .bind(row.width)
            .bind(row.height)
            .bind(&row.mime)
            .bind(row.byte_size)
            .bind(&row.caption)
            .bind(&row.credit)
            .bind(&row.alt)
            .bind(&row.derivatives)
            .bind(row.uploaded_by)
            .bind(row.created_at)
            .fetch_one(&mut *tx)
            .await?;
            Backend::insert_events(&mut tx, row.created_at, &NewEvent::with_id(events, id)).await?;
            Ok::<i64, StorageError>(id)
        })
    }

    /// Changes the caption, credit and alt text of media `id`, with its
    /// events, in one transaction. Returns whether the row exists.
    pub async fn update_media_text(
        &self,
        id: i64,
        caption: &str,
        credit: &str,
        alt: &str,
        now: i64,
        events: &[NewEvent],
    ) -> Result<bool> {
        in_transaction!(self, tx => {
            let updated = sqlx::query(
                "UPDATE media SET caption = $1, credit = $2, alt = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(caption)
            .bind(credit)
            .bind(alt)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 1 {
                Backend::insert_events(&mut tx, now, events).await?;
            }
            Ok::<bool, StorageError>(updated == 1)
        })
    }

    /// The media row with this id.
    pub async fn media(&self, id: i64) -> Result<Option<MediaRow>> {
        let sql = format!("{SELECT} WHERE id = $1");
        Read::new(sql).bind(id).optional(self).await
    }

    /// The media rows among `ids` that exist, in no order (a feed's lead
    /// images in one read).
    pub async fn media_among(&self, ids: &[i64]) -> Result<Vec<MediaRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Read::new(format!("{SELECT} WHERE {}", in_ids(self, "id", 1)))
            .bind(id_list(ids))
            .all(self)
            .await
    }

    /// The newest uploads first, at most `limit`, older than id `before`.
    pub async fn media_list(&self, before: Option<i64>, limit: i64) -> Result<Vec<MediaRow>> {
        let sql = format!("{SELECT} WHERE id < $1 ORDER BY id DESC LIMIT $2");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(pool).await?),
        )
    }

    /// [`Store::media_list`] narrowed to the images whose alt text, caption
    /// or credit contains `words` (`%`, `_` and `\` in it match themselves;
    /// letters outside ASCII match only in the case they were typed on
    /// SQLite, whose `LOWER` folds ASCII alone).
    pub async fn media_search(
        &self,
        before: Option<i64>,
        limit: i64,
        words: &str,
    ) -> Result<Vec<MediaRow>> {
        let pattern = super::search::like_containing(&words.to_lowercase());
        let sql = format!(
            "{SELECT} WHERE id < $1 AND (LOWER(alt) LIKE $3 ESCAPE '\\' \
             OR LOWER(caption) LIKE $3 ESCAPE '\\' OR LOWER(credit) LIKE $3 ESCAPE '\\') \
             ORDER BY id DESC LIMIT $2"
        );
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(before.unwrap_or(i64::MAX)).bind(limit).bind(&pattern).fetch_all(pool).await?),
        )
    }

    /// How many rows share the files of `hash`.
    pub async fn media_count_by_hash(&self, hash: &str) -> Result<i64> {
        Ok(
            with_db!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM media WHERE hash = $1")
            .bind(hash).fetch_one(pool).await?),
        )
    }
}
