//! Topics (tags): their rows, the stories filed under them and the old
//! slugs that still answer. A story is filed under its topics inside its own
//! save transaction (`Backend::file_topics`); renaming, merging and deleting
//! a topic rewrite the names the stories keep, the filing and the old slugs
//! in one transaction with the audit entry.

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::events::NewEvent;
use super::reads::{FromSqlite, Read};
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A topic as stored, with how many stories (in any status) are filed under it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TopicRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    /// How many stories are filed under it; 0 in [`Store::topics_of`],
    /// whose article pages never show it (counting there would cost every
    /// article render a scan of each topic's whole filing).
    pub stories: i64,
}

/// A topic a story names: the name as the story has it, and the slug a new
/// topic of that name gets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicName {
    pub name: String,
    pub slug: String,
}

/// What an editor sets on a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicFields {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
}

const SELECT: &str = "SELECT t.id, t.slug, t.name, t.description, t.parent_id, \
     (SELECT COUNT(*) FROM article_topics f WHERE f.topic_id = t.id) AS stories FROM topics t";

/// [`SELECT`] without the story count, for the article page's hot path.
const SELECT_UNCOUNTED: &str = "SELECT t.id, t.slug, t.name, t.description, t.parent_id, \
     CAST(0 AS BIGINT) AS stories FROM topics t";

impl FromSqlite for TopicRow {
    /// The columns of [`SELECT`] and [`SELECT_UNCOUNTED`], in their order.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<TopicRow> {
        Ok(TopicRow {
            id: row.get(0)?,
            slug: row.get(1)?,
            name: row.get(2)?,
            description: row.get(3)?,
            parent_id: row.get(4)?,
            stories: row.get(5)?,
        })
    }
}

/// The cache tag of a topic's page and feeds.
pub(super) fn topic_tag(slug: &str) -> String {
    format!("topic:{slug}")
}

/// Replaces every name in a story's JSON list of topic names that is
/// `old` (ignoring case) by `new` (or drops it when `new` is `None`),
/// keeping the first of names that become equal. `None` when nothing changed.
pub(super) fn rewrite_names(tags: &str, old: &str, new: Option<&str>) -> Result<Option<String>> {
    let names: Vec<String> = serde_json::from_str(tags)
        .map_err(|e| StorageError::Corrupt(format!("a story's topic list: {e}")))?;
    let old = old.to_lowercase();
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    let mut changed = false;
    for name in names {
        let name = if name.to_lowercase() == old {
            changed = true;
            match new {
                Some(new) => new.to_owned(),
                None => continue,
            }
        } else {
            name
        };
        if out.iter().any(|n| n.to_lowercase() == name.to_lowercase()) {
            changed = true;
            continue;
        }
        out.push(name);
    }
    Ok(changed.then(|| serde_json::to_string(&out).expect("names serialize")))
}

