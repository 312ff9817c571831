//! The audit log: who did what and when (sign-ins, role changes, publishing),
//! append-only, read by administrators newest first.

use super::backend::Backend;
use super::{Result, StorageError, Store, in_transaction, with_db};

/// An entry to append. `actor` is the acting user's name and email as they
/// were at the time (kept even if the account changes later); `actor_id` is
/// `None` for anonymous actions such as a failed sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub details: serde_json::Value,
    pub address: Option<String>,
}

/// One stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub created_at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub details: String,
    pub address: Option<String>,
}

impl Store {
    /// Appends one entry on its own (for actions that write nothing else).
    pub async fn record_audit(&self, entry: &NewAuditEntry, now: i64) -> Result<()> {
        in_transaction!(self, tx => {
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(entry)).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// At most `limit` entries older than entry `before` (all when `None`),
    /// newest first.
    pub async fn audit_entries(&self, before: Option<i64>, limit: i64) -> Result<Vec<AuditRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, created_at, actor_id, actor, action, subject, details, address FROM audit_log \
             WHERE id < $1 ORDER BY id DESC LIMIT $2")
            .bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(pool).await?))
    }
}
