//! The public read API: pagination, ETags, errors, the OpenAPI document.

use masthead::articles::Status;

use crate::newsroom::{Story, section, story};
use crate::on_both;
use crate::support::{Backend, NOW, spawn};

on_both!(the_read_api_pages_with_cursors_and_etags_and_explains_errors);

async fn the_read_api_pages_with_cursors_and_etags_and_explains_errors(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = &app.db.store;
    let world = section(store, "World").await;
    for i in 0..5 {
        story(
            store,
            &world,
            Story {
                headline: &format!("Story {i}"),
                published_at: Some(NOW - 3600 * (i + 1)),
                ..Story::default()
            },
        )
        .await;
    }
    let draft = story(
        store,
        &world,
        Story {
            headline: "Draft",
            status: Status::Draft,
            published_at: None,
            ..Story::default()
        },
    )
    .await;

    // A reader of the API: no cookies, no token.
    let api = app.cookieless();
    let mut headlines = Vec::new();
    let mut url = "/api/v1/stories?limit=2".to_owned();
    loop {
        let page = api.get(&url).await.json();
        for story in page["data"].as_array().unwrap() {
            headlines.push(story["headline"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("/api/v1/stories?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(
        headlines,
        ["Story 0", "Story 1", "Story 2", "Story 3", "Story 4"]
    );

    let response = api.get("/api/v1/stories?section=world").await;
    assert_eq!(response.status(), 200);
    let etag = response.header("etag").unwrap();
    let again = api
        .get_with("/api/v1/stories?section=world", &[("if-none-match", etag)])
        .await;
    assert_eq!(again.status(), 304);

    let response = api.get("/api/v1/stories?colour=blue").await;
    assert_eq!(response.status(), 400);
    let body = response.json();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{body}"
    );
    let response = api.get("/api/v1/stories?limit=1000").await;
    assert_eq!(response.status(), 400);
    for path in [
        format!("/api/v1/stories/{}", draft.id),
        "/api/v1/stories/x".into(),
        "/api/v1/nothing".into(),
    ] {
        let response = api.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
        let body = response.json();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let sections = api.get("/api/v1/sections").await.json();
    assert_eq!(
        sections["data"],
        serde_json::json!([{ "slug": "world", "name": "World" }])
    );
    let openapi = api.get("/api/v1/openapi.json").await.json();
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(openapi["paths"]["/stories"]["get"].is_object());
}
