//! People: the person rows bylines link to, the stories filed under them
//! and the old slugs that still answer. A story is filed under its people
//! inside its own save transaction (`Backend::file_people`); editing,
//! merging and deleting a person write the person, the names the stories
//! keep, the filing, the old slugs, the event and the audit entry in one
//! transaction.

use super::articles::{ArticleRow, ListCursor, VISIBLE};
use super::audit::NewAuditEntry;
use super::backend::{Backend, with_page_tags};
use super::events::NewEvent;
use super::reads::{FromSqlite, Read, id_list, in_ids};
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A person as stored, with how many stories (in any status) are filed
/// under them and the e-mail of the linked account (for the newsroom only).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct PersonRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub bio: String,
    /// `media:<id>`.
    pub photo: Option<String>,
    pub user_id: Option<i64>,
    pub user_email: Option<String>,
    /// How many stories credit them; 0 in [`Store::people_of`], whose
    /// article pages never show it (counting there would cost every article
    /// render a scan of each person's whole filing).
    pub stories: i64,
}

/// A person a byline names: the name as the story has it, and the slug a
/// new person of that name gets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonName {
    pub name: String,
    pub slug: String,
}

/// What an editor sets on a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFields {
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub photo: Option<String>,
    /// The image id of `photo`.
    pub photo_id: Option<i64>,
    pub user_id: Option<i64>,
}

const SELECT: &str = "SELECT p.id, p.slug, p.name, p.bio, p.photo, p.user_id, u.email AS user_email, \
     (SELECT COUNT(*) FROM article_people f WHERE f.person_id = p.id) AS stories \
     FROM people p LEFT JOIN users u ON u.id = p.user_id";

/// [`SELECT`] without the story count, for the article page's hot path.
const SELECT_UNCOUNTED: &str = "SELECT p.id, p.slug, p.name, p.bio, p.photo, p.user_id, u.email AS user_email, \
     CAST(0 AS BIGINT) AS stories FROM people p LEFT JOIN users u ON u.id = p.user_id";

/// A person a story credits, with the story's id.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CreditRow {
    #[sqlx(flatten)]
    pub person: PersonRow,
    pub article_id: i64,
}

impl FromSqlite for CreditRow {
    /// [`PersonRow`]'s columns, then the story's id.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<CreditRow> {
        Ok(CreditRow {
            person: PersonRow::from_sqlite(row)?,
            article_id: row.get(8)?,
        })
    }
}

impl FromSqlite for PersonRow {
    /// The columns of [`SELECT`] and [`SELECT_UNCOUNTED`], in their order.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<PersonRow> {
        Ok(PersonRow {
            id: row.get(0)?,
            slug: row.get(1)?,
            name: row.get(2)?,
            bio: row.get(3)?,
            photo: row.get(4)?,
            user_id: row.get(5)?,
            user_email: row.get(6)?,
            stories: row.get(7)?,
        })
    }
}

/// The cache tag of a person's page and feeds (and of the pages of their
/// stories, which link them).
pub(super) fn person_tag(slug: &str) -> String {
    format!("person:{slug}")
}

