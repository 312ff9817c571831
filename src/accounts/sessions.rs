//! Sign-in, sessions and sign-out. A session is a random id in the
//! `masthead_session` cookie, stored as its hash in the database (so it works
//! on every app node); a new id is issued at every sign-in. Failed sign-ins
//! back off (see `throttle`): a wait, never a lockout, and a known device
//! (see `devices`) is never held back by failures from elsewhere.

use super::tokens::{Token, hash_token};
use super::{AccountError, User, devices, passwords, throttle};
use crate::storage::{Claim, NewAuditEntry, NewSession, Store};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "masthead_session";
/// How long a session lasts: 14 days.
pub const SESSION_LIFETIME_SECS: i64 = 14 * 24 * 3600;

/// A sign-in attempt.
#[derive(Debug, Clone, Copy)]
pub struct Login<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address, for throttling and the audit log.
    pub address: &'a str,
    /// The session cookie the browser sent, if any: it is replaced.
    pub previous: Option<&'a str>,
    /// The known-device cookie the browser sent, if any.
    pub device: Option<&'a str>,
}

/// A signed-in session: `token.plain` goes into the session cookie and
/// `device_cookie` (when set) into the known-device cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: Token,
    pub user: User,
    pub expires_at: i64,
    pub device_cookie: Option<String>,
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

/// Signs in: refuses while the attempt's keys wait, checks the password, and
/// starts a new session (ending the one the browser had) and remembers the
/// browser as a known device. Failures and waits are audit-logged.
pub async fn log_in(store: &Store, login: Login<'_>, now: i64) -> Result<Session, AccountError> {
    let account = login.email.trim().to_lowercase();
    let subject = format!("login:{account}");
    let row = store.user_by_email(&account).await?;
    let user = row
        .as_ref()
        .map(|r| User::from_row(r.clone()))
        .transpose()?;
    let device =
        devices::known_token(store, login.device, user.as_ref().map(|u| u.id), now).await?;
    let device_hash = device.map(hash_token);
    let keys = throttle::Keys::new(&account, login.address, device_hash.as_deref());
    let forget_before = now - throttle::FORGET_FAILURES_AFTER_SECS;
    let claim = store
        .claim_login_attempt(
            &keys.check,
            &keys.claim,
            forget_before,
            now,
            throttle::wait_for_key,
        )
        .await?;
    if let Claim::Blocked { until } = claim {
        let details = serde_json::json!({ "email": account, "until": until, "known_device": device.is_some() });
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
            retry_after: (until - now).max(1),
            until,
        });
    }
    // Argon2id runs for every attempt that gets this far, known account or
    // not, so the answer's timing does not tell which emails exist.
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
            let reason = if row.is_some() {
                "wrong password"
            } else {
                "no such account"
            };
            let details = serde_json::json!({ "email": account, "reason": reason, "known_device": device.is_some() });
            let audit = entry(
                None,
                "anonymous",
                "login.failed",
                subject,
                details,
                login.address,
            );
            store
                .record_login_failure(
                    &keys.on_failure,
                    &audit,
                    forget_before,
                    now,
                    throttle::wait_for_key,
                )
                .await?;
            return Err(AccountError::WrongCredentials);
        }
    };
    if let Some(stored) = row.as_ref().and_then(|r| r.password_hash.as_deref())
        && passwords::needs_rehash(stored)
    {
        // An imported Drupal hash: the password just proved right is hashed
        // again with Argon2id, so the old kind is gone after one sign-in.
        let hash = passwords::rehash_password(login.password).await?;
        let audit = entry(
            Some(&user),
            "",
            "password.rehashed",
            format!("user:{}", user.id),
            serde_json::json!({ "from": "drupal", "to": "argon2id" }),
            login.address,
        );
        store
            .upgrade_password_hash(user.id, stored, &hash, &audit, now)
            .await?;
    }
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
        serde_json::json!({ "known_device": device.is_some() }),
        login.address,
    );
    store
        .start_session(user.id, &session, previous.as_deref(), &audit, now)
        .await?;
    let device_token = devices::token_for_sign_in(device);
    let mut forget = keys.on_success.clone();
    forget.push(keys.claim.clone());
    store
        .signed_in_from_device(
            &forget,
            &hash_token(&device_token),
            user.id,
            now - devices::DEVICE_LIFETIME_SECS,
            now,
        )
        .await?;
    Ok(Session {
        token,
        user,
        expires_at,
        device_cookie: Some(devices::cookie_with(login.device, &device_token)),
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
