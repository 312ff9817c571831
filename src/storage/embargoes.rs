//! Embargo lifts: the moments a published story becomes visible with no
//! write (and so no event) at that moment, which the page cache must purge.

use super::{Result, Store, with_db};

impl Store {
    /// The earliest embargo end after `after` among published stories.
    pub async fn next_embargo_lift(&self, after: i64) -> Result<Option<i64>> {
        Ok(with_db!(self, pool => sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MIN(embargo_until) FROM articles \
             WHERE embargo_until > $1 AND status = 'published'")
            .bind(after).fetch_one(pool).await?))
    }

    /// Published stories whose embargo ends in `(after, through]`: their id
    /// and primary section's slug.
    pub async fn embargoes_lifted(&self, after: i64, through: i64) -> Result<Vec<(i64, String)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT a.id, s.slug FROM articles a JOIN sections s ON s.id = a.section_id \
             WHERE a.embargo_until > $1 AND a.embargo_until <= $2 AND a.status = 'published'")
            .bind(after).bind(through).fetch_all(pool).await?))
    }
}
