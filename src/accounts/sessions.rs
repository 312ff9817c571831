//! Sign-in, sessions and sign-out. A session is a random id in the
//! `masthead_session` cookie, stored as its hash in the database (so it works
//! on every app node); a new id is issued at every sign-in. Failed sign-ins
//! are counted per account and per address in the database, and too many in
//! a window lock further attempts for a while, even with the right password.

use super::tokens::{Token, hash_token};
use super::{AccountError, User, passwords};
use crate::storage::{NewAuditEntry, NewSession, Store};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "masthead_session";
/// How long a session lasts: 14 days.
pub const SESSION_LIFETIME_SECS: i64 = 14 * 24 * 3600;
/// The throttling window: 15 minutes.
pub const LOCK_WINDOW_SECS: i64 = 15 * 60;
/// Failed sign-ins for one account within the window that lock it.
pub const LOCK_AFTER_ACCOUNT_FAILURES: i64 = 5;
/// Failed sign-ins from one address within the window that lock it (higher:
/// a newsroom may share one address).
pub const LOCK_AFTER_ADDRESS_FAILURES: i64 = 20;

/// A sign-in attempt.
#[derive(Debug, Clone, Copy)]
pub struct Login<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address, for throttling and the audit log.
    pub address: &'a str,
    /// The session cookie the browser sent, if any: it is replaced.
    pub previous: Option<&'a str>,
}

/// A signed-in session: `token.plain` goes into the cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: Token,
    pub user: User,
    pub expires_at: i64,
}

fn entry(
    actor: Option<&User>,
    fallback: &str,
    action: &str,
    subject: String,
    details: serde_json::Value,
    address: &str,
) -> NewAuditEntry {
    NewAuditEntry {
        actor_id: actor.map(|u| u.id),
        actor: actor.map_or_else(|| fallback.to_owned(), User::audit_name),
        action: action.into(),
        subject,
        details,
        address: Some(address.to_owned()),
    }
}

/// Signs in: refuses while throttled, checks the password, and starts a new
/// session (ending the one the browser had). Failures are audit-logged.
pub async fn log_in(store: &Store, login: Login<'_>, now: i64) -> Result<Session, AccountError> {
    let account = login.email.trim().to_lowercase();
    let subject = format!("login:{account}");
    let (by_account, by_address) = store
        .login_failures(&account, login.address, now - LOCK_WINDOW_SECS)
        .await?;
    if by_account >= LOCK_AFTER_ACCOUNT_FAILURES || by_address >= LOCK_AFTER_ADDRESS_FAILURES {
        let details = serde_json::json!({ "email": account, "failures_for_account": by_account, "failures_from_address": by_address });
        store
            .record_audit(
                &entry(
                    None,
                    "anonymous",
                    "login.throttled",
                    subject,
                    details,
                    login.address,
                ),
                now,
            )
            .await?;
        return Err(AccountError::Throttled {
            minutes: LOCK_WINDOW_SECS / 60,
        });
    }
    let row = store.user_by_email(&account).await?;
    let user = row
        .as_ref()
        .map(|r| User::from_row(r.clone()))
        .transpose()?;
    let matches = passwords::verify_password(
        login.password,
        row.as_ref().and_then(|r| r.password_hash.as_deref()),
    )
    .await;
    let user = match user {
        Some(user) if matches && !user.disabled => user,
        Some(user) if matches => {
            let details = serde_json::json!({ "email": account, "reason": "disabled" });
            store
                .record_audit(
                    &entry(
                        Some(&user),
                        "",
                        "login.failed",
                        subject,
                        details,
                        login.address,
                    ),
                    now,
                )
                .await?;
            return Err(AccountError::Disabled);
        }
        _ => {
            let locks = by_account + 1 >= LOCK_AFTER_ACCOUNT_FAILURES;
            let reason = if row.is_some() {
                "wrong password"
            } else {
                "no such account"
            };
            let details =
                serde_json::json!({ "email": account, "reason": reason, "locked": locks });
            let audit = entry(
                None,
                "anonymous",
                "login.failed",
                subject,
                details,
                login.address,
            );
            store
                .record_login_failure(&account, login.address, &audit, now - 24 * 3600, now)
                .await?;
            return Err(if locks {
                AccountError::Throttled {
                    minutes: LOCK_WINDOW_SECS / 60,
                }
            } else {
                AccountError::WrongCredentials
            });
        }
    };
    store.clear_login_failures(&account).await?;
    let token = Token::generate();
    let expires_at = now + SESSION_LIFETIME_SECS;
    let session = NewSession {
        id_hash: &token.hash,
        expires_at,
        address: login.address,
    };
    let previous = login.previous.map(hash_token);
    let audit = entry(
        Some(&user),
        "",
        "login.succeeded",
        format!("user:{}", user.id),
        serde_json::json!({}),
        login.address,
    );
    store
        .start_session(user.id, &session, previous.as_deref(), &audit, now)
        .await?;
    Ok(Session {
        token,
        user,
        expires_at,
    })
}

/// The enabled user a session cookie belongs to, if it is still live.
pub async fn session_user(
    store: &Store,
    cookie: &str,
    now: i64,
) -> Result<Option<User>, AccountError> {
    match store.session_user(&hash_token(cookie), now).await? {
        Some(row) => Ok(Some(User::from_row(row)?)),
        None => Ok(None),
    }
}

/// Ends the session of this cookie.
pub async fn log_out(store: &Store, cookie: &str) -> Result<(), AccountError> {
    store.delete_session(&hash_token(cookie)).await?;
    Ok(())
}

/// Ends every session of `user`, on every device; returns how many ended.
pub async fn log_out_everywhere(
    store: &Store,
    user: &User,
    address: &str,
    now: i64,
) -> Result<u64, AccountError> {
    let ended = store.delete_user_sessions(user.id).await?;
    let details = serde_json::json!({ "sessions": ended });
    store
        .record_audit(
            &entry(
                Some(user),
                "",
                "logout.everywhere",
                format!("user:{}", user.id),
                details,
                address,
            ),
            now,
        )
        .await?;
    Ok(ended)
}
