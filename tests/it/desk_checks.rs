//! The pre-publish check over real HTTP (issue 16, item 3): the editor
//! shows every check's result; publishing or scheduling a story with a
//! blocking failure is refused with the list, in the desk (the form kept)
//! and in the API (problem+json); `GET /api/v1/stories/{id}/checks` lists
//! them; which checks block is a site setting.

use masthead::accounts::{self, Role};
use masthead::articles::{self, Status};

use crate::on_both;
use crate::stories::{story_form, world};
use crate::support::{Backend, NOW, Session, TestApp, spawn, text_of};

on_both!(a_blocking_check_refuses_publishing_in_the_desk_and_the_api);

/// A 140-character headline: Google's NewsArticle allows 110.
fn long_headline() -> String {
    format!(
        "{}ends here",
        "A very long headline about flood defences ".repeat(3)
    )
}

/// The story id a desk redirect names (`/admin/stories/7?done=created`).
fn created_id(location: Option<&str>) -> i64 {
    let location = location.expect("a redirect to the editor");
    location
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("a story id in {location}"))
}

/// Saves the site settings through the settings page, with the check
/// severities `checks` (`("byline", "blocking")`).
async fn set_severities(app: &TestApp, admin: &Session, checks: &[(&str, &str)]) {
    let site = masthead::site::Site::load(app.store()).await.unwrap();
    let s = site.settings();
    let teaser = s.teaser_length.to_string();
    let mut form: Vec<(String, String)> = vec![
        ("name".into(), s.name.clone()),
        ("base_url".into(), s.base_url.clone()),
        ("language".into(), s.language.clone()),
        ("time_zone".into(), s.time_zone.clone()),
        ("date_short".into(), s.date_formats["short"].clone()),
        ("date_medium".into(), s.date_formats["medium"].clone()),
        ("date_long".into(), s.date_formats["long"].clone()),
        ("custom_formats".into(), String::new()),
        ("teaser_length".into(), teaser),
        ("comments_shown".into(), "on".into()),
    ];
    for (check, severity) in checks {
        form.push((format!("check_{check}"), (*severity).to_owned()));
    }
    let saved = admin.post_form("/admin/settings", &form).await;
    assert_eq!(saved.status(), 303, "{}", saved.text());
}

