//! The audit log: who did what and when. Actions record themselves here
//! (sign-ins and their failures, role changes, account changes, settings,
//! publishing); administrators read it newest first.
//!
//! To record an action in the same transaction as the change itself, build
//! the entry with [`entry`] and pass it to the storage method, which appends
//! it inside the change's transaction; otherwise call [`record`].

use crate::storage::{AuditRow, NewAuditEntry, StorageError, Store};

/// Who acts (the crate's one [`Actor`](crate::actor)).
pub use crate::actor::Actor;

/// An audit entry for `actor` doing `action` (e.g. `article.published`) to
/// `subject` (e.g. `article:42`), with free-form details.
pub fn entry(
    actor: &Actor,
    action: &str,
    subject: &str,
    details: serde_json::Value,
) -> NewAuditEntry {
    NewAuditEntry {
        actor_id: actor.id,
        actor: actor.audit_name.clone(),
        action: action.into(),
        subject: subject.into(),
        details,
        address: actor.address.clone(),
    }
}

/// Records one entry on its own.
pub async fn record(
    store: &Store,
    actor: &Actor,
    action: &str,
    subject: &str,
    details: serde_json::Value,
    now: i64,
) -> Result<(), StorageError> {
    store
        .record_audit(&entry(actor, action, subject, details), now)
        .await
}

/// A page of the log, newest first, before entry id `before`.
pub async fn list(
    store: &Store,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, StorageError> {
    store.audit_entries(before, limit).await
}
