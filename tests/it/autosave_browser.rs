//! Autosave and presence in headless Chromium (issue 13): a sentence typed
//! just before the browser is killed (SIGKILL, no clean quit) is offered by
//! a new browser and restored; with the server out of reach the text is
//! kept in the browser, leaving asks first, and reopening offers the copy;
//! after a real save leaving asks nothing; two browsers on one story see
//! each other.

use std::time::Duration;

use fantoccini::{Client, Locator};
use masthead::accounts::Role;

use crate::browser::{Driver, browser, click, driver, navigate, press, sign_in, value};
use crate::stories::{story_form, world};
use crate::support::{Backend, TestApp, create_user, spawn};

/// A seeded app with a writer who has created a story; its editor path.
async fn app_with_story(email: &str) -> Option<(TestApp, String)> {
    let app = spawn(Backend::Sqlite, true).await?;
    create_user(&app, email, Role::Writer).await;
    let session = app.signed_in(email).await;
    let section = world(&app).await;
    let created = session
        .post_form(
            "/admin/stories",
            &story_form(&section, "Council budget", "The first paragraph."),
        )
        .await;
    assert_eq!(created.status(), 303);
    let path = created
        .location()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    Some((app, path))
}

/// A headless Chromium session whose DevTools page events are logged:
/// chromedriver answers `beforeunload` prompts itself, so a test sees them
/// in that log (`Page.javascriptDialogOpening`).
async fn browser_logging_dialogs(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            "perfLoggingPrefs": { "enableNetwork": false, "enablePage": true }
        }),
    );
    caps.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({ "performance": "ALL" }),
    );
    fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// How many `beforeunload` prompts the page showed since the last call.
