//! Issue 11, item 6: kept fields, extra named values a story carries,
//! written in the editor, kept in every revision (and brought back by a
//! restore), read and replaced through the API with their kinds, shown to
//! theme templates, and refused with the line and the reason when
//! malformed, with the editor's text kept.

use masthead::accounts::{self, Role};
use masthead::articles::{self, fields::FieldValue};
use masthead::audit::Actor;

use crate::on_both;
use crate::stories::{story_form, world};
use crate::support::{Backend, NOW, Session, TestApp, spawn, spawn_with};

on_both!(
    kept_fields_are_written_in_the_editor_and_kept_in_every_revision,
    the_api_reads_and_replaces_kept_fields_with_their_kinds,
    theme_templates_read_kept_fields,
);

const FIELDS: &str = "source: Reuters\nword_count (number): 1250\n\
    print_date (date): 2016-07-12\noriginal (link): https://example.com/s/1\n\
    regions[]: Middle East\nregions[]: Europe\n";

/// Creates a story through the desk with `fields`; returns the answer.
async fn create(app: &TestApp, session: &Session, fields: &str) -> crate::support::Page {
    let section = world(app).await;
    let mut form = story_form(&section, "Kept fields story", "The body.");
    form.push(("fields", fields));
    session.post_form("/admin/stories", &form).await
}

fn story_id(page: &crate::support::Page) -> i64 {
    page.location()
        .expect("a redirect to the story")
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn kept_fields_are_written_in_the_editor_and_kept_in_every_revision(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;

    // A malformed line is refused with its number and reason; the text stays.
    let refused = create(
        &app,
        &editor,
        "source: Reuters\nword_count (number): many\n",
    )
    .await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    assert!(
        refused.text().contains("kept fields, line 2"),
        "{}",
        refused.text()
    );
    assert!(
        refused.text().contains("&quot;many&quot; is not a number"),
        "{}",
        refused.text()
    );
    assert_eq!(
        refused.select("#kept-fields"),
        ["source: Reuters\nword_count (number): many\n"],
        "the editor's text is kept"
    );

    let created = create(&app, &editor, FIELDS).await;
    assert_eq!(created.status(), 303, "{}", created.text());
    let id = story_id(&created);
    let story = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(
        story.fields["word_count"],
        FieldValue::Number("1250".into())
    );
    assert_eq!(
        story.fields["regions"],
        FieldValue::List(vec![
            FieldValue::Text("Middle East".into()),
            FieldValue::Text("Europe".into())
        ])
    );
    // The editor shows them, by name, in the form they are written in.
    let page = editor.get(&format!("/admin/stories/{id}")).await;
    let shown = page.select("#kept-fields");
    assert_eq!(shown, [articles::fields::to_text(&story.fields)]);
    for line in FIELDS.lines() {
        assert!(shown[0].contains(line), "{line:?} in {shown:?}");
    }

    // A second save changes one value: the revision history shows the change,
    // and restoring revision 1 brings the old value back.
    let section = world(&app).await;
    let mut form = story_form(&section, "Kept fields story", "The body.");
    let changed = articles::fields::to_text(&story.fields).replace("Reuters", "AFP");
    form.push(("fields", &changed));
    form.push(("revision", "1"));
    let saved = editor
        .post_form(&format!("/admin/stories/{id}"), &form)
        .await;
    assert_eq!(saved.status(), 303, "{}", saved.text());
    let story = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(story.fields["source"], FieldValue::Text("AFP".into()));
    let diff = editor
        .get(&format!("/admin/stories/{id}/revisions/diff"))
        .await;
    assert_eq!(diff.status(), 200, "{}", diff.text());
    assert!(diff.text().contains("Kept fields"), "{}", diff.text());
    let first = app.store().revisions(id).await.unwrap()[0].id;
    let restored = editor
        .post_form(
            &format!("/admin/stories/{id}/revisions/{first}/restore"),
            &[("x", "")],
        )
        .await;
    assert_eq!(restored.status(), 303, "{}", restored.text());
    let story = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(story.fields["source"], FieldValue::Text("Reuters".into()));
}

async fn the_api_reads_and_replaces_kept_fields_with_their_kinds(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let actor = Actor::anonymous("test", None);
    let (user, _) = accounts::create_user(
        app.store(),
        &actor,
        "api@example.com",
        "API",
        Role::Editor,
        None,
        NOW,
    )
    .await
    .unwrap();
    let token = accounts::api_tokens::create(app.store(), &user, "test", NOW)
        .await
        .unwrap()
        .secret;
    let session = app.session();
    let body = serde_json::json!({
        "section": "world",
        "headline": "Through the API",
        "body": "Text.",
        "fields": {
            "legacy_nid": {"type": "number", "value": "4711"},
            "sources": {"type": "list", "value": [{"type": "link", "value": "https://example.com/a"}]}
        }
    });
    let created = session.post_json("/api/v1/stories", &token, &body).await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let id = created.json()["id"].as_i64().unwrap();
    let story = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(
        story.fields["legacy_nid"],
        FieldValue::Number("4711".into())
    );

    // A bad value names the field and changes nothing.
    let bad = serde_json::json!({
        "revision": story.revision,
        "fields": {"when": {"type": "date", "value": "last tuesday"}}
    });
    let refused = session
        .api(
            reqwest::Method::PATCH,
            &format!("/api/v1/stories/{id}"),
            Some(&token),
            Some(&bad.to_string()),
        )
        .await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    assert!(
        refused.text().contains("\\\"when\\\""),
        "{}",
        refused.text()
    );
    let unchanged = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(unchanged.fields, story.fields);

    // Publishing it shows the fields, with their kinds, to API readers.
    let published = session
        .api(
            reqwest::Method::POST,
            &format!("/api/v1/stories/{id}/publish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(published.status(), 200, "{}", published.text());
    let (status, read) = session.get_json(&format!("/api/v1/stories/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        read["fields"]["sources"],
        serde_json::json!({"type": "list", "value": [{"type": "link", "value": "https://example.com/a"}]})
    );
}

async fn theme_templates_read_kept_fields(backend: Backend) {
    let theme = tempfile::tempdir().unwrap();
    let article = include_str!("../../templates/article.html").replace(
        "<h1>{{ article.headline }}</h1>",
        "<h1>{{ article.headline }}</h1>\n<p class=\"source\">Source: {{ article.fields.source }}; regions: {{ article.fields.regions | join(\", \") }}</p>",
    );
    std::fs::write(theme.path().join("article.html"), article).unwrap();
    let dir = theme.path().to_owned();
    let Some(app) = spawn_with(backend, true, move |config| config.theme_dir = Some(dir)).await
    else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let created = create(&app, &editor, FIELDS).await;
    assert_eq!(created.status(), 303, "{}", created.text());
    let id = story_id(&created);
    let published = editor
        .post_form(&format!("/admin/stories/{id}/publish"), &[("x", "")])
        .await;
    assert_eq!(published.status(), 303, "{}", published.text());
    let story = articles::find(app.store(), id).await.unwrap().unwrap();
    let (status, page) = app.session().get_text(&story.path()).await;
    assert_eq!(status, 200);
    assert_eq!(
        crate::support::text_of(&page, "p.source"),
        "Source: Reuters; regions: Middle East, Europe"
    );
}
