//! Issue 11, item 7: every old address answers. Editors add redirects from
//! a moved site's paths (`/node/123`, `/2016/07/11/slug`, a whole old URL)
//! to a story or any page; each answers 301, counts its hits in the admin
//! list, follows the story when it moves, answers nothing while the story is
//! unpublished, and can be removed. An address something lives at, a loop
//! and a path of the site itself are refused, naming the other owner.

use masthead::accounts::Role;

use crate::on_both;
use crate::support::{Backend, Session, TestApp, spawn};

on_both!(
    an_old_address_answers_301_counts_its_hits_and_follows_its_story,
    addresses_in_use_loops_and_the_sites_own_paths_are_refused,
    a_story_keeps_its_old_sites_address_exactly,
    the_api_sets_and_clears_a_custom_address,
);

const TROOPS: &str = "/world/us-to-send-560-additional-troops-to-iraq";

async fn add(editor: &Session, old: &str, target: &str) -> crate::support::Page {
    editor
        .post_form("/admin/redirects", &[("old_path", old), ("target", target)])
        .await
}

/// The status and `Location` of `GET path` by a reader who does not follow
/// redirects.
async fn visit(app: &TestApp, path: &str) -> (u16, Option<String>) {
    let page = app.session().get(path).await;
    (page.status(), page.location().map(str::to_owned))
}

async fn an_old_address_answers_301_counts_its_hits_and_follows_its_story(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    for (old, target) in [
        ("/node/123", TROOPS),
        ("https://old.example/2016/07/11/troops?utm=x", TROOPS),
        ("/content/world-news", "/world"),
    ] {
        let added = add(&editor, old, target).await;
        assert_eq!(added.status(), 303, "{old}: {}", added.text());
    }
    assert_eq!(visit(&app, "/node/123").await, (301, Some(TROOPS.into())));
    assert_eq!(visit(&app, "/node/123/").await, (301, Some(TROOPS.into())));
    assert_eq!(
        visit(&app, "/2016/07/11/troops").await,
        (301, Some(TROOPS.into()))
    );
    assert_eq!(
        visit(&app, "/content/world-news").await,
        (301, Some("/world".into()))
    );
    assert_eq!(visit(&app, "/node/124").await.0, 404);

    // The admin list counts what still brings readers.
    let list = editor.get("/admin/redirects").await;
    assert_eq!(list.status(), 200);
    let rows = list.select("tbody tr");
    let node = rows
        .iter()
        .find(|r| r.contains("/node/123"))
        .expect("the /node/123 row");
    assert!(
        node.contains(TROOPS) && node.contains('2'),
        "two hits: {node}"
    );
    assert!(
        app.audit_log()
            .await
            .iter()
            .any(|e| e.action == "redirect.added")
    );

    // The story moves: the old address follows it. Unpublished, it leads
    // nowhere (no leak of where it went).
    let store = app.store();
    let story = masthead::articles::visible_by_path(
        store,
        "world",
        "us-to-send-560-additional-troops-to-iraq",
        crate::support::NOW,
    )
    .await
    .unwrap()
    .unwrap();
    let mut moved = story.clone();
    moved.slug = masthead::articles::Slug::parse("troops-to-iraq").unwrap();
    let record = masthead::articles::revisions::SaveRecord {
        author: "test",
        message: "Shorter address",
        event: "article.fixed",
        extras: &Default::default(),
    };
    let moved = masthead::articles::revisions::save(
        store,
        &story,
        moved,
        story.revision,
        record,
        crate::support::NOW,
    )
    .await
    .unwrap();
    assert_eq!(
        visit(&app, "/node/123").await,
        (301, Some("/world/troops-to-iraq".into()))
    );
    assert_eq!(
        visit(&app, TROOPS).await,
        (301, Some("/world/troops-to-iraq".into())),
        "the story's own old address too"
    );
    let unpublish = editor
        .post_form(
            &format!("/admin/stories/{}/unpublish", moved.id),
            &[("x", "")],
        )
        .await;
    assert_eq!(unpublish.status(), 303, "{}", unpublish.text());
    assert_eq!(visit(&app, "/node/123").await.0, 404);

    // Removed, the old address is gone.
    let removed = editor
        .post_form(
            "/admin/redirects/remove",
            &[("old_path", "/content/world-news")],
        )
        .await;
    assert_eq!(removed.status(), 303);
    assert_eq!(visit(&app, "/content/world-news").await.0, 404);
    assert!(
        app.audit_log()
            .await
            .iter()
            .any(|e| e.action == "redirect.removed")
    );
}

