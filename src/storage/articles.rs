//! Articles, their revisions and the queries the reader pages make.

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::events::NewEvent;
use super::reads::{FromSqlite, Read};
use super::{Result, StorageError, Store, in_transaction, with_db};

/// An article as stored, with its primary section's slug and name joined in.
/// List-valued fields (bylines, tags, corrections, other sections) are JSON text.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ArticleRow {
    pub id: i64,
    pub section_id: i64,
    pub section_slug: String,
    pub section_name: String,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub teaser: Option<String>,
    pub body_source: String,
    pub body_format: String,
    pub body_html: String,
    pub dateline: String,
    pub bylines: String,
    pub tags: String,
    pub other_sections: String,
    pub lead_image: Option<String>,
    pub corrections: String,
    pub status: String,
    pub scheduled_at: Option<i64>,
    pub embargo_until: Option<i64>,
    pub first_published_at: Option<i64>,
    pub last_update_at: Option<i64>,
    pub modified_at: i64,
    pub created_at: i64,
    pub revision: i64,
    /// The account that created the story (writers may edit their own).
    pub owner_id: Option<i64>,
    /// Kept fields: extra named values, JSON (`{"name": {"type": ..., "value": ...}}`).
    pub fields: String,
    /// The story's language, a BCP 47 tag (`en`, `fr`, `ar`); an empty one
    /// on insert takes the site's.
    pub language: String,
    /// The translation set the story belongs to (the id of one of its
    /// stories), if it translates or is translated by others. Not written
    /// by a save's fields: [`ArticleRow::translation_link`] changes it.
    pub translation_set: Option<i64>,
    /// A custom canonical path (`/2016/07/11/slug`) the story answers at
    /// instead of `/<section>/<slug>`. Written after the save's fields (see
    /// `Backend::set_canonical_path`).
    pub canonical_path: Option<String>,
    /// Whether the story is a live blog (read with the row, so a story
    /// page needs no second query to learn it; not written by a save).
    #[sqlx(default)]
    pub live_blog: bool,
    /// How this save changes the story's translation set (not a column;
    /// `None` keeps it).
    #[sqlx(skip)]
    pub translation_link: Option<TranslationLink>,
    /// The topics `tags` names, filed with every save (not a column; empty
    /// on a loaded row).
    #[sqlx(skip)]
    pub topics: Vec<super::TopicName>,
    /// The people `bylines` names, filed with every save (not a column;
    /// empty on a loaded row).
    #[sqlx(skip)]
    pub people: Vec<super::PersonName>,
}

/// A change of a story's translation set, made with a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranslationLink {
    /// Join the set of story `id` (making one with it when it has none),
    /// leaving any other set.
    Join(i64),
    /// Leave the set: the story is no one's translation any more.
    Leave,
}

/// One immutable revision: every field of the article at one save.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub article_id: i64,
    pub number: i64,
    pub author: String,
    pub message: String,
    pub created_at: i64,
    pub snapshot: String,
    /// `saved`, or `refused` for a save refused because it was based on an
    /// older revision (`number` is then the revision it was based on).
    pub kind: String,
}

/// Where a page of a newest-first list starts: after the story published at
/// `published_at` with id `id` (keyset pagination, stable while stories are added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub published_at: i64,
    pub id: i64,
}

/// A revision to record with a save.
#[derive(Debug, Clone)]
pub struct NewRevision<'a> {
    pub author: &'a str,
    pub message: &'a str,
    pub snapshot: String,
}

/// The columns of a story row, in the order [`ArticleRow::from_sqlite`]
/// reads them (a macro so that [`SELECT`] can be one literal).
macro_rules! article_columns {
    () => {
        "a.id, a.section_id, s.slug AS section_slug, s.name AS section_name, a.slug, \
     a.headline, a.standfirst, a.teaser, a.body_source, a.body_format, a.body_html, \
     a.dateline, a.bylines, a.tags, a.other_sections, a.lead_image, a.corrections, a.status, \
     a.scheduled_at, a.embargo_until, a.first_published_at, a.last_update_at, a.modified_at, \
     a.created_at, a.revision, a.owner_id, a.fields, a.language, a.translation_set, a.canonical_path, \
     EXISTS (SELECT 1 FROM live_blogs l WHERE l.article_id = a.id) AS live_blog"
    };
}

