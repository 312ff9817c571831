//! Random secrets (session ids, one-time links): 32 bytes from the operating
//! system, shown once in hex, stored only as their SHA-256 so a leaked
//! database cannot be replayed as cookies or links.

use sha2::{Digest, Sha256};

/// A fresh secret and the hash that is stored.
#[derive(Clone)]
pub struct Token {
    pub plain: String,
    pub hash: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl Token {
    /// A new random token.
    ///
    /// # Panics
    /// When the operating system has no random source, which leaves nothing
    /// safe to do.
    pub fn generate() -> Token {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        let plain = to_hex(&bytes);
        let hash = hash_token(&plain);
        Token { plain, hash }
    }
}

/// The stored form of a token.
pub fn hash_token(plain: &str) -> String {
    to_hex(&Sha256::digest(plain.as_bytes()))
}

fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let a = Token::generate();
        let b = Token::generate();
        assert_eq!(a.plain.len(), 64);
        assert_ne!(a.plain, b.plain);
        assert_eq!(a.hash, hash_token(&a.plain));
        assert_ne!(a.hash, a.plain);
    }
}