async fn addresses_in_use_loops_and_the_sites_own_paths_are_refused(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, writer) = app.session_as(Role::Writer).await;
    assert_eq!(writer.get("/admin/redirects").await.status(), 403);
    assert_eq!(add(&writer, "/node/1", TROOPS).await.status(), 403);

    let (_, editor) = app.session_as(Role::Editor).await;
    let story = add(&editor, TROOPS, "/world").await;
    assert_eq!(story.status(), 422);
    assert!(
        story
            .text()
            .contains("the address of the story &quot;US to send 560"),
        "names the story: {}",
        story.text()
    );
    assert!(
        story.text().contains(&format!("value=\"{TROOPS}\"")),
        "keeps the form"
    );
    let section = add(&editor, "/world", TROOPS).await;
    assert_eq!(section.status(), 422);
    assert!(
        section.text().contains("the section &quot;World&quot;"),
        "{}",
        section.text()
    );
    let reserved = add(&editor, "/admin/old", TROOPS).await;
    assert_eq!(reserved.status(), 422);
    assert!(reserved.text().contains("an address of the site itself"));
    assert_eq!(add(&editor, "/a", "/a/").await.status(), 422, "to itself");
    assert_eq!(
        add(&editor, "node/1", TROOPS).await.status(),
        422,
        "not a path"
    );

    // A loop: /a → /b → /c, then /c → /a.
    assert_eq!(add(&editor, "/a", "/b").await.status(), 303);
    assert_eq!(add(&editor, "/b", "/c").await.status(), 303);
    let looped = add(&editor, "/c", "/a").await;
    assert_eq!(looped.status(), 422);
    assert!(looped.text().contains("loop"), "{}", looped.text());
    let twice = add(&editor, "/a", TROOPS).await;
    assert_eq!(twice.status(), 409);
    assert!(twice.text().contains("a redirect from /a already exists"));
    assert_eq!(masthead::redirects::count(app.store()).await.unwrap(), 2);
}

/// Saves `story` with `canonical_path` as its custom address.
async fn keep_address(
    app: &TestApp,
    story: &masthead::articles::Article,
    canonical_path: Option<&str>,
) -> Result<masthead::articles::Article, masthead::articles::revisions::SaveError> {
    let mut after = story.clone();
    after.canonical_path = canonical_path.map(str::to_owned);
    let record = masthead::articles::revisions::SaveRecord {
        author: "test",
        message: "Old site's address",
        event: "article.fixed",
        extras: &Default::default(),
    };
    masthead::articles::revisions::save(
        app.store(),
        story,
        after,
        story.revision,
        record,
        crate::support::NOW,
    )
    .await
}

