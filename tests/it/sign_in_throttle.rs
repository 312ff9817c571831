//! Sign-in throttling over real HTTP on both backends (issue 10): the
//! client's address is the TCP peer unless the peer is a trusted proxy, and
//! failures back off (429 with `Retry-After`, capped) instead of locking
//! anyone out; a known device signs in whatever others did.

use masthead::accounts::{
    FREE_FAILURES_PER_ACCOUNT, FREE_FAILURES_PER_ADDRESS, FREE_FAILURES_PER_PAIR, MAX_WAIT_SECS,
    Role,
};
use masthead::config::Config;

use crate::on_both;
use crate::support::{Backend, NOW, TestApp, spawn, spawn_with};
use crate::support::{PASSWORD, Session, create_user};

on_both!(
    a_forged_forwarded_for_neither_bypasses_the_throttle_nor_reaches_the_audit_log,
    behind_a_trusted_proxy_the_forwarded_client_is_throttled_and_logged,
    back_off_grows_is_capped_and_the_right_password_works_after_it,
    an_attackers_failures_do_not_keep_the_rightful_user_out_of_a_known_device,
    the_per_address_limit_spares_another_accounts_known_device,
);

fn trust_loopback(config: &mut Config) {
    config.trusted_proxies =
        masthead::proxies::TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()]);
}

/// The addresses of the audit log's `action` entries, newest first.
async fn audit_addresses(app: &TestApp, action: &str) -> Vec<String> {
    app.audit_log()
        .await
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.address.unwrap_or_default())
        .collect()
}

/// A browser that signed in to `email` from `address` (so it holds the
/// known-device cookie), then signed out.
async fn known_device(app: &TestApp, email: &str, address: &str) -> Session {
    let browser = app.session();
    let response = browser.sign_in_from(email, PASSWORD, Some(address)).await;
    assert_eq!(response.status(), 303);
    let device = response
        .set_cookie_named("masthead_device")
        .expect("a known-device cookie")
        .to_owned();
    assert!(
        device.contains("HttpOnly") && device.contains("Path=/admin/login"),
        "{device}"
    );
    let out = browser.sign_out().await;
    assert_eq!(out.status(), 303);
    browser
}

async fn a_forged_forwarded_for_neither_bypasses_the_throttle_nor_reaches_the_audit_log(
    backend: Backend,
) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    // One request at a time, no cookies kept, as a script sends them.
    let script = app.cookieless();
    create_user(&app, "ed@news.example", Role::Editor).await;
    // No trusted proxies: every try invents a new address, to no avail.
    for n in 0..=FREE_FAILURES_PER_PAIR {
        let forged = format!("203.0.113.{n}");
        let response = script
            .sign_in_from("ed@news.example", "wrong", Some(&forged))
            .await;
        assert_eq!(response.status(), 401, "attempt {n}");
    }
    let blocked = script
        .sign_in_from("ed@news.example", PASSWORD, Some("198.51.100.77"))
        .await;
    assert_eq!(blocked.status(), 429);
    assert!(blocked.retry_after().is_some_and(|s| s > 0));
    let failed = audit_addresses(&app, "login.failed").await;
    assert_eq!(failed.len() as i64, FREE_FAILURES_PER_PAIR + 1);
    assert!(failed.iter().all(|a| a == "127.0.0.1"), "{failed:?}");
    assert_eq!(
        audit_addresses(&app, "login.throttled").await,
        ["127.0.0.1"]
    );

    // Nor does it escape the per-address limit, spread over many accounts
    // (the address already failed for ed above).
    for n in 0..FREE_FAILURES_PER_ADDRESS - FREE_FAILURES_PER_PAIR {
        let response = script
            .sign_in_from(
                &format!("guess{n}@news.example"),
                "wrong",
                Some(&format!("192.0.2.{n}")),
            )
            .await;
        assert_eq!(response.status(), 401, "guess {n}");
    }
    let other = script
        .sign_in_from("nobody@news.example", "wrong", Some("192.0.2.200"))
        .await;
    assert_eq!(other.status(), 429);
}

async fn behind_a_trusted_proxy_the_forwarded_client_is_throttled_and_logged(backend: Backend) {
    let Some(app) = spawn_with(backend, false, trust_loopback).await else {
        return;
    };
    // One request at a time, no cookies kept, as a script sends them.
    let script = app.cookieless();
    create_user(&app, "ed@news.example", Role::Editor).await;
    // The client put 198.51.100.1 in front; the proxy appended what it saw.
    for _ in 0..=FREE_FAILURES_PER_PAIR {
        let response = script
            .sign_in_from(
                "ed@news.example",
                "wrong",
                Some("198.51.100.1, 203.0.113.9"),
            )
            .await;
        assert_eq!(response.status(), 401);
    }
    let failed = audit_addresses(&app, "login.failed").await;
    assert!(failed.iter().all(|a| a == "203.0.113.9"), "{failed:?}");
    let same = script
        .sign_in_from("ed@news.example", PASSWORD, Some("203.0.113.9"))
        .await;
    assert_eq!(same.status(), 429);
    // Another client of the proxy is not held back by 203.0.113.9's failures.
    let other = script
        .sign_in_from("ed@news.example", PASSWORD, Some("203.0.113.10"))
        .await;
    assert_eq!(other.status(), 303);
    assert_eq!(
        audit_addresses(&app, "login.succeeded").await,
        ["203.0.113.10"]
    );
}

