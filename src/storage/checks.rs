//! The queries of the pre-publish check (`publishing::checks`): an inline
//! image's library record by its content hash, and other stories with the
//! same headline.

use super::media::MediaRow;
use super::{Result, Store, with_db};

impl Store {
    /// The first media row whose files have content hash `hash` (an image
    /// uploaded twice shares its files; the first upload's text counts).
    pub async fn media_by_hash(&self, hash: &str) -> Result<Option<MediaRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, hash, width, height, mime, byte_size, caption, credit, alt, \
             derivatives, uploaded_by, created_at, updated_at FROM media \
             WHERE hash = $1 ORDER BY id LIMIT 1")
            .bind(hash).fetch_optional(pool).await?))
    }

    /// Other stories than `id` whose headline is `headline` (compared
    /// lowercased) and that were published, or created, at `since` or
    /// later: their id, headline and status, newest first.
    pub async fn same_headline(
        &self,
        id: i64,
        headline: &str,
        since: i64,
    ) -> Result<Vec<(i64, String, String)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, headline, status FROM articles \
             WHERE id <> $1 AND lower(headline) = lower($2) \
             AND COALESCE(first_published_at, created_at) >= $3 \
             ORDER BY id DESC LIMIT 5")
            .bind(id).bind(headline).bind(since).fetch_all(pool).await?))
    }
}
