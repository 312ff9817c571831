//! Bulk loading for the benchmarks (`masthead bench generate`): generated
//! stories go in with multi-row inserts, many per transaction, without
//! revisions or events (like restoring a dump, not like editors saving).

use super::{ArticleRow, ListCursor, Result, StorageError, Store, in_transaction};

/// Rows per INSERT: 21 parameters each stays under SQLite's and
/// PostgreSQL's bound-parameter limits.
const ROWS_PER_INSERT: usize = 500;

impl Store {
    /// Inserts generated stories in one transaction. `row.id`, `row.revision`
    /// and the joined section columns are ignored.
    pub async fn bulk_load_articles(&self, rows: &[ArticleRow]) -> Result<()> {
        in_transaction!(self, tx => {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO articles (section_id, slug, headline, standfirst, teaser, body_source, \
                     body_format, body_html, dateline, bylines, tags, other_sections, lead_image, \
                     corrections, status, scheduled_at, embargo_until, first_published_at, \
                     last_update_at, modified_at, created_at, revision) ",
                );
                insert.push_values(chunk, |mut b, row| {
                    b.push_bind(row.section_id)
                        .push_bind(row.slug.clone())
                        .push_bind(row.headline.clone())
                        .push_bind(row.standfirst.clone())
                        .push_bind(row.teaser.clone())
                        .push_bind(row.body_source.clone())
                        .push_bind(row.body_format.clone())
                        .push_bind(row.body_html.clone())
                        .push_bind(row.dateline.clone())
                        .push_bind(row.bylines.clone())
                        .push_bind(row.tags.clone())
                        .push_bind(row.other_sections.clone())
                        .push_bind(row.lead_image.clone())
                        .push_bind(row.corrections.clone())
                        .push_bind(row.status.clone())
                        .push_bind(row.scheduled_at)
                        .push_bind(row.embargo_until)
                        .push_bind(row.first_published_at)
                        .push_bind(row.last_update_at)
                        .push_bind(row.modified_at)
                        .push_bind(row.created_at)
                        .push_bind(1_i64);
                });
                insert.build().execute(&mut *tx).await?;
            }
            Ok::<(), StorageError>(())
        })
    }

    /// The cursor after the `offset`-th newest published story of a section
    /// (0-based), to address a deep page of its front.
    pub async fn bench_cursor(&self, section_id: i64, offset: i64) -> Result<Option<ListCursor>> {
        let row: Option<(i64, i64)> = super::with_db!(self, pool => sqlx::query_as(
            "SELECT first_published_at, id FROM articles WHERE section_id = $1 AND status = 'published' \
             ORDER BY first_published_at DESC, id DESC LIMIT 1 OFFSET $2")
            .bind(section_id).bind(offset).fetch_optional(pool).await?);
        Ok(row.map(|(published_at, id)| ListCursor { published_at, id }))
    }

    /// Refreshes the query planner's statistics after a bulk load. On
    /// SQLite only `sqlite_stat1` (row counts and index selectivity) is
    /// kept: with `sqlite_stat4`'s samples, SQLite re-plans a statement
    /// every time a parameter bound to it changes, which was 43% of an
    /// uncached article page's instructions (bench/README.md, "Profile").
    pub async fn analyze(&self) -> Result<()> {
        match &self.db {
            super::Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                sqlx::query("ANALYZE").execute(&mut *conn).await?;
                let stat4: Option<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_schema WHERE name = 'sqlite_stat4'",
                )
                .fetch_optional(&mut *conn)
                .await?;
                if stat4.is_some() {
                    sqlx::query("DELETE FROM sqlite_stat4")
                        .execute(&mut *conn)
                        .await?;
                }
                // Reloads the statistics the connections plan with.
                sqlx::query("ANALYZE sqlite_schema")
                    .execute(&mut *conn)
                    .await?;
            }
            super::Db::Postgres(pool) => {
                sqlx::query("ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }
}