/// The story columns of [`SELECT`], for queries that add their own.
pub(super) const ARTICLE_LIST: &str = article_columns!();

/// How many columns [`ARTICLE_LIST`] has.
pub(super) const ARTICLE_COLUMNS: usize = 31;

pub(super) const SELECT: &str = concat!(
    "SELECT ",
    article_columns!(),
    " FROM articles a JOIN sections s ON s.id = a.section_id"
);

/// [`SELECT`] for list items (a title, a teaser, a date, an address): the
/// same columns in the same places, the ones a list item never shows (the
/// Markdown source, the bylines, topics, sections and corrections lists,
/// kept fields, whether it is a live blog) as empty constants, so that a
/// listing neither reads nor decodes them.
pub(super) const SELECT_LIST_ITEMS: &str = "SELECT a.id, a.section_id, s.slug AS section_slug, \
     s.name AS section_name, a.slug, a.headline, a.standfirst, a.teaser, '' AS body_source, \
     a.body_format, a.body_html, a.dateline, '[]' AS bylines, '[]' AS tags, \
     '[]' AS other_sections, a.lead_image, '[]' AS corrections, a.status, a.scheduled_at, \
     a.embargo_until, a.first_published_at, a.last_update_at, a.modified_at, a.created_at, \
     a.revision, a.owner_id, '{}' AS fields, a.language, a.translation_set, a.canonical_path, \
     FALSE AS live_blog FROM articles a JOIN sections s ON s.id = a.section_id";

/// Which of a story's columns a list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// All of them ([`SELECT`]).
    Whole,
    /// What a list item shows ([`SELECT_LIST_ITEMS`]).
    ListItem,
}

impl Columns {
    pub(super) fn select(self) -> &'static str {
        match self {
            Columns::Whole => SELECT,
            Columns::ListItem => SELECT_LIST_ITEMS,
        }
    }
}

impl FromSqlite for ArticleRow {
    /// The columns of [`SELECT`], in its order.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<ArticleRow> {
        Ok(ArticleRow {
            id: row.get(0)?,
            section_id: row.get(1)?,
            section_slug: row.get(2)?,
            section_name: row.get(3)?,
            slug: row.get(4)?,
            headline: row.get(5)?,
            standfirst: row.get(6)?,
            teaser: row.get(7)?,
            body_source: row.get(8)?,
            body_format: row.get(9)?,
            body_html: row.get(10)?,
            dateline: row.get(11)?,
            bylines: row.get(12)?,
            tags: row.get(13)?,
            other_sections: row.get(14)?,
            lead_image: row.get(15)?,
            corrections: row.get(16)?,
            status: row.get(17)?,
            scheduled_at: row.get(18)?,
            embargo_until: row.get(19)?,
            first_published_at: row.get(20)?,
            last_update_at: row.get(21)?,
            modified_at: row.get(22)?,
            created_at: row.get(23)?,
            revision: row.get(24)?,
            owner_id: row.get(25)?,
            fields: row.get(26)?,
            language: row.get(27)?,
            translation_set: row.get(28)?,
            canonical_path: row.get(29)?,
            live_blog: row.get(30)?,
            translation_link: None,
            topics: Vec::new(),
            people: Vec::new(),
        })
    }
}

/// A story readers may see at time `$1`.
pub(super) const VISIBLE: &str =
    "a.status = 'published' AND (a.embargo_until IS NULL OR a.embargo_until <= $1)";

pub(super) const FIELDS: &str = "section_id, slug, headline, standfirst, teaser, body_source, body_format, body_html, \
     dateline, bylines, tags, other_sections, lead_image, corrections, status, scheduled_at, \
     embargo_until, first_published_at, last_update_at, modified_at, owner_id, fields, language";

/// What else a story write records in its transaction, so that a refused
/// or failed write records none of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteExtras {
    /// Audit entries of the step (publishing, unpublishing...).
    pub audit: Vec<NewAuditEntry>,
    /// The lead image's text typed with the story.
    pub media_text: Option<MediaTextUpdate>,
    /// The events of the above (`media.updated`).
    pub events: Vec<NewEvent>,
}

