//! Issue 9, "one way through the code", as users notice it: a failure of
//! ours shows a request id and never the database's words; publishing
//! through the API and through the desk leaves the same audit entry; a
//! refused save changes no image; an error page (the reader's or the
//! admin's) needs no settings query; a section change whose audit entry
//! cannot be written does not happen; a session that cannot be read, an
//! image file and an upload fail through the same problem pages; every API
//! error has one JSON shape.

use masthead::accounts::Role;

use crate::media::{encode, multipart, picture, post_upload};
use crate::on_both;
use crate::stories::{story_form, world};
use crate::support::create_user;
use crate::support::{Backend, NOW, TestApp, spawn};

on_both!(
    a_database_failure_during_an_editor_save_shows_a_request_id_and_no_database_text,
    publishing_through_the_api_and_the_desk_writes_the_same_audit_entry,
    a_refused_story_save_leaves_the_image_text_unchanged,
    an_error_page_needs_no_settings_query,
    a_section_change_whose_audit_entry_fails_does_not_happen,
    an_admin_error_page_needs_no_settings_query,
    a_session_that_cannot_be_read_shows_the_500_page_with_a_request_id,
    image_files_fail_through_the_problem_pages,
    api_errors_have_one_shape_and_a_401_names_its_scheme,
    an_upload_that_fails_on_our_side_answers_like_every_other_failure,
);

