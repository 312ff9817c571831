//! Personal API tokens for the write API. A token is a random secret shown
//! once (`mh_` + 64 hex digits) and stored only as its SHA-256; it acts as
//! its owner with the owner's *current* role, so demoting or disabling a
//! user narrows or stops their tokens at once.

use crate::accounts::{AccountError, User};
use crate::accounts::{Token, hash_token};
use crate::storage::{ApiTokenRow, NewAuditEntry, StorageError, Store};

/// The prefix that makes a masthead token recognisable (e.g. to secret scanners).
pub const PREFIX: &str = "mh_";

/// What can go wrong with tokens.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token name is empty")]
    EmptyName,
    #[error("there is no such token")]
    NotFound,
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A token just created: the secret to show once, and its id.
#[derive(Clone)]
pub struct NewApiToken {
    pub id: i64,
    pub secret: String,
}

impl std::fmt::Debug for NewApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApiToken")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn audit(user: &User, action: &str, name: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor_id: Some(user.id),
        actor: user.audit_name(),
        action: action.into(),
        subject: format!("user:{}", user.id),
        details: serde_json::json!({ "token": name }),
        address: None,
    }
}

/// Creates a token for `user`.
pub async fn create(
    store: &Store,
    user: &User,
    name: &str,
    now: i64,
) -> Result<NewApiToken, TokenError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(TokenError::EmptyName);
    }
    let token = Token::generate();
    let secret = format!("{PREFIX}{}", token.plain);
    let id = store
        .insert_api_token(
            user.id,
            name,
            &hash_token(&secret),
            now,
            &audit(user, "api_token.created", name),
        )
        .await?;
    Ok(NewApiToken { id, secret })
}

/// The user a presented secret acts as, if it is a live token of an
/// enabled user.
pub async fn authenticate(
    store: &Store,
    secret: &str,
    now: i64,
) -> Result<Option<User>, TokenError> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    match store.api_token_user(&hash_token(secret), now).await? {
        Some(row) => Ok(Some(User::from_row(row)?)),
        None => Ok(None),
    }
}

/// A user's tokens, newest first.
pub async fn list(store: &Store, user: &User) -> Result<Vec<ApiTokenRow>, TokenError> {
    Ok(store.api_tokens(user.id).await?)
}

/// Revokes one of `user`'s tokens.
pub async fn revoke(store: &Store, user: &User, id: i64, now: i64) -> Result<(), TokenError> {
    let entry = audit(user, "api_token.revoked", &id.to_string());
    if store.revoke_api_token(user.id, id, now, &entry).await? {
        Ok(())
    } else {
        Err(TokenError::NotFound)
    }
}