/// New caption, credit and alt text of image `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaTextUpdate {
    pub id: i64,
    pub caption: String,
    pub credit: String,
    pub alt: String,
}

/// One article of an import, with its first revision and events.
pub struct ImportedArticle<'a> {
    pub row: ArticleRow,
    pub revision: NewRevision<'a>,
    pub events: Vec<NewEvent>,
}

impl Store {
    /// Imports articles into the section `section_slug` (created if missing)
    /// in one transaction: either all of them are stored or none is.
    pub async fn import_articles(
        &self,
        section_slug: &str,
        section_name: &str,
        now: i64,
        articles: Vec<ImportedArticle<'_>>,
    ) -> Result<Vec<i64>> {
        in_transaction!(self, tx => {
            let section_id = Backend::ensure_section(&mut tx, section_slug, section_name, now).await?;
            let mut ids = Vec::with_capacity(articles.len());
            for mut article in articles {
                article.row.section_id = section_id;
                article.row.section_slug = section_slug.to_owned();
                let id = Backend::insert_article(&mut tx, &article.row, &article.revision, &article.events).await?;
                ids.push(id);
            }
            Ok::<Vec<i64>, StorageError>(ids)
        })
    }

    /// Inserts a new article as revision 1, with its first revision, its
    /// events and redirects, in one transaction. `row.id`, `row.revision`,
    /// `row.created_at` and the joined section columns are ignored. Returns
    /// the new id.
    pub async fn insert_article(
        &self,
        row: &ArticleRow,
        revision: NewRevision<'_>,
        events: &[NewEvent],
    ) -> Result<i64> {
        self.insert_article_with(row, revision, events, &WriteExtras::default())
            .await
    }

    /// [`Store::insert_article`], recording `extras` in the same transaction.
    pub async fn insert_article_with(
        &self,
        row: &ArticleRow,
        revision: NewRevision<'_>,
        events: &[NewEvent],
        extras: &WriteExtras,
    ) -> Result<i64> {
        in_transaction!(self, tx => {
            let id = Backend::insert_article(&mut tx, row, &revision, events).await?;
            Backend::write_extras(&mut tx, row.modified_at, extras).await?;
            Ok::<i64, StorageError>(id)
        })
    }

    /// Saves a new state of article `row.id` over revision `expected_revision`,
    /// recording revision `expected_revision + 1`, the events and any redirect
    /// from `old_path`, in one transaction. Returns `Ok(false)` and changes
    /// nothing when the stored revision is no longer `expected_revision`.
    pub async fn update_article(
        &self,
        row: &ArticleRow,
        expected_revision: i64,
        revision: NewRevision<'_>,
        events: &[NewEvent],
        old_path: Option<&str>,
    ) -> Result<bool> {
        let extras = WriteExtras::default();
        self.update_article_with(
            row,
            expected_revision,
            revision,
            events,
            old_path.as_slice(),
            &extras,
        )
        .await
    }

    /// [`Store::update_article`], recording `extras` in the same transaction
    /// when the update happens (nothing of them when it is refused), with a
    /// redirect from each of `old_paths` (a story keeping a custom address
    /// that changes its slug leaves its old section address as well).
    pub async fn update_article_with(
        &self,
        row: &ArticleRow,
        expected_revision: i64,
        revision: NewRevision<'_>,
        events: &[NewEvent],
        old_paths: &[&str],
        extras: &WriteExtras,
    ) -> Result<bool> {
        in_transaction!(self, tx => {
            let updated =
                Backend::update_article_leaving(&mut tx, row, expected_revision, &revision, events, old_paths).await?;
            if updated {
                Backend::write_extras(&mut tx, row.modified_at, extras).await?;
            }
            Ok::<bool, StorageError>(updated)
        })
    }

    /// The article with this id, in any status.
    pub async fn article(&self, id: i64) -> Result<Option<ArticleRow>> {
        Read::new(format!("{SELECT} WHERE a.id = $1"))
            .bind(id)
            .optional(self)
            .await
    }