async fn a_story_keeps_its_old_sites_address_exactly(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let store = app.store();
    let story = masthead::articles::visible_by_path(
        store,
        "world",
        "us-to-send-560-additional-troops-to-iraq",
        crate::support::NOW,
    )
    .await
    .unwrap()
    .unwrap();
    // Readers saw the section address (cached) before it kept another.
    assert_eq!(visit(&app, TROOPS).await.0, 200);
    const KEPT: &str = "/2016/07/11/us-troops";
    let story = keep_address(&app, &story, Some(KEPT)).await.unwrap();
    let page = app.session().get(KEPT).await;
    assert_eq!(page.status(), 200, "{}", page.text());
    assert!(
        page.text()
            .contains("US to send 560 additional troops to Iraq")
    );
    assert!(
        page.text().contains(&format!(
            r#"<link rel="canonical" href="http://news.example{KEPT}">"#
        )),
        "{}",
        page.text()
    );
    assert_eq!(visit(&app, TROOPS).await, (301, Some(KEPT.into())));
    assert_eq!(
        visit(&app, &format!("{KEPT}/")).await,
        (301, Some(KEPT.into()))
    );
    // Every link to it is the kept address.
    for path in ["/world", "/feeds/rss.xml", "/sitemaps/articles-1.xml"] {
        let (_, body) = app.get_text(path).await;
        assert!(body.contains(KEPT), "{path} links the kept address: {body}");
        assert!(!body.contains(TROOPS), "{path} still links {TROOPS}");
    }
    // The address is the story's: a page or another story there is refused.
    let actor = masthead::actor::Actor::command_line();
    let page = masthead::pages::PageInput {
        title: "Troops".into(),
        path: KEPT.into(),
        body_source: "x".into(),
        status: "published".into(),
        ..Default::default()
    };
    let refused = masthead::pages::save(store, &actor, None, &page, crate::support::NOW).await;
    assert!(
        matches!(&refused, Err(masthead::pages::PageError::Refused(why)) if why.contains("the story \"US to send 560 additional troops to Iraq\"")),
        "{refused:?}"
    );
    let other =
        masthead::articles::visible_list(store, None, crate::support::NOW, None, Some(story.id), 1)
            .await
            .unwrap()
            .remove(0);
    let taken = keep_address(&app, &other, Some(KEPT)).await;
    assert!(
        taken.as_ref().is_err_and(|e| e.to_string().contains(KEPT)),
        "{:?}",
        taken.map(|a| a.path())
    );
    // A new slug keeps the kept address; the old section address, which
    // answered 301 there, still does.
    let mut renamed = story.clone();
    renamed.slug = masthead::articles::Slug::parse("us-troops-to-iraq").unwrap();
    let record = masthead::articles::revisions::SaveRecord {
        author: "test",
        message: "Shorter slug",
        event: "article.fixed",
        extras: &Default::default(),
    };
    let story = masthead::articles::revisions::save(
        store,
        &story,
        renamed,
        story.revision,
        record,
        crate::support::NOW,
    )
    .await
    .unwrap();
    assert_eq!(visit(&app, KEPT).await.0, 200);
    assert_eq!(visit(&app, TROOPS).await, (301, Some(KEPT.into())));
    assert_eq!(
        visit(&app, "/world/us-troops-to-iraq").await,
        (301, Some(KEPT.into()))
    );
    // Back to its section address: the kept one now redirects there, and
    // so does the section address it had before its new slug.
    keep_address(&app, &story, None).await.unwrap();
    const RENAMED: &str = "/world/us-troops-to-iraq";
    assert_eq!(visit(&app, RENAMED).await.0, 200);
    assert_eq!(visit(&app, KEPT).await, (301, Some(RENAMED.into())));
    assert_eq!(visit(&app, TROOPS).await, (301, Some(RENAMED.into())));
}

async fn the_api_sets_and_clears_a_custom_address(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (user, _) = app.session_as(Role::Editor).await;
    let token =
        masthead::accounts::api_tokens::create(app.store(), &user, "test", crate::support::NOW)
            .await
            .unwrap()
            .secret;
    let api = app.cookieless();
    let story = masthead::articles::visible_by_path(
        app.store(),
        "world",
        "us-to-send-560-additional-troops-to-iraq",
        crate::support::NOW,
    )
    .await
    .unwrap()
    .unwrap();
    let patch = |body: serde_json::Value| {
        let (api, token) = (&api, &token);
        let path = format!("/api/v1/stories/{}", story.id);
        async move {
            api.api(
                reqwest::Method::PATCH,
                &path,
                Some(token),
                Some(&body.to_string()),
            )
            .await
            .status_json()
        }
    };
    const KEPT: &str = "/2016/07/11/us-troops";
    let (status, written) = patch(serde_json::json!({
        "revision": story.revision, "canonical_path": "/2016/07/11/us-troops/"
    }))
    .await;
    assert_eq!(status, 200, "{written}");
    assert_eq!(
        written["path"], KEPT,
        "the address is normalized: {written}"
    );
    assert_eq!(visit(&app, KEPT).await.0, 200);
    assert_eq!(visit(&app, TROOPS).await, (301, Some(KEPT.into())));
    let (_, read) = api.get_json(&format!("/api/v1/stories/{}", story.id)).await;
    assert!(read.to_string().contains(KEPT), "{read}");
    // An address the site owns is refused, naming why; nothing changes.
    let (status, refused) = patch(serde_json::json!({
        "revision": written["revision"], "canonical_path": "/world"
    }))
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/world"),
        "{refused}"
    );
    assert_eq!(visit(&app, KEPT).await.0, 200);
    // null returns it to its section address; the kept one leads there.
    let (status, back) = patch(serde_json::json!({
        "revision": written["revision"], "canonical_path": null
    }))
    .await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["path"], TROOPS);
    assert_eq!(visit(&app, TROOPS).await.0, 200);
    assert_eq!(visit(&app, KEPT).await, (301, Some(TROOPS.into())));
}
