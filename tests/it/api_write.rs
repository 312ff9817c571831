//! The write API: tokens act with their owner's role, bodies are checked
//! field by field, and a story published through it appears at once.

use masthead::accounts::{self, Role, User};
use masthead::audit::Actor;

use crate::newsroom::section;
use crate::on_both;
use crate::support::{Backend, NOW, TestApp, spawn};

on_both!(tokens_follow_roles_and_bad_bodies_name_the_field);

async fn user_with_token(app: &TestApp, email: &str, role: Role) -> (User, String) {
    let actor = Actor::anonymous("test", None);
    let (user, _) = accounts::create_user(&app.db.store, &actor, email, email, role, None, NOW)
        .await
        .unwrap();
    let token = accounts::api_tokens::create(&app.db.store, &user, "test", NOW)
        .await
        .unwrap();
    (user, token.secret)
}

async fn tokens_follow_roles_and_bad_bodies_name_the_field(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    section(&app.db.store, "World").await;
    let (_, writer) = user_with_token(&app, "writer@news.example", Role::Writer).await;
    let (_, editor) = user_with_token(&app, "editor@news.example", Role::Editor).await;
    // An API client: no cookies, a token (or none) on each request.
    let api = app.cookieless();
    let post = reqwest::Method::POST;
    let new_story = r#"{"section":"world","headline":"Wire story arrives","body":"It *arrived*.","bylines":["Ann"]}"#;

    let (status, body) = api
        .api(post.clone(), "/api/v1/stories", None, Some(new_story))
        .await
        .status_json();
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = api
        .api(
            post.clone(),
            "/api/v1/stories",
            Some("mh_forged"),
            Some(new_story),
        )
        .await
        .status_json();
    assert_eq!(status, 401);

    let (status, body) = api
        .api(
            post.clone(),
            "/api/v1/stories",
            Some(&writer),
            Some(r#"{"section":"world","headline":"x","colour":"red"}"#),
        )
        .await
        .status_json();
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`"),
        "{body}"
    );
    let (status, body) = api
        .api(
            post.clone(),
            "/api/v1/stories",
            Some(&writer),
            Some(r#"{"section":"world","#),
        )
        .await
        .status_json();
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("invalid JSON body"),
        "{body}"
    );
    let (status, body) = api
        .api(
            post.clone(),
            "/api/v1/stories",
            Some(&writer),
            Some(r#"{"section":"world"}"#),
        )
        .await
        .status_json();
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing field `headline`"),
        "{body}"
    );
    let (status, body) = api
        .api(
            post.clone(),
            "/api/v1/stories",
            Some(&writer),
            Some(r#"{"section":"nowhere","headline":"x"}"#),
        )
        .await
        .status_json();
    assert_eq!(status, 422, "{body}");

    // A writer creates and edits a draft but cannot publish it.
    let (status, created) = api
        .api(
            post.clone(),
            "/api/v1/stories",
            Some(&writer),
            Some(new_story),
        )
        .await
        .status_json();
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "draft");
    let id = created["id"].as_i64().unwrap();
    let (status, body) = api
        .api(
            reqwest::Method::PATCH,
            &format!("/api/v1/stories/{id}"),
            Some(&writer),
            Some(r#"{"revision":1,"headline":"Wire story arrives early"}"#),
        )
        .await
        .status_json();
    assert_eq!(
        (status, body["revision"].as_i64()),
        (200, Some(2)),
        "{body}"
    );
    let (status, body) = api
        .api(
            reqwest::Method::PATCH,
            &format!("/api/v1/stories/{id}"),
            Some(&writer),
            Some(r#"{"revision":1,"headline":"Stale edit"}"#),
        )
        .await
        .status_json();
    assert_eq!(status, 409, "{body}");
    let (status, body) = api
        .api(
            post.clone(),
            &format!("/api/v1/stories/{id}/publish"),
            Some(&writer),
            None,
        )
        .await
        .status_json();
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    assert_eq!(
        api.get(&format!("/api/v1/stories/{id}")).await.status(),
        404
    );

    // An editor publishes: the story is public at once; unpublishing hides it.
    let (status, body) = api
        .api(
            post.clone(),
            &format!("/api/v1/stories/{id}/publish"),
            Some(&editor),
            None,
        )
        .await
        .status_json();
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("published")),
        "{body}"
    );
    let (status, html) = api.get_text("/world/wire-story-arrives").await;
    assert_eq!(status, 200);
    assert!(html.contains("Wire story arrives early"));
    let (status, _) = api
        .api(
            reqwest::Method::PATCH,
            &format!("/api/v1/stories/{id}"),
            Some(&writer),
            Some(r#"{"revision":3,"headline":"Writer meddles"}"#),
        )
        .await
        .status_json();
    assert_eq!(status, 403, "a writer cannot change a published story");
    let (status, _) = api
        .api(
            post.clone(),
            &format!("/api/v1/stories/{id}/unpublish"),
            Some(&writer),
            None,
        )
        .await
        .status_json();
    assert_eq!(status, 403);
    let (status, _) = api
        .api(
            post.clone(),
            &format!("/api/v1/stories/{id}/unpublish"),
            Some(&editor),
            None,
        )
        .await
        .status_json();
    assert_eq!(status, 200);
    assert_eq!(api.get("/world/wire-story-arrives").await.status(), 404);

    // A disabled user's token stops working.
    let editor_user = accounts::find_by_email(&app.db.store, "editor@news.example")
        .await
        .unwrap();
    let actor = Actor::anonymous("test", None);
    accounts::set_disabled(&app.db.store, &actor, editor_user.id, true, NOW)
        .await
        .unwrap();
    let (status, _) = api
        .api(
            post,
            &format!("/api/v1/stories/{id}/publish"),
            Some(&editor),
            None,
        )
        .await
        .status_json();
    assert_eq!(status, 401);
}
