//! Translation sets: stories that translate each other share a set (the id
//! of one of them), one story per language. A story's save changes its set
//! in its own transaction (see `Backend::plan_translation`); here are the
//! plan of such a change, the cache tags it adds and the reads of a set.

use super::articles::{ArticleRow, SELECT, VISIBLE, unique_to_conflict};
use super::events::NewEvent;
use super::reads::{FromSqlite, Read};
use super::{Result, StorageError, Store, with_db};

/// Where a saved story stands in translation sets, worked out before the
/// save writes: the set it was in, the set it ends in, and the story that
/// starts the new set when the story joins one that had no set yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TranslationPlan {
    pub old: Option<i64>,
    pub new: Option<i64>,
    pub root: Option<i64>,
}

/// One story of a translation set, as a page linking it needs it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TranslationRow {
    pub id: i64,
    pub language: String,
    pub headline: String,
    pub section_slug: String,
    pub slug: String,
    pub status: String,
}

impl FromSqlite for TranslationRow {
    /// `id, language, headline, section_slug, slug, status`, in that order.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<TranslationRow> {
        Ok(TranslationRow {
            id: row.get(0)?,
            language: row.get(1)?,
            headline: row.get(2)?,
            section_slug: row.get(3)?,
            slug: row.get(4)?,
            status: row.get(5)?,
        })
    }
}

/// A unique violation of a story write: the set's one story per language
/// (two links racing), or a taken address.
pub(super) fn translation_or_address(error: sqlx::Error, row: &ArticleRow) -> StorageError {
    match &error {
        sqlx::Error::Database(db)
            if db.is_unique_violation()
                && (db.message().contains("translation_set")
                    || db.constraint() == Some("articles_translation_language")) =>
        {
            StorageError::Refused(format!(
                "its translations already have a story in {}; pick another language or unlink \
                 that story first",
                row.language
            ))
        }
        _ => unique_to_conflict(error, row),
    }
}

/// `events` tagged with the pages of stories `ids` too (the translations
/// whose pages link the saved story).
pub(super) fn with_article_tags(mut events: Vec<NewEvent>, ids: &[i64]) -> Vec<NewEvent> {
    for event in &mut events {
        for id in ids {
            let tag = format!("article:{id}");
            if !event.tags.contains(&tag) {
                event.tags.push(tag);
            }
        }
    }
    events
}

impl Store {
    /// The stories of translation set `set`, in any status, by language.
    pub async fn translations(&self, set: i64) -> Result<Vec<TranslationRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT a.id, a.language, a.headline, s.slug AS section_slug, a.slug, a.status \
             FROM articles a JOIN sections s ON s.id = a.section_id \
             WHERE a.translation_set = $1 ORDER BY a.language, a.id")
            .bind(set).fetch_all(pool).await?))
    }

    /// The stories of translation set `set` readers may see at `now`, by
    /// language: what an article page links as its alternates.
    pub async fn visible_translations(&self, set: i64, now: i64) -> Result<Vec<TranslationRow>> {
        let sql = format!(
            "SELECT a.id, a.language, a.headline, s.slug AS section_slug, a.slug, a.status \
             FROM articles a JOIN sections s ON s.id = a.section_id \
             WHERE {VISIBLE} AND a.translation_set = $2 ORDER BY a.language, a.id"
        );
        Read::new(sql).bind(now).bind(set).all(self).await
    }

    /// The cache tags of the other stories of story `id`'s translation set:
    /// their pages link it when readers may see it.
    pub async fn translation_tags(&self, id: i64) -> Result<Vec<String>> {
        let ids: Vec<i64> = with_db!(self, pool => sqlx::query_scalar(
            "SELECT b.id FROM articles a JOIN articles b ON b.translation_set = a.translation_set \
             WHERE a.id = $1 AND b.id <> $1 ORDER BY b.id")
            .bind(id).fetch_all(pool).await?);
        Ok(ids.into_iter().map(|id| format!("article:{id}")).collect())
    }

    /// The story at `/<section>/<slug>`, in any status (what an editor
    /// names as the story another translates).
    pub async fn article_by_path(&self, section: &str, slug: &str) -> Result<Option<ArticleRow>> {
        let sql = format!("{SELECT} WHERE s.slug = $1 AND a.slug = $2");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(section).bind(slug).fetch_optional(pool).await?),
        )
    }
}
