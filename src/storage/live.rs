//! Live blogs: which stories are covered minute by minute (`live_blogs`,
//! with the coverage's start and end) and their posts (`live_posts`). Every
//! change writes its event and audit entry in its own transaction; the
//! domain (`crate::live`) builds both and decides who may act.

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::events::NewEvent;
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A story's live coverage as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LiveBlogRow {
    pub article_id: i64,
    pub started_at: i64,
    /// When the coverage ended; `None` while it is live.
    pub ended_at: Option<i64>,
    pub updated_at: i64,
}

/// One post as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LivePostRow {
    pub id: i64,
    pub article_id: i64,
    pub headline: String,
    /// Sanitized HTML.
    pub body_html: String,
    /// `media:<id>`.
    pub image: Option<String>,
    pub embed_url: Option<String>,
    pub author_name: String,
    /// The account that wrote it (the author shown may be someone else).
    pub created_by: Option<i64>,
    pub key_event: bool,
    pub posted_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a post says, as written or edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePostFields {
    pub headline: String,
    pub body_html: String,
    pub image: Option<String>,
    pub embed_url: Option<String>,
    pub author_name: String,
    pub key_event: bool,
    pub posted_at: i64,
}

const POST: &str = "SELECT id, article_id, headline, body_html, image, embed_url, author_name, \
     created_by, key_event, posted_at, created_at, updated_at FROM live_posts";

/// Newest first; ties (the same minute) by the later post.
const NEWEST: &str = "ORDER BY posted_at DESC, id DESC";

/// `{id}` in an audit entry's subject and details becomes the new post's id.
fn audit_with_id(audit: &NewAuditEntry, id: i64) -> NewAuditEntry {
    let id = id.to_string();
    NewAuditEntry {
        subject: audit.subject.replace("{id}", &id),
        details: serde_json::from_str(&audit.details.to_string().replace("\"{id}\"", &id))
            .unwrap_or_else(|_| audit.details.clone()),
        ..audit.clone()
    }
}

