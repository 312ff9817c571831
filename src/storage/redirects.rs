//! Old addresses: paths that answer with a redirect to a story (wherever it
//! lives now) or to another path of the site, with their hit counts.
//! Adding one checks, in its own transaction, that nothing lives at the path
//! and that it leads nowhere in a loop.

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A redirect as stored, with the story it points at (if it does) joined in.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct RedirectRow {
    pub old_path: String,
    pub article_id: Option<i64>,
    /// The story's current path (`/<section>/<slug>`), when it points at one.
    pub article_path: Option<String>,
    pub article_headline: Option<String>,
    pub target_path: Option<String>,
    pub hits: i64,
    pub last_hit_at: Option<i64>,
    pub created_at: i64,
}

/// What a new redirect points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectTarget {
    Story(i64),
    Path(String),
}

const SELECT: &str = "SELECT r.old_path, r.article_id, \
     CASE WHEN a.id IS NULL THEN NULL ELSE COALESCE(a.canonical_path, '/' || s.slug || '/' || a.slug) END AS article_path, \
     a.headline AS article_headline, r.target_path, r.hits, r.last_hit_at, r.created_at \
     FROM redirects r LEFT JOIN articles a ON a.id = r.article_id \
     LEFT JOIN sections s ON s.id = a.section_id";

/// Longest chain of redirects followed when checking for a loop.
const MAX_CHAIN: usize = 16;

impl Store {
    /// The redirect at `old_path`.
    pub async fn redirect_at(&self, old_path: &str) -> Result<Option<RedirectRow>> {
        let sql = format!("{SELECT} WHERE r.old_path = $1");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(old_path).fetch_optional(pool).await?),
        )
    }

    /// Where the redirect at `old_path` points: (story, path). Reads the
    /// redirects alone, so a path that is no redirect costs one indexed
    /// lookup (every 404 makes it).
    pub async fn redirect_target(
        &self,
        old_path: &str,
    ) -> Result<Option<(Option<i64>, Option<String>)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT article_id, target_path FROM redirects WHERE old_path = $1")
            .bind(old_path).fetch_optional(pool).await?))
    }

    /// Counts one answered hit of the redirect at `old_path`.
    pub async fn count_redirect_hit(&self, old_path: &str, now: i64) -> Result<()> {
        with_db!(self, pool => sqlx::query(
            "UPDATE redirects SET hits = hits + 1, last_hit_at = $1 WHERE old_path = $2")
            .bind(now).bind(old_path).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Redirects by old path, after `after`, at most `limit`.
    pub async fn redirects(&self, after: &str, limit: i64) -> Result<Vec<RedirectRow>> {
        let sql = format!("{SELECT} WHERE r.old_path > $1 ORDER BY r.old_path LIMIT $2");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(after).bind(limit).fetch_all(pool).await?),
        )
    }

    /// How many redirects there are.
    pub async fn redirect_count(&self) -> Result<i64> {
        Ok(
            with_db!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM redirects")
            .fetch_one(pool).await?),
        )
    }

    /// The story (id) whose current address is `path`, if any.
    pub async fn article_at_path(&self, path: &str) -> Result<Option<i64>> {
        Ok(with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let found = Backend::article_at_path(&mut tx, path).await?;
            tx.rollback().await?;
            found
        }))
    }

    /// Adds a redirect from `old_path` with the audit entry, in one
    /// transaction. Refused (`Conflict`, naming the other owner) when
    /// something lives at `old_path` or a redirect is there already, and
    /// (`Refused`) when following the target comes back to `old_path`.
    pub async fn add_redirect(
        &self,
        old_path: &str,
        target: &RedirectTarget,
        now: i64,
        audit: &NewAuditEntry,
    ) -> Result<RedirectRow> {
        in_transaction!(self, tx => {
            if let Some(owner) = Backend::path_owner(&mut tx, old_path).await? {
                return Err(StorageError::Refused(format!(
                    "{old_path} is the address of {owner}; an old address must be one nothing else answers at"
                )));
            }
            let existing: Option<(Option<i64>, Option<String>)> = sqlx::query_as(
                "SELECT article_id, target_path FROM redirects WHERE old_path = $1")
                .bind(old_path).fetch_optional(&mut *tx).await?;
            if existing.is_some() {
                return Err(StorageError::Conflict(format!("a redirect from {old_path}")));
            }
            if let RedirectTarget::Path(target) = target {
                // Follow the chain the target starts: it must end elsewhere.
                let mut at = target.clone();
                for _ in 0..MAX_CHAIN {
                    if at == old_path {
                        return Err(StorageError::Refused(format!(
                            "{target} leads back to {old_path}: the redirect would go round in a loop"
                        )));
                    }
                    let next: Option<(Option<i64>, Option<String>)> = sqlx::query_as(
                        "SELECT article_id, target_path FROM redirects WHERE old_path = $1")
                        .bind(&at).fetch_optional(&mut *tx).await?;
                    match next {
                        Some((None, Some(path))) => at = path,
                        _ => break,
                    }
                }
            }
            let (article_id, target_path) = match target {
                RedirectTarget::Story(id) => (Some(*id), None),
                RedirectTarget::Path(path) => (None, Some(path.clone())),
            };
            sqlx::query(
                "INSERT INTO redirects (old_path, article_id, target_path, created_at) VALUES ($1, $2, $3, $4)")
                .bind(old_path).bind(article_id).bind(target_path).bind(now)
                .execute(&mut *tx).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            let sql = format!("{SELECT} WHERE r.old_path = $1");
            let row: RedirectRow = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(old_path).fetch_one(&mut *tx).await?;
            Ok::<RedirectRow, StorageError>(row)
        })
    }

    /// Removes the redirect at `old_path` with the audit entry, in one
    /// transaction; `None` (and no entry) when there is none.
    pub async fn remove_redirect(
        &self,
        old_path: &str,
        now: i64,
        audit: &NewAuditEntry,
    ) -> Result<Option<RedirectRow>> {
        in_transaction!(self, tx => {
            let sql = format!("{SELECT} WHERE r.old_path = $1");
            let row: Option<RedirectRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(old_path).fetch_optional(&mut *tx).await?;
            if row.is_some() {
                sqlx::query("DELETE FROM redirects WHERE old_path = $1").bind(old_path).execute(&mut *tx).await?;
                Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            }
            Ok::<Option<RedirectRow>, StorageError>(row)
        })
    }
}
