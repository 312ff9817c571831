//! The browser harness of the end-to-end tests: a chromedriver started on a
//! free port, headless Chromium sessions, and the few steps every test uses
//! (sign in, fill, click, press a button and wait for the next page).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::support::PASSWORD;
use crate::support::TestApp;

/// A chromedriver this test started; stopped (by its own handle) on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    /// The chromedriver's process id (its browsers are its descendants).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Starts chromedriver on a free port, or `None` (loudly) on a machine
/// without it; in CI a missing chromedriver fails the test.
pub async fn driver() -> Option<Driver> {
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
pub async fn browser(driver: &Driver) -> Client {
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

pub async fn sign_in(app: &TestApp, browser: &Client, email: &str) {
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

/// Replaces the text of a field. A body textarea the rich editor took over
/// (hidden, kept in sync) is typed into the editor instead, as a person
/// does: select all, delete, type; a blank line between paragraphs is one
/// Enter there.
pub async fn fill(browser: &Client, css: &str, text: &str) {
    let field = browser.find(Locator::Css(css)).await.unwrap();
    let rich = browser
        .execute(
            "return arguments[0].masthead ? arguments[0].id + '-editor' : null;",
            vec![serde_json::to_value(&field).unwrap()],
        )
        .await
        .unwrap();
    if let Some(editor) = rich.as_str() {
        let editor = browser
            .find(Locator::Id(editor))
            .await
            .unwrap_or_else(|e| panic!("the rich editor of {css}: {e}"));
        editor.click().await.unwrap();
        // Control+A (with the modifier released), then Delete.
        editor.send_keys("\u{E009}a\u{E000}\u{E017}").await.unwrap();
        editor.send_keys(&text.replace("\n\n", "\n")).await.unwrap();
        return;
    }
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

pub async fn click(browser: &Client, css: &str) {
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
pub async fn navigate(browser: &Client, locator: Locator<'_>) {
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
pub async fn press(browser: &Client, label: &str) {
    let xpath = format!("//button[normalize-space()='{label}']");
    navigate(browser, Locator::XPath(&xpath)).await;
}

pub async fn text(browser: &Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The current value of a form field.
pub async fn value(browser: &Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Whether the image `css` finds was loaded and decoded (its natural width
/// is known).
pub async fn image_loaded(browser: &Client, css: &str) -> bool {
    for _ in 0..100 {
        let element = browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        let width = browser
            .execute(
                "return arguments[0].complete ? arguments[0].naturalWidth : 0;",
                vec![serde_json::to_value(&element).unwrap()],
            )
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        if width.as_u64().is_some_and(|w| w > 0) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}
