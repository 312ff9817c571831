//! Size and nesting limits on stories: a huge headline or a deeply nested
//! body is refused with a message that says which limit, by the story desk
//! (keeping the typed text), its preview and the write API; text at the
//! limits is accepted.

use masthead::accounts::{self, Role};
use masthead::articles::limits::{HEADLINE_CHARS, NESTING};
use masthead::audit::Actor;

use crate::on_both;
use crate::stories::{signed_in, story_form, world};
use crate::support::{Backend, NOW, TestApp, spawn};

on_both!(
    a_huge_headline_is_refused_with_the_typed_text_kept,
    a_deeply_nested_body_is_refused_by_the_desk_the_preview_and_the_api,
);

async fn a_huge_headline_is_refused_with_the_typed_text_kept(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let section = world(&app).await;
    let headline = "Flood ".repeat(100_000 / 6) + "wall";
    assert!(headline.chars().count() > 100_000 - 6);
    let response = eve
        .post_form(
            "/admin/stories",
            &story_form(&section, &headline, "The paragraph I typed."),
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text();
    assert!(
        html.contains(&format!(
            "the headline is {} characters long; the limit is 300",
            headline.chars().count()
        )),
        "the editor says which limit"
    );
    assert!(html.contains(&headline), "the typed headline is kept");
    assert!(html.contains("The paragraph I typed."));

    // At the limit (in characters, not bytes) it is saved.
    let at_limit = "é".repeat(HEADLINE_CHARS);
    let response = eve
        .post_form("/admin/stories", &story_form(&section, &at_limit, "Body."))
        .await;
    assert_eq!(response.status(), 303, "a 300-character headline is saved");
}

async fn a_deeply_nested_body_is_refused_by_the_desk_the_preview_and_the_api(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let section = world(&app).await;
    // 100 KB of nested quotes, lists and brackets: each once took seconds
    // of CPU to render.
    for nested in [
        "> ".repeat(50_000),
        "- ".repeat(50_000),
        "1. ".repeat(33_000),
        "[".repeat(100_000),
    ] {
        let what = if nested.starts_with('[') {
            "brackets or emphasis"
        } else {
            "quotes or lists"
        };
        let response = eve
            .post_form(
                "/admin/stories/preview",
                &story_form(&section, "Nested", &nested),
            )
            .await;
        assert_eq!(response.status(), 422, "the preview refuses {what}");
        let text = response.text();
        assert!(text.contains(&format!("the body nests {what}")), "{text}");
        assert!(text.contains("the limit is 32 levels"), "{text}");

        let response = eve
            .post_form("/admin/stories", &story_form(&section, "Nested", &nested))
            .await;
        assert_eq!(response.status(), 422, "the desk refuses {what}");
        let html = response.text();
        assert!(html.contains(&format!("the body nests {what}")));
        assert!(html.contains("role=\"alert\""));
    }

    // At the limit it renders.
    let at_limit = format!("{}deep", "> ".repeat(NESTING));
    let response = eve
        .post_form(
            "/admin/stories/preview",
            &story_form(&section, "Nested", &at_limit),
        )
        .await;
    assert_eq!(response.status(), 200, "{NESTING} levels are fine");
    assert!(response.text().contains("deep"));

    // The write API answers the stable code `invalid` with the same message.
    let token = api_token(&app).await;
    let api = app.cookieless();
    let story = serde_json::json!({
        "section": "world",
        "headline": "Wire story",
        "body": "> ".repeat(50_000),
    });
    let response = api.post_json("/api/v1/stories", &token, &story).await;
    assert_eq!(response.status(), 422);
    let body = response.json();
    assert_eq!(body["error"]["code"], "invalid", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the body nests quotes or lists 50000 levels deep on line 1"),
        "{body}"
    );
    let story = serde_json::json!({
        "section": "world",
        "headline": "x".repeat(HEADLINE_CHARS + 1),
        "body": "Fine.",
    });
    let response = api.post_json("/api/v1/stories", &token, &story).await;
    assert_eq!(response.status(), 422);
    let body = response.json();
    assert_eq!(
        body["error"]["message"],
        "the headline is 301 characters long; the limit is 300"
    );
}

async fn api_token(app: &TestApp) -> String {
    let actor = Actor::anonymous("test", None);
    let email = "wire@news.example";
    let (user, _) =
        accounts::create_user(&app.db.store, &actor, email, email, Role::Editor, None, NOW)
            .await
            .unwrap();
    accounts::api_tokens::create(&app.db.store, &user, "test", NOW)
        .await
        .unwrap()
        .secret
}
