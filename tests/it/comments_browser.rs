//! Issue 11, item 4 in headless Chromium: with posting switched on, a
//! reader posts a comment from the story page and is told it waits for
//! moderation; it is not on the story until a moderator approves it in the
//! queue; then the reader's next visit shows it under the story.

use fantoccini::Locator;
use masthead::accounts::Role;

use crate::browser::{browser, driver, fill, navigate, press, sign_in, text};
use crate::support::create_user;
use crate::support::{Backend, NOW, spawn};

const TROOPS: &str = "/world/us-to-send-560-additional-troops-to-iraq";

#[tokio::test]
async fn a_reader_comments_and_a_moderator_approves_it_in_a_real_browser() {
    let Some(driver) = driver().await else {
        return;
    };
    let Some(app) = spawn(Backend::Sqlite, true).await else {
        return;
    };
    let site = masthead::site::Site::load(app.store()).await.unwrap();
    let mut settings = site.settings();
    settings.comments_posting = true;
    masthead::site::save(app.store(), &settings, NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;
    create_user(&app, "editor@news.example", Role::Editor).await;
    let reader = browser(&driver).await;
    let moderator = browser(&driver).await;

    reader.goto(&app.url(TROOPS)).await.unwrap();
    fill(&reader, "#comment-name", "Ann Reader").await;
    fill(&reader, "#comment-email", "ann@example.com").await;
    fill(&reader, "#comment-body", "Where will the troops be based?").await;
    press(&reader, "Post comment").await;
    assert!(
        text(&reader, "main")
            .await
            .contains("waiting for an editor to approve it"),
        "{}",
        reader.source().await.unwrap()
    );
    reader.goto(&app.url(TROOPS)).await.unwrap();
    assert!(
        !text(&reader, "main")
            .await
            .contains("Where will the troops be based?"),
        "not shown before approval"
    );

    sign_in(&app, &moderator, "editor@news.example").await;
    moderator.goto(&app.url("/admin/comments")).await.unwrap();
    assert!(
        text(&moderator, "main")
            .await
            .contains("Where will the troops be based?")
    );
    let id = masthead::comments::queue(app.store(), Some("pending"), None, 10)
        .await
        .unwrap()[0]
        .id;
    let approve =
        format!("#comment-{id} form[action='/admin/comments/{id}'] input[value=approve] ~ button");
    navigate(&moderator, Locator::Css(&approve)).await;
    assert!(
        text(&moderator, "main")
            .await
            .contains("The comment is approved")
    );

    app.app.sync_changes().await;
    reader.goto(&app.url(TROOPS)).await.unwrap();
    let shown = text(&reader, "#comments").await;
    assert!(shown.contains("Ann Reader"), "{shown}");
    assert!(shown.contains("Where will the troops be based?"), "{shown}");
    assert!(!shown.contains("ann@example.com"));
}