/// Runs `statements` behind the app's back, through a connection of its own.
pub async fn behind_the_apps_back(app: &TestApp, statements: &[&str]) {
    match &app.db.database_url {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            for sql in statements {
                sqlx::query(sqlx::AssertSqlSafe(*sql))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
        }
        None => {
            let path = app.db.dir.path().join("masthead.db");
            let url = format!("sqlite://{}", path.display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            for sql in statements {
                sqlx::query(sqlx::AssertSqlSafe(*sql))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
        }
    }
}

/// Renames `table` behind the app's back, so every query the app makes on
/// it fails.
async fn break_table(app: &TestApp, table: &str) {
    let sql = format!("ALTER TABLE {table} RENAME TO {table}_gone");
    behind_the_apps_back(app, &[&sql]).await;
}

/// Makes every insert into the audit log fail (a trigger), or lets them
/// through again.
async fn refuse_audit_entries(app: &TestApp, refuse: bool) {
    let statements: &[&str] = match (app.db.database_url.is_some(), refuse) {
        (true, true) => &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'audit_log refuses entries'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
             FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ],
        (true, false) => &[
            "DROP TRIGGER refuse_audit ON audit_log",
            "DROP FUNCTION refuse_audit()",
        ],
        (false, true) => &["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log refuses entries'); END"],
        (false, false) => &["DROP TRIGGER refuse_audit"],
    };
    behind_the_apps_back(app, statements).await;
}

/// Words of the database's own messages on either backend.
const DATABASE_WORDS: &[&str] = &[
    "no such table",
    "does not exist",
    "relation",
    "database",
    "sqlx",
    "site_gone",
    "audit_log",
    "refuses",
];

async fn a_database_failure_during_an_editor_save_shows_a_request_id_and_no_database_text(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    create_user(&app, "editor@example.org", Role::Editor).await;
    let editor = app.signed_in("editor@example.org").await;
    let section = world(&app).await;
    let mut form = story_form(&section, "Harbour reopens", "Boats returned at dawn.");
    form.push(("revision", "1"));
    form.push(("update_kind", "silent_fix"));
    break_table(&app, "site").await;

    let response = editor.post_form("/admin/stories/1", &form).await;
    assert_eq!(response.status(), 500);
    let request_id = response
        .header("x-request-id")
        .expect("every response carries its request id");
    let body = response.text();
    assert!(
        body.contains(request_id),
        "the page shows the request id {request_id}:\n{body}"
    );
    let lower = body.to_lowercase();
    for words in DATABASE_WORDS {
        assert!(!lower.contains(words), "the page shows {words:?}:\n{body}");
    }
}

async fn publishing_through_the_api_and_the_desk_writes_the_same_audit_entry(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let user = create_user(&app, "editor@example.org", Role::Editor).await;
    let desk = app.signed_in("editor@example.org").await;
    let token = masthead::accounts::api_tokens::create(app.app.store(), &user, "test", NOW)
        .await
        .unwrap()
        .secret;
    let api = app.cookieless();
    let mut ids = Vec::new();
    for headline in ["Through the desk", "Through the API"] {
        let created = api
            .post_json(
                "/api/v1/stories",
                &token,
                &serde_json::json!({ "section": "world", "headline": headline }),
            )
            .await
            .json();
        ids.push(created["id"].as_i64().expect("a new story's id"));
    }
    let desk_publish = desk
        .post(&format!("/admin/stories/{}/publish", ids[0]))
        .await;
    assert_eq!(desk_publish.status(), 303);
    let api_publish = api
        .api(
            reqwest::Method::POST,
            &format!("/api/v1/stories/{}/publish", ids[1]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(api_publish.status(), 200);

    let entries = app.audit_log().await;
    let entry_for = |id: i64| {
        let subject = format!("article:{id}");
        let found: Vec<_> = entries
            .iter()
            .filter(|e| e.subject == subject && e.action == "story.published")
            .collect();
        assert_eq!(found.len(), 1, "one entry for {subject}: {entries:?}");
        found[0].clone()
    };
    let (by_desk, by_api) = (entry_for(ids[0]), entry_for(ids[1]));
    assert_eq!(by_desk.actor_id, Some(user.id));
    assert_eq!(by_api.actor_id, by_desk.actor_id);
    assert_eq!(by_api.actor, by_desk.actor);
    let keys = |details: &str| {
        let value: serde_json::Value = serde_json::from_str(details).unwrap();
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&by_api.details), keys(&by_desk.details));
    let api_details: serde_json::Value = serde_json::from_str(&by_api.details).unwrap();
    assert_eq!(api_details["headline"], "Through the API");
}

async fn a_refused_story_save_leaves_the_image_text_unchanged(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    create_user(&app, "editor@example.org", Role::Editor).await;
    let editor = app.signed_in("editor@example.org").await;
    let png = encode(&picture(480, 320), "png");
    let (content_type, body) = multipart(
        "harbour.png",
        &png,
        &[
            ("caption", "Boats"),
            ("credit", "Jane Doe"),
            ("alt", "Old alt"),
        ],
    );
    let uploaded = editor
        .send(
            editor
                .client()
                .post(editor.url("/admin/media"))
                .header("content-type", content_type)
                .header("accept", "application/json")
                .body(body),
        )
        .await;
    let uploaded: serde_json::Value = serde_json::from_str(uploaded.text()).unwrap();
    let media_id = uploaded["id"].as_i64().expect("the upload's id");
    let reference = format!("media:{media_id}");
    let section = world(&app).await;

    // A story over the image (revision 1), then a save over revision 0: stale.
    let mut form = story_form(&section, "Harbour reopens", "Boats returned at dawn.");
    form.retain(|(k, _)| *k != "lead_image");
    form.push(("lead_image", &reference));
    let created = editor.post_form("/admin/stories", &form).await;
    assert_eq!(created.status(), 303);
    let story = created
        .location()
        .unwrap()
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    form.extend_from_slice(&[
        ("lead_text_for", &reference),
        ("lead_alt", "New alt"),
        ("lead_caption", "New caption"),
        ("lead_credit", "Jane Doe"),
        ("revision", "0"),
    ]);
    let refused = editor
        .post_form(&format!("/admin/stories/{story}"), &form)
        .await;
    assert_eq!(refused.status(), 409);

    let media = masthead::media::find(app.app.store(), media_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(media.alt, "Old alt");
    assert_eq!(media.caption, "Boats");
}

async fn an_error_page_needs_no_settings_query(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    // The front page reads the settings once; they stay in memory.
    assert_eq!(app.cookieless().get("/").await.status(), 200);
    break_table(&app, "site").await;
    break_table(&app, "sections").await;

    let (status, body) = app.cookieless().get_text("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("<title>Page not found | The Daily Masthead</title>"),
        "the themed 404 page:\n{body}"
    );
}

/// What an administrator sees of the sections, in display order.
async fn section_names(app: &TestApp) -> Vec<(String, String)> {
    masthead::sections::list(app.app.store())
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.slug, s.name))
        .collect()
}

async fn a_section_change_whose_audit_entry_fails_does_not_happen(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let user = create_user(&app, "editor@example.org", Role::Editor).await;
    let editor = app.signed_in("editor@example.org").await;
    let second = editor
        .post_form("/admin/sections", &[("name", "Sport"), ("slug", "")])
        .await;
    assert_eq!(second.status(), 303, "two sections, so the first can move");
    let first = masthead::sections::list(app.app.store()).await.unwrap()[0].id;
    let before = section_names(&app).await;
    let last_event = app.app.store().last_event_id().await.unwrap();
    refuse_audit_entries(&app, true).await;

    // Each change fails as a whole: a 500 page with the request id and no
    // database words, and the sections as they were.
    let changes = [
        (
            "create",
            "/admin/sections".to_owned(),
            [("name", "Local News"), ("slug", "")].as_slice(),
        ),
        (
            "rename",
            format!("/admin/sections/{first}"),
            &[("name", "Elsewhere")],
        ),
        (
            "move",
            format!("/admin/sections/{first}/move"),
            &[("direction", "down")],
        ),
    ];
    for (what, path, form) in changes {
        let response = editor.post_form(&path, form).await;
        assert_eq!(response.status(), 500, "{what}");
        let request_id = response.header("x-request-id").unwrap();
        let body = response.text();
        assert!(
            body.contains(request_id),
            "{what} shows the request id:\n{body}"
        );
        let lower = body.to_lowercase();
        for words in DATABASE_WORDS {
            assert!(!lower.contains(words), "{what} shows {words:?}:\n{body}");
        }
        assert_eq!(section_names(&app).await, before, "{what} changed nothing");
    }
    assert_eq!(
        app.app.store().last_event_id().await.unwrap(),
        last_event,
        "no event of a change that did not happen"
    );

    // With the audit log writable again, the same change commits with its
    // entry, named after the editor.
    refuse_audit_entries(&app, false).await;
    let created = editor
        .post_form("/admin/sections", &[("name", "Local News"), ("slug", "")])
        .await;
    assert_eq!(created.status(), 303);
    let local = masthead::sections::find(app.app.store(), "local-news")
        .await
        .unwrap()
        .expect("the section is created");
    let entries = app.audit_log().await;
    let subject = format!("section:{}", local.id);
    let created_entries: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "section.created" && e.subject == subject)
        .collect();
    assert_eq!(created_entries.len(), 1, "one entry: {entries:?}");
    assert_eq!(created_entries[0].actor_id, Some(user.id));
}

