//! Managing accounts: the first administrator (through the one-time setup
//! link), inviting users with a one-time set-password link, roles, disabling,
//! password resets. Every change is audit-logged in its own transaction.

use super::passwords::hash_password;
use super::sessions::{SESSION_LIFETIME_SECS, Session};
use super::tokens::{Token, hash_token};
use super::{AccountError, Role, User, parse_email, parse_name};
use crate::audit::{self, Actor};
use crate::storage::{NewSession, NewToken, NewUser, Store};

/// The setup link works for 24 hours.
pub const SETUP_LIFETIME_SECS: i64 = 24 * 3600;
/// An invitation's set-password link works for 7 days.
pub const INVITE_LIFETIME_SECS: i64 = 7 * 24 * 3600;
/// A password-reset link works for 24 hours.
pub const RESET_LIFETIME_SECS: i64 = 24 * 3600;

/// Whether no administrator can sign in yet (the setup link is needed).
pub async fn needs_setup(store: &Store) -> Result<bool, AccountError> {
    Ok(store.active_admin_count().await? == 0)
}

/// A new one-time setup link token.
pub async fn create_setup_token(store: &Store, now: i64) -> Result<Token, AccountError> {
    let token = Token::generate();
    let new = NewToken {
        token_hash: &token.hash,
        purpose: "setup",
        expires_at: now + SETUP_LIFETIME_SECS,
    };
    store.insert_token(&new, None, now).await?;
    Ok(token)
}

/// Whether a setup link can still create the first administrator.
pub async fn setup_token_valid(store: &Store, plain: &str, now: i64) -> Result<bool, AccountError> {
    Ok(needs_setup(store).await?
        && store
            .token_user(&hash_token(plain), "setup", now)
            .await?
            .is_some())
}

/// Uses the setup link: creates the first administrator and signs them in.
pub async fn create_first_admin(
    store: &Store,
    plain: &str,
    email: &str,
    name: &str,
    password: &str,
    address: &str,
    now: i64,
) -> Result<Session, AccountError> {
    let email = parse_email(email)?;
    let name = parse_name(name)?;
    let hash = hash_password(password).await?;
    let token = Token::generate();
    let session = NewSession {
        id_hash: &token.hash,
        expires_at: now + SESSION_LIFETIME_SECS,
        address,
    };
    let audit = audit::entry(
        &Actor::anonymous(format!("{name} <{email}>"), Some(address)),
        "user.created",
        "",
        serde_json::json!({ "email": email, "role": "admin", "via": "setup link" }),
    );
    let user = NewUser {
        email: &email,
        name: &name,
        role: "admin",
        password_hash: Some(&hash),
    };
    let row = store
        .create_first_admin(&hash_token(plain), &user, &session, &audit, now)
        .await?
        .ok_or(AccountError::InvalidLink)?;
    Ok(Session {
        token,
        user: User::from_row(row)?,
        expires_at: now + SESSION_LIFETIME_SECS,
        // The setup link is one-off; the first sign-in makes this browser
        // a known device.
        device_cookie: None,
    })
}

/// Creates an account. With a password it can sign in at once; without
/// one, the returned token is a one-time set-password link (an invitation).
pub async fn create_user(
    store: &Store,
    actor: &Actor,
    email: &str,
    name: &str,
    role: Role,
    password: Option<&str>,
    now: i64,
) -> Result<(User, Option<Token>), AccountError> {
    let email = parse_email(email)?;
    let name = parse_name(name)?;
    let hash = match password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let token = hash.is_none().then(Token::generate);
    let new_token = token.as_ref().map(|t| NewToken {
        token_hash: &t.hash,
        purpose: "password",
        expires_at: now + INVITE_LIFETIME_SECS,
    });
    let audit = audit::entry(
        actor,
        "user.created",
        "",
        serde_json::json!({ "email": email, "role": role }),
    );
    let user = NewUser {
        email: &email,
        name: &name,
        role: role.as_str(),
        password_hash: hash.as_deref(),
    };
    let row = store
        .create_user(&user, new_token.as_ref(), &audit, now)
        .await?;
    Ok((User::from_row(row)?, token))
}

/// Every account, by name.
pub async fn list(store: &Store) -> Result<Vec<User>, AccountError> {
    store
        .users()
        .await?
        .into_iter()
        .map(User::from_row)
        .collect()
}

/// The account with this email.
pub async fn find_by_email(store: &Store, email: &str) -> Result<User, AccountError> {
    let email = parse_email(email)?;
    match store.user_by_email(&email).await? {
        Some(row) => User::from_row(row),
        None => Err(AccountError::NoSuchUser(email)),
    }
}