impl Store {
    /// Every person, by name.
    pub async fn people(&self) -> Result<Vec<PersonRow>> {
        let sql = format!("{SELECT} ORDER BY lower(p.name), p.id");
        Ok(with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?))
    }

    /// The slugs of people with a story readers may see at `now`, by slug.
    pub async fn people_in_view(&self, now: i64) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT DISTINCT p.slug FROM people p JOIN article_people f ON f.person_id = p.id \
             JOIN articles a ON a.id = f.article_id WHERE {VISIBLE} ORDER BY p.slug"
        );
        Ok(Read::new(sql)
            .bind(now)
            .all::<(_,)>(self)
            .await?
            .into_iter()
            .map(|(v,)| v)
            .collect())
    }

    /// The person at `/people/<slug>`.
    pub async fn person_by_slug(&self, slug: &str) -> Result<Option<PersonRow>> {
        let sql = format!("{SELECT} WHERE p.slug = $1");
        Read::new(sql).bind(slug).optional(self).await
    }

    /// The person with this id.
    pub async fn person(&self, id: i64) -> Result<Option<PersonRow>> {
        let sql = format!("{SELECT} WHERE p.id = $1");
        Read::new(sql).bind(id).optional(self).await
    }

    /// The current slug of the person that `old_slug` was, after a rename
    /// or a merge.
    pub async fn person_redirect(&self, old_slug: &str) -> Result<Option<String>> {
        Ok(Read::new(
            "SELECT p.slug FROM person_redirects r JOIN people p ON p.id = r.person_id WHERE r.old_slug = $1",
        )
        .bind(old_slug)
        .optional::<(String,)>(self)
        .await?
        .map(|(slug,)| slug))
    }

    /// The people a story is filed under, in its byline order.
    pub async fn people_of(&self, article_id: i64) -> Result<Vec<PersonRow>> {
        let sql = format!(
            "{SELECT_UNCOUNTED} JOIN article_people a ON a.person_id = p.id WHERE a.article_id = $1 ORDER BY a.position"
        );
        Read::new(sql).bind(article_id).all(self).await
    }

    /// The people each of the stories `article_ids` credits, as
    /// `(story id, person)` in each story's byline order (a feed's authors
    /// in one read).
    pub async fn people_of_many(&self, article_ids: &[i64]) -> Result<Vec<CreditRow>> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT p.id, p.slug, p.name, p.bio, p.photo, p.user_id, u.email AS user_email, \
             CAST(0 AS BIGINT) AS stories, a.article_id AS article_id \
             FROM people p LEFT JOIN users u ON u.id = p.user_id \
             JOIN article_people a ON a.person_id = p.id WHERE {} \
             ORDER BY a.article_id, a.position",
            in_ids(self, "a.article_id", 1)
        );
        Read::new(sql).bind(id_list(article_ids)).all(self).await
    }

    /// The tags of the topic and person pages story `article_id` is filed
    /// on (`topic:<slug>`, `person:<slug>`) and of its translations' pages
    /// (`article:<id>`, which link it): what an embargo lift purges besides
    /// the story's own lists.
    pub async fn filed_page_tags(&self, article_id: i64) -> Result<Vec<String>> {
        Ok(with_db!(self, pool => sqlx::query_scalar(
            "SELECT 'topic:' || t.slug FROM article_topics f JOIN topics t ON t.id = f.topic_id \
             WHERE f.article_id = $1 UNION ALL \
             SELECT 'person:' || p.slug FROM article_people f JOIN people p ON p.id = f.person_id \
             WHERE f.article_id = $1 UNION ALL \
             SELECT 'article:' || CAST(b.id AS TEXT) FROM articles a \
             JOIN articles b ON b.translation_set = a.translation_set WHERE a.id = $1 AND b.id <> $1")
            .bind(article_id).fetch_all(pool).await?))
    }

    /// The existing person a byline `name` would be filed under, without
    /// creating one.
    pub async fn existing_person(&self, name: &PersonName) -> Result<Option<PersonRow>> {
        let id = with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let found = Backend::find_person(&mut tx, name).await?;
            tx.rollback().await?;
            found
        });
        match id {
            Some((id, _)) => self.person(id).await,
            None => Ok(None),
        }
    }

    /// The newest stories readers may see at `now` filed under person
    /// `person_id`, newest first, after `cursor`.
    pub async fn visible_person_articles(
        &self,
        columns: super::articles::Columns,
        person_id: i64,
        now: i64,
        cursor: Option<ListCursor>,
        limit: i64,
    ) -> Result<Vec<ArticleRow>> {
        let cursor = cursor.unwrap_or(ListCursor {
            published_at: i64::MAX,
            id: i64::MAX,
        });
        let select = columns.select();
        let sql = format!(
            "{select} JOIN article_people f ON f.article_id = a.id \
             WHERE {VISIBLE} AND f.person_id = $5 \
             AND (a.first_published_at, a.id) < ($2, $3) \
             ORDER BY a.first_published_at DESC, a.id DESC LIMIT $4"
        );
        Read::new(sql)
            .bind(now)
            .bind(cursor.published_at)
            .bind(cursor.id)
            .bind(limit)
            .bind(person_id)
            .all(self)
            .await
    }

    /// Files up to `limit` of the stories the people migration listed
    /// (those saved before people existed) under the people their bylines
    /// name, creating them; `name_of` is the domain's rule from a name to a
    /// [`PersonName`]. One transaction with one event tagged with the
    /// pages it changes. Returns how many stories it filed (0: none left).
    pub async fn file_pending_bylines(
        &self,
        name_of: impl Fn(&str) -> PersonName,
        limit: i64,
    ) -> Result<usize> {
        // Most starts find nothing to do: no write transaction for them.
        let pending: bool = with_db!(self, pool => sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM byline_filings_pending)").fetch_one(pool).await?);
        if !pending {
            return Ok(0);
        }
        in_transaction!(self, tx => {
            let batch: Vec<(i64, String, i64)> = sqlx::query_as(
                "SELECT a.id, a.bylines, a.modified_at FROM byline_filings_pending p \
                 JOIN articles a ON a.id = p.article_id ORDER BY a.id LIMIT $1")
                .bind(limit).fetch_all(&mut *tx).await?;
            let mut slugs: Vec<String> = Vec::new();
            let mut articles: Vec<String> = Vec::new();
            let mut at = 0;
            for (id, bylines, modified_at) in &batch {
                let names: Vec<String> = serde_json::from_str(bylines)
                    .map_err(|e| StorageError::Corrupt(format!("story {id}'s bylines: {e}")))?;
                let people: Vec<PersonName> = names.iter().map(|n| name_of(n)).collect();
                for slug in Backend::file_people(&mut tx, *id, &people, &[], *modified_at, false).await? {
                    if !slugs.contains(&slug) {
                        slugs.push(slug);
                    }
                }
                sqlx::query("DELETE FROM byline_filings_pending WHERE article_id = $1")
                    .bind(id).execute(&mut *tx).await?;
                articles.push(format!("article:{id}"));
                at = at.max(*modified_at);
            }
            if !batch.is_empty() {
                let event = NewEvent {
                    kind: "people.filed".into(),
                    subject: "people".into(),
                    tags: articles,
                    payload: serde_json::json!({ "stories": batch.len() }),
                };
                let events = with_page_tags(vec![event], &[], &slugs);
                Backend::insert_events(&mut tx, at, &events).await?;
            }
            Ok::<usize, StorageError>(batch.len())
        })
    }

    /// Creates a person with the audit entry `audit` makes of them, in one
    /// transaction. A slug another person has is a conflict naming them; a
    /// slug that was another person's old one stops redirecting.
    pub async fn create_person(
        &self,
        fields: &PersonFields,
        now: i64,
        audit: impl FnOnce(&PersonRow) -> NewAuditEntry,
    ) -> Result<PersonRow> {
        in_transaction!(self, tx => {
            Backend::refuse_taken_person_slug(&mut tx, &fields.slug, None).await?;
            Backend::refuse_bad_person_links(&mut tx, fields.photo_id, fields.user_id, None).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO people (slug, name, bio, photo, user_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id")
                .bind(&fields.slug).bind(&fields.name).bind(&fields.bio).bind(&fields.photo)
                .bind(fields.user_id).bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query("DELETE FROM person_redirects WHERE old_slug = $1")
                .bind(&fields.slug).execute(&mut *tx).await?;
            let person: PersonRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1")))
                .bind(id).fetch_one(&mut *tx).await?;
            let event = NewEvent {
                kind: "person.created".into(),
                subject: format!("person:{id}"),
                tags: vec!["people".into(), person_tag(&person.slug)],
                payload: serde_json::json!({ "id": id, "slug": person.slug, "name": person.name }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, &[audit(&person)]).await?;
            Ok::<PersonRow, StorageError>(person)
        })
    }

    /// Changes a person's name, slug, bio, photo or account, with the audit
    /// entry `audit` makes of (before, after), in one transaction. A new
    /// slug keeps the old one answering with a redirect; a new name is
    /// written into the bylines of every story filed under them. The event
    /// purges their page and feed and the pages of their stories (which
    /// carry `person:<slug>`), and every feed when the name or the address
    /// changed (entries name and link their authors).
    /// `None` when they do not exist.
    pub async fn update_person(
        &self,
        id: i64,
        fields: &PersonFields,
        now: i64,
        audit: impl FnOnce(&PersonRow, &PersonRow) -> NewAuditEntry,
    ) -> Result<Option<PersonRow>> {
        in_transaction!(self, tx => {
            let sql = format!("{SELECT} WHERE p.id = $1");
            let Some(before): Option<PersonRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(None);
            };
            Backend::refuse_taken_person_slug(&mut tx, &fields.slug, Some(id)).await?;
            Backend::refuse_bad_person_links(&mut tx, fields.photo_id, fields.user_id, Some(id)).await?;
            sqlx::query("UPDATE people SET slug = $1, name = $2, bio = $3, photo = $4, user_id = $5, updated_at = $6 WHERE id = $7")
                .bind(&fields.slug).bind(&fields.name).bind(&fields.bio).bind(&fields.photo)
                .bind(fields.user_id).bind(now).bind(id).execute(&mut *tx).await?;
            if before.slug != fields.slug {
                sqlx::query("DELETE FROM person_redirects WHERE old_slug = $1")
                    .bind(&fields.slug).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO person_redirects (old_slug, person_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (old_slug) DO UPDATE SET person_id = excluded.person_id")
                    .bind(&before.slug).bind(id).bind(now).execute(&mut *tx).await?;
            }
            let mut tags = vec!["people".to_owned(), person_tag(&before.slug), person_tag(&fields.slug)];
            if before.name != fields.name {
                let stories = Backend::rename_in_bylines(&mut tx, id, &before.name, &fields.name, now).await?;
                tags.extend(stories.iter().map(|s| format!("article:{s}")));
            }
            // Feed entries name their authors and link their pages.
            if before.name != fields.name || before.slug != fields.slug {
                tags.push("feed".to_owned());
            }
            tags.dedup();
            let after: PersonRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1")))
                .bind(id).fetch_one(&mut *tx).await?;
            let event = NewEvent {
                kind: "person.updated".into(),
                subject: format!("person:{id}"),
                tags,
                payload: serde_json::json!({ "id": id, "slug": after.slug, "name": after.name, "old_slug": before.slug }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, &[audit(&before, &after)]).await?;
            Ok::<Option<PersonRow>, StorageError>(Some(after))
        })
    }

    /// Merges person `from` into `into`: their stories are filed under
    /// `into` (named by its name), their slug and old slugs redirect to
    /// `into`, and `from` is gone; with the audit entry, in one
    /// transaction. `None` when either does not exist.
    pub async fn merge_people(
        &self,
        from: i64,
        into: i64,
        now: i64,
        audit: impl FnOnce(&PersonRow, &PersonRow) -> NewAuditEntry,
    ) -> Result<Option<PersonRow>> {
        in_transaction!(self, tx => {
            let sql = format!("{SELECT} WHERE p.id = $1");
            let source: Option<PersonRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(from).fetch_optional(&mut *tx).await?;
            let target: Option<PersonRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(into).fetch_optional(&mut *tx).await?;
            let (Some(source), Some(target)) = (source, target) else {
                return Ok(None);
            };
            let stories = Backend::rename_in_bylines(&mut tx, from, &source.name, &target.name, now).await?;
            // Stories crediting both keep the place of `into`.
            sqlx::query(
                "DELETE FROM article_people WHERE person_id = $1 AND article_id IN \
                 (SELECT article_id FROM article_people WHERE person_id = $2)")
                .bind(from).bind(into).execute(&mut *tx).await?;
            sqlx::query("UPDATE article_people SET person_id = $1 WHERE person_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query("UPDATE person_redirects SET person_id = $1 WHERE person_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM people WHERE id = $1").bind(from).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO person_redirects (old_slug, person_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (old_slug) DO UPDATE SET person_id = excluded.person_id")
                .bind(&source.slug).bind(into).bind(now).execute(&mut *tx).await?;
            let after: PersonRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1")))
                .bind(into).fetch_one(&mut *tx).await?;
            let mut tags = vec!["people".to_owned(), "feed".to_owned(), person_tag(&source.slug), person_tag(&after.slug)];
            tags.extend(stories.iter().map(|s| format!("article:{s}")));
            let event = NewEvent {
                kind: "person.merged".into(),
                subject: format!("person:{into}"),
                tags,
                payload: serde_json::json!({ "from": from, "from_slug": source.slug, "into": into, "slug": after.slug }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, &[audit(&source, &after)]).await?;
            Ok::<Option<PersonRow>, StorageError>(Some(after))
        })
    }

    /// Deletes a person: their page, feed and old addresses stop answering
    /// and their stories are no longer filed under them, but every story
    /// keeps the name in its bylines as plain text (who wrote a story is
    /// part of it; a later save of it does not make the name a person
    /// again). With the audit entry, in one transaction. `None` when they
    /// do not exist.
    pub async fn delete_person(
        &self,
        id: i64,
        now: i64,
        audit: impl FnOnce(&PersonRow) -> NewAuditEntry,
    ) -> Result<Option<PersonRow>> {
        in_transaction!(self, tx => {
            let sql = format!("{SELECT} WHERE p.id = $1");
            let Some(person): Option<PersonRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(None);
            };
            let stories: Vec<i64> = sqlx::query_scalar(
                "SELECT article_id FROM article_people WHERE person_id = $1 ORDER BY article_id")
                .bind(id).fetch_all(&mut *tx).await?;
            sqlx::query("DELETE FROM article_people WHERE person_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM person_redirects WHERE person_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM people WHERE id = $1").bind(id).execute(&mut *tx).await?;
            // Feed entries stop linking the page.
            let mut tags = vec!["people".to_owned(), "feed".to_owned(), person_tag(&person.slug)];
            tags.extend(stories.iter().map(|s| format!("article:{s}")));
            let event = NewEvent {
                kind: "person.deleted".into(),
                subject: format!("person:{id}"),
                tags,
                payload: serde_json::json!({ "id": id, "slug": person.slug }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, &[audit(&person)]).await?;
            Ok::<Option<PersonRow>, StorageError>(Some(person))
        })
    }
}
