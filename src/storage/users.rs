//! Users, sessions (stored by the hash of their id), one-time tokens (stored
//! hashed). Sessions live in the database so they hold across app nodes;
//! sign-in throttling is in `storage::sign_in`.

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A user as stored; `role` is `admin`, `editor` or `writer`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
}

/// A one-time token to store: `purpose` is `setup` (creates the first
/// administrator) or `password` (sets the password of `user_id`).
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub purpose: &'a str,
    pub expires_at: i64,
}

/// A session to store.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub expires_at: i64,
    pub address: &'a str,
}

macro_rules! user_columns {
    () => {
        "id, email, name, role, password_hash, disabled_at, created_at, updated_at"
    };
}

impl Store {
    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<UserRow>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users ORDER BY name, id");
        Ok(with_db!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
        Ok(with_db!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await?))
    }

    /// The user with this (normalized, lower-case) email.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE email = $1");
        Ok(with_db!(self, pool => sqlx::query_as(sql).bind(email).fetch_optional(pool).await?))
    }

    /// How many administrators can sign in (not disabled).
    pub async fn active_admin_count(&self) -> Result<i64> {
        Ok(with_db!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL")
            .fetch_one(pool).await?))
    }

    /// Creates a user, with an optional one-time set-password token, and
    /// its audit entry, in one transaction. A taken email is a conflict.
    pub async fn create_user(
        &self,
        user: &NewUser<'_>,
        token: Option<&NewToken<'_>>,
        audit: &NewAuditEntry,
        now: i64,
    ) -> Result<UserRow> {
        let sql = concat!(
            "INSERT INTO users (email, name, role, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING ",
            user_columns!(),
            ""
        );
        in_transaction!(self, tx => {
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(user.email).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Err(StorageError::Conflict(format!("an account for {}", user.email)));
            }
            let row: UserRow = sqlx::query_as(sql)
                .bind(user.email).bind(user.name).bind(user.role).bind(user.password_hash).bind(now)
                .fetch_one(&mut *tx).await?;
            if let Some(token) = token {
                sqlx::query("INSERT INTO account_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(token.token_hash).bind(token.purpose).bind(row.id).bind(now).bind(token.expires_at)
                    .execute(&mut *tx).await?;
            }
            let mut audit = audit.clone();
            audit.subject = format!("user:{}", row.id);
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(&audit)).await?;
            Ok::<UserRow, StorageError>(row)
        })
    }

    /// Stores a one-time token (for `user_id`, or none for the setup token).
    pub async fn insert_token(
        &self,
        token: &NewToken<'_>,
        user_id: Option<i64>,
        now: i64,
    ) -> Result<()> {
        with_db!(self, pool => sqlx::query(
            "INSERT INTO account_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token.token_hash).bind(token.purpose).bind(user_id).bind(now).bind(token.expires_at)
            .execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Whether a token is unused, unexpired and for `purpose`; returns the
    /// user it belongs to (`Some(None)` for the setup token).
    pub async fn token_user(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<Option<i64>>> {
        Ok(with_db!(self, pool => sqlx::query_scalar(
            "SELECT user_id FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3")
            .bind(token_hash).bind(purpose).bind(now).fetch_optional(pool).await?))
    }

    /// Uses the setup token to create the first administrator and sign them
    /// in, in one transaction. `None` when the token is not valid or an
    /// administrator already exists.
    pub async fn create_first_admin(
        &self,
        token_hash: &str,
        user: &NewUser<'_>,
        session: &NewSession<'_>,
        audit: &NewAuditEntry,
        now: i64,
    ) -> Result<Option<UserRow>> {
        let sql = concat!(
            "INSERT INTO users (email, name, role, password_hash, created_at, updated_at) \
             VALUES ($1, $2, 'admin', $3, $4, $4) RETURNING ",
            user_columns!(),
            ""
        );
        in_transaction!(self, tx => {
            let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL")
                .fetch_one(&mut *tx).await?;
            if admins > 0 || Backend::take_token(&mut tx, token_hash, "setup", now).await?.is_none() {
                return Ok(None);
            }
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(user.email).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Err(StorageError::Conflict(format!("an account for {}", user.email)));
            }
            let row: UserRow = sqlx::query_as(sql)
                .bind(user.email).bind(user.name).bind(user.password_hash).bind(now)
                .fetch_one(&mut *tx).await?;
            Backend::insert_session(&mut tx, session, row.id, now).await?;
            let mut audit = audit.clone();
            audit.actor_id = Some(row.id);
            audit.subject = format!("user:{}", row.id);
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(&audit)).await?;
            Ok::<Option<UserRow>, StorageError>(Some(row))
        })
    }

    /// Uses a set-password token: stores the new hash and ends every session
    /// of that user, in one transaction. `None` when the token is not valid.
    pub async fn use_password_token(
        &self,
        token_hash: &str,
        password_hash: &str,
        audit: &NewAuditEntry,
        now: i64,
    ) -> Result<Option<UserRow>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
        in_transaction!(self, tx => {
            let Some(Some(user_id)) = Backend::take_token(&mut tx, token_hash, "password", now).await? else {
                return Ok(None);
            };
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash).bind(now).bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            let row: UserRow = sqlx::query_as(sql).bind(user_id).fetch_one(&mut *tx).await?;
            let mut audit = audit.clone();
            audit.actor_id = Some(row.id);
            audit.actor = format!("{} <{}>", row.name, row.email);
            audit.subject = format!("user:{}", row.id);
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(&audit)).await?;
            Ok::<Option<UserRow>, StorageError>(Some(row))
        })
    }

    /// Sets a user's password directly (the command line) and ends their sessions.
    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        audit: &NewAuditEntry,
        now: i64,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash).bind(now).bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// Replaces an older kind of password hash (an imported Drupal one) by
    /// the Argon2id hash of the same password, only while the stored hash is
    /// still `old` (a password set meanwhile wins); sessions stay. Whether it
    /// was replaced.
    pub async fn upgrade_password_hash(
        &self,
        user_id: i64,
        old: &str,
        new: &str,
        audit: &NewAuditEntry,
        now: i64,
    ) -> Result<bool> {
        in_transaction!(self, tx => {
            let done = sqlx::query(
                "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND password_hash = $4")
                .bind(new).bind(now).bind(user_id).bind(old).execute(&mut *tx).await?
                .rows_affected() == 1;
            if done {
                Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            }
            Ok::<bool, StorageError>(done)
        })
    }

    /// Changes a user's role, with its audit entry.
    pub async fn set_role(
        &self,
        user_id: i64,
        role: &str,
        audit: &NewAuditEntry,
        now: i64,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
                .bind(role).bind(now).bind(user_id).execute(&mut *tx).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// Disables (ending every session) or re-enables a user, with its audit entry.
    pub async fn set_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        audit: &NewAuditEntry,
        now: i64,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            sqlx::query("UPDATE users SET disabled_at = $1, updated_at = $2 WHERE id = $3")
                .bind(disabled.then_some(now)).bind(now).bind(user_id).execute(&mut *tx).await?;
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            }
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// Starts a session for a user, ending `replaces` (the session the
    /// browser had before signing in) and recording the sign-in.
    pub async fn start_session(
        &self,
        user_id: i64,
        session: &NewSession<'_>,
        replaces: Option<&str>,
        audit: &NewAuditEntry,
        now: i64,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            if let Some(old) = replaces {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(old).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?;
            Backend::insert_session(&mut tx, session, user_id, now).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// The enabled user a live session belongs to.
    pub async fn session_user(&self, id_hash: &str, now: i64) -> Result<Option<UserRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT u.id, u.email, u.name, u.role, u.password_hash, u.disabled_at, u.created_at, u.updated_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL")
            .bind(id_hash).bind(now).fetch_optional(pool).await?))
    }

    /// Ends one session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        with_db!(self, pool => sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Ends every session of a user; returns how many there were.
    pub async fn delete_user_sessions(&self, user_id: i64) -> Result<u64> {
        Ok(
            with_db!(self, pool => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id).execute(pool).await?.rows_affected()),
        )
    }

    /// How many sessions a user has open.
    pub async fn session_count(&self, user_id: i64, now: i64) -> Result<i64> {
        Ok(with_db!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2")
            .bind(user_id).bind(now).fetch_one(pool).await?))
    }
}
