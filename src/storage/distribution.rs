//! Queries behind sitemaps and the cursors of this module's changes-feed
//! consumers. Every list here uses the reader condition (`VISIBLE`).

use super::articles::VISIBLE;
use super::{Result, Store, with_db};

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

impl Store {
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
