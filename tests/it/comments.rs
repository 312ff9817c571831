//! Issue 11, item 4: reader comments over real HTTP on both backends.
//! Posting is off until the site allows it; a comment waits for
//! moderation, shows under its story once approved (the cached page purged),
//! threads its replies, never shows an e-mail address; an oversized or
//! malformed comment, a flood from one address, a filled honeypot, a closed
//! story and an unpublished one are each refused or caught with nothing
//! shown, and every moderation step is in the audit log.

use masthead::accounts::Role;

use crate::on_both;
use crate::support::{Backend, NOW, TestApp, spawn};

on_both!(
    readers_cannot_post_until_the_site_allows_it,
    a_readers_comment_waits_for_moderation_and_shows_once_approved,
    bad_comments_floods_and_scripts_are_refused_and_nothing_shows,
    a_french_storys_comment_pages_speak_french,
);

const TROOPS: &str = "/world/us-to-send-560-additional-troops-to-iraq";

/// Lets readers post (the site setting, as an administrator saves it).
async fn allow_posting(app: &TestApp) {
    let site = masthead::site::Site::load(app.store()).await.unwrap();
    let mut settings = site.settings();
    settings.comments_posting = true;
    masthead::site::save(app.store(), &settings, NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;
}

fn comment<'a>(name: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("email", "reader@example.com"),
        ("url", ""),
        ("body", body),
        ("parent", ""),
        ("website", ""),
    ]
}

async fn stored(app: &TestApp) -> Vec<masthead::comments::Comment> {
    masthead::comments::queue(app.store(), None, None, 100)
        .await
        .unwrap()
}

async fn readers_cannot_post_until_the_site_allows_it(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let reader = app.session();
    let page = reader.get(TROOPS).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.select("form.comment-form").is_empty(),
        "no form while posting is off"
    );
    let posted = reader
        .post_form(&format!("{TROOPS}/comments"), &comment("Ann", "First!"))
        .await;
    assert_eq!(posted.status(), 403, "{}", posted.text());
    assert!(posted.text().contains("not open to readers"));
    assert!(stored(&app).await.is_empty());
}

async fn a_readers_comment_waits_for_moderation_and_shows_once_approved(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    allow_posting(&app).await;
    let reader = app.session();
    // The story page, now cached, offers the form.
    let page = reader.get(TROOPS).await;
    assert_eq!(
        page.select("form.comment-form button").len(),
        1,
        "one form, no replies yet"
    );
    let posted = reader
        .post_form(
            &format!("{TROOPS}/comments"),
            &comment(
                "Ann <b>Reader</b>",
                "Thanks for this.\n\nA second paragraph.",
            ),
        )
        .await;
    assert_eq!(posted.status(), 200, "{}", posted.text());
    assert!(
        posted
            .text()
            .contains("waiting for an editor to approve it")
    );
    let page = reader.get(TROOPS).await;
    assert!(
        !page.text().contains("Thanks for this."),
        "not before approval"
    );

    let (_, editor) = app.session_as(Role::Editor).await;
    let queue = editor.get("/admin/comments").await;
    assert_eq!(queue.status(), 200);
    assert!(
        queue.text().contains("reader@example.com"),
        "moderators see the e-mail"
    );
    let id = stored(&app).await[0].id;
    let approved = editor
        .post_form(
            &format!("/admin/comments/{id}"),
            &[("step", "approve"), ("back", "pending")],
        )
        .await;
    assert_eq!(approved.status(), 303, "{}", approved.text());
    app.app.sync_changes().await;

    let page = reader.get(TROOPS).await;
    assert_eq!(
        page.select(".comment .comment-meta").first().map(|m| m
            .split(',')
            .next()
            .unwrap_or_default()
            .to_owned()),
        Some("Ann <b>Reader</b>".to_owned()),
        "the name as plain text"
    );
    assert_eq!(
        page.select(".comment > p").len(),
        3,
        "meta and two paragraphs"
    );
    assert!(
        !page.text().contains("reader@example.com"),
        "an e-mail is never shown"
    );
    assert!(page.text().contains("Comments (1)"));

    // A reply threads under it once approved.
    let mut reply = comment("Bob", "I agree.");
    let parent = id.to_string();
    reply[4] = ("parent", &parent);
    let posted = reader
        .post_form(&format!("{TROOPS}/comments"), &reply)
        .await;
    assert_eq!(posted.status(), 200, "{}", posted.text());
    let reply_id = stored(&app).await[0].id;
    editor
        .post_form(
            &format!("/admin/comments/{reply_id}"),
            &[("step", "approve")],
        )
        .await;
    app.app.sync_changes().await;
    let page = reader.get(TROOPS).await;
    assert_eq!(
        page.select(&format!(
            "#comment-{id} .comment-replies #comment-{reply_id} > p"
        ))
        .len(),
        2,
        "the reply sits under its parent"
    );
    // The API shows the same thread, without e-mail addresses.
    let story_id = masthead::articles::visible_by_path(
        app.store(),
        "world",
        TROOPS.trim_start_matches("/world/"),
        NOW,
    )
    .await
    .unwrap()
    .unwrap()
    .id;
    let (status, api) = reader
        .get_json(&format!("/api/v1/stories/{story_id}/comments"))
        .await;
    assert_eq!(status, 200, "{api}");
    let thread = &api["data"][0];
    assert_eq!(thread["id"], id);
    assert_eq!(thread["author_name"], "Ann <b>Reader</b>");
    assert_eq!(thread["text"], "Thanks for this.\n\nA second paragraph.");
    assert_eq!(thread["replies"][0]["id"], reply_id);
    assert_eq!(thread["replies"][0]["text"], "I agree.");
    assert!(!api.to_string().contains("reader@example.com"));
    assert_eq!(
        reader.get_json("/api/v1/stories/999999/comments").await.0,
        404,
        "no story, no comments"
    );

    // Unpublished, it is gone again; every step is audited.
    editor
        .post_form(&format!("/admin/comments/{id}"), &[("step", "unpublish")])
        .await;
    app.app.sync_changes().await;
    let page = reader.get(TROOPS).await;
    assert!(!page.text().contains("Thanks for this."));
    let audit = app.audit_log().await;
    for action in ["comment.approved", "comment.pending"] {
        assert!(audit.iter().any(|e| e.action == action), "{action}");
    }
    let (_, writer) = app.session_as(Role::Writer).await;
    assert_eq!(writer.get("/admin/comments").await.status(), 403);
    assert_eq!(
        writer
            .post_form(&format!("/admin/comments/{id}"), &[("step", "approve")])
            .await
            .status(),
        403
    );
}

