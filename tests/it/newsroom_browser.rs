//! The newsroom end to end in headless Chromium: a writer writes a story
//! (with a `<script>` and an `onerror=` in its fields) and previews it, then
//! submits it; an editor publishes it; it appears on its section front, the
//! home page and a sibling's "More from" block; an editorial update moves
//! "Last update" and a silent fix does not; an old revision is restored; two
//! sessions edit at once and the second save is refused with nothing lost.
//! Nothing planted in a field ever runs, in the reader page or the preview.

use std::time::Duration;

use fantoccini::{Client, Locator};
use masthead::accounts::Role;

use crate::browser::{
    browser, click, driver, fill, image_loaded, navigate, press, sign_in, text, value,
};
use crate::support::create_user;
use crate::support::{Backend, NOW, TestApp, spawn};

/// Nothing planted in a field ran in the current document.
async fn nothing_ran(browser: &Client, page: &str) {
    let planted = browser
        .find_all(Locator::Css("[data-pwned]"))
        .await
        .unwrap();
    assert!(planted.is_empty(), "a planted script ran in {page}");
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
        Some("<p>The second session's long text.</p>")
    );
    assert_eq!(
        text(&second, ".their-body").await,
        "<p>The first session's text.</p>"
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
        "<p>The second session's long text.</p>"
    );
    for session in [writer, editor, second] {
        session.close().await.unwrap();
    }
}