async fn leave_prompts(driver: &Driver, browser: &Client) -> usize {
    let session = browser.session_id().await.unwrap().expect("a session");
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/session/{session}/se/log", driver.url))
        .json(&serde_json::json!({ "type": "performance" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["value"]
        .as_array()
        .expect("log entries")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .filter(|m| m.contains("Page.javascriptDialogOpening") && m.contains("beforeunload"))
        .count()
}

/// Types `text` at the end of the body, in the rich editor that took the
/// body textarea over (Control+End, then the keys).
async fn type_into_body(browser: &Client, text: &str) {
    let editor = browser.find(Locator::Id("body-editor")).await.unwrap();
    editor.click().await.unwrap();
    editor.send_keys("\u{E009}\u{E010}\u{E000}").await.unwrap();
    editor.send_keys(text).await.unwrap();
}

/// The body's text as the form holds it (the rich editor writes HTML).
async fn body_text(browser: &Client) -> String {
    let html = value(browser, "#body").await;
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_owned()
}

/// Waits (up to `seconds`) until the text of `css` starts with `prefix`.
async fn wait_text(browser: &Client, css: &str, prefix: &str, seconds: u64) -> String {
    let mut last = String::new();
    for _ in 0..seconds * 10 {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if last.starts_with(prefix) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never said {prefix:?}; last: {last:?}");
}

/// Kills the chromedriver and every browser process under it with SIGKILL:
/// no clean quit, nothing flushed.
fn kill_hard(driver: &Driver) {
    let root = driver.pid();
    let mut family = vec![root];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // `pid (comm) state ppid ...`; comm may hold spaces.
            let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
            let ppid = after
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(parent) && !family.contains(&pid) {
                family.push(pid);
            }
        }
        i += 1;
    }
    assert!(family.len() > 1, "the browser runs under the chromedriver");
    let status = std::process::Command::new("kill")
        .arg("-KILL")
        .args(family.iter().map(u32::to_string))
        .status()
        .unwrap();
    assert!(status.success());
}

/// Makes the browser's requests to the autosave address fail, as when the
/// server cannot be reached (DevTools' blocked URLs, through chromedriver).
async fn block_autosave(driver: &Driver, browser: &Client, urls: &[&str]) {
    let session = browser.session_id().await.unwrap().expect("a session");
    let client = reqwest::Client::new();
    let execute = format!("{}/session/{session}/goog/cdp/execute", driver.url);
    for (cmd, params) in [
        ("Network.enable", serde_json::json!({})),
        (
            "Network.setBlockedURLs",
            serde_json::json!({ "urls": urls }),
        ),
    ] {
        let answer = client
            .post(&execute)
            .json(&serde_json::json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .unwrap();
        assert!(
            answer.status().is_success(),
            "{cmd}: {}",
            answer.text().await.unwrap()
        );
    }
}

#[tokio::test]
async fn a_sentence_typed_before_the_browser_is_killed_is_restored() {
    let Some(first) = driver().await else {
        return;
    };
    let Some((app, path)) = app_with_story("writer@news.example").await else {
        return;
    };
    let writer = browser(&first).await;
    sign_in(&app, &writer, "writer@news.example").await;
    writer.goto(&app.url(&path)).await.unwrap();
    type_into_body(&writer, " The mayor resigned at midnight").await;
    let status = wait_text(&writer, "#autosave-status", "Saved ", 15).await;
    assert!(status.contains(':'), "{status}");
    kill_hard(&first);
    drop(writer);
    drop(first);

    let second = driver().await.expect("chromedriver again");
    let writer = browser(&second).await;
    sign_in(&app, &writer, "writer@news.example").await;
    writer.goto(&app.url(&path)).await.unwrap();
    let offer = wait_text(&writer, "#autosave-offer h2", "An autosave from ", 5).await;
    assert!(offer.ends_with("is newer than the saved story"), "{offer}");
    assert_eq!(body_text(&writer).await, "The first paragraph.");
    navigate(&writer, Locator::Css("#restore-autosave")).await;
    assert_eq!(
        body_text(&writer).await,
        "The first paragraph. The mayor resigned at midnight"
    );
    writer.close().await.unwrap();
}

#[tokio::test]
async fn offline_the_text_stays_in_the_browser_and_leaving_asks_until_a_real_save() {
    let Some(driver) = driver().await else {
        return;
    };
    let Some((app, path)) = app_with_story("writer@news.example").await else {
        return;
    };
    let writer = browser_logging_dialogs(&driver).await;
    sign_in(&app, &writer, "writer@news.example").await;
    writer.goto(&app.url(&path)).await.unwrap();
    block_autosave(&driver, &writer, &["*/autosave*"]).await;
    type_into_body(&writer, " Written on the train").await;
    wait_text(
        &writer,
        "#autosave-status",
        "Offline: kept in this browser",
        15,
    )
    .await;

    // Leaving now asks first: the text is on no server.
    leave_prompts(&driver, &writer).await;
    navigate(&writer, Locator::Css("a[href$='/revisions']")).await;
    assert_eq!(
        leave_prompts(&driver, &writer).await,
        1,
        "a beforeunload prompt while changes are unsaved"
    );

    // Reopening offers the copy this browser kept (the server has none).
    writer.goto(&app.url(&path)).await.unwrap();
    let offer = wait_text(
        &writer,
        "#browser-copy-offer h2",
        "A copy kept in this browser",
        5,
    )
    .await;
    assert!(offer.ends_with("is newer than the saved story"), "{offer}");
    assert!(
        writer
            .find_all(Locator::Css("#autosave-offer"))
            .await
            .unwrap()
            .is_empty(),
        "no server copy was offered: it never arrived"
    );
    block_autosave(&driver, &writer, &[]).await;
    click(&writer, "#restore-browser-copy").await;
    assert_eq!(
        body_text(&writer).await,
        "The first paragraph. Written on the train"
    );
    // Restored text goes to the server as soon as it can.
    wait_text(&writer, "#autosave-status", "Saved ", 15).await;

    // A real save asks nothing, even with a change typed a moment ago.
    type_into_body(&writer, ".").await;
    leave_prompts(&driver, &writer).await;
    press(&writer, "Save").await;
    assert_eq!(
        writer
            .find(Locator::Css(".notice"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Saved."
    );
    navigate(&writer, Locator::Css("a[href$='/revisions']")).await;
    assert_eq!(
        leave_prompts(&driver, &writer).await,
        0,
        "no prompt when saving, nor when leaving after the save"
    );
    writer.goto(&app.url(&path)).await.unwrap();
    assert!(
        writer
            .find_all(Locator::Css("#browser-copy-offer, #autosave-offer"))
            .await
            .unwrap()
            .is_empty(),
        "nothing left to offer after the save"
    );
    assert_eq!(
        body_text(&writer).await,
        "The first paragraph. Written on the train."
    );
    writer.close().await.unwrap();
}

#[tokio::test]
async fn two_browsers_on_one_story_see_each_other() {
    let Some(driver) = driver().await else {
        return;
    };
    let Some(app) = spawn(Backend::Sqlite, true).await else {
        return;
    };
    create_user(&app, "ada@news.example", Role::Editor).await;
    create_user(&app, "max@news.example", Role::Editor).await;
    let ada = browser(&driver).await;
    let max = browser(&driver).await;
    sign_in(&app, &ada, "ada@news.example").await;
    sign_in(&app, &max, "max@news.example").await;
    ada.goto(&app.url("/admin/stories/1")).await.unwrap();
    // Ada's editor has said it is open before Max comes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    max.goto(&app.url("/admin/stories/1")).await.unwrap();
    let told = wait_text(&max, "#presence .editing", "ada is editing, since ", 2).await;
    assert!(told.len() > "ada is editing, since ".len(), "{told}");
    // Ada sees Max live, on her next heartbeat.
    wait_text(&ada, "#presence .editing", "max is editing, since ", 15).await;
    // Max closes the story: Ada's list empties on a later heartbeat.
    max.goto(&app.url("/admin")).await.unwrap();
    for _ in 0..150 {
        if ada
            .find_all(Locator::Css("#presence .editing"))
            .await
            .unwrap()
            .is_empty()
        {
            ada.close().await.unwrap();
            max.close().await.unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Ada still sees Max after he left");
}
