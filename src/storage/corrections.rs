//! The stories `/corrections` lists: those readers may see that carry a
//! correction (a partial index keeps this to the few corrected stories).

use super::articles::{ArticleRow, SELECT, VISIBLE};
use super::{Result, Store, with_db};

impl Store {
    /// Every story readers may see at `now` with at least one correction.
    pub async fn corrected_articles(&self, now: i64) -> Result<Vec<ArticleRow>> {
        let sql = format!("{SELECT} WHERE {VISIBLE} AND a.corrections <> '[]' ORDER BY a.id");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now).fetch_all(pool).await?),
        )
    }
}
