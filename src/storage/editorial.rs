//! The newsroom's queries: the admin story list, refused saves kept as
//! revisions, single revisions, and the scheduler's claims (due scheduled
//! stories, lifted embargoes), which run exactly once across nodes.

use super::articles::{ArticleRow, NewRevision, RevisionRow, SELECT, WriteExtras};
use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::events::NewEvent;
use super::{Db, Result, StorageError, Store, in_transaction, with_db};

/// Which stories the admin list shows. `None` means any.
#[derive(Debug, Clone, Default)]
pub struct StoryFilter {
    pub status: Option<String>,
    pub section_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// Words the headline contains (case-insensitive).
    pub headline: Option<String>,
}

/// A scheduled story ready to publish, as the domain prepared it.
#[derive(Debug, Clone)]
pub struct DuePublication {
    pub row: ArticleRow,
    pub author: String,
    pub message: String,
    pub snapshot: String,
    pub events: Vec<NewEvent>,
    /// Written in the publication's own transaction.
    pub audit: Vec<NewAuditEntry>,
}

const REVISION: &str =
    "SELECT id, article_id, number, author, message, created_at, snapshot, kind FROM revisions";

/// `%text%` for `LIKE ... ESCAPE '\'`, lowercased, with the wildcards of the
/// text itself escaped.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Store {
    /// Stories of every status matching `filter`, most recently changed
    /// first, with one more than `limit` to tell whether a next page exists.
    pub async fn admin_articles(
        &self,
        filter: &StoryFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ArticleRow>> {
        let sql = format!(
            "{SELECT} WHERE ($1 IS NULL OR a.status = $1) AND ($2 IS NULL OR a.section_id = $2) \
             AND ($3 IS NULL OR a.owner_id = $3) \
             AND ($4 IS NULL OR LOWER(a.headline) LIKE $4 ESCAPE '\\') \
             ORDER BY a.modified_at DESC, a.id DESC LIMIT $5 OFFSET $6"
        );
        let headline = filter
            .headline
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(like_pattern);
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(filter.status.as_deref())
            .bind(filter.section_id)
            .bind(filter.owner_id)
            .bind(headline)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool).await?),
        )
    }

    /// Keeps a save that was refused (it was based on revision `based_on`,
    /// which is no longer the stored one) as a revision of kind `refused`.
    /// The article itself is not changed. Returns the revision's id.
    pub async fn insert_refused_revision(
        &self,
        article_id: i64,
        based_on: i64,
        revision: NewRevision<'_>,
        now: i64,
    ) -> Result<i64> {
        Ok(with_db!(self, pool => sqlx::query_scalar(
            "INSERT INTO revisions (article_id, number, author, message, created_at, snapshot, kind) \
             VALUES ($1, $2, $3, $4, $5, $6, 'refused') RETURNING id")
            .bind(article_id)
            .bind(based_on)
            .bind(revision.author)
            .bind(revision.message)
            .bind(now)
            .bind(&revision.snapshot)
            .fetch_one(pool).await?))
    }

    /// One revision of one article, by the revision's id.
    pub async fn revision(&self, article_id: i64, id: i64) -> Result<Option<RevisionRow>> {
        let sql = format!("{REVISION} WHERE article_id = $1 AND id = $2");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(article_id).bind(id).fetch_optional(pool).await?),
        )
    }

    /// Publishes scheduled stories due at `now` (at most `limit`, the oldest
    /// due first) in one transaction: `prepare` turns each claimed row into
    /// its published state, revision and events. On PostgreSQL the claim
    /// skips rows another node holds, so each story is published exactly
    /// once. Returns the ids published.
    pub async fn publish_due<F>(&self, now: i64, limit: i64, prepare: F) -> Result<Vec<i64>>
    where
        F: Fn(ArticleRow) -> Option<DuePublication>,
    {
        let lock = match &self.db {
            Db::Postgres(_) => " FOR UPDATE OF a SKIP LOCKED",
            Db::Sqlite(_) => "",
        };
        let sql = format!(
            "{SELECT} WHERE a.status = 'scheduled' AND a.scheduled_at <= $1 \
             ORDER BY a.scheduled_at, a.id LIMIT $2{lock}"
        );
        in_transaction!(self, tx => {
            let due: Vec<ArticleRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            let mut published = Vec::new();
            for row in due {
                let expected = row.revision;
                let Some(due) = prepare(row) else { continue };
                let revision = NewRevision {
                    author: &due.author,
                    message: &due.message,
                    snapshot: due.snapshot.clone(),
                };
                if Backend::update_article(&mut tx, &due.row, expected, &revision, &due.events, None).await? {
                    let extras = WriteExtras {
                        audit: due.audit,
                        ..WriteExtras::default()
                    };
                    Backend::write_extras(&mut tx, now, &extras).await?;
                    published.push(due.row.id);
                }
            }
            Ok::<Vec<i64>, StorageError>(published)
        })
    }

    /// Appends the events of every published story whose embargo lifted
    /// since the last call (up to `now`), so caches drop the pages that now
    /// show it; `events` names them for one story. Runs once across nodes:
    /// the watermark row is locked and moved in the same transaction.
    /// Returns the ids whose embargo lifted.
    pub async fn lift_embargoes<F>(&self, now: i64, events: F) -> Result<Vec<i64>>
    where
        F: Fn(&ArticleRow) -> Vec<NewEvent>,
    {
        let lock = match &self.db {
            Db::Postgres(_) => " FOR UPDATE",
            Db::Sqlite(_) => "",
        };
        let watermark_sql =
            format!("SELECT embargo_checked_until FROM scheduler_state WHERE id = 1{lock}");
        let sql = format!(
            "{SELECT} WHERE a.status = 'published' AND a.embargo_until > $1 \
             AND a.embargo_until <= $2 ORDER BY a.embargo_until, a.id"
        );
        in_transaction!(self, tx => {
            let since: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(watermark_sql))
                .fetch_one(&mut *tx)
                .await?;
            if since >= now {
                return Ok(Vec::new());
            }
            let lifted: Vec<ArticleRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(since)
                .bind(now)
                .fetch_all(&mut *tx)
                .await?;
            for row in &lifted {
                // The story appears on its topic and person pages and feeds too.
                let topics = Backend::topic_slugs_of(&mut tx, row.id).await?;
                let people = Backend::person_slugs_of(&mut tx, row.id).await?;
                let events = super::backend::with_page_tags(events(row), &topics, &people);
                // Its translations' pages link it now.
                let translations: Vec<i64> = match row.translation_set {
                    Some(set) => sqlx::query_scalar("SELECT id FROM articles WHERE translation_set = $1 AND id <> $2")
                        .bind(set).bind(row.id).fetch_all(&mut *tx).await?,
                    None => Vec::new(),
                };
                let events = super::translations::with_article_tags(events, &translations);
                Backend::insert_events(&mut tx, now, &events).await?;
            }
            sqlx::query("UPDATE scheduler_state SET embargo_checked_until = $1 WHERE id = 1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            Ok::<Vec<i64>, StorageError>(lifted.iter().map(|r| r.id).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn search_words_match_anywhere_and_wildcards_are_literal() {
        assert_eq!(like_pattern(" Iraq "), "%iraq%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