async fn target(store: &Store, actor: &Actor, user_id: i64) -> Result<User, AccountError> {
    if actor.id == Some(user_id) {
        return Err(AccountError::OwnAccount);
    }
    match store.user_by_id(user_id).await? {
        Some(row) => User::from_row(row),
        None => Err(AccountError::NoSuchUser(format!("user #{user_id}"))),
    }
}

/// Changes a user's role (not one's own; never the last administrator's).
pub async fn set_role(
    store: &Store,
    actor: &Actor,
    user_id: i64,
    role: Role,
    now: i64,
) -> Result<User, AccountError> {
    let user = target(store, actor, user_id).await?;
    if user.role == role {
        return Ok(user);
    }
    if user.role == Role::Admin && !user.disabled && store.active_admin_count().await? <= 1 {
        return Err(AccountError::LastAdmin);
    }
    let details = serde_json::json!({ "email": user.email, "from": user.role, "to": role });
    let entry = audit::entry(
        actor,
        "user.role_changed",
        &format!("user:{user_id}"),
        details,
    );
    store.set_role(user_id, role.as_str(), &entry, now).await?;
    Ok(User { role, ..user })
}

/// Disables (signing them out everywhere) or re-enables a user.
pub async fn set_disabled(
    store: &Store,
    actor: &Actor,
    user_id: i64,
    disabled: bool,
    now: i64,
) -> Result<User, AccountError> {
    let user = target(store, actor, user_id).await?;
    if disabled
        && user.role == Role::Admin
        && !user.disabled
        && store.active_admin_count().await? <= 1
    {
        return Err(AccountError::LastAdmin);
    }
    let action = if disabled {
        "user.disabled"
    } else {
        "user.enabled"
    };
    let entry = audit::entry(
        actor,
        action,
        &format!("user:{user_id}"),
        serde_json::json!({ "email": user.email }),
    );
    store.set_disabled(user_id, disabled, &entry, now).await?;
    Ok(User { disabled, ..user })
}

/// A one-time link token to set a new password for `user_id`.
pub async fn reset_link(
    store: &Store,
    actor: &Actor,
    user_id: i64,
    now: i64,
) -> Result<Token, AccountError> {
    let Some(row) = store.user_by_id(user_id).await? else {
        return Err(AccountError::NoSuchUser(format!("user #{user_id}")));
    };
    let token = Token::generate();
    let new = NewToken {
        token_hash: &token.hash,
        purpose: "password",
        expires_at: now + RESET_LIFETIME_SECS,
    };
    store.insert_token(&new, Some(user_id), now).await?;
    audit::record(
        store,
        actor,
        "user.password_reset_link",
        &format!("user:{user_id}"),
        serde_json::json!({ "email": row.email }),
        now,
    )
    .await?;
    Ok(token)
}

/// The user a set-password link is for, while it is valid.
pub async fn password_link_user(
    store: &Store,
    plain: &str,
    now: i64,
) -> Result<Option<User>, AccountError> {
    match store
        .token_user(&hash_token(plain), "password", now)
        .await?
    {
        Some(Some(user_id)) => match store.user_by_id(user_id).await? {
            Some(row) => Ok(Some(User::from_row(row)?)),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// Uses a set-password link: stores the password and ends every session of the user.
pub async fn set_password_with_token(
    store: &Store,
    plain: &str,
    password: &str,
    address: &str,
    now: i64,
) -> Result<User, AccountError> {
    let hash = hash_password(password).await?;
    let actor = Actor::anonymous("", Some(address));
    let entry = audit::entry(
        &actor,
        "user.password_set",
        "",
        serde_json::json!({ "via": "one-time link" }),
    );
    let row = store
        .use_password_token(&hash_token(plain), &hash, &entry, now)
        .await?
        .ok_or(AccountError::InvalidLink)?;
    User::from_row(row)
}

/// Sets a password directly (the command line) and ends every session of the user.
pub async fn set_password(
    store: &Store,
    actor: &Actor,
    user: &User,
    password: &str,
    now: i64,
) -> Result<(), AccountError> {
    let hash = hash_password(password).await?;
    let entry = audit::entry(
        actor,
        "user.password_set",
        &format!("user:{}", user.id),
        serde_json::json!({ "email": user.email }),
    );
    store.set_password(user.id, &hash, &entry, now).await?;
    Ok(())
}
