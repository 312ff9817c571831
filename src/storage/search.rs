//! Full-text search over stories: SQLite FTS5 (`articles_fts`, kept in sync
//! by triggers) or PostgreSQL's weighted `search_vector` (a generated
//! column). Both return only stories readers may see: every query filters on
//! the same `VISIBLE` condition as the reader pages.

use super::articles::{ARTICLE_COLUMNS, ARTICLE_LIST, ArticleRow, VISIBLE};
use super::reads::{FromSqlite, Read, id_list, in_ids};
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

/// One hit: the story (what a reader may see of it was checked by the
/// query), its relevance (higher is better) and its headline and body
/// snippet with matches between `\u{2}` and `\u{3}`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SearchHitRow {
    #[sqlx(flatten)]
    pub article: ArticleRow,
    pub rank: f64,
    pub headline_marked: String,
    pub snippet: String,
}

impl FromSqlite for SearchHitRow {
    /// The story's columns ([`ARTICLE_LIST`]), then `rank`, `headline_marked`
    /// and `snippet`.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<SearchHitRow> {
        Ok(SearchHitRow {
            article: ArticleRow::from_sqlite(row)?,
            rank: row.get(ARTICLE_COLUMNS)?,
            headline_marked: row.get(ARTICLE_COLUMNS + 1)?,
            snippet: row.get(ARTICLE_COLUMNS + 2)?,
        })
    }
}

/// How many of the newest matching stories are ranked for relevance. A word
/// common to half of a million stories would otherwise be scored in every
/// one of them for each search (seconds); the newest few thousand are what
/// a news reader looks for, and a date range or a section narrows the
/// candidates before the bound applies, so older stories stay findable.
pub(super) const RANKED_MATCHES: i64 = 2_000;

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
    like_containing(&json)
}

/// `LIKE ... ESCAPE '\'` pattern matching any text that contains `text`
/// (its `\`, `%` and `_` match themselves).
pub(super) fn like_containing(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// `$1` (now), then `first_args`, then the filter's six values, then the
/// page's limit and offset.
fn with_filters(read: Read, filter: &SearchFilter, limit: i64, offset: i64) -> Read {
    read.bind(filter.section_id)
        .bind(filter.from)
        .bind(filter.until)
        .bind(filter.byline.as_deref().map(byline_pattern))
        .bind(filter.topic_id)
        .bind(filter.person_id)
        .bind(limit)
        .bind(offset)
}

impl Store {
    /// Hits for `filter` visible at `now`, best first, `limit` from
    /// `offset`: the [`RANKED_MATCHES`] newest matches ranked.
    pub async fn search(
        &self,
        filter: &SearchFilter,
        now: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<SearchHitRow>> {
        let order = "ORDER BY rank DESC, a.first_published_at DESC, a.id DESC LIMIT $9 OFFSET $10";
        match (&self.db, &filter.fts5, &filter.websearch) {
            (Db::Sqlite(_), Some(text), _) => {
                // The newest matches first (FTS5 walks its index by rowid
                // backwards and stops at the bound), scored by bm25 alone;
                // highlights are made for the page's hits only.
                let sql = format!(
                    "SELECT {ARTICLE_LIST}, m.rank AS rank, '' AS headline_marked, '' AS snippet \
                     FROM (SELECT a.id AS id, -bm25(articles_fts, 10.0, 4.0, 1.0) AS rank \
                           FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid \
                           WHERE articles_fts MATCH $2 AND {} \
                           ORDER BY articles_fts.rowid DESC LIMIT {RANKED_MATCHES}) m \
                     JOIN articles a ON a.id = m.id JOIN sections s ON s.id = a.section_id \
                     {order}",
                    conditions(3)
                );
                let read = with_filters(Read::new(sql).bind(now).bind(text), filter, limit, offset);
                let mut hits: Vec<SearchHitRow> = read.all_blocking(self).await?;
                let ids: Vec<i64> = hits.iter().map(|h| h.article.id).collect();
                let marked: Vec<(i64, String, String)> = Read::new(format!(
                    "SELECT rowid, highlight(articles_fts, 0, char(2), char(3)), \
                     snippet(articles_fts, 2, char(2), char(3), '…', 24) \
                     FROM articles_fts WHERE articles_fts MATCH $1 AND {}",
                    in_ids(self, "rowid", 2)
                ))
                .bind(text)
                .bind(id_list(&ids))
                .all(self)
                .await?;
                for hit in &mut hits {
                    match marked.iter().find(|(id, _, _)| *id == hit.article.id) {
                        Some((_, headline, snippet)) => {
                            hit.headline_marked = headline.clone();
                            hit.snippet = snippet.clone();
                        }
                        None => hit.headline_marked = hit.article.headline.clone(),
                    }
                }
                Ok(hits)
            }
            (Db::Postgres(_), _, Some(text)) => {
                let marks = "'StartSel=' || chr(2) || ', StopSel=' || chr(3)";
                let sql = format!(
                    "SELECT {ARTICLE_LIST}, m.rank AS rank, \
                     ts_headline('english', a.headline, q, 'HighlightAll=true, ' || {marks}) AS headline_marked, \
                     ts_headline('english', a.body_source, q, 'MaxWords=30, MinWords=12, ' || {marks}) AS snippet \
                     FROM (SELECT a.id AS id, ts_rank(a.search_vector, q)::float8 AS rank \
                           FROM articles a, websearch_to_tsquery('english', $2) q \
                           WHERE a.search_vector @@ q AND {} \
                           ORDER BY a.id DESC LIMIT {RANKED_MATCHES}) m \
                     JOIN articles a ON a.id = m.id JOIN sections s ON s.id = a.section_id, \
                     websearch_to_tsquery('english', $2) q \
                     {order}",
                    conditions(3)
                );
                with_filters(Read::new(sql).bind(now).bind(text), filter, limit, offset)
                    .all(self)
                    .await
            }
            _ => {
                // No words: the filtered stories, newest first.
                let sql = format!(
                    "SELECT {ARTICLE_LIST}, CAST(0 AS DOUBLE PRECISION) AS rank, a.headline AS headline_marked, \
                     '' AS snippet FROM articles a JOIN sections s ON s.id = a.section_id WHERE {} \
                     ORDER BY a.first_published_at DESC, a.id DESC LIMIT $8 OFFSET $9",
                    conditions(2)
                );
                with_filters(Read::new(sql).bind(now), filter, limit, offset)
                    .all_blocking(self)
                    .await
            }
        }
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
