//! Drupal's password hashes, kept by accounts imported from a Drupal 7 site
//! so that their owners sign in with the password they already have: `$S$`
//! (iterated SHA-512, Drupal 7's own), `U$S$` (the `$S$` of the MD5 hex of
//! the password, for accounts Drupal 7 upgraded from Drupal 6's plain MD5),
//! and `$H$`/`$P$` (phpass's iterated MD5, from sites that used the phpass
//! module or came from phpBB or WordPress). Only verification lives here: a
//! match is replaced by an Argon2id hash at once (see `sessions::log_in`),
//! and nothing ever writes a new Drupal hash.
//!
//! The algorithm is Drupal 7's `includes/password.inc` (`_password_crypt`,
//! `_password_base64_encode`, `user_check_password`), byte for byte: the
//! 12-character setting is `$S$`, one itoa64 character giving the base-2
//! logarithm of the iteration count (7 to 30), and an 8-character salt; the
//! digest is encoded with phpass's little-endian itoa64 and cut to 55
//! characters.

use md5::Md5;
use sha2::{Digest, Sha512};

/// phpass's alphabet: the index of a character is its 6-bit value.
const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Drupal refuses to hash passwords longer than this many bytes.
const MAX_PASSWORD_BYTES: usize = 512;
/// Drupal stores the first 55 characters of the setting and the digest.
const HASH_LENGTH: usize = 55;
const MIN_COUNT_LOG2: usize = 7;
const MAX_COUNT_LOG2: usize = 30;

/// Whether `stored` has the shape of one of Drupal's hashes (so it is
/// verified here rather than as a PHC string).
pub(super) fn is_drupal_hash(stored: &str) -> bool {
    let hash = stored
        .strip_prefix('U')
        .filter(|inner| inner.starts_with("$S$"))
        .unwrap_or(stored);
    ["$S$", "$H$", "$P$"].iter().any(|p| hash.starts_with(p))
}

/// Whether `password` matches Drupal's hash `stored`, as Drupal 7's
/// `user_check_password` decides; a hash of any other shape never matches.
pub(super) fn verify(password: &str, stored: &str) -> bool {
    let (hash, password) = match stored.strip_prefix('U') {
        // Drupal 7's update 7000 rehashed each Drupal 6 MD5 hex digest.
        Some(hash) if hash.starts_with("$S$") => (hash, hex(&Md5::digest(password.as_bytes()))),
        Some(_) => return false,
        None => (stored, password.to_owned()),
    };
    let computed = match hash.get(..3) {
        Some("$S$") => crypt::<Sha512>(password.as_bytes(), hash),
        Some("$H$" | "$P$") => crypt::<Md5>(password.as_bytes(), hash),
        _ => None,
    };
    computed.is_some_and(|computed| constant_time_eq(computed.as_bytes(), hash.as_bytes()))
}

/// `_password_crypt`: the hash of `password` with the setting that begins
/// `stored`, or `None` when the setting is malformed or out of bounds.
fn crypt<D: Digest>(password: &[u8], stored: &str) -> Option<String> {
    if password.len() > MAX_PASSWORD_BYTES {
        return None;
    }
    let setting = stored.get(..12)?;
    let bytes = setting.as_bytes();
    if bytes[0] != b'$' || bytes[2] != b'$' {
        return None;
    }
    let count_log2 = ITOA64.iter().position(|&c| c == bytes[3])?;
    if !(MIN_COUNT_LOG2..=MAX_COUNT_LOG2).contains(&count_log2) {
        return None;
    }
    let salt = &bytes[4..12];
    let mut hash = D::new()
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    for _ in 0..(1u64 << count_log2) {
        hash = D::new()
            .chain_update(&hash)
            .chain_update(password)
            .finalize();
    }
    let mut output = String::with_capacity(12 + hash.len() * 4 / 3 + 2);
    output.push_str(setting);
    encode64(&hash, &mut output);
    // A 64-byte SHA-512 encodes to 86 characters, a 16-byte MD5 to 22.
    if output.len() != 12 + (8 * hash.len()).div_ceil(6) {
        return None;
    }
    output.truncate(HASH_LENGTH);
    Some(output)
}

/// `_password_base64_encode`: phpass's encoding, little-endian in groups
/// of three bytes, with no padding.
fn encode64(input: &[u8], output: &mut String) {
    let char_of = |value: u32| char::from(ITOA64[(value & 0x3f) as usize]);
    for chunk in input.chunks(3) {
        let mut value = u32::from(chunk[0]);
        if let Some(&b) = chunk.get(1) {
            value |= u32::from(b) << 8;
        }
        if let Some(&b) = chunk.get(2) {
            value |= u32::from(b) << 16;
        }
        output.push(char_of(value));
        output.push(char_of(value >> 6));
        if chunk.len() > 1 {
            output.push(char_of(value >> 12));
        }
        if chunk.len() > 2 {
            output.push(char_of(value >> 18));
        }
    }
}

