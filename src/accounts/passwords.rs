//! Passwords: Argon2id (argon2 crate defaults: 19 MiB, 2 passes) in PHC
//! strings, hashed off the async threads because each hash takes tens of
//! milliseconds on purpose. Accounts imported from Drupal keep Drupal's hash
//! until their first sign-in ([`drupal`]), which replaces it with Argon2id.

mod drupal;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::AccountError;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 1024;

/// A hash of a password nobody has, verified against when the account does
/// not exist so that an unknown email costs as long as a wrong password.
const DECOY_PASSWORD: &str = "masthead decoy password";

/// Checks the length rules.
pub(super) fn check_password(password: &str) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AccountError::PasswordTooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AccountError::PasswordTooLong);
    }
    Ok(())
}

/// Checks the rules and hashes a new password with Argon2id.
pub async fn hash_password(password: &str) -> Result<String, AccountError> {
    check_password(password)?;
    rehash_password(password).await
}

/// Hashes a password that has just been verified against an older kind of
/// hash, with Argon2id; the length rules are not applied, because the
/// password is the one the account already has (Drupal allowed short ones).
pub(super) async fn rehash_password(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| AccountError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hashing(e.to_string()))?
}

/// Whether a stored hash is of an older kind (Drupal's) that the next
/// successful sign-in replaces with Argon2id.
pub(super) fn needs_rehash(stored: &str) -> bool {
    drupal::is_drupal_hash(stored)
}

/// Whether `password` matches the stored hash: an Argon2 PHC string, or one
/// of Drupal's kinds for imported accounts. A missing hash (an account whose
/// password was never set) never matches, but costs the same.
pub async fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let Some(stored) = stored else {
            let _ = Argon2::default().hash_password(DECOY_PASSWORD.as_bytes());
            return false;
        };
        if drupal::is_drupal_hash(&stored) {
            return drupal::verify(&password, &stored);
        }
        match PasswordHash::new(&stored) {
            Ok(hash) => Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_another_does_not() {
        let hash = hash_password("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&hash)).await);
        assert!(!verify_password("correct horse battery!", Some(&hash)).await);
        assert!(!verify_password("correct horse battery", None).await);
    }

    #[tokio::test]
    async fn a_drupal_hash_verifies_and_is_due_for_argon2id() {
        let drupal = "$S$5FIcboyzv1ZD/OZDb4w/4HSlnsPlwbr/PWLWrHPWrJp8eXOQQaWJ";
        assert!(verify_password("DifficultPassword123", Some(drupal)).await);
        assert!(!verify_password("DifficultPassword12", Some(drupal)).await);
        assert!(needs_rehash(drupal));
        // A short password Drupal accepted is rehashed all the same.
        let hash = rehash_password("short").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!needs_rehash(&hash));
        assert!(verify_password("short", Some(&hash)).await);
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(
            check_password("short"),
            Err(AccountError::PasswordTooShort)
        ));
        assert!(check_password("ten chars!").is_ok());
    }
}
