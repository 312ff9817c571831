//! `Backend`: the statements several writes share (events, audit entries,
//! sections made on the fly, article saves, sign-in throttles, sessions and
//! one-time tokens), written once as default methods
//! that run on `sqlx::Sqlite` and `sqlx::Postgres` alike. `with_db!` and
//! `in_transaction!` pick the backend; inside the transaction a write calls
//! `Backend::insert_events(&mut tx, ...)` and the compiler picks the
//! implementation from the transaction's type.
//!
//! Why a trait with default methods and not free functions
//! `fn f<DB: Backend>(...)`: the bounds sqlx needs (an executor for
//! `&mut DB::Connection`, `i64: Encode<DB>`...) are not about `DB` itself,
//! and Rust does not carry such bounds of a trait to its users, so every free
//! function would repeat them all. Inside the trait they hold for every
//! method, and the two `impl`s prove them once per backend.

use sqlx::query::Query;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Transaction, Type,
};

use super::articles::{ArticleRow, FIELDS, NewRevision, WriteExtras};
use super::audit::NewAuditEntry;
use super::events::NewEvent;
use super::imports::LedgerKey;
use super::people::{PersonName, person_tag};
use super::sign_in::WaitRule;
use super::topics::{TopicName, rewrite_names, topic_tag};
use super::translations::{TranslationPlan, translation_or_address, with_article_tags};
use super::users::NewSession;
use super::{Result, StorageError};

/// The tables whose rows nest under a parent row of their own.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tree {
    Topics,
    Pages,
}

