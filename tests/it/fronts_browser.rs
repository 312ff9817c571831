//! Issue 16, item 1 in headless Chromium: an editor arranges the home page
//! with the keyboard alone (Tab to a row, Alt+Home to make it the lead,
//! Alt+ArrowUp and a "Move up" button pressed with Enter for the top
//! stories; each move announced in the live region), previews the pending
//! arrangement in a new tab (the public home does not change), publishes
//! it, and a reader on a fresh connection asking for gzip or brotli gets
//! the lead and the order. axe-core finds nothing on the editor. A row
//! dragged onto the lead's takes its place.

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use masthead::accounts::Role;
use masthead::articles::Article;

use crate::browser::{browser, driver, sign_in};
use crate::fronts::published;
use crate::live_browser::axe;
use crate::raw_http::Connection;
use crate::support::{Backend, TestApp, create_user, select, spawn};

/// Presses `key` with `modifiers` held, as a keyboard does, on whatever
/// has the focus.
async fn chord(browser: &Client, modifiers: &[Key], key: Key) {
    let mut actions = KeyActions::new("keyboard".into());
    for m in modifiers {
        actions = actions.then(KeyAction::Down { value: (*m).into() });
    }
    actions = actions
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    for m in modifiers.iter().rev() {
        actions = actions.then(KeyAction::Up { value: (*m).into() });
    }
    browser.perform_actions(actions).await.unwrap();
    browser.release_actions().await.unwrap();
}

/// What `js` (an expression on `document.activeElement`, `el`) says of the
/// focused element.
async fn focused(browser: &Client, js: &str) -> serde_json::Value {
    let script = format!("var el = document.activeElement; return ({js});");
    browser.execute(&script, vec![]).await.unwrap()
}

/// Presses Tab (at most 60 times) until the focused element is the one
/// `js` (an expression on `el`) is true of.
async fn tab_to(browser: &Client, js: &str) {
    for _ in 0..60 {
        if focused(browser, js).await == serde_json::json!(true) {
            return;
        }
        chord(browser, &[], Key::Tab).await;
    }
    panic!("Tab never reached the element where {js}");
}

/// The condition "focus is on the button `class` of `article`'s row".
fn button_of(article: &Article, class: &str) -> String {
    format!(
        "el.classList.contains('{class}') && el.closest('tr').dataset.headline === {}",
        serde_json::to_string(&article.headline).unwrap()
    )
}