async fn bad_comments_floods_and_scripts_are_refused_and_nothing_shows(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    allow_posting(&app).await;
    let reader = app.session();
    let path = format!("{TROOPS}/comments");

    let long = "word ".repeat(1200);
    let refused = reader.post_form(&path, &comment("Ann", &long)).await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused.text().contains("at most 5000 fit"),
        "{}",
        refused.text()
    );
    assert!(
        refused.text().contains("word word word"),
        "the text is kept"
    );
    let mut bad_email = comment("Ann", "Hello");
    bad_email[1] = ("email", "not an address");
    assert_eq!(reader.post_form(&path, &bad_email).await.status(), 422);
    assert!(stored(&app).await.is_empty(), "nothing stored");

    // A script fills the hidden field: thanked, kept as spam, never queued.
    let mut script = comment("Bot", "Cheap watches");
    script[5] = ("website", "http://spam.example");
    let caught = reader.post_form(&path, &script).await;
    assert_eq!(caught.status(), 200);
    let all = stored(&app).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, "spam");

    // Three per ten minutes from one address (the spam counted too).
    for n in 0..2 {
        let body = format!("Comment {n}");
        let posted = reader.post_form(&path, &comment("Ann", &body)).await;
        assert_eq!(posted.status(), 200, "{n}: {}", posted.text());
    }
    let flood = reader
        .post_form(&path, &comment("Ann", "One too many"))
        .await;
    assert_eq!(flood.status(), 429);
    assert_eq!(flood.header("retry-after"), Some("600"));
    assert!(flood.text().contains("One too many"), "the text is kept");
    assert_eq!(stored(&app).await.len(), 3);

    // Closed: no form, and a post is refused.
    let (_, editor) = app.session_as(Role::Editor).await;
    let story = masthead::articles::visible_by_path(
        app.store(),
        "world",
        "us-to-send-560-additional-troops-to-iraq",
        NOW,
    )
    .await
    .unwrap()
    .unwrap();
    let closed = editor
        .post_form(
            &format!("/admin/comments/stories/{}", story.id),
            &[("action", "close")],
        )
        .await;
    assert_eq!(closed.status(), 303);
    app.app.sync_changes().await;
    let page = app.session().get(TROOPS).await;
    assert!(page.select("form.comment-form").is_empty());
    let other = app.session();
    let refused = other.post_form(&path, &comment("Cy", "Hi")).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().contains("closed"));

    // No comments on a story readers cannot see.
    let unpublished = editor
        .post_form(
            &format!("/admin/stories/{}/unpublish", story.id),
            &[("x", "")],
        )
        .await;
    assert_eq!(unpublished.status(), 303);
    assert_eq!(
        other.post_form(&path, &comment("Cy", "Hi")).await.status(),
        404
    );
    assert_eq!(stored(&app).await.len(), 3);
}

async fn a_french_storys_comment_pages_speak_french(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    allow_posting(&app).await;
    let story = masthead::articles::visible_by_path(
        app.store(),
        "world",
        "us-to-send-560-additional-troops-to-iraq",
        NOW,
    )
    .await
    .unwrap()
    .unwrap();
    let mut french = story.clone();
    french.language = "fr".into();
    // It keeps a moved site's address too: the form still posts where
    // comments are taken.
    french.canonical_path = Some("/2016/07/11/troupes".into());
    let record = masthead::articles::revisions::SaveRecord {
        author: "test",
        message: "En français",
        event: "article.fixed",
        extras: &Default::default(),
    };
    masthead::articles::revisions::save(app.store(), &story, french, story.revision, record, NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;
    let reader = app.session();
    let path = format!("{TROOPS}/comments");
    let refused = reader.post_form(&path, &comment("Anne", "  ")).await;
    assert_eq!(refused.status(), 422);
    let text = refused.text();
    assert!(text.contains("Le commentaire n’a pas été publié"), "{text}");
    assert!(text.contains("Le commentaire est vide."), "{text}");
    assert!(!text.contains("The comment"), "no English left: {text}");
    assert!(
        refused.select(&format!("form[action='{path}']")).len() == 1,
        "the form posts to the section address: {text}"
    );
    let posted = reader
        .post_form(&path, &comment("Anne", "Merci pour l’article"))
        .await;
    assert_eq!(posted.status(), 200);
    assert!(posted.text().contains("Merci"), "{}", posted.text());
    assert!(
        posted
            .text()
            .contains("attend l’approbation de la rédaction"),
        "{}",
        posted.text()
    );
    assert!(posted.text().contains("href=\"/2016/07/11/troupes\""));
}