impl Store {
    /// Every topic, by name.
    pub async fn topics(&self) -> Result<Vec<TopicRow>> {
        let sql = format!("{SELECT} ORDER BY lower(t.name), t.id");
        Ok(with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?))
    }

    /// Topics whose name starts with `prefix` (ignoring ASCII case), by name.
    pub async fn topics_starting(&self, prefix: &str, limit: i64) -> Result<Vec<TopicRow>> {
        let pattern = format!(
            "{}%",
            prefix
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let sql = format!(
            "{SELECT} WHERE lower(t.name) LIKE $1 ESCAPE '\\' ORDER BY lower(t.name), t.id LIMIT $2"
        );
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(pattern).bind(limit).fetch_all(pool).await?),
        )
    }

    /// The slugs of topics with a story readers may see at `now`, by slug.
    pub async fn topics_in_view(&self, now: i64) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT DISTINCT t.slug FROM topics t JOIN article_topics f ON f.topic_id = t.id \
             JOIN articles a ON a.id = f.article_id WHERE {} ORDER BY t.slug",
            super::articles::VISIBLE
        );
        Ok(Read::new(sql)
            .bind(now)
            .all::<(_,)>(self)
            .await?
            .into_iter()
            .map(|(v,)| v)
            .collect())
    }

    /// The topic at `/topics/<slug>`.
    pub async fn topic_by_slug(&self, slug: &str) -> Result<Option<TopicRow>> {
        let sql = format!("{SELECT} WHERE t.slug = $1");
        Read::new(sql).bind(slug).optional(self).await
    }

    /// The topic at `/topics/<slug>` if readers may see it at `now`: an
    /// editor described it, or a story they may see is filed under it.
    pub async fn topic_in_view(&self, slug: &str, now: i64) -> Result<Option<TopicRow>> {
        let sql = format!(
            "{SELECT} WHERE t.slug = $2 AND (t.description <> '' OR EXISTS \
             (SELECT 1 FROM article_topics f JOIN articles a ON a.id = f.article_id \
              WHERE f.topic_id = t.id AND {}))",
            super::articles::VISIBLE
        );
        Read::new(sql).bind(now).bind(slug).optional(self).await
    }

    /// The topic with this id.
    pub async fn topic(&self, id: i64) -> Result<Option<TopicRow>> {
        let sql = format!("{SELECT} WHERE t.id = $1");
        Read::new(sql).bind(id).optional(self).await
    }

    /// The current slug of the topic that `old_slug` was, after a rename or
    /// a merge.
    pub async fn topic_redirect(&self, old_slug: &str) -> Result<Option<String>> {
        Ok(Read::new(
            "SELECT t.slug FROM topic_redirects r JOIN topics t ON t.id = r.topic_id WHERE r.old_slug = $1",
        )
        .bind(old_slug)
        .optional::<(String,)>(self)
        .await?
        .map(|(slug,)| slug))
    }

    /// The topics a story is filed under, in the story's order.
    pub async fn topics_of(&self, article_id: i64) -> Result<Vec<TopicRow>> {
        let sql = format!(
            "{SELECT_UNCOUNTED} JOIN article_topics a ON a.topic_id = t.id WHERE a.article_id = $1 ORDER BY a.position"
        );
        Read::new(sql).bind(article_id).all(self).await
    }

    /// The existing topic a story's `name` would be filed under (by name,
    /// then by `slug`, then by an old slug), without creating one.
    pub async fn existing_topic(&self, name: &TopicName) -> Result<Option<TopicRow>> {
        let id = with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let found = Backend::find_topic(&mut tx, name).await?;
            tx.rollback().await?;
            found
        });
        match id {
            Some((id, _)) => self.topic(id).await,
            None => Ok(None),
        }
    }

    /// Creates a topic with the audit entry `audit` makes of it, in one
    /// transaction. A slug another topic has is a conflict naming it; a slug
    /// that was another topic's old one stops redirecting.
    pub async fn create_topic(
        &self,
        fields: &TopicFields,
        now: i64,
        audit: impl FnOnce(&TopicRow) -> NewAuditEntry,
    ) -> Result<TopicRow> {
        in_transaction!(self, tx => {
            Backend::refuse_taken_topic_slug(&mut tx, &fields.slug, None).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO topics (slug, name, description, parent_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id")
                .bind(&fields.slug).bind(&fields.name).bind(&fields.description).bind(fields.parent_id).bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query("DELETE FROM topic_redirects WHERE old_slug = $1")
                .bind(&fields.slug).execute(&mut *tx).await?;
            let sql = format!("{SELECT} WHERE t.id = $1");
            let topic: TopicRow = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *tx).await?;
            let event = NewEvent {
                kind: "topic.created".into(),
                subject: format!("topic:{id}"),
                tags: vec!["topics".into(), topic_tag(&topic.slug)],
                payload: serde_json::json!({ "id": id, "slug": topic.slug, "name": topic.name }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, &[audit(&topic)]).await?;
            Ok::<TopicRow, StorageError>(topic)
        })
    }

    /// Changes a topic's name, slug, description or parent, with the audit
    /// entry `audit` makes of (before, after), in one transaction. A new
    /// slug keeps the old one answering with a redirect; a new name is
    /// written into every story filed under it. `None` when it does not exist.
    pub async fn update_topic(
        &self,
        id: i64,
        fields: &TopicFields,
        now: i64,
        audit: impl FnOnce(&TopicRow, &TopicRow) -> NewAuditEntry,
    ) -> Result<Option<TopicRow>> {
        in_transaction!(self, tx => {
            let sql = format!("{SELECT} WHERE t.id = $1");
            let Some(before): Option<TopicRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(None);
            };
            Backend::refuse_taken_topic_slug(&mut tx, &fields.slug, Some(id)).await?;
            if let Some(parent) = fields.parent_id {
                Backend::refuse_topic_loop(&mut tx, id, parent).await?;
            }
            sqlx::query("UPDATE topics SET slug = $1, name = $2, description = $3, parent_id = $4, updated_at = $5 WHERE id = $6")
                .bind(&fields.slug).bind(&fields.name).bind(&fields.description).bind(fields.parent_id)
                .bind(now).bind(id).execute(&mut *tx).await?;
            if before.slug != fields.slug {
                sqlx::query("DELETE FROM topic_redirects WHERE old_slug = $1")
                    .bind(&fields.slug).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO topic_redirects (old_slug, topic_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (old_slug) DO UPDATE SET topic_id = excluded.topic_id")
                    .bind(&before.slug).bind(id).bind(now).execute(&mut *tx).await?;
            }
            let stories = if before.name != fields.name {
                Backend::rename_in_stories(&mut tx, id, &before.name, Some(&fields.name), now).await?
            } else {
                Backend::stories_filed_under(&mut tx, id).await?
            };
            let after: TopicRow = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *tx).await?;
            let mut tags = vec!["topics".to_owned(), "feed".to_owned(), topic_tag(&before.slug), topic_tag(&after.slug)];
            tags.extend(stories.iter().map(|s| format!("article:{s}")));
            let event = NewEvent {
                kind: "topic.updated".into(),
                subject: format!("topic:{id}"),
                tags,
                payload: serde_json::json!({ "id": id, "slug": after.slug, "name": after.name, "old_slug": before.slug }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, &[audit(&before, &after)]).await?;
            Ok::<Option<TopicRow>, StorageError>(Some(after))
        })
    }

    /// Merges topic `from` into `into`: its stories are filed under `into`
    /// (named by its name), its slug and old slugs redirect to `into`, and
    /// `from` is gone; with the audit entry, in one transaction. `None` when
    /// either does not exist.
    pub async fn merge_topics(
        &self,
        from: i64,
        into: i64,
        now: i64,
        audit: impl FnOnce(&TopicRow, &TopicRow) -> NewAuditEntry,
    ) -> Result<Option<TopicRow>> {
        in_transaction!(self, tx => {
            let sql = format!("{SELECT} WHERE t.id = $1");
            let source: Option<TopicRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(from).fetch_optional(&mut *tx).await?;
            let target: Option<TopicRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(into).fetch_optional(&mut *tx).await?;
            let (Some(source), Some(target)) = (source, target) else {
                return Ok(None);
            };
            let stories = Backend::rename_in_stories(&mut tx, from, &source.name, Some(&target.name), now).await?;
            // Stories filed under both keep their place of `into`.
            sqlx::query(
                "DELETE FROM article_topics WHERE topic_id = $1 AND article_id IN \
                 (SELECT article_id FROM article_topics WHERE topic_id = $2)")
                .bind(from).bind(into).execute(&mut *tx).await?;
            sqlx::query("UPDATE article_topics SET topic_id = $1 WHERE topic_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query("UPDATE topic_redirects SET topic_id = $1 WHERE topic_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query("UPDATE topics SET parent_id = $1 WHERE parent_id = $2 AND id <> $1")
                .bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM topics WHERE id = $1").bind(from).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO topic_redirects (old_slug, topic_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (old_slug) DO UPDATE SET topic_id = excluded.topic_id")
                .bind(&source.slug).bind(into).bind(now).execute(&mut *tx).await?;
            let after: TopicRow = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(into).fetch_one(&mut *tx).await?;
            let mut tags = vec!["topics".to_owned(), "feed".to_owned(), topic_tag(&source.slug), topic_tag(&after.slug)];
            tags.extend(stories.iter().map(|s| format!("article:{s}")));
            let event = NewEvent {
                kind: "topic.merged".into(),
                subject: format!("topic:{into}"),
                tags,
                payload: serde_json::json!({ "from": from, "from_slug": source.slug, "into": into, "slug": after.slug }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, &[audit(&source, &after)]).await?;
            Ok::<Option<TopicRow>, StorageError>(Some(after))
        })
    }

    /// Deletes a topic: its name leaves every story filed under it, its
    /// address and old slugs stop answering; with the audit entry, in one
    /// transaction. `None` when it does not exist.
    pub async fn delete_topic(
        &self,
        id: i64,
        now: i64,
        audit: impl FnOnce(&TopicRow) -> NewAuditEntry,
    ) -> Result<Option<TopicRow>> {
        in_transaction!(self, tx => {
            let sql = format!("{SELECT} WHERE t.id = $1");
            let Some(topic): Option<TopicRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(None);
            };
            let stories = Backend::rename_in_stories(&mut tx, id, &topic.name, None, now).await?;
            sqlx::query("DELETE FROM article_topics WHERE topic_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM topic_redirects WHERE topic_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("UPDATE topics SET parent_id = NULL WHERE parent_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM topics WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let mut tags = vec!["topics".to_owned(), "feed".to_owned(), topic_tag(&topic.slug)];
            tags.extend(stories.iter().map(|s| format!("article:{s}")));
            let event = NewEvent {
                kind: "topic.deleted".into(),
                subject: format!("topic:{id}"),
                tags,
                payload: serde_json::json!({ "id": id, "slug": topic.slug }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, &[audit(&topic)]).await?;
            Ok::<Option<TopicRow>, StorageError>(Some(topic))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_rewrites_every_spelling_and_keeps_the_first_of_equal_names() {
        let tags = r#"["Climate","Sport","climate"]"#;
        assert_eq!(
            rewrite_names(tags, "CLIMATE", Some("Climate crisis")).unwrap(),
            Some(r#"["Climate crisis","Sport"]"#.to_owned())
        );
        assert_eq!(
            rewrite_names(r#"["Sport","Weather"]"#, "Weather", Some("sport")).unwrap(),
            Some(r#"["Sport"]"#.to_owned())
        );
        assert_eq!(
            rewrite_names(tags, "Sport", None).unwrap(),
            Some(r#"["Climate"]"#.to_owned())
        );
        assert_eq!(
            rewrite_names(r#"["Sport"]"#, "Weather", None).unwrap(),
            None
        );
    }
}