/// The pending order as the form would post it: story ids by field name.
async fn pending(browser: &Client) -> Vec<i64> {
    let got = browser
        .execute(
            "var out = []; document.querySelectorAll('input[name^=story_]').forEach(function (i) {\
               out[parseInt(i.name.slice(6), 10)] = parseInt(i.value, 10); }); return out;",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(got).unwrap()
}

/// The live region's words once it has some (it is cleared, then set).
async fn announced(browser: &Client) -> String {
    for _ in 0..100 {
        let text = browser
            .find(Locator::Id("front-announce"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if !text.is_empty() {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("nothing was announced");
}

/// Types the story's number into "Add a story" and presses Enter (the
/// form's first button, "Add"); waits for the page with `rows` rows.
async fn add(browser: &Client, article: &Article, rows: usize) {
    let field = browser.find(Locator::Id("add-story")).await.unwrap();
    field
        .send_keys(&format!("{}{}", article.id, Key::Enter))
        .await
        .unwrap();
    for _ in 0..200 {
        let count = browser
            .execute(
                "return document.querySelectorAll('tr.front-pin').length;",
                vec![],
            )
            .await
            .unwrap();
        if count == serde_json::json!(rows) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("story {} was not added", article.id);
}

/// `GET /` as a new reader on a fresh connection asking for gzip or
/// brotli: the decoded page, after checking it came compressed.
async fn reader_home(app: &TestApp) -> String {
    let mut connection = Connection::open(app.address).await.unwrap();
    let response = connection
        .get("/", &[("Accept-Encoding", "gzip, br")])
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let coding = response.header("content-encoding").unwrap_or("identity");
    assert!(coding == "br" || coding == "gzip", "sent as {coding}");
    String::from_utf8(crate::encodings::decode("/", &response)).unwrap()
}

#[tokio::test]
async fn an_editor_arranges_the_home_page_with_the_keyboard_previews_and_publishes() {
    let Some(driver) = driver().await else {
        return;
    };
    let Some(app) = spawn(Backend::Sqlite, false).await else {
        return;
    };
    let harbour = published(&app, "World", "Harbour reopens after storm", 4000).await;
    let budget = published(&app, "World", "Council votes the budget", 3000).await;
    let derby = published(&app, "Sport", "Derby ends level", 2000).await;
    let storm = published(&app, "World", "Storm moves north", 1000).await;
    create_user(&app, "editor@news.example", Role::Editor).await;
    // A reader's home before: no lead, newest first.
    assert!(select(&reader_home(&app).await, ".lead-story").is_empty());

    let desk = browser(&driver).await;
    sign_in(&app, &desk, "editor@news.example").await;
    desk.goto(&app.url("/admin/fronts/home")).await.unwrap();
    for (n, article) in [&harbour, &budget, &derby, &storm].into_iter().enumerate() {
        add(&desk, article, n + 1).await;
    }
    assert_eq!(
        pending(&desk).await,
        [harbour.id, budget.id, derby.id, storm.id]
    );

    // The lead: Tab into the storm's row, Alt+Home.
    tab_to(&desk, &button_of(&storm, "front-up")).await;
    chord(&desk, &[Key::Alt], Key::Home).await;
    assert_eq!(
        pending(&desk).await,
        [storm.id, harbour.id, budget.id, derby.id]
    );
    let said = announced(&desk).await;
    assert!(
        said.contains("“Storm moves north” is now the lead"),
        "{said}"
    );
    // Focus stayed in the moved row (its "Move up" is hidden there now).
    assert_eq!(
        focused(
            &desk,
            "el.closest('tr') && el.closest('tr').dataset.headline"
        )
        .await,
        serde_json::json!(storm.headline)
    );
    assert_eq!(
        desk.find(Locator::Css("tr.front-pin .front-place"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Lead"
    );

    // The top stories: the derby up twice with Alt+ArrowUp...
    tab_to(&desk, &button_of(&derby, "front-up")).await;
    chord(&desk, &[Key::Alt], Key::Up).await;
    chord(&desk, &[Key::Alt], Key::Up).await;
    assert_eq!(
        pending(&desk).await,
        [storm.id, derby.id, harbour.id, budget.id]
    );
    let said = announced(&desk).await;
    assert!(
        said.contains("“Derby ends level” moved to top 1 of 3"),
        "{said}"
    );
    // ...and the budget's "Move up" button, pressed with Enter: the page
    // moves it (no form post, nothing live).
    tab_to(&desk, &button_of(&budget, "front-up")).await;
    chord(&desk, &[], Key::Enter).await;
    let order = [storm.id, derby.id, budget.id, harbour.id];
    assert_eq!(pending(&desk).await, order);
    let said = announced(&desk).await;
    assert!(
        said.contains("“Council votes the budget” moved to top 2 of 3"),
        "{said}"
    );
    assert!(select(&reader_home(&app).await, ".lead-story").is_empty());
    if let Some(violations) = axe(&desk).await {
        assert!(
            violations.is_empty(),
            "axe-core, front editor: {violations:#?}"
        );
    }

    // Preview: a new tab with the pending arrangement; readers see nothing
    // of it yet.
    let editor_tab = desk.window().await.unwrap();
    let before = desk.windows().await.unwrap().len();
    tab_to(&desk, "el.value === 'preview'").await;
    chord(&desk, &[], Key::Enter).await;
    let mut preview_tab = None;
    for _ in 0..200 {
        let windows = desk.windows().await.unwrap();
        if windows.len() > before {
            preview_tab = windows.into_iter().find(|w| *w != editor_tab);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let preview_tab = preview_tab.expect("the preview opens in a new tab");
    desk.switch_to_window(preview_tab).await.unwrap();
    desk.wait()
        .for_element(Locator::Css(".lead-story a"))
        .await
        .expect("the preview shows a lead");
    let preview = desk.source().await.unwrap();
    assert_eq!(select(&preview, ".lead-story a"), [storm.headline.as_str()]);
    assert_eq!(
        select(&preview, ".top-stories a"),
        [
            derby.headline.as_str(),
            budget.headline.as_str(),
            harbour.headline.as_str()
        ]
    );
    let public = reader_home(&app).await;
    assert!(
        select(&public, ".lead-story").is_empty(),
        "preview went live"
    );
    desk.close_window().await.unwrap();
    desk.switch_to_window(editor_tab).await.unwrap();

    // Publish (Tab to it, Enter): the page comes back with the stored order.
    tab_to(&desk, "el.value === 'publish'").await;
    let old = desk.find(Locator::Css("html")).await.unwrap();
    chord(&desk, &[], Key::Enter).await;
    for _ in 0..400 {
        if old.tag_name().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let notice = desk
        .wait()
        .for_element(Locator::Css(".notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(notice, "The arrangement is live.");
    assert_eq!(pending(&desk).await, order);

    // A reader: the lead and the order.
    let home = reader_home(&app).await;
    assert_eq!(select(&home, ".lead-story a"), [storm.headline.as_str()]);
    assert_eq!(
        select(&home, ".top-stories a"),
        [
            derby.headline.as_str(),
            budget.headline.as_str(),
            harbour.headline.as_str()
        ]
    );

    // Drag and drop (the mouse's way; the events as a drag sends them):
    // the harbour story dropped on the lead's row takes its place.
    desk.execute(
        "var rows = document.querySelectorAll('tr.front-pin');\
         var from = rows[rows.length - 1], onto = rows[0], data = new DataTransfer();\
         function fire(el, type) { el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data })); }\
         fire(from, 'dragstart'); fire(onto, 'dragover'); fire(onto, 'drop'); fire(from, 'dragend');",
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(
        pending(&desk).await,
        [harbour.id, storm.id, derby.id, budget.id]
    );
    let said = announced(&desk).await;
    assert!(
        said.contains("“Harbour reopens after storm” is now the lead"),
        "{said}"
    );
    desk.close().await.unwrap();
}
