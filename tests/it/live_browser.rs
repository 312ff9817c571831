//! Issue 16, item 2 in headless Chromium: a writer posts to their live blog
//! from the desk (typing into the rich editor) and a reader's open page
//! shows the post within 2 seconds, without a reload.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use masthead::accounts::Role;

use crate::browser::{browser, driver, fill, in_ci, press, sign_in};
use crate::support::{Backend, NOW, create_user, spawn};

#[tokio::test]
async fn a_writers_post_reaches_an_open_reader_page_within_two_seconds() {
    let Some(driver) = driver().await else {
        return;
    };
    let Some(app) = spawn(Backend::Sqlite, false).await else {
        return;
    };
    let writer = create_user(&app, "wren@news.example", Role::Writer).await;
    let article = crate::live::owned_story(&app, "Count day", Some(&writer)).await;
    let actor = masthead::actor::Actor::from(&writer);
    masthead::live::start(app.store(), &actor, article.id, NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;

    let reader = browser(&driver).await;
    reader.goto(&app.url(&article.path())).await.unwrap();
    reader
        .wait()
        .for_element(Locator::Css("#no-posts"))
        .await
        .unwrap();
    // A mark a reload would wipe.
    reader
        .execute("window.stillTheSamePage = true; return 1;", vec![])
        .await
        .unwrap();

    let desk = browser(&driver).await;
    sign_in(&app, &desk, "wren@news.example").await;
    desk.goto(&app.url(&format!("/admin/stories/{}/live", article.id)))
        .await
        .unwrap();
    desk.wait()
        .for_element(Locator::Css("#post-body-editor"))
        .await
        .expect("the rich editor on the post's text");
    fill(&desk, "#post-headline", "First count in").await;
    fill(&desk, "#post-body", "The first ballots are counted.").await;
    press(&desk, "Post").await;
    let posted = Instant::now();
    let body = masthead::live::posts(app.store(), article.id, 0, 1)
        .await
        .unwrap();
    assert_eq!(body.len(), 1, "the post is stored");
    assert!(body[0].body_html.contains("The first ballots are counted."));

    let mut shown = None;
    while posted.elapsed() < Duration::from_secs(4) {
        let found = reader
            .execute(
                "var p = document.querySelector('#live-posts .live-post'); return p ? p.textContent : null;",
                vec![],
            )
            .await
            .unwrap();
        if found
            .as_str()
            .is_some_and(|t| t.contains("The first ballots are counted."))
        {
            shown = Some(posted.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let shown = shown.expect("the post appears on the reader's open page");
    eprintln!("the post reached the reader after {shown:?}");
    assert!(shown <= Duration::from_secs(2), "it took {shown:?}");
    let same = reader
        .execute("return window.stillTheSamePage === true;", vec![])
        .await
        .unwrap();
    assert_eq!(same, serde_json::json!(true), "no reload");
    let announced = reader
        .find(Locator::Css("#live-announce"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(announced.contains("1 new post"), "{announced:?}");
    // axe-core finds nothing on the reader's live page or on the desk.
    if let Some(violations) = axe(&reader).await {
        assert!(violations.is_empty(), "axe-core, reader: {violations:#?}");
    }
    if let Some(violations) = axe(&desk).await {
        assert!(violations.is_empty(), "axe-core, desk: {violations:#?}");
    }
    reader.close().await.unwrap();
    desk.close().await.unwrap();
}

/// axe-core's violations on the page `browser` shows (axe from editor/'s
/// devDependencies); `None` when axe-core is not installed (outside CI).
pub async fn axe(browser: &fantoccini::Client) -> Option<Vec<String>> {
    let axe = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("editor/node_modules/axe-core/axe.min.js");
    let Ok(source) = std::fs::read_to_string(&axe) else {
        assert!(
            !in_ci(),
            "axe-core is required in CI: run scripts/build-editor"
        );
        eprintln!("SKIPPED: axe-core ({} missing)", axe.display());
        return None;
    };
    browser.execute(&source, vec![]).await.unwrap();
    let violations = browser
        .execute_async(
            "var done = arguments[arguments.length - 1];\
             window.axe.run(document, { resultTypes: ['violations'] }).then(function (r) {\
               done(r.violations.map(function (v) {\
                 return v.id + ': ' + v.help + ' (' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', ') + ')';\
               }));\
             }, function (e) { done(['axe failed: ' + e]); });",
            vec![],
        )
        .await
        .unwrap();
    Some(serde_json::from_value(violations).unwrap())
}