/// A database masthead runs its shared statements on (SQLite and
/// PostgreSQL): the bounds sqlx needs to run one SQL text with `$n`
/// placeholders, and the statements as methods that hold them.
pub(crate) trait Backend: Database<Arguments: IntoArguments<Self>>
where
    for<'c> &'c mut Self::Connection: Executor<'c, Database = Self>,
    i64: Type<Self> + for<'q> Encode<'q, Self> + for<'r> Decode<'r, Self>,
    Option<i64>: for<'q> Encode<'q, Self>,
    String: Type<Self> + for<'q> Encode<'q, Self> + for<'r> Decode<'r, Self>,
    Option<String>: for<'q> Encode<'q, Self>,
    str: Type<Self>,
    for<'s, 'q> &'s str: Encode<'q, Self>,
    usize: ColumnIndex<Self::Row>,
{
    /// How many rows a statement changed (sqlx has no common method for it).
    fn rows_affected(done: &Self::QueryResult) -> u64;

    /// Appends `events` to the changes feed inside an open transaction, so
    /// they commit (or roll back) with the change they describe.
    async fn insert_events(
        tx: &mut Transaction<'_, Self>,
        now: i64,
        events: &[NewEvent],
    ) -> Result<()> {
        for event in events {
            sqlx::query(
                "INSERT INTO events (created_at, kind, subject, tags, payload) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(now)
            .bind(&event.kind)
            .bind(&event.subject)
            .bind(serde_json::to_string(&event.tags).expect("tags serialize"))
            .bind(event.payload.to_string())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Appends audit entries inside an open transaction, so an action and
    /// its record commit together.
    async fn insert_audit(
        tx: &mut Transaction<'_, Self>,
        now: i64,
        entries: &[NewAuditEntry],
    ) -> Result<()> {
        for entry in entries {
            sqlx::query(
                "INSERT INTO audit_log (created_at, actor_id, actor, action, subject, details, address) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(now)
            .bind(entry.actor_id)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.subject)
            .bind(entry.details.to_string())
            .bind(&entry.address)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// The id of the section `slug`, creating it last in order (with its
    /// `section.created` event) when it does not exist yet.
    async fn ensure_section(
        tx: &mut Transaction<'_, Self>,
        slug: &str,
        name: &str,
        now: i64,
    ) -> Result<i64> {
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM sections WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        // A section owns every address under /<slug>: a page there would be
        // hidden by it.
        let page: Option<(String, String)> = sqlx::query_as(
            "SELECT title, path FROM pages WHERE path = $1 OR substr(path, 1, length($2)) = $2 \
             ORDER BY path LIMIT 1",
        )
        .bind(format!("/{slug}"))
        .bind(format!("/{slug}/"))
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((title, path)) = page {
            return Err(StorageError::Refused(format!(
                "the page {title:?} lives at {path}: a section at /{slug} would hide it; move the page or choose another address"
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sections (slug, name, position, created_at, updated_at) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM sections), $3, $3) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        let event = NewEvent {
            kind: "section.created".into(),
            subject: format!("section:{slug}"),
            tags: vec!["sections".into(), "home".into()],
            payload: serde_json::json!({ "id": id, "slug": slug, "name": name }),
        };
        Self::insert_events(tx, now, &[event]).await?;
        Ok(id)
    }

    /// Binds the stored fields of `row` as `$1`..`$23`, in the order of
    /// [`FIELDS`].
    fn bind_fields<'q>(
        query: Query<'q, Self, Self::Arguments>,
        row: &ArticleRow,
    ) -> Query<'q, Self, Self::Arguments> {
        query
            .bind(row.section_id)
            .bind(&row.slug)
            .bind(&row.headline)
            .bind(&row.standfirst)
            .bind(&row.teaser)
            .bind(&row.body_source)
            .bind(&row.body_format)
            .bind(&row.body_html)
            .bind(&row.dateline)
            .bind(&row.bylines)
            .bind(&row.tags)
            .bind(&row.other_sections)
            .bind(&row.lead_image)
            .bind(&row.corrections)
            .bind(&row.status)
            .bind(row.scheduled_at)
            .bind(row.embargo_until)
            .bind(row.first_published_at)
            .bind(row.last_update_at)
            .bind(row.modified_at)
            .bind(row.owner_id)
            .bind(&row.fields)
            .bind(&row.language)
    }

    /// Inserts one article as revision 1, with that revision and its events
    /// (`{id}` in their subject and tags becomes the new id), inside an open
    /// transaction; returns the new id. A taken address is a conflict.
    async fn insert_article(
        tx: &mut Transaction<'_, Self>,
        row: &ArticleRow,
        revision: &NewRevision<'_>,
        events: &[NewEvent],
    ) -> Result<i64> {
        let mut row = std::borrow::Cow::Borrowed(row);
        if row.language.is_empty() {
            row.to_mut().language = Self::site_language(tx).await?;
        }
        let plan = Self::plan_translation(tx, None, &row.language, row.translation_link).await?;
        let sql = format!(
            "INSERT INTO articles ({FIELDS}, created_at, revision, translation_set) VALUES \
             ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$20,1,$24) \
             RETURNING id"
        );
        let id: i64 = Self::bind_fields(sqlx::query(sqlx::AssertSqlSafe(sql)), &row)
            .bind(plan.new)
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| translation_or_address(e, &row))?
            .try_get(0)?;
        let translations = Self::settle_translation(tx, id, &plan).await?;
        Self::set_canonical_path(tx, id, row.canonical_path.as_deref()).await?;
        sqlx::query(
            "INSERT INTO revisions (article_id, number, author, message, created_at, snapshot) \
             VALUES ($1, 1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(revision.author)
        .bind(revision.message)
        .bind(row.modified_at)
        .bind(&revision.snapshot)
        .execute(&mut **tx)
        .await?;
        // A new story has nothing filed yet: no earlier filings to read or clear.
        let touched = Self::file_topics(tx, id, &row.topics, row.modified_at, true).await?;
        let people = Self::file_people(tx, id, &row.people, &[], row.modified_at, true).await?;
        let events = with_page_tags(NewEvent::with_id(events, id), &touched, &people);
        let events = with_article_tags(events, &translations);
        Self::insert_events(tx, row.modified_at, &events).await?;
        Ok(id)
    }

    /// [`Backend::update_article_leaving`] with at most one old address.
    async fn update_article(
        tx: &mut Transaction<'_, Self>,
        row: &ArticleRow,
        expected_revision: i64,
        revision: &NewRevision<'_>,
        events: &[NewEvent],
        old_path: Option<&str>,
    ) -> Result<bool> {
        Self::update_article_leaving(
            tx,
            row,
            expected_revision,
            revision,
            events,
            old_path.as_slice(),
        )
        .await
    }

    /// Saves a new state of article `row.id` over `expected_revision` inside
    /// an open transaction (see `Store::update_article`): the next revision,
    /// a redirect from each of `old_paths`, the events. Returns whether the stored
    /// revision was still `expected_revision` and the save happened; when it
    /// was not, nothing is written.
    async fn update_article_leaving(
        tx: &mut Transaction<'_, Self>,
        row: &ArticleRow,
        expected_revision: i64,
        revision: &NewRevision<'_>,
        events: &[NewEvent],
        old_paths: &[&str],
    ) -> Result<bool> {
        // The names the story had: one of them no person has is a byline
        // whose person was deleted, kept as plain text (see `file_people`).
        let before: Option<String> =
            sqlx::query_scalar("SELECT bylines FROM articles WHERE id = $1")
                .bind(row.id)
                .fetch_optional(&mut **tx)
                .await?;
        let before: Vec<String> = match before {
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| StorageError::Corrupt(format!("story {}'s bylines: {e}", row.id)))?,
            None => Vec::new(),
        };
        let plan =
            Self::plan_translation(tx, Some(row.id), &row.language, row.translation_link).await?;
        let sql = format!(
            "UPDATE articles SET ({FIELDS}, revision, translation_set) = \
             ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24 + 1,$26) \
             WHERE id = $25 AND revision = $24"
        );
        let done = Self::bind_fields(sqlx::query(sqlx::AssertSqlSafe(sql)), row)
            .bind(expected_revision)
            .bind(row.id)
            .bind(plan.new)
            .execute(&mut **tx)
            .await
            .map_err(|e| translation_or_address(e, row))?;
        if Self::rows_affected(&done) != 1 {
            return Ok(false);
        }
        let translations = Self::settle_translation(tx, row.id, &plan).await?;
        Self::set_canonical_path(tx, row.id, row.canonical_path.as_deref()).await?;
        sqlx::query(
            "INSERT INTO revisions (article_id, number, author, message, created_at, snapshot) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(row.id)
        .bind(expected_revision + 1)
        .bind(revision.author)
        .bind(revision.message)
        .bind(row.modified_at)
        .bind(&revision.snapshot)
        .execute(&mut **tx)
        .await?;
        for old_path in old_paths {
            sqlx::query(
                "INSERT INTO redirects (old_path, article_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (old_path) DO UPDATE SET article_id = excluded.article_id, target_path = NULL",
            )
            .bind(old_path)
            .bind(row.id)
            .bind(row.modified_at)
            .execute(&mut **tx)
            .await?;
        }
        // The current path of an article is never a redirect.
        sqlx::query(
            "DELETE FROM redirects WHERE old_path = \
             '/' || (SELECT slug FROM sections WHERE id = $1) || '/' || $2",
        )
        .bind(row.section_id)
        .bind(&row.slug)
        .execute(&mut **tx)
        .await?;
        let touched = Self::file_topics(tx, row.id, &row.topics, row.modified_at, false).await?;
        let people =
            Self::file_people(tx, row.id, &row.people, &before, row.modified_at, false).await?;
        let events = with_page_tags(events.to_vec(), &touched, &people);
        let events = with_article_tags(events, &translations);
        Self::insert_events(tx, row.modified_at, &events).await?;
        Ok(true)
    }

    /// The site's language, for a story stored without one.
    async fn site_language(tx: &mut Transaction<'_, Self>) -> Result<String> {
        let language: Option<String> = sqlx::query_scalar("SELECT language FROM site WHERE id = 1")
            .fetch_optional(&mut **tx)
            .await?;
        Ok(language.unwrap_or_else(|| "en".into()))
    }

    /// Where story `id` (`None`: a new one) in `language` stands in a
    /// translation set after `link`, read before anything is written:
    /// refused when the other story is missing or the story itself, or when
    /// the set already has a story in `language` (naming it).
    async fn plan_translation(
        tx: &mut Transaction<'_, Self>,
        id: Option<i64>,
        language: &str,
        link: Option<super::TranslationLink>,
    ) -> Result<TranslationPlan> {
        use super::TranslationLink::{Join, Leave};
        let old: Option<i64> = match id {
            Some(id) => sqlx::query_scalar::<_, Option<i64>>(
                "SELECT translation_set FROM articles WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .flatten(),
            None => None,
        };
        let (new, root) = match link {
            None => (old, None),
            Some(Leave) => (None, None),
            Some(Join(other)) if Some(other) == id => {
                return Err(StorageError::Refused(
                    "a story cannot be a translation of itself".into(),
                ));
            }
            Some(Join(other)) => {
                let set: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT translation_set FROM articles WHERE id = $1")
                        .bind(other)
                        .fetch_optional(&mut **tx)
                        .await?;
                match set {
                    None => {
                        return Err(StorageError::Refused(format!(
                            "there is no story {other} to be a translation of"
                        )));
                    }
                    Some(Some(set)) => (Some(set), None),
                    // The other story starts a set of its own.
                    Some(None) => (Some(other), Some(other)),
                }
            }
        };
        if let Some(set) = new {
            let taken: Option<(i64, String)> = sqlx::query_as(
                "SELECT id, headline FROM articles WHERE translation_set = $1 AND language = $2 \
                 AND id <> $3 ORDER BY id LIMIT 1",
            )
            .bind(set)
            .bind(language)
            .bind(id.unwrap_or(0))
            .fetch_optional(&mut **tx)
            .await?;
            let taken = match (taken, root) {
                (Some(t), _) => Some(t),
                // A set about to be made: its first story is the only other.
                (None, Some(root)) => {
                    sqlx::query_as(
                        "SELECT id, headline FROM articles WHERE id = $1 AND language = $2",
                    )
                    .bind(root)
                    .bind(language)
                    .fetch_optional(&mut **tx)
                    .await?
                }
                (None, None) => None,
            };
            if let Some((other, headline)) = taken {
                return Err(StorageError::Refused(format!(
                    "its translations already have a story in {language}: {headline:?} (story \
                     {other}); pick another language or unlink that story first"
                )));
            }
        }
        Ok(TranslationPlan { old, new, root })
    }

    /// After a save of story `id` wrote `plan.new`: the set's first story
    /// joins it, and the set the story left is kept tidy (a lone story
    /// leaves it; a set named after the story that left takes the id of one
    /// that stayed). Returns the other stories of both sets, whose pages
    /// link this one.
    async fn settle_translation(
        tx: &mut Transaction<'_, Self>,
        id: i64,
        plan: &TranslationPlan,
    ) -> Result<Vec<i64>> {
        let members = |set: i64| {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM articles WHERE translation_set = $1 ORDER BY id",
            )
            .bind(set)
        };
        let mut others: Vec<i64> = Vec::new();
        if let Some(root) = plan.root {
            sqlx::query("UPDATE articles SET translation_set = $1 WHERE id = $1")
                .bind(root)
                .execute(&mut **tx)
                .await?;
        }
        if let Some(old) = plan.old.filter(|old| plan.new != Some(*old)) {
            let left: Vec<i64> = members(old).fetch_all(&mut **tx).await?;
            let name = match left.as_slice() {
                [_] => None,
                [first, ..] if old == id => Some(*first),
                _ => Some(old),
            };
            sqlx::query("UPDATE articles SET translation_set = $1 WHERE translation_set = $2")
                .bind(name)
                .bind(old)
                .execute(&mut **tx)
                .await?;
            others.extend(left);
        }
        if let Some(new) = plan.new {
            others.extend(members(new).fetch_all(&mut **tx).await?);
        }
        others.retain(|other| *other != id);
        others.sort_unstable();
        others.dedup();
        Ok(others)
    }

    /// The existing topic (id, slug) a story's `topic` names: by name
    /// (ignoring case), then by its slug, then by an old slug of a renamed
    /// or merged topic.
    async fn find_topic(
        tx: &mut Transaction<'_, Self>,
        topic: &TopicName,
    ) -> Result<Option<(i64, String)>> {
        let by_name: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, slug FROM topics WHERE lower(name) = lower($1) ORDER BY id LIMIT 1",
        )
        .bind(&topic.name)
        .fetch_optional(&mut **tx)
        .await?;
        if by_name.is_some() {
            return Ok(by_name);
        }
        let by_slug: Option<(i64, String)> =
            sqlx::query_as("SELECT id, slug FROM topics WHERE slug = $1")
                .bind(&topic.slug)
                .fetch_optional(&mut **tx)
                .await?;
        if by_slug.is_some() {
            return Ok(by_slug);
        }
        Ok(sqlx::query_as(
            "SELECT t.id, t.slug FROM topic_redirects r JOIN topics t ON t.id = r.topic_id \
             WHERE r.old_slug = $1",
        )
        .bind(&topic.slug)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// Files story `article_id` under the topics it names, in its order,
    /// creating the topics that do not exist yet, inside the story's save
    /// transaction. Returns the slugs of every topic page the story leaves,
    /// joins or shows on, whose tags (`topic:<slug>`) the save's events
    /// carry, so those pages purge.
    async fn file_topics(
        tx: &mut Transaction<'_, Self>,
        article_id: i64,
        topics: &[TopicName],
        now: i64,
        fresh: bool,
    ) -> Result<Vec<String>> {
        let mut touched: Vec<String> = Vec::new();
        if !fresh {
            touched = sqlx::query_scalar(
                "SELECT t.slug FROM article_topics a JOIN topics t ON t.id = a.topic_id \
                 WHERE a.article_id = $1",
            )
            .bind(article_id)
            .fetch_all(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM article_topics WHERE article_id = $1")
                .bind(article_id)
                .execute(&mut **tx)
                .await?;
        }
        let mut filed: Vec<i64> = Vec::with_capacity(topics.len());
        for (position, topic) in topics.iter().enumerate() {
            let (id, slug) = match Self::find_topic(tx, topic).await? {
                Some(found) => found,
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO topics (slug, name, description, parent_id, created_at, updated_at) \
                         VALUES ($1, $2, '', NULL, $3, $3) RETURNING id",
                    )
                    .bind(&topic.slug)
                    .bind(&topic.name)
                    .bind(now)
                    .fetch_one(&mut **tx)
                    .await?;
                    (id, topic.slug.clone())
                }
            };
            if filed.contains(&id) {
                continue;
            }
            sqlx::query(
                "INSERT INTO article_topics (article_id, topic_id, position) VALUES ($1, $2, $3)",
            )
            .bind(article_id)
            .bind(id)
            .bind(position as i64)
            .execute(&mut **tx)
            .await?;
            filed.push(id);
            if !touched.contains(&slug) {
                touched.push(slug);
            }
        }
        Ok(touched)
    }

    /// The slugs of the topics story `article_id` is filed under, in its order.
    async fn topic_slugs_of(
        tx: &mut Transaction<'_, Self>,
        article_id: i64,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT t.slug FROM article_topics a JOIN topics t ON t.id = a.topic_id \
             WHERE a.article_id = $1 ORDER BY a.position",
        )
        .bind(article_id)
        .fetch_all(&mut **tx)
        .await?)
    }

    /// The slugs of the people story `article_id` is filed under, in its
    /// byline order.
    async fn person_slugs_of(
        tx: &mut Transaction<'_, Self>,
        article_id: i64,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT p.slug FROM article_people a JOIN people p ON p.id = a.person_id \
             WHERE a.article_id = $1 ORDER BY a.position",
        )
        .bind(article_id)
        .fetch_all(&mut **tx)
        .await?)
    }

    /// Refuses `slug` for a topic (other than `except`) when another topic
    /// has it, naming that topic.
    async fn refuse_taken_topic_slug(
        tx: &mut Transaction<'_, Self>,
        slug: &str,
        except: Option<i64>,
    ) -> Result<()> {
        let other: Option<String> =
            sqlx::query_scalar("SELECT name FROM topics WHERE slug = $1 AND id <> $2")
                .bind(slug)
                .bind(except.unwrap_or(0))
                .fetch_optional(&mut **tx)
                .await?;
        match other {
            Some(name) => Err(StorageError::Conflict(format!(
                "the topic {name:?} at /topics/{slug}"
            ))),
            None => Ok(()),
        }
    }

    /// Refuses `parent` as the parent of topic `id` when it is `id` itself or
    /// one of its descendants (a loop), or does not exist.
    async fn refuse_topic_loop(tx: &mut Transaction<'_, Self>, id: i64, parent: i64) -> Result<()> {
        Self::refuse_parent_loop(tx, Tree::Topics, id, parent).await
    }

    /// Refuses `parent` as the parent of page `id` when it would make a
    /// loop or does not exist.
    async fn refuse_page_loop(tx: &mut Transaction<'_, Self>, id: i64, parent: i64) -> Result<()> {
        Self::refuse_parent_loop(tx, Tree::Pages, id, parent).await
    }

    /// Refuses `parent` as the parent of row `id` of `tree` when it is `id`
    /// itself or one of its descendants (a loop), or does not exist.
    async fn refuse_parent_loop(
        tx: &mut Transaction<'_, Self>,
        tree: Tree,
        id: i64,
        parent: i64,
    ) -> Result<()> {
        let (kind, sql) = match tree {
            Tree::Topics => ("topic", "SELECT parent_id FROM topics WHERE id = $1"),
            Tree::Pages => ("page", "SELECT parent_id FROM pages WHERE id = $1"),
        };
        let mut at = Some(parent);
        let mut steps = 0;
        while let Some(current) = at {
            if current == id {
                return Err(StorageError::Refused(format!(
                    "a {kind} cannot be its own parent or the parent of one of its parents"
                )));
            }
            steps += 1;
            if steps > 64 {
                return Err(StorageError::Refused(format!(
                    "the {kind} tree is deeper than 64 levels"
                )));
            }
            let row: Option<(Option<i64>,)> = sqlx::query_as(sql)
                .bind(current)
                .fetch_optional(&mut **tx)
                .await?;
            at = match row {
                Some((next,)) => next,
                None if current == parent => {
                    return Err(StorageError::Refused(format!(
                        "the parent {kind} does not exist"
                    )));
                }
                None => None,
            };
        }
        Ok(())
    }

    /// The stories filed under topic `id`.
    async fn stories_filed_under(tx: &mut Transaction<'_, Self>, id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT article_id FROM article_topics WHERE topic_id = $1 ORDER BY article_id",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?)
    }

    /// Writes `new` (or nothing, when `None`) for the name `old` in the topic
    /// list of every story filed under topic `id`; returns those stories.
    /// The stories keep their revision number: a topic's rename is not an
    /// edit of the story, and an editor's open form stays valid (its old
    /// name files under the renamed topic by the old slug).
    async fn rename_in_stories(
        tx: &mut Transaction<'_, Self>,
        id: i64,
        old: &str,
        new: Option<&str>,
        now: i64,
    ) -> Result<Vec<i64>> {
        let stories: Vec<(i64, String)> = sqlx::query_as(
            "SELECT a.id, a.tags FROM articles a JOIN article_topics f ON f.article_id = a.id \
             WHERE f.topic_id = $1 ORDER BY a.id",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        for (article_id, tags) in &stories {
            if let Some(tags) = rewrite_names(tags, old, new)? {
                sqlx::query("UPDATE articles SET tags = $1, modified_at = $2 WHERE id = $3")
                    .bind(tags)
                    .bind(now)
                    .bind(article_id)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(stories.into_iter().map(|(id, _)| id).collect())
    }

    /// The story (id) whose current address is `path` (`/<section>/<slug>`).
    async fn article_at_path(tx: &mut Transaction<'_, Self>, path: &str) -> Result<Option<i64>> {
        let canonical: Option<i64> =
            sqlx::query_scalar("SELECT id FROM articles WHERE canonical_path = $1")
                .bind(path)
                .fetch_optional(&mut **tx)
                .await?;
        if canonical.is_some() {
            return Ok(canonical);
        }
        let mut parts = path.trim_start_matches('/').split('/');
        let (Some(section), Some(slug), None) = (parts.next(), parts.next(), parts.next()) else {
            return Ok(None);
        };
        Ok(sqlx::query_scalar(
            "SELECT a.id FROM articles a JOIN sections s ON s.id = a.section_id \
             WHERE s.slug = $1 AND a.slug = $2",
        )
        .bind(section)
        .bind(slug)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// What lives at `path`, named for an editor (`the story "..."`, `the
    /// section "..."`, `the topic "..."`, `the person "..."`), if anything
    /// does.
    async fn path_owner(tx: &mut Transaction<'_, Self>, path: &str) -> Result<Option<String>> {
        let page: Option<String> = sqlx::query_scalar("SELECT title FROM pages WHERE path = $1")
            .bind(path)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(title) = page {
            return Ok(Some(format!("the page {title:?}")));
        }
        let story: Option<String> =
            sqlx::query_scalar("SELECT headline FROM articles WHERE canonical_path = $1")
                .bind(path)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(headline) = story {
            return Ok(Some(format!("the story {headline:?}")));
        }
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let owner: Option<String> = match parts.as_slice() {
            [""] => Some("the home page".into()),
            [section] => {
                sqlx::query_scalar::<_, String>("SELECT name FROM sections WHERE slug = $1")
                    .bind(*section)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(|name| format!("the section {name:?}"))
            }
            ["topics", slug] => {
                sqlx::query_scalar::<_, String>("SELECT name FROM topics WHERE slug = $1")
                    .bind(*slug)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(|name| format!("the topic {name:?}"))
            }
            ["people", slug] => {
                sqlx::query_scalar::<_, String>("SELECT name FROM people WHERE slug = $1")
                    .bind(*slug)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(|name| format!("the person {name:?}"))
            }
            [section, slug] => sqlx::query_scalar::<_, String>(
                "SELECT a.headline FROM articles a JOIN sections s ON s.id = a.section_id \
                 WHERE s.slug = $1 AND a.slug = $2",
            )
            .bind(*section)
            .bind(*slug)
            .fetch_optional(&mut **tx)
            .await?
            .map(|headline| format!("the story {headline:?}")),
            _ => None,
        };
        Ok(owner)
    }

    /// Sets story `id`'s custom canonical path (`None`: its section and
    /// slug), refused (`Refused`, naming the owner) when something else
    /// lives at the path. An old address of the story itself at the path is
    /// removed (it moves back).
    async fn set_canonical_path(
        tx: &mut Transaction<'_, Self>,
        id: i64,
        path: Option<&str>,
    ) -> Result<()> {
        if let Some(path) = path {
            let holder: Option<i64> =
                sqlx::query_scalar("SELECT id FROM articles WHERE canonical_path = $1")
                    .bind(path)
                    .fetch_optional(&mut **tx)
                    .await?;
            match holder {
                Some(holder) if holder == id => {}
                _ => {
                    if let Some(owner) = Self::path_owner(tx, path).await? {
                        return Err(StorageError::Refused(format!(
                            "{path} is the address of {owner}; choose another address for this story"
                        )));
                    }
                    let redirect: Option<Option<i64>> =
                        sqlx::query_scalar("SELECT article_id FROM redirects WHERE old_path = $1")
                            .bind(path)
                            .fetch_optional(&mut **tx)
                            .await?;
                    match redirect {
                        None => {}
                        Some(Some(story)) if story == id => {
                            sqlx::query("DELETE FROM redirects WHERE old_path = $1")
                                .bind(path)
                                .execute(&mut **tx)
                                .await?;
                        }
                        Some(_) => {
                            return Err(StorageError::Refused(format!(
                                "{path} is an old address that redirects elsewhere; remove that redirect first (Redirects) or choose another address"
                            )));
                        }
                    }
                }
            }
        }
        sqlx::query("UPDATE articles SET canonical_path = $1 WHERE id = $2")
            .bind(path.map(str::to_owned))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Refuses `path` for a page (moving from `old_path`, if it is one)
    /// when something else lives there, when a section owns the addresses
    /// under it, or when it is an old address that leads elsewhere. An old
    /// address that leads to the page's own old path (it moves back) is
    /// removed.
    async fn refuse_page_path(
        tx: &mut Transaction<'_, Self>,
        path: &str,
        old_path: Option<&str>,
    ) -> Result<()> {
        if let Some(owner) = Self::path_owner(tx, path).await? {
            return Err(StorageError::Refused(format!(
                "{path} is the address of {owner}; choose another address for this page"
            )));
        }
        let first = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        let section: Option<String> =
            sqlx::query_scalar("SELECT name FROM sections WHERE slug = $1")
                .bind(first)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(name) = section {
            return Err(StorageError::Refused(format!(
                "every address under /{first} belongs to the section {name:?}; choose another address for this page"
            )));
        }
        let redirect: Option<(Option<i64>, Option<String>)> =
            sqlx::query_as("SELECT article_id, target_path FROM redirects WHERE old_path = $1")
                .bind(path)
                .fetch_optional(&mut **tx)
                .await?;
        match redirect {
            None => Ok(()),
            Some((None, Some(target))) if Some(target.as_str()) == old_path => {
                sqlx::query("DELETE FROM redirects WHERE old_path = $1")
                    .bind(path)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
            Some((_, target)) => Err(StorageError::Refused(format!(
                "{path} is an old address that redirects{}; remove that redirect first (Redirects) or choose another address",
                target
                    .map(|t| format!(" to {t}"))
                    .unwrap_or_else(|| " to a story".into())
            ))),
        }
    }

    /// The existing person (id, slug) a byline `person` names: by name
    /// (ignoring case), then by an old slug of a renamed or merged person
    /// (an editor's open form still says the old name). Not by the slug the
    /// name makes: names that differ only in punctuation ("Ann-Marie Lee",
    /// "Ann Marie Lee") may be two people.
    async fn find_person(
        tx: &mut Transaction<'_, Self>,
        person: &PersonName,
    ) -> Result<Option<(i64, String)>> {
        let by_name: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, slug FROM people WHERE lower(name) = lower($1) ORDER BY id LIMIT 1",
        )
        .bind(&person.name)
        .fetch_optional(&mut **tx)
        .await?;
        if by_name.is_some() {
            return Ok(by_name);
        }
        Ok(sqlx::query_as(
            "SELECT p.id, p.slug FROM person_redirects r JOIN people p ON p.id = r.person_id \
             WHERE r.old_slug = $1",
        )
        .bind(&person.slug)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// A free slug for a new guest person named by a byline: the name's
    /// slug, or with `-2`, `-3`... when a person or an old address has it.
    async fn free_person_slug(tx: &mut Transaction<'_, Self>, slug: &str) -> Result<String> {
        let mut candidate = slug.to_owned();
        for n in 2.. {
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM people WHERE slug = $1 UNION ALL \
                 SELECT 1 FROM person_redirects WHERE old_slug = $1",
            )
            .bind(&candidate)
            .fetch_optional(&mut **tx)
            .await?;
            if taken.is_none() {
                break;
            }
            candidate = format!("{slug}-{n}");
        }
        Ok(candidate)
    }

    /// Files story `article_id` under the people its bylines name, in their
    /// order, inside the story's save transaction. A name no person has
    /// becomes a guest person, unless the story already had that name
    /// (`before`): that is a byline whose person an editor deleted, which
    /// the story keeps as plain text. Returns the slugs of every person
    /// page the story leaves, joins or shows on, whose tags
    /// (`person:<slug>`) the save's events carry.
    async fn file_people(
        tx: &mut Transaction<'_, Self>,
        article_id: i64,
        people: &[PersonName],
        before: &[String],
        now: i64,
        fresh: bool,
    ) -> Result<Vec<String>> {
        let mut touched: Vec<String> = Vec::new();
        if !fresh {
            touched = sqlx::query_scalar(
                "SELECT p.slug FROM article_people a JOIN people p ON p.id = a.person_id \
                 WHERE a.article_id = $1",
            )
            .bind(article_id)
            .fetch_all(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM article_people WHERE article_id = $1")
                .bind(article_id)
                .execute(&mut **tx)
                .await?;
        }
        let mut filed: Vec<i64> = Vec::with_capacity(people.len());
        for (position, person) in people.iter().enumerate() {
            let (id, slug) = match Self::find_person(tx, person).await? {
                Some(found) => found,
                None if before
                    .iter()
                    .any(|n| n.to_lowercase() == person.name.to_lowercase()) =>
                {
                    continue;
                }
                None => {
                    let slug = Self::free_person_slug(tx, &person.slug).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO people (slug, name, bio, photo, user_id, created_at, updated_at) \
                         VALUES ($1, $2, '', NULL, NULL, $3, $3) RETURNING id",
                    )
                    .bind(&slug)
                    .bind(&person.name)
                    .bind(now)
                    .fetch_one(&mut **tx)
                    .await?;
                    (id, slug)
                }
            };
            if filed.contains(&id) {
                continue;
            }
            sqlx::query(
                "INSERT INTO article_people (article_id, person_id, position) VALUES ($1, $2, $3)",
            )
            .bind(article_id)
            .bind(id)
            .bind(position as i64)
            .execute(&mut **tx)
            .await?;
            filed.push(id);
            if !touched.contains(&slug) {
                touched.push(slug);
            }
        }
        Ok(touched)
    }

    /// Refuses `slug` for a person (other than `except`) when another
    /// person has it, naming that person.
    async fn refuse_taken_person_slug(
        tx: &mut Transaction<'_, Self>,
        slug: &str,
        except: Option<i64>,
    ) -> Result<()> {
        let other: Option<String> =
            sqlx::query_scalar("SELECT name FROM people WHERE slug = $1 AND id <> $2")
                .bind(slug)
                .bind(except.unwrap_or(0))
                .fetch_optional(&mut **tx)
                .await?;
        match other {
            Some(name) => Err(StorageError::Conflict(format!(
                "the person {name:?} at /people/{slug}"
            ))),
            None => Ok(()),
        }
    }

    /// Refuses a person's photo that is no image of the library, an account
    /// that does not exist, and an account another person (than `except`)
    /// is linked to, naming them.
    async fn refuse_bad_person_links(
        tx: &mut Transaction<'_, Self>,
        photo: Option<i64>,
        user: Option<i64>,
        except: Option<i64>,
    ) -> Result<()> {
        if let Some(photo) = photo {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM media WHERE id = $1")
                .bind(photo)
                .fetch_optional(&mut **tx)
                .await?;
            if found.is_none() {
                return Err(StorageError::Refused(format!(
                    "there is no image media:{photo} in the media library"
                )));
            }
        }
        if let Some(user) = user {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                .bind(user)
                .fetch_optional(&mut **tx)
                .await?;
            if found.is_none() {
                return Err(StorageError::Refused("there is no such account".into()));
            }
            let other: Option<String> =
                sqlx::query_scalar("SELECT name FROM people WHERE user_id = $1 AND id <> $2")
                    .bind(user)
                    .bind(except.unwrap_or(0))
                    .fetch_optional(&mut **tx)
                    .await?;
            if let Some(name) = other {
                return Err(StorageError::Conflict(format!(
                    "a profile of this account ({name})"
                )));
            }
        }
        Ok(())
    }

    /// Writes `new` for the name `old` in the bylines of every story filed
    /// under person `id`; returns those stories. Like a topic's rename, not an edit of the story: its
    /// revision number stays.
    async fn rename_in_bylines(
        tx: &mut Transaction<'_, Self>,
        id: i64,
        old: &str,
        new: &str,
        now: i64,
    ) -> Result<Vec<i64>> {
        let stories: Vec<(i64, String)> = sqlx::query_as(
            "SELECT a.id, a.bylines FROM articles a JOIN article_people f ON f.article_id = a.id \
             WHERE f.person_id = $1 ORDER BY a.id",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        for (article_id, bylines) in &stories {
            if let Some(bylines) = rewrite_names(bylines, old, Some(new))? {
                sqlx::query("UPDATE articles SET bylines = $1, modified_at = $2 WHERE id = $3")
                    .bind(bylines)
                    .bind(now)
                    .bind(article_id)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(stories.into_iter().map(|(id, _)| id).collect())
    }

    /// Records what a story write carries besides the story (the lead
    /// image's text, its events, audit entries) inside an open transaction.
    async fn write_extras(
        tx: &mut Transaction<'_, Self>,
        now: i64,
        extras: &WriteExtras,
    ) -> Result<()> {
        if let Some(text) = &extras.media_text {
            sqlx::query(
                "UPDATE media SET caption = $1, credit = $2, alt = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(&text.caption)
            .bind(&text.credit)
            .bind(&text.alt)
            .bind(now)
            .bind(text.id)
            .execute(&mut **tx)
            .await?;
        }
        Self::insert_events(tx, now, &extras.events).await?;
        Self::insert_audit(tx, now, &extras.audit).await?;
        Ok(())
    }

    /// A sign-in key's (failures, blocked_until), counting failures older
    /// than `forget_before` as none.
    async fn login_throttle(
        tx: &mut Transaction<'_, Self>,
        key: &str,
        forget_before: i64,
    ) -> Result<(i64, i64)> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT failures, last_failure_at, blocked_until FROM login_throttles WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(match row {
            Some((failures, last, blocked_until)) if last >= forget_before => {
                (failures, blocked_until)
            }
            Some((_, _, blocked_until)) => (0, blocked_until),
            None => (0, 0),
        })
    }

    /// Counts one more failed sign-in against `key`, blocking it for what
    /// `wait` says; returns the count.
    async fn count_login_failure(
        tx: &mut Transaction<'_, Self>,
        key: &str,
        forget_before: i64,
        now: i64,
        wait: WaitRule,
    ) -> Result<i64> {
        let (failures, _) = Self::login_throttle(tx, key, forget_before).await?;
        let failures = failures + 1;
        let blocked_until = now + wait(key, failures);
        sqlx::query(
            "INSERT INTO login_throttles (key, failures, last_failure_at, blocked_until) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
             last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until",
        )
        .bind(key)
        .bind(failures)
        .bind(now)
        .bind(blocked_until)
        .execute(&mut **tx)
        .await?;
        Ok(failures)
    }

    /// Stores a session of `user_id`.
    async fn insert_session(
        tx: &mut Transaction<'_, Self>,
        session: &NewSession<'_>,
        user_id: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, address) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.id_hash)
        .bind(user_id)
        .bind(now)
        .bind(session.expires_at)
        .bind(session.address)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Consumes a valid one-time token of `purpose`: `None` when it is
    /// unknown, used, expired or for another purpose, else the user it
    /// belongs to (none for the setup token).
    async fn take_token(
        tx: &mut Transaction<'_, Self>,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<Option<i64>>> {
        Ok(sqlx::query_scalar(
            "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
             AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash)
        .bind(purpose)
        .fetch_optional(&mut **tx)
        .await?)
    }
    /// What the ledger says source item `key` became: (target kind, target
    /// id, digest).
    async fn ledger_target(
        tx: &mut Transaction<'_, Self>,
        key: &LedgerKey,
    ) -> Result<Option<(String, i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT target_kind, target_id, digest FROM import_ledger \
             WHERE source = $1 AND kind = $2 AND source_id = $3",
        )
        .bind(&key.source)
        .bind(&key.kind)
        .bind(&key.source_id)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// Records that source item `key` became `target_kind` `target_id`, as
    /// its `digest` says, inside the transaction that stored it.
    async fn ledger_put(
        tx: &mut Transaction<'_, Self>,
        key: &LedgerKey,
        target_kind: &str,
        target_id: i64,
        digest: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO import_ledger (source, kind, source_id, target_kind, target_id, digest, \
             imported_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (source, kind, source_id) DO UPDATE SET target_kind = excluded.target_kind, \
             target_id = excluded.target_id, digest = excluded.digest, updated_at = excluded.updated_at",
        )
        .bind(&key.source)
        .bind(&key.kind)
        .bind(&key.source_id)
        .bind(target_kind)
        .bind(target_id)
        .bind(digest)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// `events` tagged with the pages of the topics `topics` and the people
/// `people` too.
pub(super) fn with_page_tags(
    mut events: Vec<NewEvent>,
    topics: &[String],
    people: &[String],
) -> Vec<NewEvent> {
    let tags = topics
        .iter()
        .map(|slug| topic_tag(slug))
        .chain(people.iter().map(|slug| person_tag(slug)));
    let tags: Vec<String> = tags.collect();
    for event in &mut events {
        for tag in &tags {
            if !event.tags.contains(tag) {
                event.tags.push(tag.clone());
            }
        }
    }
    events
}

impl Backend for sqlx::Sqlite {
    fn rows_affected(done: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        done.rows_affected()
    }
}

impl Backend for sqlx::Postgres {
    fn rows_affected(done: &sqlx::postgres::PgQueryResult) -> u64 {
        done.rows_affected()
    }
}
