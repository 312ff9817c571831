//! Reader comments: stored per story, threaded, with a moderation status.
//! Posting checks the rate limit and the parent in its own transaction;
//! a moderation step writes its audit entry with it, and appends an event
//! only when what readers see changes (tag `comments:<story>`: that story's
//! page alone).

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::events::NewEvent;
use super::reads::{FromSqlite, Read};
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A comment as stored, with its story's headline and address joined in.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CommentRow {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub author_url: Option<String>,
    pub body: String,
    pub status: String,
    /// `comment`, or `pingback` / `trackback` (imported from WordPress).
    pub kind: String,
    pub address: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub article_headline: String,
    pub article_path: String,
}

/// A comment to store.
#[derive(Debug, Clone)]
pub struct NewComment<'a> {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: Option<&'a str>,
    pub body: &'a str,
    pub status: &'a str,
    pub address: &'a str,
}

/// How many comments one address may post since a time.
#[derive(Debug, Clone, Copy)]
pub struct CommentLimit {
    pub since: i64,
    pub most: i64,
}

const SELECT: &str = "SELECT c.id, c.article_id, c.parent_id, c.author_name, c.author_email, c.author_url, \
     c.body, c.status, c.kind, c.address, c.created_at, c.updated_at, a.headline AS article_headline, \
     COALESCE(a.canonical_path, '/' || s.slug || '/' || a.slug) AS article_path \
     FROM comments c JOIN articles a ON a.id = c.article_id JOIN sections s ON s.id = a.section_id";

impl FromSqlite for CommentRow {
    /// The columns of [`SELECT`], in its order.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<CommentRow> {
        Ok(CommentRow {
            id: row.get(0)?,
            article_id: row.get(1)?,
            parent_id: row.get(2)?,
            author_name: row.get(3)?,
            author_email: row.get(4)?,
            author_url: row.get(5)?,
            body: row.get(6)?,
            status: row.get(7)?,
            kind: row.get(8)?,
            address: row.get(9)?,
            created_at: row.get(10)?,
            updated_at: row.get(11)?,
            article_headline: row.get(12)?,
            article_path: row.get(13)?,
        })
    }
}

/// The cache tag of the page that shows story `article_id`'s comments.
pub(super) fn comments_tag(article_id: i64) -> String {
    format!("comments:{article_id}")
}

impl Store {
    /// A story's approved comments, oldest first.
    pub async fn approved_comments(&self, article_id: i64) -> Result<Vec<CommentRow>> {
        let sql = format!(
            "{SELECT} WHERE c.article_id = $1 AND c.status = 'approved' ORDER BY c.created_at, c.id"
        );
        Read::new(sql).bind(article_id).all(self).await
    }

    /// Comments of `status` (every status when `None`), newest first,
    /// before comment `before`, at most `limit`.
    pub async fn comments_by_status(
        &self,
        status: Option<&str>,
        before: i64,
        limit: i64,
    ) -> Result<Vec<CommentRow>> {
        let sql = format!(
            "{SELECT} WHERE ($1 IS NULL OR c.status = $1) AND c.id < $2 ORDER BY c.id DESC LIMIT $3"
        );
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(status).bind(before).bind(limit).fetch_all(pool).await?),
        )
    }

    /// The comment with this id.
    pub async fn comment(&self, id: i64) -> Result<Option<CommentRow>> {
        let sql = format!("{SELECT} WHERE c.id = $1");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id).fetch_optional(pool).await?),
        )
    }

    /// Whether comments on story `article_id` are closed.
    pub async fn comments_closed(&self, article_id: i64) -> Result<bool> {
        let found: Option<(i64,)> =
            Read::new("SELECT article_id FROM comment_closures WHERE article_id = $1")
                .bind(article_id)
                .optional(self)
                .await?;
        Ok(found.is_some())
    }

    /// Stores a comment, in one transaction. Refused (`Refused`, nothing
    /// stored) when its address posted `limit.most` comments since
    /// `limit.since`, or when the parent is not an approved comment of the
    /// same story. Returns the new id.
    pub async fn insert_comment(
        &self,
        comment: &NewComment<'_>,
        limit: CommentLimit,
        now: i64,
    ) -> Result<i64> {
        in_transaction!(self, tx => {
            let recent: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM comments WHERE address = $1 AND created_at >= $2")
                .bind(comment.address).bind(limit.since).fetch_one(&mut *tx).await?;
            if recent >= limit.most {
                return Err(StorageError::Refused("rate limit".into()));
            }
            if let Some(parent) = comment.parent_id {
                let ok: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM comments WHERE id = $1 AND article_id = $2 AND status = 'approved'")
                    .bind(parent).bind(comment.article_id).fetch_optional(&mut *tx).await?;
                if ok.is_none() {
                    return Err(StorageError::Refused("no such parent".into()));
                }
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO comments (article_id, parent_id, author_name, author_email, author_url, body, \
                 status, address, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
                .bind(comment.article_id).bind(comment.parent_id).bind(comment.author_name)
                .bind(comment.author_email).bind(comment.author_url).bind(comment.body)
                .bind(comment.status).bind(comment.address).bind(now)
                .fetch_one(&mut *tx).await?;
            Ok::<i64, StorageError>(id)
        })
    }

    /// Sets comment `id`'s status with the audit entry, in one transaction.
    /// When the comment starts or stops showing (approved before or after),
    /// appends an event that purges its story's page alone. `None` when there
    /// is no such comment.
    pub async fn set_comment_status(
        &self,
        id: i64,
        status: &str,
        now: i64,
        audit: &NewAuditEntry,
    ) -> Result<Option<CommentRow>> {
        in_transaction!(self, tx => {
            let sql = format!("{SELECT} WHERE c.id = $1");
            let Some(before): Option<CommentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(None);
            };
            sqlx::query("UPDATE comments SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status).bind(now).bind(id).execute(&mut *tx).await?;
            if (before.status == "approved") != (status == "approved") {
                let event = NewEvent {
                    kind: format!("comment.{status}"),
                    subject: format!("comment:{id}"),
                    tags: vec![comments_tag(before.article_id)],
                    payload: serde_json::json!({ "id": id, "article": before.article_id, "status": status }),
                };
                Backend::insert_events(&mut tx, now, &[event]).await?;
            }
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            let after: CommentRow = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *tx).await?;
            Ok::<Option<CommentRow>, StorageError>(Some(after))
        })
    }

    /// Closes (or opens) comments on story `article_id` with the audit
    /// entry, in one transaction; its page purges (the form comes or goes).
    pub async fn set_comments_closed(
        &self,
        article_id: i64,
        closed: bool,
        now: i64,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            if closed {
                sqlx::query(
                    "INSERT INTO comment_closures (article_id, closed_at) VALUES ($1, $2) \
                     ON CONFLICT (article_id) DO NOTHING")
                    .bind(article_id).bind(now).execute(&mut *tx).await?;
            } else {
                sqlx::query("DELETE FROM comment_closures WHERE article_id = $1")
                    .bind(article_id).execute(&mut *tx).await?;
            }
            let event = NewEvent {
                kind: if closed { "comments.closed".into() } else { "comments.opened".into() },
                subject: format!("article:{article_id}"),
                tags: vec![comments_tag(article_id)],
                payload: serde_json::json!({ "article": article_id }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<(), StorageError>(())
        })
    }
}