/// Uploads `file` through the editor's file input, with the editor's
/// unsaved text in the form; the editor comes back with the image chosen.
async fn upload_in_editor(browser: &Client, file: &std::path::Path) {
    click(browser, "details.upload summary").await;
    browser
        .find(Locator::Css("#upload-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    press(browser, "Upload and use as lead image").await;
    assert!(
        text(browser, ".notice")
            .await
            .starts_with("Image uploaded and chosen as the lead image"),
        "{}",
        browser.source().await.unwrap()
    );
}

#[tokio::test]
async fn a_story_with_an_image_is_published_only_with_alt_text_in_a_real_browser() {
    let Some(driver) = driver().await else {
        return;
    };
    let Some(app) = spawn(Backend::Sqlite, true).await else {
        return;
    };
    create_user(&app, "writer@news.example", Role::Writer).await;
    create_user(&app, "editor@news.example", Role::Editor).await;
    let writer = browser(&driver).await;
    let editor = browser(&driver).await;
    let files = tempfile::tempdir().unwrap();
    let harbour = files.path().join("harbour.png");
    std::fs::write(
        &harbour,
        crate::media::encode(&crate::media::picture(640, 400), "png"),
    )
    .unwrap();
    let market = files.path().join("market.png");
    std::fs::write(
        &market,
        crate::media::encode(&crate::media::picture(500, 500), "png"),
    )
    .unwrap();

    // The writer types a story, then uploads its image from the editor:
    // the text typed so far is still there and the image is chosen.
    sign_in(&app, &writer, "writer@news.example").await;
    writer.goto(&app.url("/admin/stories/new")).await.unwrap();
    fill(&writer, "#headline", "Harbour reopens after the storm").await;
    fill(&writer, "#body", "Fishing boats returned at *dawn*.").await;
    upload_in_editor(&writer, &harbour).await;
    assert_eq!(
        value(&writer, "#headline").await,
        "Harbour reopens after the storm"
    );
    assert_eq!(
        value(&writer, "#body").await,
        "<p>Fishing boats returned at <em>dawn</em>.</p>"
    );
    assert!(image_loaded(&writer, "#selected-thumbnail").await);
    fill(&writer, "#lead_alt", "Boats moored at a stone quay").await;
    fill(&writer, "#lead_caption", "Back at the quay").await;

    // The preview shows the image as readers will see it (once the live
    // preview, which refreshes 600 ms after typing stops, has settled).
    tokio::time::sleep(Duration::from_millis(1000)).await;
    click(&writer, "#preview-button").await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    writer
        .find(Locator::Css("#preview-frame"))
        .await
        .unwrap()
        .enter_frame()
        .await
        .unwrap();
    writer
        .wait()
        .for_element(Locator::Css("figure.lead-image picture img"))
        .await
        .expect("the preview shows the lead image");
    let img = writer
        .find(Locator::Css("figure.lead-image picture img"))
        .await
        .unwrap();
    assert_eq!(
        img.attr("alt").await.unwrap().as_deref(),
        Some("Boats moored at a stone quay")
    );
    assert!(image_loaded(&writer, "figure.lead-image picture img").await);
    assert_eq!(
        text(&writer, "figure.lead-image figcaption").await,
        "Back at the quay"
    );
    writer.enter_parent_frame().await.unwrap();

    press(&writer, "Save").await;
    assert_eq!(text(&writer, ".notice").await, "Story created.");
    assert_eq!(
        value(&writer, "#lead_alt").await,
        "Boats moored at a stone quay"
    );
    press(&writer, "Submit for review").await;
    assert_eq!(text(&writer, "#story-status").await, "in review");

    // A second story, its image without alt text.
    writer.goto(&app.url("/admin/stories/new")).await.unwrap();
    fill(&writer, "#headline", "Market hall stays shut").await;
    fill(&writer, "#body", "Traders wait for the inspectors' report.").await;
    upload_in_editor(&writer, &market).await;
    assert_eq!(value(&writer, "#lead_alt").await, "");
    press(&writer, "Save").await;
    assert_eq!(text(&writer, ".notice").await, "Story created.");
    press(&writer, "Submit for review").await;

    // The editor publishes the first story: the article page shows the
    // responsive picture with its alt text.
    sign_in(&app, &editor, "editor@news.example").await;
    editor
        .goto(&app.url("/admin/stories?q=Harbour"))
        .await
        .unwrap();
    navigate(&editor, Locator::Css("table.stories th a")).await;
    press(&editor, "Publish now").await;
    assert_eq!(text(&editor, "#story-status").await, "published");
    editor
        .goto(&app.url("/world/harbour-reopens-after-the-storm"))
        .await
        .unwrap();
    let webp = editor
        .find(Locator::Css(
            "figure.lead-image picture source[type='image/webp']",
        ))
        .await
        .unwrap()
        .attr("srcset")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(webp.contains("/media/") && webp.contains("320w"), "{webp}");
    let img = editor
        .find(Locator::Css("figure.lead-image picture img"))
        .await
        .unwrap();
    assert!(
        img.attr("srcset")
            .await
            .unwrap()
            .is_some_and(|s| s.contains(".jpg 320w"))
    );
    assert_eq!(
        img.attr("alt").await.unwrap().as_deref(),
        Some("Boats moored at a stone quay")
    );
    assert!(image_loaded(&editor, "figure.lead-image picture img").await);

    // The second cannot be published: the editor says why, text kept.
    editor
        .goto(&app.url("/admin/stories?q=Market"))
        .await
        .unwrap();
    navigate(&editor, Locator::Css("table.stories th a")).await;
    press(&editor, "Publish now").await;
    assert!(
        text(&editor, "#form-error")
            .await
            .contains("a lead image needs alt text"),
        "{}",
        editor.source().await.unwrap()
    );
    assert_eq!(text(&editor, "#story-status").await, "in review");
    assert_eq!(
        value(&editor, "#body").await,
        "<p>Traders wait for the inspectors' report.</p>"
    );
    assert_eq!(value(&editor, "#headline").await, "Market hall stays shut");
    // Typing the alt text in the editor and saving makes it publishable.
    fill(&editor, "#lead_alt", "A closed market hall").await;
    press(&editor, "Save").await;
    press(&editor, "Publish now").await;
    assert_eq!(text(&editor, "#story-status").await, "published");
    for session in [writer, editor] {
        session.close().await.unwrap();
    }
}
