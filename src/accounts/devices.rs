//! Known devices: a browser that signed in to an account before keeps the
//! `masthead_device` cookie (HttpOnly, sent only to `/admin/login`), holding
//! one random token per account signed in from it (at most
//! [`MAX_DEVICE_TOKENS`]). Each token is stored as its SHA-256 with its user
//! in the database, so it cannot be forged and every app node knows it.
//! Failures from other browsers and addresses never hold a known device back.

use super::tokens::{Token, hash_token};
use crate::storage::{StorageError, Store};

/// The known-device cookie's name.
pub const DEVICE_COOKIE: &str = "masthead_device";
/// How long an unused device stays known: a year.
pub const DEVICE_LIFETIME_SECS: i64 = 365 * 24 * 3600;
/// Tokens one browser keeps (accounts signed in from it); the oldest goes.
pub const MAX_DEVICE_TOKENS: usize = 5;

/// The well-formed tokens of a cookie value (`token.token...`).
fn tokens(cookie: &str) -> impl Iterator<Item = &str> {
    cookie
        .split('.')
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .take(MAX_DEVICE_TOKENS)
}

/// The token of this browser's cookie that is a known device of `user_id`.
/// Every token is looked up whether or not the account exists, so the
/// lookup costs the same for unknown emails.
pub(super) async fn known_token<'a>(
    store: &Store,
    cookie: Option<&'a str>,
    user_id: Option<i64>,
    now: i64,
) -> Result<Option<&'a str>, StorageError> {
    let mut found = None;
    for token in cookie.into_iter().flat_map(tokens) {
        let owner = store
            .known_device_user(&hash_token(token), now - DEVICE_LIFETIME_SECS)
            .await?;
        if found.is_none() && owner.is_some() && owner == user_id {
            found = Some(token);
        }
    }
    Ok(found)
}

/// The device token to keep for this sign-in: the known one, or a new one.
pub(super) fn token_for_sign_in(known: Option<&str>) -> String {
    known.map_or_else(|| Token::generate().plain, str::to_owned)
}

/// The cookie value after signing in with `token`: it first, then the
/// browser's other tokens, the oldest dropped beyond the limit.
pub(super) fn cookie_with(cookie: Option<&str>, token: &str) -> String {
    let mut kept = vec![token];
    kept.extend(
        cookie
            .into_iter()
            .flat_map(tokens)
            .filter(|t| *t != token)
            .take(MAX_DEVICE_TOKENS - 1),
    );
    kept.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_keeps_the_newest_tokens_first_and_drops_garbage() {
        let t = |c: char| c.to_string().repeat(64);
        let old = [t('a'), t('b'), t('c'), t('d'), t('e')].join(".");
        assert_eq!(
            cookie_with(Some(&old), &t('f')),
            [t('f'), t('a'), t('b'), t('c'), t('d')].join(".")
        );
        assert_eq!(
            cookie_with(Some(&old), &t('c')).split('.').next(),
            Some(t('c').as_str())
        );
        assert_eq!(cookie_with(Some("junk.<script>"), &t('1')), t('1'));
        assert_eq!(cookie_with(None, &t('1')), t('1'));
    }
}
