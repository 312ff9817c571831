//! The reader pages' read path (issue 14): with the page cache off every
//! request reads the database, and a write made through the API shows on
//! the very next page, feed and search (read-your-writes on one node), on
//! SQLite's own read connections and on PostgreSQL alike.

use masthead::accounts::{self, Role};
use masthead::audit::Actor;

use crate::newsroom::section;
use crate::on_both;
use crate::support::{Backend, NOW, spawn_with};

on_both!(
    a_write_through_the_api_shows_on_the_next_uncached_page,
    list_items_read_lean_show_what_whole_stories_show,
);

/// Listings read stories as list items (no Markdown source, bylines,
/// topics or kept fields): what they show must be what the whole stories
/// give, in the same order, embargoed ones left out.
async fn list_items_read_lean_show_what_whole_stories_show(backend: Backend) {
    use masthead::articles;
    let Some(db) = crate::support::store(backend).await else {
        return;
    };
    let site = crate::support::demo_site(&db.store).await;
    let world = section(&db.store, "World").await;
    for n in 0..4i64 {
        crate::newsroom::story(
            &db.store,
            &world,
            crate::newsroom::Story {
                headline: &format!("Story {n}"),
                standfirst: "A standfirst",
                body: "First paragraph with **some** words, enough of them to be cut at a word boundary by the teaser rule, \
                    whatever length the site sets for its teasers: it goes on about the harbour, the ferries, the quay \
                    and the people who waited there all night for the first boat to come in.\n\nSecond.",
                published_at: Some(NOW - 3600 + n * 60),
                bylines: &["Jane Doe"],
                tags: &["Harbour"],
                embargo_until: (n == 2).then_some(NOW + 3600),
                ..Default::default()
            },
        )
        .await;
    }
    let whole = articles::visible_list(&db.store, Some(world.id), NOW, None, None, 10)
        .await
        .unwrap();
    let items = articles::visible_items(&db.store, Some(world.id), NOW, None, None, 10)
        .await
        .unwrap();
    assert_eq!(whole.len(), 3);
    let shown = |list: &[articles::Article]| -> Vec<(i64, String, String, String, Option<i64>)> {
        list.iter()
            .map(|a| {
                (
                    a.id,
                    a.headline.clone(),
                    a.path(),
                    a.teaser_text(site.teaser_length),
                    a.first_published_at,
                )
            })
            .collect()
    };
    assert_eq!(shown(&items), shown(&whole));
    assert!(shown(&items)[0].3.ends_with("..."), "{:?}", shown(&items));
    // What a list item leaves out is empty, not wrong.
    assert!(
        items
            .iter()
            .all(|a| a.bylines.is_empty() && a.body_source.is_empty())
    );
    assert!(whole.iter().all(|a| a.bylines == ["Jane Doe"]));
    // The topic and person lists too.
    let harbour = masthead::topics::find(&db.store, "harbour")
        .await
        .unwrap()
        .unwrap();
    let by_topic = articles::visible_topic_items(&db.store, harbour.id, NOW, None, 10)
        .await
        .unwrap();
    assert_eq!(shown(&by_topic), shown(&whole));
}

async fn a_write_through_the_api_shows_on_the_next_uncached_page(backend: Backend) {
    let Some(app) = spawn_with(backend, false, |config| config.page_cache = false).await else {
        return;
    };
    section(&app.db.store, "World").await;
    let actor = Actor::anonymous("test", None);
    let (editor, _) = accounts::create_user(
        &app.db.store,
        &actor,
        "editor@news.example",
        "Edna Editor",
        Role::Editor,
        None,
        NOW,
    )
    .await
    .unwrap();
    let token = accounts::api_tokens::create(&app.db.store, &editor, "test", NOW)
        .await
        .unwrap()
        .secret;
    let api = app.cookieless();
    let post = reqwest::Method::POST;
    let (status, created) = api
        .api(
            post.clone(),
            "/api/v1/stories",
            Some(&token),
            Some(r#"{"section":"world","headline":"Harbour reopens","body":"The harbour reopened at dawn.","bylines":["Ann Reporter"]}"#),
        )
        .await
        .status_json();
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(api.get("/world/harbour-reopens").await.status(), 404);
    let (status, body) = api
        .api(
            post.clone(),
            &format!("/api/v1/stories/{id}/publish"),
            Some(&token),
            None,
        )
        .await
        .status_json();
    assert_eq!(status, 200, "{body}");

    // Every surface at once, each read from the database.
    for path in [
        "/world/harbour-reopens",
        "/world",
        "/",
        "/feeds/rss.xml",
        "/search?q=harbour",
    ] {
        let (status, text) = api.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        // Search marks the matching word: `<mark>Harbour</mark> reopens`.
        assert!(
            text.contains("Harbour reopens") || text.contains("<mark>Harbour</mark> reopens"),
            "{path} does not show the new story:\n{text}"
        );
    }

    // Each edit is on the next request, twenty times over.
    let mut revision = body["revision"].as_i64().unwrap();
    for n in 1..=20 {
        let edit = format!(r#"{{"revision":{revision},"headline":"Harbour reopens, edit {n}"}}"#);
        let (status, body) = api
            .api(
                reqwest::Method::PATCH,
                &format!("/api/v1/stories/{id}"),
                Some(&token),
                Some(&edit),
            )
            .await
            .status_json();
        assert_eq!(status, 200, "{body}");
        revision = body["revision"].as_i64().unwrap();
        let (status, html) = api.get_text("/world/harbour-reopens").await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&format!("Harbour reopens, edit {n}")),
            "edit {n} not shown"
        );
        let (_, results) = api.get_text("/search?q=harbour").await;
        assert!(
            results.contains(&format!("edit {n}")),
            "search does not show edit {n}"
        );
    }

    // Unpublished: gone from the next page, front and search.
    let (status, _) = api
        .api(
            post,
            &format!("/api/v1/stories/{id}/unpublish"),
            Some(&token),
            None,
        )
        .await
        .status_json();
    assert_eq!(status, 200);
    assert_eq!(api.get("/world/harbour-reopens").await.status(), 404);
    let (_, front) = api.get_text("/world").await;
    assert!(!front.contains("Harbour reopens"));
    let (_, results) = api.get_text("/search?q=harbour").await;
    assert!(!results.contains("/world/harbour-reopens"));
}
