//! The reader pages' read path (issue 14): with the page cache off every
//! request reads the database, and a write made through the API shows on
//! the very next page, feed and search (read-your-writes on one node), on
//! SQLite's own read connections and on PostgreSQL alike.

use masthead::accounts::{self, Role};
use masthead::audit::Actor;

use crate::newsroom::section;
use crate::on_both;
use crate::support::{Backend, NOW, spawn_with};

on_both!(a_write_through_the_api_shows_on_the_next_uncached_page);

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