impl Store {
    /// The live coverage of story `article_id`, if it is a live blog.
    pub async fn live_blog(&self, article_id: i64) -> Result<Option<LiveBlogRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT article_id, started_at, ended_at, updated_at FROM live_blogs WHERE article_id = $1")
            .bind(article_id).fetch_optional(pool).await?))
    }

    /// Story `article_id`'s posts, newest first, skipping `offset`, at
    /// most `limit`.
    pub async fn live_posts(
        &self,
        article_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<LivePostRow>> {
        let sql = format!("{POST} WHERE article_id = $1 {NEWEST} LIMIT $2 OFFSET $3");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(article_id).bind(limit).bind(offset).fetch_all(pool).await?),
        )
    }

    /// Story `article_id`'s posts with an id above `since`, newest first,
    /// at most `limit` (what a client that has seen `since` lacks).
    pub async fn live_posts_since(
        &self,
        article_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<LivePostRow>> {
        let sql = format!("{POST} WHERE article_id = $1 AND id > $2 {NEWEST} LIMIT $3");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(article_id).bind(since).bind(limit).fetch_all(pool).await?),
        )
    }

    /// Story `article_id`'s key events, newest first, at most `limit`.
    pub async fn live_key_events(&self, article_id: i64, limit: i64) -> Result<Vec<LivePostRow>> {
        let sql = format!("{POST} WHERE article_id = $1 AND key_event {NEWEST} LIMIT $2");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(article_id).bind(limit).fetch_all(pool).await?),
        )
    }

    /// How many posts story `article_id` has.
    pub async fn live_post_count(&self, article_id: i64) -> Result<i64> {
        Ok(with_db!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM live_posts WHERE article_id = $1")
            .bind(article_id).fetch_one(pool).await?))
    }

    /// How many posts of its story come before post `post` in newest-first
    /// order (where its page of posts is).
    pub async fn live_posts_before(&self, post: &LivePostRow) -> Result<i64> {
        Ok(with_db!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM live_posts WHERE article_id = $1 \
             AND (posted_at > $2 OR (posted_at = $2 AND id > $3))")
            .bind(post.article_id).bind(post.posted_at).bind(post.id).fetch_one(pool).await?))
    }

    /// Post `id`.
    pub async fn live_post(&self, id: i64) -> Result<Option<LivePostRow>> {
        let sql = format!("{POST} WHERE id = $1");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id).fetch_optional(pool).await?),
        )
    }

    /// Makes story `article_id` a live blog whose coverage starts at `now`,
    /// with its event and audit entry, in one transaction. `false` (nothing
    /// written) when it is one already.
    pub async fn start_live_blog(
        &self,
        article_id: i64,
        now: i64,
        event: &NewEvent,
        audit: &NewAuditEntry,
    ) -> Result<bool> {
        in_transaction!(self, tx => {
            let done = sqlx::query(
                "INSERT INTO live_blogs (article_id, started_at, ended_at, updated_at) \
                 VALUES ($1, $2, NULL, $2) ON CONFLICT (article_id) DO NOTHING")
                .bind(article_id).bind(now).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            Backend::insert_events(&mut tx, now, std::slice::from_ref(event)).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<bool, StorageError>(true)
        })
    }

    /// Ends (`Some(time)`) or reopens (`None`) story `article_id`'s
    /// coverage, with its event and audit entry, in one transaction. `false`
    /// (nothing written) when it is no live blog.
    pub async fn set_live_blog_end(
        &self,
        article_id: i64,
        ended_at: Option<i64>,
        now: i64,
        event: &NewEvent,
        audit: &NewAuditEntry,
    ) -> Result<bool> {
        in_transaction!(self, tx => {
            let done = sqlx::query(
                "UPDATE live_blogs SET ended_at = $1, updated_at = $2 WHERE article_id = $3")
                .bind(ended_at).bind(now).bind(article_id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            Backend::insert_events(&mut tx, now, std::slice::from_ref(event)).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<bool, StorageError>(true)
        })
    }

    /// Adds a post to live blog `article_id` with its event and audit entry
    /// (`{id}` in their subjects, tags and details becomes the post's id),
    /// in one transaction. `None` (nothing written) when the story is no
    /// live blog.
    pub async fn insert_live_post(
        &self,
        article_id: i64,
        fields: &LivePostFields,
        created_by: Option<i64>,
        now: i64,
        event: &NewEvent,
        audit: &NewAuditEntry,
    ) -> Result<Option<LivePostRow>> {
        in_transaction!(self, tx => {
            let done = sqlx::query("UPDATE live_blogs SET updated_at = $1 WHERE article_id = $2")
                .bind(now).bind(article_id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(None);
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO live_posts (article_id, headline, body_html, image, embed_url, author_name, \
                 created_by, key_event, posted_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id")
                .bind(article_id).bind(&fields.headline).bind(&fields.body_html)
                .bind(&fields.image).bind(&fields.embed_url).bind(&fields.author_name)
                .bind(created_by).bind(fields.key_event).bind(fields.posted_at).bind(now)
                .fetch_one(&mut *tx).await?;
            let events = NewEvent::with_id(std::slice::from_ref(event), id);
            Backend::insert_events(&mut tx, now, &events).await?;
            Backend::insert_audit(&mut tx, now, &[audit_with_id(audit, id)]).await?;
            let sql = format!("{POST} WHERE id = $1");
            let row: LivePostRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id).fetch_one(&mut *tx).await?;
            Ok::<Option<LivePostRow>, StorageError>(Some(row))
        })
    }

    /// Replaces post `id`'s fields with its event and audit entry, in one
    /// transaction; `None` (nothing written) when there is no such post.
    pub async fn update_live_post(
        &self,
        id: i64,
        fields: &LivePostFields,
        now: i64,
        event: &NewEvent,
        audit: &NewAuditEntry,
    ) -> Result<Option<LivePostRow>> {
        in_transaction!(self, tx => {
            let done = sqlx::query(
                "UPDATE live_posts SET headline = $1, body_html = $2, image = $3, embed_url = $4, \
                 author_name = $5, key_event = $6, posted_at = $7, updated_at = $8 WHERE id = $9")
                .bind(&fields.headline).bind(&fields.body_html).bind(&fields.image)
                .bind(&fields.embed_url).bind(&fields.author_name).bind(fields.key_event)
                .bind(fields.posted_at).bind(now).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(None);
            }
            let sql = format!("{POST} WHERE id = $1");
            let row: LivePostRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id).fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE live_blogs SET updated_at = $1 WHERE article_id = $2")
                .bind(now).bind(row.article_id).execute(&mut *tx).await?;
            Backend::insert_events(&mut tx, now, std::slice::from_ref(event)).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<Option<LivePostRow>, StorageError>(Some(row))
        })
    }

    /// Deletes post `id` with its event and audit entry, in one
    /// transaction; `false` when there is no such post.
    pub async fn delete_live_post(
        &self,
        id: i64,
        now: i64,
        event: &NewEvent,
        audit: &NewAuditEntry,
    ) -> Result<bool> {
        in_transaction!(self, tx => {
            let article: Option<i64> = sqlx::query_scalar(
                "DELETE FROM live_posts WHERE id = $1 RETURNING article_id")
                .bind(id).fetch_optional(&mut *tx).await?;
            let Some(article) = article else {
                return Ok(false);
            };
            sqlx::query("UPDATE live_blogs SET updated_at = $1 WHERE article_id = $2")
                .bind(now).bind(article).execute(&mut *tx).await?;
            Backend::insert_events(&mut tx, now, std::slice::from_ref(event)).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<bool, StorageError>(true)
        })
    }
}