/// The request id of a failure of ours is on its page, and no words of
/// the database or the file system are.
fn assert_our_failure(what: &str, response: &crate::support::Page, hidden: &[&str]) {
    assert_eq!(response.status(), 500, "{what}: {}", response.text());
    let request_id = response
        .header("x-request-id")
        .expect("every response carries its request id");
    let body = response.text();
    assert!(
        body.contains(request_id),
        "{what} shows the request id {request_id}:\n{body}"
    );
    let lower = body.to_lowercase();
    for words in DATABASE_WORDS.iter().chain(hidden) {
        assert!(!lower.contains(words), "{what} shows {words:?}:\n{body}");
    }
}

async fn an_admin_error_page_needs_no_settings_query(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    create_user(&app, "editor@example.org", Role::Editor).await;
    let editor = app.signed_in("editor@example.org").await;
    // The dashboard reads the settings once; they stay in memory.
    let dashboard = editor.get("/admin").await;
    assert_eq!(dashboard.status(), 200);
    assert!(dashboard.text().contains("· The Daily Masthead</title>"));
    break_table(&app, "site").await;

    // A role refusal and an unknown image: the admin's own pages, named
    // after the site and with the editor's navigation.
    let refused = editor.get("/admin/users").await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .contains("<title>Not allowed · The Daily Masthead</title>"),
        "the admin's 403 page:\n{}",
        refused.text()
    );
    assert!(refused.text().contains("href=\"/admin/stories\""));
    let missing = editor
        .post_form("/admin/media/999999", &[("alt", "x")])
        .await;
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .text()
            .contains("<title>Not found · The Daily Masthead</title>"),
        "the admin's 404 page:\n{}",
        missing.text()
    );
}

