//! Sign-in back-off: slows a guessing attacker without locking the rightful
//! user out. Failures are counted per key, and after a few free tries each
//! further failure doubles the wait before the key may try again, up to
//! [`MAX_WAIT_SECS`]. Nothing is ever locked for longer than that.
//!
//! Keys: an account from an address (`pair`), an address (any account,
//! higher allowance: a newsroom may share one address), and an account from
//! anywhere (catches guessing spread over many addresses). A browser that
//! signed in to the account before (a known device) is only throttled on
//! its own key, so nobody else's failures keep it out. Accounts appear in
//! keys as the SHA-256 of the typed email: bounded length, no address book
//! in the throttle table.

use super::tokens::hash_token;

/// Failures of one account from one address (or one known device) before
/// the first wait.
pub const FREE_FAILURES_PER_PAIR: i64 = 3;
/// Failures from one address, over all accounts, before the first wait.
pub const FREE_FAILURES_PER_ADDRESS: i64 = 10;
/// Failures of one account, from anywhere but its known devices, before the
/// first wait.
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 10;
/// The first wait, in seconds; it doubles with each further failure.
pub const FIRST_WAIT_SECS: i64 = 2;
/// The longest wait, in seconds: 5 minutes.
pub const MAX_WAIT_SECS: i64 = 5 * 60;
/// Failures older than this are forgotten: a day.
pub const FORGET_FAILURES_AFTER_SECS: i64 = 24 * 3600;

/// How long to wait after the `failures`th failure when `free` are free.
pub fn wait_after(failures: i64, free: i64) -> i64 {
    if failures <= free {
        return 0;
    }
    let doublings = (failures - free - 1).min(30);
    (FIRST_WAIT_SECS << doublings).min(MAX_WAIT_SECS)
}

/// The wait rule for a stored key, from its kind (the prefix).
pub(super) fn wait_for_key(key: &str, failures: i64) -> i64 {
    let free = match key.split(':').next() {
        Some("address") => FREE_FAILURES_PER_ADDRESS,
        Some("account") => FREE_FAILURES_PER_ACCOUNT,
        _ => FREE_FAILURES_PER_PAIR,
    };
    wait_after(failures, free)
}

/// The keys of one sign-in attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Keys {
    /// Must not be waiting; not counted before the password is checked.
    pub check: Vec<String>,
    /// Counted as soon as the attempt is allowed (so parallel guesses queue
    /// behind its back-off) and forgotten on success.
    pub claim: String,
    /// Counted when the password turns out wrong.
    pub on_failure: Vec<String>,
    /// Forgotten on success, with `claim`.
    pub on_success: Vec<String>,
}

impl Keys {
    /// `device`: the hash of the known-device token this browser holds for
    /// the account, if any.
    pub(super) fn new(account: &str, address: &str, device: Option<&str>) -> Keys {
        let account = hash_token(account);
        // Addresses are IPs or "unknown": never a '|'.
        let pair = format!("pair:{address}|{account}");
        match device {
            Some(device) => Keys {
                check: Vec::new(),
                claim: format!("device:{device}"),
                on_failure: Vec::new(),
                on_success: vec![pair],
            },
            None => Keys {
                check: vec![format!("address:{address}"), format!("account:{account}")],
                claim: pair,
                on_failure: vec![format!("address:{address}"), format!("account:{account}")],
                on_success: Vec::new(),
            },
        }
    }
}

/// A wait as people read it: `45 seconds`, `1 minute`, `4 minutes 16 seconds`.
pub(super) fn wait_text(secs: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let (minutes, seconds) = (secs / 60, secs % 60);
    match (minutes, seconds) {
        (0, s) => plural(s, "second"),
        (m, 0) => plural(m, "minute"),
        (m, s) => format!("{} {}", plural(m, "minute"), plural(s, "second")),
    }
}

/// A Unix time as `HH:MM:SS UTC`, to say when to try again.
pub(super) fn clock_text(unix_seconds: i64) -> String {
    jiff::Timestamp::from_second(unix_seconds)
        .map(|t| t.strftime("%H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| format!("Unix time {unix_seconds}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_the_free_tries_and_is_capped() {
        let waits: Vec<i64> = (1..=12).map(|n| wait_after(n, 3)).collect();
        assert_eq!(waits, [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
        assert_eq!(wait_after(10_000, 3), MAX_WAIT_SECS);
    }

    #[test]
    fn a_known_device_is_throttled_only_on_its_own_key() {
        let keys = Keys::new("ed@news.example", "203.0.113.9", Some("abc"));
        assert!(keys.check.is_empty() && keys.on_failure.is_empty());
        assert_eq!(keys.claim, "device:abc");
        let keys = Keys::new("ed@news.example", "203.0.113.9", None);
        assert!(keys.claim.starts_with("pair:203.0.113.9|"));
        assert!(!keys.claim.contains("ed@news.example"));
        assert_eq!(keys.check.len(), 2);
        assert_eq!(wait_for_key(&keys.check[0], FREE_FAILURES_PER_ADDRESS), 0);
        assert_eq!(wait_for_key(&keys.claim, FREE_FAILURES_PER_PAIR + 1), 2);
    }

    #[test]
    fn waits_read_as_minutes_and_seconds() {
        assert_eq!(wait_text(1), "1 second");
        assert_eq!(wait_text(45), "45 seconds");
        assert_eq!(wait_text(60), "1 minute");
        assert_eq!(wait_text(256), "4 minutes 16 seconds");
        assert_eq!(clock_text(1_795_521_600), "12:00:00 UTC");
    }
}