async fn a_blocking_check_refuses_publishing_in_the_desk_and_the_api(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let store = app.store();
    let (editor, desk) = app.session_as(Role::Editor).await;
    let section = world(&app).await;
    let headline = long_headline();
    assert_eq!(headline.chars().count(), 135);
    let created = desk
        .post_form(
            "/admin/stories",
            &story_form(&section, &headline, "The river crested overnight."),
        )
        .await;
    assert_eq!(created.status(), 303, "{}", created.text());
    let id = created_id(created.location());

    // The editor shows each check's result: the headline length blocks.
    let page = desk.get(&format!("/admin/stories/{id}")).await;
    assert_eq!(page.status(), 200);
    assert!(
        text_of(page.text(), "#checks-title").contains("blocked"),
        "{}",
        text_of(page.text(), "#checks")
    );
    let blocking = text_of(page.text(), "#checks li.blocking");
    assert!(blocking.contains("135 characters long"), "{blocking}");
    assert!(
        !page
            .select("#checks li.passed[data-check=byline]")
            .is_empty(),
        "the byline check passes"
    );
    assert!(
        !page
            .select("#checks li.warning[data-check=lead_image_size]")
            .is_empty(),
        "no lead image: a warning"
    );

    // Publishing is refused with the list; the editor keeps the story.
    let refused = desk.post(&format!("/admin/stories/{id}/publish")).await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    let error = text_of(refused.text(), "#form-error");
    assert!(
        error.contains("cannot be published yet") && error.contains("135 characters long"),
        "{error}"
    );
    assert_eq!(refused.attrs("#headline", "value"), vec![headline.clone()]);
    assert!(!refused.select("#checks li.blocking").is_empty());
    let scheduled = desk
        .post_form(
            &format!("/admin/stories/{id}/schedule"),
            &[("at", "2030-01-01T10:00")],
        )
        .await;
    assert_eq!(scheduled.status(), 422, "{}", scheduled.text());
    assert!(text_of(scheduled.text(), "#form-error").contains("cannot be scheduled yet"));
    let stored = articles::find(store, id).await.unwrap().unwrap();
    assert_eq!(stored.status, Status::Draft, "nothing was written");
    assert_eq!(stored.revision, 1);

    // The API lists the checks and refuses the same way, as problem+json.
    let token = accounts::api_tokens::create(store, &editor, "checks", NOW)
        .await
        .unwrap()
        .secret;
    let api = app.cookieless();
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let checks_path = format!("/api/v1/stories/{id}/checks");
    let (status, report) = api
        .api(get.clone(), &checks_path, Some(&token), None)
        .await
        .status_json();
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ready"], false);
    assert_eq!(report["revision"], 1);
    let result = |report: &serde_json::Value, check: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == check)
            .cloned()
            .unwrap_or_else(|| panic!("{check} in {report}"))
    };
    let length = result(&report, "headline_length");
    assert_eq!(
        (&length["passed"], &length["severity"]),
        (&serde_json::json!(false), &serde_json::json!("blocking"))
    );
    assert_eq!(report["checks"].as_array().unwrap().len(), 12);
    assert_eq!(result(&report, "byline")["passed"], true);
    let publish_path = format!("/api/v1/stories/{id}/publish");
    let refused = api
        .api(post.clone(), &publish_path, Some(&token), None)
        .await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );
    let problem = refused.json();
    assert_eq!(problem["status"], 422);
    assert_eq!(problem["error"]["code"], "checks_failed");
    assert_eq!(problem["failures"][0]["check"], "headline_length");
    assert_eq!(problem["failures"].as_array().unwrap().len(), 1);
    // Without a token, or as a writer who does not own it: no list.
    assert_eq!(
        api.api(get.clone(), &checks_path, None, None)
            .await
            .status(),
        401
    );
    let (writer, _) = app.session_as(Role::Writer).await;
    let writer_token = accounts::api_tokens::create(store, &writer, "w", NOW)
        .await
        .unwrap()
        .secret;
    let forbidden = api
        .api(get.clone(), &checks_path, Some(&writer_token), None)
        .await;
    assert_eq!(forbidden.status(), 403, "{}", forbidden.text());
    // The OpenAPI document describes the endpoint.
    let openapi = api.get("/api/v1/openapi.json").await.json();
    assert!(openapi["paths"]["/stories/{id}/checks"]["get"].is_object());

    // The site makes the headline length a warning and the byline blocking.
    let (_, admin) = app.session_as(Role::Admin).await;
    let settings = admin.get("/admin/settings").await;
    assert_eq!(
        settings.attrs("#check_headline_length option[selected]", "value"),
        vec!["blocking"]
    );
    set_severities(
        &app,
        &admin,
        &[("headline_length", "warning"), ("byline", "blocking")],
    )
    .await;
    let settings = admin.get("/admin/settings").await;
    assert_eq!(
        settings.attrs("#check_byline option[selected]", "value"),
        vec!["blocking"]
    );
    let patch = reqwest::Method::PATCH;
    let changed = api
        .api(
            patch,
            &format!("/api/v1/stories/{id}"),
            Some(&token),
            Some(r#"{"revision": 1, "bylines": []}"#),
        )
        .await;
    assert_eq!(changed.status(), 200, "{}", changed.text());
    let refused = api
        .api(post.clone(), &publish_path, Some(&token), None)
        .await
        .json();
    let failed: Vec<_> = refused["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(failed, ["byline"], "{refused}");

    // With a byline it passes, and publishes despite its warnings.
    let stored = articles::find(store, id).await.unwrap().unwrap();
    let body = format!(
        r#"{{"revision": {}, "bylines": ["Jane Doe"]}}"#,
        stored.revision
    );
    let changed = api
        .api(
            reqwest::Method::PATCH,
            &format!("/api/v1/stories/{id}"),
            Some(&token),
            Some(&body),
        )
        .await;
    assert_eq!(changed.status(), 200, "{}", changed.text());
    let published = api.api(post, &publish_path, Some(&token), None).await;
    assert_eq!(published.status(), 200, "{}", published.text());
    assert_eq!(published.json()["status"], "published");
}

/// In Chromium: an editor writes a story whose headline is too long for
/// Google's NewsArticle, sees the check block it in the editor, tries to
/// publish it anyway and is shown the list, with the story kept as it was.
#[tokio::test]
async fn an_editor_trying_to_publish_a_story_with_a_blocking_failure_sees_the_list() {
    use crate::browser::{browser, driver, fill, press, sign_in, text, value};
    use fantoccini::Locator;

    let Some(driver) = driver().await else {
        return;
    };
    let Some(app) = spawn(Backend::Sqlite, true).await else {
        return;
    };
    crate::support::create_user(&app, "editor@news.example", Role::Editor).await;
    let editor = browser(&driver).await;
    sign_in(&app, &editor, "editor@news.example").await;
    editor.goto(&app.url("/admin/stories/new")).await.unwrap();
    let headline = long_headline();
    fill(&editor, "#headline", &headline).await;
    fill(&editor, "#body", "The river crested overnight.").await;
    editor
        .find(Locator::Css("#section"))
        .await
        .unwrap()
        .select_by_label("World")
        .await
        .unwrap();
    press(&editor, "Save").await;
    assert_eq!(text(&editor, ".notice").await, "Story created.");
    // The editor shows the check's result before anyone tries.
    assert!(text(&editor, "#checks-title").await.contains("blocked"));

    press(&editor, "Publish now").await;
    let error = text(&editor, "#form-error").await;
    assert!(
        error.contains("cannot be published yet") && error.contains("135 characters long"),
        "{error}"
    );
    let blocking = text(&editor, "#checks li.blocking").await;
    assert!(
        blocking.contains("Headline at most 110 characters") && blocking.contains("Blocking"),
        "{blocking}"
    );
    assert_eq!(text(&editor, "#story-status").await, "a draft");
    assert_eq!(value(&editor, "#headline").await, headline);
    editor.close().await.unwrap();
}