async fn back_off_grows_is_capped_and_the_right_password_works_after_it(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    create_user(&app, "ed@news.example", Role::Editor).await;
    let browser = app.session();
    for n in 1..=FREE_FAILURES_PER_PAIR {
        let response = browser.sign_in_from("ed@news.example", "wrong", None).await;
        assert_eq!(response.status(), 401, "free try {n}");
    }
    let mut now = NOW;
    let mut waits = Vec::new();
    for _ in 0..10 {
        let failed = browser.sign_in_from("ed@news.example", "wrong", None).await;
        assert_eq!(failed.status(), 401);
        let blocked = browser
            .sign_in_from("ed@news.example", PASSWORD, None)
            .await;
        assert_eq!(blocked.status(), 429);
        let wait = blocked.retry_after().expect("Retry-After");
        let body = blocked.text();
        assert!(
            body.contains("too many failed sign-in attempts: wait")
                && body.contains("and try again (after")
                && body.contains("UTC)"),
            "{body}"
        );
        assert!(
            body.contains("ed@news.example"),
            "the email stays in the form"
        );
        // Knocking while waiting does not make the wait longer.
        let again = browser.sign_in_from("ed@news.example", "wrong", None).await;
        assert_eq!(again.retry_after(), Some(wait));
        waits.push(wait);
        now += wait;
        app.app.clock().set(now);
    }
    assert_eq!(
        waits,
        [2, 4, 8, 16, 32, 64, 128, 256, MAX_WAIT_SECS, MAX_WAIT_SECS]
    );
    assert!(audit_addresses(&app, "login.throttled").await.len() >= 20);
    assert_eq!(
        audit_addresses(&app, "login.failed").await.len() as i64,
        FREE_FAILURES_PER_PAIR + 10
    );

    // The wait is over: the right password signs in, and the pair starts afresh.
    let ok = browser
        .sign_in_from("ed@news.example", PASSWORD, None)
        .await;
    assert_eq!(ok.status(), 303);
}

async fn an_attackers_failures_do_not_keep_the_rightful_user_out_of_a_known_device(
    backend: Backend,
) {
    let Some(app) = spawn_with(backend, false, trust_loopback).await else {
        return;
    };
    create_user(&app, "ed@news.example", Role::Editor).await;
    let laptop = known_device(&app, "ed@news.example", "198.51.100.20").await;
    // The attacker guesses ed's password from the newsroom's own address and
    // from many others, so ed's account and that address both wait.
    let attacker = app.session();
    for n in 0..FREE_FAILURES_PER_ACCOUNT + 5 {
        let from = if n % 2 == 0 {
            "198.51.100.20".to_owned()
        } else {
            format!("203.0.113.{n}")
        };
        attacker
            .sign_in_from("ed@news.example", "guess", Some(&from))
            .await;
    }
    for n in 0..FREE_FAILURES_PER_ADDRESS {
        attacker
            .sign_in_from(
                &format!("guess{n}@news.example"),
                "guess",
                Some("198.51.100.20"),
            )
            .await;
    }
    let stranger = app
        .session()
        .sign_in_from("ed@news.example", PASSWORD, Some("192.0.2.5"))
        .await;
    assert_eq!(stranger.status(), 429, "a new browser waits");
    // ed's laptop signs in, from the shared address or from anywhere.
    let ok = laptop
        .sign_in_from("ed@news.example", PASSWORD, Some("198.51.100.20"))
        .await;
    assert_eq!(ok.status(), 303);
    let page = laptop.get("/admin").await;
    assert_eq!(page.status(), 200);
    let out = laptop.sign_out().await;
    assert_eq!(out.status(), 303);
    let elsewhere = laptop
        .sign_in_from("ed@news.example", PASSWORD, Some("192.0.2.99"))
        .await;
    assert_eq!(elsewhere.status(), 303);
    // The cookie is a device of ed only: it does not help guessing others.
    let forged = laptop
        .sign_in_from("guess0@news.example", "guess", Some("198.51.100.20"))
        .await;
    assert_eq!(forged.status(), 429);
}

async fn the_per_address_limit_spares_another_accounts_known_device(backend: Backend) {
    let Some(app) = spawn_with(backend, false, trust_loopback).await else {
        return;
    };
    // One request at a time, no cookies kept, as a script sends them.
    let script = app.cookieless();
    create_user(&app, "wes@news.example", Role::Writer).await;
    create_user(&app, "ana@news.example", Role::Writer).await;
    let desk = known_device(&app, "wes@news.example", "198.51.100.7").await;
    // Someone behind the newsroom's address guesses other accounts.
    for n in 0..=FREE_FAILURES_PER_ADDRESS {
        script
            .sign_in_from(
                &format!("guess{n}@news.example"),
                "guess",
                Some("198.51.100.7"),
            )
            .await;
    }
    let blocked = app
        .session()
        .sign_in_from("ana@news.example", PASSWORD, Some("198.51.100.7"))
        .await;
    assert_eq!(blocked.status(), 429, "a browser ana never used waits");
    assert!(blocked.retry_after().is_some());
    let ok = desk
        .sign_in_from("wes@news.example", PASSWORD, Some("198.51.100.7"))
        .await;
    assert_eq!(ok.status(), 303, "wes's own browser is not held back");
}
