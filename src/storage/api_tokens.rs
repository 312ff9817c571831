//! Personal API tokens, stored by the hash of their secret. Creating and
//! revoking one is written to the audit log in the same transaction.

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::users::UserRow;
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Store {
    /// Stores a new token for `user_id`; returns its id.
    pub async fn insert_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        now: i64,
        audit: &NewAuditEntry,
    ) -> Result<i64> {
        in_transaction!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(user_id).bind(name).bind(token_hash).bind(now)
                .fetch_one(&mut *tx).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<i64, StorageError>(id)
        })
    }

    /// The enabled user owning an unrevoked token with this hash, noting
    /// the use.
    pub async fn api_token_user(&self, token_hash: &str, now: i64) -> Result<Option<UserRow>> {
        let user: Option<UserRow> = with_db!(self, pool => sqlx::query_as(
            "SELECT u.id, u.email, u.name, u.role, u.password_hash, u.disabled_at, u.created_at, u.updated_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL")
            .bind(token_hash).fetch_optional(pool).await?);
        if user.is_some() {
            with_db!(self, pool => sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1")
                .bind(token_hash).bind(now).execute(pool).await.map(|_| ()))?;
        }
        Ok(user)
    }

    /// A user's tokens, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiTokenRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY id DESC")
            .bind(user_id).fetch_all(pool).await?))
    }

    /// Revokes token `id` of `user_id`; `false` when there is no such token.
    pub async fn revoke_api_token(
        &self,
        user_id: i64,
        id: i64,
        now: i64,
        audit: &NewAuditEntry,
    ) -> Result<bool> {
        in_transaction!(self, tx => {
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
                .bind(id).bind(user_id).bind(now).execute(&mut *tx).await?.rows_affected() == 1;
            if done {
                Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            }
            Ok::<bool, StorageError>(done)
        })
    }
}
