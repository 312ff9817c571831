//! The newsroom end to end in headless Chromium: a writer writes a story
//! (with a `<script>` and an `onerror=` in its fields) and previews it, then
//! submits it; an editor publishes it; it appears on its section front, the
//! home page and a sibling's "More from" block; an editorial update moves
//! "Last update" and a silent fix does not; an old revision is restored; two
//! sessions edit at once and the second save is refused with nothing lost.
//! Nothing planted in a field ever runs, in the reader page or the preview.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use masthead::accounts::Role;

use crate::auth_helpers::{PASSWORD, create_user};
use crate::helpers::{Backend, NOW, TestApp, spawn};

/// A chromedriver this test started; stopped (by its own handle) on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Starts chromedriver on a free port, or `None` (loudly) on a machine
/// without it; in CI a missing chromedriver fails the test.
async fn driver() -> Option<Driver> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = match Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => {
            assert!(!in_ci(), "chromedriver is required in CI: {error}");
            eprintln!("SKIPPED: chromedriver not found ({error})");
            return None;
        }
    };
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start");
}

/// A fresh headless Chromium session (its own cookies).
async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"] }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

async fn sign_in(app: &TestApp, browser: &Client, email: &str) {
    browser.goto(&app.url("/admin/login")).await.unwrap();
    browser
        .find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    browser
        .find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find(Locator::Css(
            "form[action='/admin/login'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("form[action='/admin/logout']"))
        .await
        .expect("signed in");
}

/// Replaces the text of a field.
async fn fill(browser: &Client, css: &str, text: &str) {
    let field = browser.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Clicks what `locator` finds and waits until the next page replaced
/// this one.
async fn navigate(browser: &Client, locator: Locator<'_>) {
    let old = browser.find(Locator::Css("html")).await.unwrap();
    browser
        .find(locator)
        .await
        .unwrap_or_else(|e| panic!("{locator:?}: {e}"))
        .click()
        .await
        .unwrap();
    for _ in 0..400 {
        if old.tag_name().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    browser
        .wait()
        .for_element(Locator::Css("body"))
        .await
        .unwrap();
}

/// Clicks a submit button by its text and waits for the next page.
async fn press(browser: &Client, label: &str) {
    let xpath = format!("//button[normalize-space()='{label}']");
    navigate(browser, Locator::XPath(&xpath)).await;
}

/// Nothing planted in a field ran in the current document.
async fn nothing_ran(browser: &Client, page: &str) {
    let planted = browser
        .find_all(Locator::Css("[data-pwned]"))
        .await
        .unwrap();
    assert!(planted.is_empty(), "a planted script ran in {page}");
}

async fn text(browser: &Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn last_update(app: &TestApp, browser: &Client, path: &str) -> String {
    browser.goto(&app.url(path)).await.unwrap();
    match browser.find(Locator::Css(".updated time")).await {
        Ok(time) => time.text().await.unwrap(),
        Err(e) => panic!("{path}: {e}\n{}", browser.source().await.unwrap()),
    }
}

const SCRIPT: &str = "<script>document.body.setAttribute('data-pwned','1')</script>";
const ONERROR: &str = "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">";

#[tokio::test]
async fn a_story_goes_from_writer_to_readers_in_a_real_browser() {
    let Some(driver) = driver().await else {
        return;
    };
    let Some(app) = spawn(Backend::Sqlite, true).await else {
        return;
    };
    create_user(&app, "writer@news.example", Role::Writer).await;
    create_user(&app, "editor@news.example", Role::Editor).await;
    create_user(&app, "second@news.example", Role::Editor).await;
    let writer = browser(&driver).await;
    let editor = browser(&driver).await;

    // The writer writes a story with markup planted in its fields.
    sign_in(&app, &writer, "writer@news.example").await;
    writer.goto(&app.url("/admin/stories/new")).await.unwrap();
    let headline = format!("Flood defences hold {SCRIPT}");
    fill(&writer, "#headline", &headline).await;
    fill(&writer, "#standfirst", &format!("Rivers peak {ONERROR}")).await;
    fill(&writer, "#dateline", &format!("DRESDEN {ONERROR}")).await;
    fill(&writer, "#teaser", &format!("Teaser {SCRIPT}")).await;
    fill(
        &writer,
        "#body",
        &format!(
            "The river crested overnight.\n\n{SCRIPT}\n\n{ONERROR}\n\nResidents *returned* home."
        ),
    )
    .await;
    writer
        .find(Locator::Css("#section"))
        .await
        .unwrap()
        .select_by_label("World")
        .await
        .unwrap();
    // The preview shows the reader page, and nothing in it runs.
    click(&writer, "#preview-button").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let frame = writer.find(Locator::Css("#preview-frame")).await.unwrap();
    frame.enter_frame().await.unwrap();
    writer
        .wait()
        .for_element(Locator::Css("article.story h1"))
        .await
        .expect("the preview shows the story");
    assert_eq!(text(&writer, "article.story h1").await, headline);
    assert_eq!(text(&writer, ".body em").await, "returned");
    nothing_ran(&writer, "the preview").await;
    writer.enter_parent_frame().await.unwrap();
    nothing_ran(&writer, "the editor").await;
    press(&writer, "Save").await;
    assert_eq!(text(&writer, ".notice").await, "Story created.");
    let edit_url = writer.current_url().await.unwrap();
    let edit_path = edit_url.path().to_owned();
    // A writer cannot publish: no button, and submitting is what they can do.
    assert!(
        writer
            .find_all(Locator::XPath("//button[normalize-space()='Publish now']"))
            .await
            .unwrap()
            .is_empty()
    );
    press(&writer, "Submit for review").await;
    assert_eq!(text(&writer, "#story-status").await, "in review");

    // The editor publishes it.
    sign_in(&app, &editor, "editor@news.example").await;
    editor
        .goto(&app.url("/admin/stories?status=review"))
        .await
        .unwrap();
    navigate(&editor, Locator::Css("table.stories th a")).await;
    press(&editor, "Publish now").await;
    assert_eq!(text(&editor, "#story-status").await, "published");
    let story_path = editor
        .find(Locator::XPath("//a[normalize-space()='View on the site']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(story_path.starts_with("/world/flood-defences-hold"));

    // Readers find it on the section front, the home page, and in the
    // "More from World" block of the seed story; nothing planted runs.
    for page in [
        "/world",
        "/",
        "/world/us-to-send-560-additional-troops-to-iraq",
    ] {
        editor.goto(&app.url(page)).await.unwrap();
        let link = editor
            .find(Locator::Css(&format!("a[href='{story_path}']")))
            .await
            .unwrap_or_else(|e| panic!("{page} does not link the story: {e}"));
        assert_eq!(link.text().await.unwrap(), headline);
        nothing_ran(&editor, page).await;
    }
    editor.goto(&app.url(&story_path)).await.unwrap();
    assert_eq!(text(&editor, "h1").await, headline);
    assert_eq!(
        text(&editor, ".dateline").await,
        format!("DRESDEN {ONERROR}")
    );
    nothing_ran(&editor, "the article page").await;
    let published = last_update(&app, &editor, &story_path).await;

    // A silent fix does not move "Last update"; an editorial update does.
    app.app.clock().set(NOW + 3600);
    editor.goto(&app.url(&edit_path)).await.unwrap();
    fill(
        &editor,
        "#body",
        "The river crested overnight.\n\nResidents returned home.",
    )
    .await;
    click(&editor, "input[name=update_kind][value=silent_fix]").await;
    press(&editor, "Save").await;
    assert_eq!(text(&editor, ".notice").await, "Saved.");
    assert_eq!(last_update(&app, &editor, &story_path).await, published);
    app.app.clock().set(NOW + 7200);
    editor.goto(&app.url(&edit_path)).await.unwrap();
    fill(
        &editor,
        "#body",
        "The river crested overnight.\n\nResidents returned home.\n\nThe mayor thanked volunteers.",
    )
    .await;
    click(&editor, "input[name=update_kind][value=editorial]").await;
    press(&editor, "Save").await;
    let updated = last_update(&app, &editor, &story_path).await;
    assert_ne!(updated, published);
    assert!(
        text(&editor, ".body")
            .await
            .contains("The mayor thanked volunteers.")
    );

    // Restore the first revision (as a silent fix): its body is back.
    editor
        .goto(&app.url(&format!("{edit_path}/revisions")))
        .await
        .unwrap();
    navigate(
        &editor,
        Locator::Css("table.revisions tbody tr:last-child th a"),
    )
    .await;
    click(&editor, "input[name=update_kind][value=silent_fix]").await;
    navigate(&editor, Locator::Css("#restore-button")).await;
    assert_eq!(
        text(&editor, ".notice").await,
        "Revision restored as a new revision."
    );
    editor.goto(&app.url(&story_path)).await.unwrap();
    assert!(text(&editor, ".body").await.contains("returned"));
    assert!(
        !text(&editor, ".body")
            .await
            .contains("The mayor thanked volunteers.")
    );
    nothing_ran(&editor, "the restored article page").await;

    // Two sessions open the story; the second save is refused, nothing lost.
    let second = browser(&driver).await;
    sign_in(&app, &second, "second@news.example").await;
    editor.goto(&app.url(&edit_path)).await.unwrap();
    second.goto(&app.url(&edit_path)).await.unwrap();
    fill(&editor, "#body", "The first session's text.").await;
    click(&editor, "input[name=update_kind][value=silent_fix]").await;
    press(&editor, "Save").await;
    assert_eq!(text(&editor, ".notice").await, "Saved.");
    fill(&second, "#body", "The second session's long text.").await;
    click(&second, "input[name=update_kind][value=silent_fix]").await;
    press(&second, "Save").await;
    assert!(
        text(&second, "#conflict-title")
            .await
            .starts_with("Not saved")
    );
    assert_eq!(
        second
            .find(Locator::Css("#body"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("The second session's long text.")
    );
    assert_eq!(
        text(&second, ".their-body").await,
        "The first session's text."
    );
    // The refused text is a revision that can be restored.
    navigate(&second, Locator::Css(".conflict a")).await;
    assert!(
        text(&second, "h1")
            .await
            .starts_with("Refused save based on revision")
    );
    assert_eq!(
        text(&second, ".revision-fields pre").await,
        "The second session's long text."
    );
    for session in [writer, editor, second] {
        session.close().await.unwrap();
    }
}