/// PHP's `md5()`: the lowercase hexadecimal digest.
fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares without stopping at the first difference, so the time taken
/// does not tell how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published hashes of known passwords, each checked independently with
    // a Python transcription of password.inc (hashlib) before use here.
    const DRUPAL7: &[(&str, &str)] = &[
        // Drupal 7's default count (2^15), from ruby-drupal-hash's README.
        (
            "password1234",
            "$S$DeIZ1KTE.VzRvudZ5.xgOakipuMFrVyPmRdWTjAdYieWj27NMglI",
        ),
        // From the D7Password PHP package's README.
        (
            "password",
            "$S$DI7p94K2RG7Nq2OJp2/T55TfjT/K8UYdDVSUELOgCNbNoHU2sdtq",
        ),
        // 2^7 iterations, from a Django Drupal hasher's tests.
        (
            "DifficultPassword123",
            "$S$5FIcboyzv1ZD/OZDb4w/4HSlnsPlwbr/PWLWrHPWrJp8eXOQQaWJ",
        ),
    ];

    #[test]
    fn drupal_7_hashes_of_known_passwords_verify_and_other_passwords_do_not() {
        for (password, hash) in DRUPAL7 {
            assert!(is_drupal_hash(hash), "{hash}");
            assert!(verify(password, hash), "{password} against {hash}");
            assert!(!verify(&format!("{password}x"), hash), "{hash}");
            assert!(!verify(&password.to_uppercase(), hash), "{hash}");
        }
    }

    #[test]
    fn an_account_drupal_7_upgraded_from_drupal_6_verifies_through_the_md5_of_its_password() {
        // From the same Django hasher's tests ("updated in user_update_7000").
        let hash = "U$S$5I5Ht7YwxFRiMiJhBjyt42Ji2WRndX2dCx1jyktH92PeQp0xWdgi";
        assert!(is_drupal_hash(hash));
        assert!(verify("SimpleEasyPassword", hash));
        assert!(!verify("simpleeasypassword", hash));
        // The inner hash is of the MD5 hex, not of the password itself.
        assert!(!verify("SimpleEasyPassword", &hash[1..]));
        assert!(verify("2da36e0521f6abbfd47a09090aabdb59", &hash[1..]));
    }

    #[test]
    fn phpass_md5_hashes_verify() {
        // phpass's own test vector (test.php in the phpass distribution).
        assert!(verify("test12345", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"));
        assert!(!verify("test12346", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"));
        // $H$ is the same algorithm under phpBB's prefix (vector computed
        // with the Python transcription).
        assert!(verify(
            "correct horse",
            "$H$9abcdefghPDonBA7cb6Wv7y6IfLfEF."
        ));
        assert!(!verify(
            "correct horsf",
            "$H$9abcdefghPDonBA7cb6Wv7y6IfLfEF."
        ));
    }

    #[test]
    fn malformed_or_out_of_bounds_settings_never_match() {
        let good = DRUPAL7[2].1;
        // Count 2^6 and 2^31 are outside Drupal's bounds.
        assert!(!verify(
            "DifficultPassword123",
            &good.replacen("$S$5", "$S$4", 1)
        ));
        assert!(!verify(
            "DifficultPassword123",
            &good.replacen("$S$5", "$S$t", 1)
        ));
        // Truncated, empty, wrong prefix, a non-itoa64 count character.
        assert!(!verify("DifficultPassword123", &good[..40]));
        assert!(!verify("DifficultPassword123", "$S$5FIcboy"));
        assert!(!verify("", ""));
        assert!(!verify(
            "DifficultPassword123",
            &good.replacen("$S$", "$X$", 1)
        ));
        assert!(!verify(
            "DifficultPassword123",
            &good.replacen("$S$5", "$S$!", 1)
        ));
        assert!(!verify("x", "U$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"));
        // Drupal refuses passwords over 512 bytes outright.
        assert!(!verify(&"a".repeat(513), good));
    }

    #[test]
    fn argon2_and_other_hashes_are_not_drupal_hashes() {
        assert!(!is_drupal_hash("$argon2id$v=19$m=19456,t=2,p=1$abc$def"));
        assert!(!is_drupal_hash("5f4dcc3b5aa765d61d8327deb882cf99"));
        assert!(!is_drupal_hash(""));
        assert!(!is_drupal_hash("U$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"));
        assert!(is_drupal_hash("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"));
    }
}
