//! Images and embeds in the rich editor, in headless Chromium (issue 13,
//! items 3 and 4): a story written with a heading, a list, a link, an
//! image uploaded through the image dialog (which will not insert it
//! without alt text) and a pasted YouTube link that the server resolves
//! (against a local oEmbed server) into an embed is published and read on
//! the site: the image as a `<picture>`, the embed as a click-to-load
//! placeholder whose button swaps in the sandboxed player; an image file
//! dropped on the text or pasted opens the same dialog, already chosen,
//! and lands where it was dropped.

use std::time::Duration;

use axum::http::header;
use axum::response::IntoResponse;
use fantoccini::{Client, Locator};
use masthead::accounts::Role;

use crate::browser::{browser, driver, fill, press, sign_in, text};
use crate::media::{encode, picture};
use crate::support::{Backend, create_user, spawn_with};

const CONTROL: char = '\u{E009}';
const RELEASE: char = '\u{E000}';
const ENTER: char = '\u{E007}';

async fn keys(browser: &Client, keys: &str) {
    browser
        .active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

async fn body_value(browser: &Client) -> String {
    browser
        .execute("return document.getElementById('body').value;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// Clicks a button by its text (one that opens no other page).
async fn click_button(browser: &Client, label: &str) {
    browser
        .find(Locator::XPath(&format!(
            "//button[normalize-space()='{label}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("{label}: {e}"))
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Waits until the form's body contains `needle`.
async fn wait_for_body(browser: &Client, needle: &str) -> String {
    for _ in 0..100 {
        let body = body_value(browser).await;
        if body.contains(needle) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the body never held {needle:?}: {}",
        body_value(browser).await
    );
}

/// An editor signed in on a new World story headed `headline`, the cursor
/// in the rich editor's body.
async fn new_story(
    app: &crate::support::TestApp,
    driver: &crate::browser::Driver,
    headline: &str,
) -> Client {
    create_user(app, "editor@news.example", Role::Editor).await;
    let editor = browser(driver).await;
    sign_in(app, &editor, "editor@news.example").await;
    editor.goto(&app.url("/admin/stories/new")).await.unwrap();
    editor
        .wait()
        .for_element(Locator::Css("#body-editor"))
        .await
        .expect("the rich editor starts");
    fill(&editor, "#headline", headline).await;
    editor
        .find(Locator::Css("#section"))
        .await
        .unwrap()
        .select_by_label("World")
        .await
        .unwrap();
    editor
        .find(Locator::Id("body-editor"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    editor
}

/// A local oEmbed server answering like YouTube's.
async fn oembed_server() -> String {
    let router = axum::Router::new().route(
        "/oembed",
        axum::routing::get(|| async {
            (
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({
                    "title": "Harbour at dawn",
                    "html": "<iframe src=\"https://www.youtube-nocookie.com/embed/abc\"></iframe>",
                })
                .to_string(),
            )
                .into_response()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}/oembed")
}

#[tokio::test]
async fn a_story_with_an_image_and_an_embed_is_written_published_and_read() {
    let Some(driver) = driver().await else {
        return;
    };
    let endpoint = oembed_server().await;
    let Some(app) = spawn_with(Backend::Sqlite, true, |config| {
        config.oembed_endpoint = Some(endpoint);
        config.outbound = masthead::outbound::Policy::parse(false, &["127.0.0.1".into()]).unwrap();
    })
    .await
    else {
        return;
    };
    let editor = new_story(&app, &driver, "Harbour reopens with pictures").await;
    keys(&editor, "## The quay is open\n").await;
    keys(&editor, "* Fishing boats\nFerries\n\n").await;
    keys(&editor, "Read the ").await;
    keys(&editor, &format!("{CONTROL}k{RELEASE}")).await;
    keys(&editor, &format!("https://harbour.example.org/{ENTER}")).await;
    keys(&editor, " notice.\n").await;

    // A YouTube link pasted alone on a line becomes an embed.
    editor
        .execute(
            "var el = document.getElementById('body-editor'); el.focus();\
             var data = new DataTransfer();\
             data.setData('text/plain', 'https://www.youtube.com/watch?v=abc');\
             el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));",
            vec![],
        )
        .await
        .unwrap();
    let body = wait_for_body(&editor, "data-embed=").await;
    assert!(
        body.contains(
            "<figure data-embed=\"youtube\" data-embed-src=\"https://www.youtube-nocookie.com/embed/abc\">\
             <a href=\"https://www.youtube.com/watch?v=abc\">Harbour at dawn</a></figure>"
        ),
        "{body}"
    );

    // The image dialog: an upload, refused without alt text.
    editor
        .find(Locator::Css(".editor-toolbar button[data-name='Image']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quay.png");
    std::fs::write(&file, encode(&picture(900, 600), "png")).unwrap();
    editor
        .find(Locator::Id("body-editor-image-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    click_button(&editor, "Insert image").await;
    assert!(
        text(&editor, "#body-editor-image-error")
            .await
            .starts_with("Alt text is required"),
    );
    assert!(!body_value(&editor).await.contains("data-media-id"));
    fill(
        &editor,
        "#body-editor-image-alt",
        "Boats moored at the quay",
    )
    .await;
    fill(&editor, "#body-editor-image-caption", "Back at the quay").await;
    fill(&editor, "#body-editor-image-credit", "Jane Doe").await;
    click_button(&editor, "Insert image").await;
    let body = wait_for_body(&editor, "data-media-id=").await;
    assert!(body.contains("alt=\"Boats moored at the quay\""), "{body}");
    assert!(
        body.contains("<figcaption>Back at the quay Jane Doe</figcaption>"),
        "{body}"
    );

    press(&editor, "Save").await;
    assert_eq!(text(&editor, ".notice").await, "Story created.");
    press(&editor, "Publish now").await;
    assert_eq!(text(&editor, "#story-status").await, "published");

    // Readers see it all.
    editor
        .goto(&app.url("/world/harbour-reopens-with-pictures"))
        .await
        .unwrap();
    assert_eq!(text(&editor, ".body h2").await, "The quay is open");
    let items = editor.find_all(Locator::Css(".body ul li")).await.unwrap();
    assert_eq!(items.len(), 2);
    editor
        .find(Locator::Css(".body a[href='https://harbour.example.org/']"))
        .await
        .expect("the link");
    let img = editor
        .find(Locator::Css(".body figure.body-image picture img"))
        .await
        .expect("the image as a picture");
    assert_eq!(
        img.attr("alt").await.unwrap().as_deref(),
        Some("Boats moored at the quay")
    );
    assert!(img.attr("srcset").await.unwrap().is_some());
    editor
        .find(Locator::Css(
            ".body figure.body-image source[type='image/webp']",
        ))
        .await
        .expect("the WebP source");
    // (The credit is shown in capitals by the stylesheet.)
    assert_eq!(
        text(&editor, ".body figure.body-image figcaption")
            .await
            .to_lowercase(),
        "back at the quay jane doe"
    );
    // The embed waits for the reader's click, then frames the player.
    assert!(editor.find(Locator::Css(".body iframe")).await.is_err());
    editor
        .find(Locator::Css(
            ".body figure.embed-deferred button.embed-load",
        ))
        .await
        .expect("the load button, shown by the script")
        .click()
        .await
        .unwrap();
    let frame = editor
        .wait()
        .for_element(Locator::Css(".body figure.embed-youtube iframe"))
        .await
        .expect("the player after the click");
    assert_eq!(
        frame.attr("src").await.unwrap().as_deref(),
        Some("https://www.youtube-nocookie.com/embed/abc")
    );
    assert_eq!(
        frame.attr("sandbox").await.unwrap().as_deref(),
        Some("allow-scripts allow-same-origin allow-popups allow-presentation")
    );
    assert_eq!(
        frame.attr("title").await.unwrap().as_deref(),
        Some("Harbour at dawn")
    );
    editor.close().await.unwrap();
}

/// Runs `script` with `png` (the bytes of an image file) as `arguments[0]`,
/// an array of numbers, and answers what it returns.
async fn with_image_file(browser: &Client, script: &str, png: &[u8]) -> serde_json::Value {
    browser
        .execute(script, vec![serde_json::json!(png)])
        .await
        .unwrap()
}

/// Fills the image dialog's alt text and inserts the chosen image, then
/// waits until the body holds `count` library images.
async fn insert_chosen(browser: &Client, chosen: &str, alt: &str, count: usize) -> String {
    browser
        .wait()
        .for_element(Locator::Css("dialog[open] #body-editor-image-alt"))
        .await
        .expect("the image dialog opens");
    assert_eq!(text(browser, "#body-editor-image-chosen").await, chosen);
    fill(browser, "#body-editor-image-alt", alt).await;
    click_button(browser, "Insert image").await;
    for _ in 0..100 {
        let body = body_value(browser).await;
        if body.matches("data-media-id=").count() == count {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{count} images never reached the body: {}",
        body_value(browser).await
    );
}

#[tokio::test]
async fn an_image_dropped_on_the_text_or_pasted_is_uploaded_where_it_was_put() {
    let Some(driver) = driver().await else {
        return;
    };
    let Some(app) = spawn_with(Backend::Sqlite, true, |_| {}).await else {
        return;
    };
    let editor = new_story(&app, &driver, "Storm photos").await;
    keys(
        &editor,
        "The storm came at night.\nBy morning the quay was gone.",
    )
    .await;
    wait_for_body(&editor, "quay was gone").await;
    let png = encode(&picture(320, 200), "png");

    // Dropped on the first paragraph, as a file dragged from the desktop.
    let prevented = with_image_file(
        &editor,
        "var file = new File([new Uint8Array(arguments[0])], 'storm.png', { type: 'image/png' });\
         var data = new DataTransfer(); data.items.add(file);\
         var p = document.querySelector('#body-editor p'); var r = p.getBoundingClientRect();\
         var drop = new DragEvent('drop', { dataTransfer: data, clientX: r.left + 4, clientY: r.top + r.height / 2, bubbles: true, cancelable: true });\
         p.dispatchEvent(drop); return drop.defaultPrevented;",
        &png,
    )
    .await;
    assert_eq!(
        prevented,
        serde_json::json!(true),
        "the editor takes the drop"
    );
    let body = insert_chosen(
        &editor,
        "Chosen: storm.png (uploaded on insert).",
        "Waves over the harbour wall",
        1,
    )
    .await;
    assert!(
        body.starts_with("<p>The storm came at night.</p><figure data-media-id=\""),
        "the figure follows the paragraph it was dropped on: {body}"
    );
    assert!(
        body.ends_with("<p>By morning the quay was gone.</p>"),
        "{body}"
    );
    assert!(
        body.contains("alt=\"Waves over the harbour wall\""),
        "{body}"
    );

    // Pasted (a screenshot copied to the clipboard) at the end of the text.
    editor
        .execute(
            "var el = document.getElementById('body-editor'); el.focus();\
             var sel = window.getSelection(); sel.selectAllChildren(el.lastElementChild); sel.collapseToEnd();",
            vec![],
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let prevented = with_image_file(
        &editor,
        "var file = new File([new Uint8Array(arguments[0])], 'image.png', { type: 'image/png' });\
         var data = new DataTransfer(); data.items.add(file);\
         var paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });\
         document.getElementById('body-editor').dispatchEvent(paste); return paste.defaultPrevented;",
        &png,
    )
    .await;
    assert_eq!(
        prevented,
        serde_json::json!(true),
        "the editor takes the paste"
    );
    let body = insert_chosen(
        &editor,
        "Chosen: image.png (uploaded on insert).",
        "The quay after the storm",
        2,
    )
    .await;
    assert!(
        body.contains("<p>By morning the quay was gone.</p><figure data-media-id=\"")
            && body.ends_with("</figure>"),
        "the pasted image follows the paragraph the cursor was in: {body}"
    );
    assert!(body.contains("alt=\"The quay after the storm\""), "{body}");

    // The library picker finds an image by words of its text.
    editor
        .find(Locator::Css(".editor-toolbar button[data-name='Image']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    editor
        .wait()
        .for_element(Locator::Css("dialog[open] #body-editor-image-search"))
        .await
        .expect("the image dialog opens");
    fill(&editor, "#body-editor-image-search", "HARBOUR wall").await;
    let mut found: Vec<String> = Vec::new();
    for _ in 0..50 {
        // Read at once: the list is redrawn as the search answers.
        found = serde_json::from_value(
            editor
                .execute(
                    "return Array.from(document.querySelectorAll('#body-editor-image-library button'), b => b.getAttribute('aria-label'));",
                    vec![],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        if found.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with(": Waves over the harbour wall"),
        "{found:?}"
    );
    fill(&editor, "#body-editor-image-search", "volcano").await;
    for _ in 0..50 {
        if text(&editor, "#body-editor-image-library").await == "No image matches “volcano”." {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        text(&editor, "#body-editor-image-library").await,
        "No image matches “volcano”."
    );
    click_button(&editor, "Cancel").await;

    // Both are uploads in the library, and readers see both as pictures.
    press(&editor, "Save").await;
    assert_eq!(text(&editor, ".notice").await, "Story created.");
    press(&editor, "Publish now").await;
    assert_eq!(text(&editor, "#story-status").await, "published");
    editor.goto(&app.url("/world/storm-photos")).await.unwrap();
    let images = editor
        .find_all(Locator::Css(".body figure.body-image picture img"))
        .await
        .unwrap();
    let mut alts = Vec::new();
    for img in &images {
        alts.push(img.attr("alt").await.unwrap().unwrap_or_default());
    }
    assert_eq!(
        alts,
        ["Waves over the harbour wall", "The quay after the storm"]
    );
    editor.close().await.unwrap();
}