async fn a_session_that_cannot_be_read_shows_the_500_page_with_a_request_id(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    create_user(&app, "editor@example.org", Role::Editor).await;
    let editor = app.signed_in("editor@example.org").await;
    break_table(&app, "sessions").await;

    for path in ["/admin", "/admin/stories", "/admin/media"] {
        let response = editor.get(path).await;
        assert_our_failure(path, &response, &["sessions"]);
        assert!(
            response.text().contains("Something went wrong"),
            "{path}: the admin's 500 page:\n{}",
            response.text()
        );
    }
}

async fn image_files_fail_through_the_problem_pages(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let png = encode(&picture(480, 320), "png");
    let uploaded = post_upload(&editor, true, "harbour.png", &png, "Boats").await;
    assert_eq!(uploaded.status(), 201, "{}", uploaded.text());
    let url = uploaded.json()["derivatives"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let reader = app.cookieless();
    assert_eq!(reader.get(&url).await.status(), 200);

    // No such file: the reader's themed 404 page.
    let (status, body) = reader.get_text(&format!("{url}x")).await;
    assert_eq!(status, 404);
    assert!(
        body.contains("<title>Page not found | The Daily Masthead</title>"),
        "the themed 404 page:\n{body}"
    );

    // A file that cannot be read (a folder in its place): the 500 page
    // with the request id, and nothing of the file system's words.
    let name = url.strip_prefix("/media/").unwrap();
    let path = app.db.dir.path().join("media").join(&name[..2]).join(name);
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let response = reader.get(&url).await;
    assert_our_failure(
        "an unreadable image",
        &response,
        &["directory", "os error", name, "media/"],
    );
    assert!(
        response
            .text()
            .contains("<title>Something went wrong | The Daily Masthead</title>"),
        "the themed 500 page:\n{}",
        response.text()
    );
}

async fn api_errors_have_one_shape_and_a_401_names_its_scheme(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let anonymous = app.session();
    let codes = |page: &crate::support::Page| {
        let json = page.json();
        let error = json["error"].as_object().expect("an error object");
        let mut keys: Vec<&String> = error.keys().collect();
        keys.sort();
        assert_eq!(keys, ["code", "message"], "one shape: {json}");
        json["error"]["code"].as_str().unwrap().to_owned()
    };

    // No token, and a token that is not one: 401 with the scheme to use.
    for token in [None, Some("mh_forged")] {
        let story = r#"{"section":"world","headline":"Hi"}"#;
        let response = anonymous
            .api(reqwest::Method::POST, "/api/v1/stories", token, Some(story))
            .await;
        assert_eq!(response.status(), 401, "{token:?}");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
        assert_eq!(codes(&response), "unauthorized");
    }
    // A writer's token may not publish: 403, same shape.
    let writer = create_user(&app, "writer@example.org", Role::Writer).await;
    let token = masthead::accounts::api_tokens::create(app.app.store(), &writer, "t", NOW)
        .await
        .unwrap()
        .secret;
    let publish = anonymous
        .api(
            reqwest::Method::POST,
            "/api/v1/stories/1/publish",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(publish.status(), 403, "{}", publish.text());
    assert_eq!(publish.header("www-authenticate"), None);
    assert_eq!(codes(&publish), "forbidden");
    // No such endpoint, and a bad upload answered as JSON: same shape.
    let unknown = anonymous.get("/api/v1/nothing").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(codes(&unknown), "not_found");
    let (_, editor) = app.session_as(Role::Editor).await;
    let refused = post_upload(&editor, true, "cat.jpg", b"not an image", "x").await;
    assert_eq!(refused.status(), 415);
    assert_eq!(codes(&refused), "not_an_image");

    // Every code the API answers is one the OpenAPI document lists.
    let openapi = anonymous.get("/api/v1/openapi.json").await.json();
    let listed = &openapi["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
        ["enum"];
    for code in ["unauthorized", "forbidden", "not_found"] {
        assert!(
            listed.as_array().unwrap().iter().any(|c| c == code),
            "{code} in {listed}"
        );
    }
}

async fn an_upload_that_fails_on_our_side_answers_like_every_other_failure(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    // A file where the media folder should be: no image can be stored.
    let media_dir = app.db.dir.path().join("media");
    let _ = std::fs::remove_dir_all(&media_dir);
    std::fs::write(&media_dir, b"not a folder").unwrap();
    let png = encode(&picture(480, 320), "png");

    let json = post_upload(&editor, true, "harbour.png", &png, "Boats").await;
    assert_eq!(json.status(), 500, "{}", json.text());
    let body = json.json();
    assert_eq!(body["error"]["code"], "internal");
    let message = body["error"]["message"].as_str().unwrap().to_lowercase();
    for words in ["directory", "os error", "media", "file exists", "not a"] {
        assert!(!message.contains(words), "the API shows {words:?}: {body}");
    }

    let html = post_upload(&editor, false, "harbour.png", &png, "Boats").await;
    assert_our_failure(
        "an HTML upload",
        &html,
        &["os error", "file exists", "not a directory"],
    );
}

/// A failure of ours through the real binary: the session table gone, an
/// image file that is a folder. Each answer shows its request id and no
/// cause; the log has the cause chain once, on the line of that id.
#[tokio::test]
async fn a_failure_of_ours_is_logged_once_with_its_chain_and_request_id() {
    use std::time::Duration;

    use crate::support::Session;
    use crate::support::procs::Server;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = Server::start(&data, None, &[], &[], &dir.path().join("server.log"));
    assert!(
        server.wait_ready(Duration::from_secs(60)).await,
        "{}",
        server.logs()
    );
    let hash = "ab".repeat(32);
    let image = data
        .join("media")
        .join("ab")
        .join(format!("{hash}-640.jpg"));
    std::fs::create_dir_all(&image).unwrap();
    let url = format!("sqlite://{}", data.join("masthead.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("ALTER TABLE sessions RENAME TO sessions_gone")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let visitor = Session::at(&server.url(""));
    let answers = [
        (
            "a session that cannot be read",
            visitor
                .get_with("/admin", &[("cookie", "masthead_session=abc123")])
                .await,
            "sessions",
        ),
        (
            "an image that cannot be read",
            visitor.get(&format!("/media/{hash}-640.jpg")).await,
            "directory",
        ),
    ];
    server.signal("TERM");
    assert_eq!(server.wait_exit(Duration::from_secs(30)).await, Some(0));
    let logs = server.logs();
    for (what, answer, cause) in answers {
        assert_eq!(answer.status(), 500, "{what}: {}", answer.text());
        let id = answer.header("x-request-id").unwrap();
        assert!(answer.text().contains(id), "{what}: {}", answer.text());
        assert!(
            !answer.text().to_lowercase().contains(cause),
            "{what}: {}",
            answer.text()
        );
        let chained: Vec<&str> = logs
            .lines()
            .filter(|l| l.contains(id) && l.to_lowercase().contains(cause))
            .collect();
        assert_eq!(
            chained.len(),
            1,
            "{what}: the cause once, for {id}:\n{logs}"
        );
        assert!(chained[0].contains("request failed"), "{}", chained[0]);
    }
}
