//! Sign-in throttling state and known devices, in the database so every app
//! node sees the same back-off. `login_throttles` holds one row per throttled
//! key (the keys and the back-off rule belong to `accounts`); `known_devices`
//! holds the hashes of the cookies of browsers that signed in before.
//!
//! Checks and claims run inside a write transaction, which is serialized on
//! both backends (SQLite `BEGIN IMMEDIATE`, PostgreSQL's advisory lock), so
//! two attempts never both see a key as free.

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::{Result, StorageError, Store, in_transaction, with_db};

/// How long a key must wait after `failures` failures (seconds; 0: none).
pub type WaitRule = fn(key: &str, failures: i64) -> i64;

/// What [`Store::claim_login_attempt`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Go ahead: the claimed key now counts this attempt as its `n`th
    /// failure until a success forgets it.
    Allowed { failures: i64 },
    /// Some key waits until this Unix second; nothing was counted.
    Blocked { until: i64 },
}

impl Store {
    /// In one transaction: when none of `check` and `claim` waits past
    /// `now`, counts this attempt against `claim` (so parallel guesses on
    /// one key queue up behind its back-off) and allows it.
    pub async fn claim_login_attempt(
        &self,
        check: &[String],
        claim: &str,
        forget_before: i64,
        now: i64,
        wait: WaitRule,
    ) -> Result<Claim> {
        in_transaction!(self, tx => {
            let mut until = 0;
            for key in check.iter().map(String::as_str).chain([claim]) {
                let (_, blocked_until) = Backend::login_throttle(&mut tx, key, forget_before).await?;
                until = until.max(blocked_until);
            }
            if until > now {
                return Ok(Claim::Blocked { until });
            }
            let failures = Backend::count_login_failure(&mut tx, claim, forget_before, now, wait).await?;
            Ok::<Claim, StorageError>(Claim::Allowed { failures })
        })
    }

    /// Records a failed sign-in against `keys`, with its audit entry, and
    /// forgets keys whose last failure is older than `forget_before`.
    pub async fn record_login_failure(
        &self,
        keys: &[String],
        audit: &NewAuditEntry,
        forget_before: i64,
        now: i64,
        wait: WaitRule,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            sqlx::query("DELETE FROM login_throttles WHERE last_failure_at < $1 AND blocked_until <= $2")
                .bind(forget_before).bind(now).execute(&mut *tx).await?;
            for key in keys {
                Backend::count_login_failure(&mut tx, key, forget_before, now, wait).await?;
            }
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// After a successful sign-in: forgets the failures of `keys` and
    /// remembers the browser's device cookie (by hash) for `user_id`;
    /// forgets devices unused since `devices_unused_before`.
    pub async fn signed_in_from_device(
        &self,
        keys: &[String],
        device_hash: &str,
        user_id: i64,
        devices_unused_before: i64,
        now: i64,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            for key in keys {
                sqlx::query("DELETE FROM login_throttles WHERE key = $1").bind(key).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM known_devices WHERE last_used_at < $1")
                .bind(devices_unused_before).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (token_hash) DO UPDATE SET last_used_at = excluded.last_used_at",
            )
            .bind(device_hash).bind(user_id).bind(now).execute(&mut *tx).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// The user a known device (by the hash of its cookie) belongs to, if it
    /// signed in since `used_since`.
    pub async fn known_device_user(
        &self,
        device_hash: &str,
        used_since: i64,
    ) -> Result<Option<i64>> {
        Ok(with_db!(self, pool => sqlx::query_scalar(
            "SELECT user_id FROM known_devices WHERE token_hash = $1 AND last_used_at >= $2")
            .bind(device_hash).bind(used_since).fetch_optional(pool).await?))
    }
}