    /// The article at `/<section>/<slug>`, if readers may see it at `now`.
    pub async fn visible_article_by_path(
        &self,
        section_slug: &str,
        slug: &str,
        now: i64,
    ) -> Result<Option<ArticleRow>> {
        Read::new(format!(
            "{SELECT} WHERE {VISIBLE} AND s.slug = $2 AND a.slug = $3"
        ))
        .bind(now)
        .bind(section_slug)
        .bind(slug)
        .optional(self)
        .await
    }

    /// The story readers may see at `now` whose custom canonical path is
    /// `path`. Every unknown address asks, so a path no story keeps costs
    /// one indexed lookup of the articles alone (no join: an error page
    /// answers even when the other tables cannot be read).
    pub async fn visible_article_by_canonical(
        &self,
        path: &str,
        now: i64,
    ) -> Result<Option<ArticleRow>> {
        let kept: Option<(i64,)> = Read::new("SELECT id FROM articles WHERE canonical_path = $1")
            .bind(path)
            .optional(self)
            .await?;
        let Some((id,)) = kept else {
            return Ok(None);
        };
        Read::new(format!("{SELECT} WHERE a.id = $2 AND {VISIBLE}"))
            .bind(now)
            .bind(id)
            .optional(self)
            .await
    }

    /// The newest stories readers may see at `now` in one section (or in all
    /// sections when `section_id` is `None`), newest first, after `cursor`,
    /// leaving out `except`.
    pub async fn visible_articles(
        &self,
        columns: Columns,
        section_id: Option<i64>,
        now: i64,
        cursor: Option<ListCursor>,
        except: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ArticleRow>> {
        let cursor = cursor.unwrap_or(ListCursor {
            published_at: i64::MAX,
            id: i64::MAX,
        });
        // Two texts, not `$6 IS NULL OR ...`: each gets the plan of its own
        // index (by section, or by publication time alone).
        let section_filter = if section_id.is_some() {
            "a.section_id = $6"
        } else {
            "$6 IS NULL"
        };
        let select = columns.select();
        Read::new(format!(
            "{select} WHERE {VISIBLE} AND {section_filter} \
             AND (a.first_published_at, a.id) < ($2, $3) AND a.id <> $4 \
             ORDER BY a.first_published_at DESC, a.id DESC LIMIT $5"
        ))
        .bind(now)
        .bind(cursor.published_at)
        .bind(cursor.id)
        .bind(except.unwrap_or(0))
        .bind(limit)
        .bind(section_id)
        .all(self)
        .await
    }

    /// The newest stories readers may see at `now` filed under topic
    /// `topic_id`, newest first, after `cursor`.
    pub async fn visible_topic_articles(
        &self,
        columns: Columns,
        topic_id: i64,
        now: i64,
        cursor: Option<ListCursor>,
        limit: i64,
    ) -> Result<Vec<ArticleRow>> {
        let cursor = cursor.unwrap_or(ListCursor {
            published_at: i64::MAX,
            id: i64::MAX,
        });
        let select = columns.select();
        Read::new(format!(
            "{select} JOIN article_topics f ON f.article_id = a.id \
             WHERE {VISIBLE} AND f.topic_id = $5 \
             AND (a.first_published_at, a.id) < ($2, $3) \
             ORDER BY a.first_published_at DESC, a.id DESC LIMIT $4"
        ))
        .bind(now)
        .bind(cursor.published_at)
        .bind(cursor.id)
        .bind(limit)
        .bind(topic_id)
        .all(self)
        .await
    }

    /// Every revision of an article (refused saves included), oldest first.
    pub async fn revisions(&self, article_id: i64) -> Result<Vec<RevisionRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, article_id, number, author, message, created_at, snapshot, kind FROM revisions \
             WHERE article_id = $1 ORDER BY id")
            .bind(article_id).fetch_all(pool).await?))
    }
}

pub(super) fn unique_to_conflict(error: sqlx::Error, row: &ArticleRow) -> StorageError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Conflict(format!(
            "a story with the address /{}/{}",
            row.section_slug, row.slug
        )),
        _ => StorageError::Database(error),
    }
}
