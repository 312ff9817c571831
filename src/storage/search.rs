//! Full-text search over stories: SQLite FTS5 (`articles_fts`, kept in sync
//! by triggers) or PostgreSQL's weighted `search_vector` (a generated
//! column). Both return only stories readers may see: every query filters on
//! the same `VISIBLE` condition as the reader pages.

use super::articles::VISIBLE;
use super::backend::Backend;
use super::{Db, Result, Store};

/// What to search for and where. `fts5` and `websearch` are the same query
/// written for each engine (the domain builds both from the reader's text);
/// with neither, stories are listed newest first.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub fts5: Option<String>,
    pub websearch: Option<String>,
    pub section_id: Option<i64>,
    /// First publication at or after this time.
    pub from: Option<i64>,
    /// First publication before this time.
    pub until: Option<i64>,
    /// Only stories with exactly this byline.
    pub byline: Option<String>,
    /// Only stories filed under this topic.
    pub topic_id: Option<i64>,
    /// Only stories that credit this person.
    pub person_id: Option<i64>,
}

/// One hit: the story's id, its relevance (higher is better) and its
/// headline and body snippet with matches between `\u{2}` and `\u{3}`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SearchHitRow {
    pub id: i64,
    pub rank: f64,
    pub headline_marked: String,
    pub snippet: String,
}

/// The filter conditions, numbering parameters from `$first`.
fn conditions(first: usize) -> String {
    let [section, from, until, byline, topic, person] =
        [first, first + 1, first + 2, first + 3, first + 4, first + 5];
    format!(
        "{VISIBLE} AND (${section} IS NULL OR a.section_id = ${section}) \
         AND (${from} IS NULL OR a.first_published_at >= ${from}) \
         AND (${until} IS NULL OR a.first_published_at < ${until}) \
         AND (${byline} IS NULL OR a.bylines LIKE ${byline} ESCAPE '\\') \
         AND (${topic} IS NULL OR EXISTS (SELECT 1 FROM article_topics f \
              WHERE f.article_id = a.id AND f.topic_id = ${topic})) \
         AND (${person} IS NULL OR EXISTS (SELECT 1 FROM article_people c \
              WHERE c.article_id = a.id AND c.person_id = ${person}))"
    )
}

/// `LIKE` pattern matching one exact name inside the JSON list of bylines.
pub(super) fn byline_pattern(name: &str) -> String {
    let json = serde_json::to_string(name).expect("a string serializes");
    let escaped = json
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    /// Hits for `filter` visible at `now`, best first, `limit` from `offset`.
    pub async fn search(
        &self,
        filter: &SearchFilter,
        now: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<SearchHitRow>> {
        let order = "ORDER BY rank DESC, a.first_published_at DESC, a.id DESC LIMIT $9 OFFSET $10";
        let hits = match (&self.db, &filter.fts5, &filter.websearch) {
            (Db::Sqlite(pool), Some(text), _) => {
                let sql = format!(
                    "SELECT a.id, -bm25(articles_fts, 10.0, 4.0, 1.0) AS rank, \
                     highlight(articles_fts, 0, char(2), char(3)) AS headline_marked, \
                     snippet(articles_fts, 2, char(2), char(3), '…', 24) AS snippet \
                     FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid \
                     WHERE articles_fts MATCH $2 AND {} {order}",
                    conditions(3)
                );
                let query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(now)
                    .bind(text);
                Backend::bind_filters(query, filter, limit, offset)
                    .fetch_all(pool)
                    .await?
            }
            (Db::Postgres(pool), _, Some(text)) => {
                let marks = "'StartSel=' || chr(2) || ', StopSel=' || chr(3)";
                let sql = format!(
                    "SELECT a.id, ts_rank(a.search_vector, q)::float8 AS rank, \
                     ts_headline('english', a.headline, q, 'HighlightAll=true, ' || {marks}) AS headline_marked, \
                     ts_headline('english', a.body_source, q, 'MaxWords=30, MinWords=12, ' || {marks}) AS snippet \
                     FROM articles a, websearch_to_tsquery('english', $2) q \
                     WHERE a.search_vector @@ q AND {} {order}",
                    conditions(3)
                );
                let query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(now)
                    .bind(text);
                Backend::bind_filters(query, filter, limit, offset)
                    .fetch_all(pool)
                    .await?
            }
            (db, _, _) => {
                // No words: the filtered stories, newest first.
                let sql = format!(
                    "SELECT a.id, CAST(0 AS DOUBLE PRECISION) AS rank, a.headline AS headline_marked, \
                     '' AS snippet FROM articles a WHERE {} \
                     ORDER BY a.first_published_at DESC, a.id DESC LIMIT $8 OFFSET $9",
                    conditions(2)
                );
                match db {
                    Db::Sqlite(pool) => {
                        let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now);
                        Backend::bind_filters(query, filter, limit, offset)
                            .fetch_all(pool)
                            .await?
                    }
                    Db::Postgres(pool) => {
                        let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now);
                        Backend::bind_filters(query, filter, limit, offset)
                            .fetch_all(pool)
                            .await?
                    }
                }
            }
        };
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byline_pattern_matches_only_the_whole_quoted_name() {
        assert_eq!(byline_pattern("Ann"), "%\"Ann\"%");
        assert_eq!(byline_pattern("50%_off"), "%\"50\\%\\_off\"%");
    }
}
