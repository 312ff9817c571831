//! Autosaves and presence (issue 13): the storage contract on both
//! backends, and the story editor's routes over real HTTP: what is kept,
//! who may keep and read it, CSRF, the offer on reopening, restore and
//! discard without JavaScript, a real save clearing it, presence notices,
//! and a refused save showing what the other person changed.

use std::collections::BTreeMap;

use masthead::accounts::Role;
use masthead::autosaves::{self, Draft, GONE_AFTER_SECONDS};

use crate::on_both;
use crate::stories::{signed_in, story_form, world};
use crate::support::{Backend, NOW, Session, TestApp, create_user, spawn, store};

on_both!(
    an_autosave_is_kept_per_person_and_draft_and_replaced,
    presence_counts_the_recent_heartbeats_since_they_arrived,
    the_editor_keeps_the_form_and_offers_it_on_reopening,
    a_new_story_autosave_is_offered_on_new_story_and_cleared_by_creating_it,
    autosave_refuses_cross_site_posts_other_peoples_stories_and_oversize_bodies,
    a_writer_never_sees_another_persons_autosave,
    presence_shows_who_else_is_editing_and_a_refused_save_shows_their_changes,
);

fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn an_autosave_is_kept_per_person_and_draft_and_replaced(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let store = &db.store;
    let (ada, _) = masthead::accounts::create_user(
        store,
        &masthead::audit::Actor::command_line(),
        "ada@news.example",
        "Ada Lovelace",
        Role::Writer,
        None,
        NOW,
    )
    .await
    .unwrap();
    let (bob, _) = masthead::accounts::create_user(
        store,
        &masthead::audit::Actor::command_line(),
        "bob@news.example",
        "Bob",
        Role::Writer,
        None,
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(
        autosaves::find(store, ada.id, Draft::Story(7))
            .await
            .unwrap(),
        None
    );
    let first = form(&[("headline", "Draft"), ("body", "It’s “quoted”.\nLine 2")]);
    autosaves::keep(store, ada.id, Draft::Story(7), 3, &first, NOW)
        .await
        .unwrap();
    autosaves::keep(
        store,
        ada.id,
        Draft::NewStory,
        0,
        &form(&[("headline", "New")]),
        NOW,
    )
    .await
    .unwrap();
    let kept = autosaves::find(store, ada.id, Draft::Story(7))
        .await
        .unwrap()
        .expect("kept");
    assert_eq!(kept.fields, first, "every field exactly as typed");
    assert_eq!((kept.based_on, kept.saved_at), (3, NOW));
    assert_eq!(
        autosaves::find(store, bob.id, Draft::Story(7))
            .await
            .unwrap(),
        None,
        "one person's autosave is theirs alone"
    );
    // A later autosave replaces the earlier one.
    let second = form(&[("headline", "Draft 2")]);
    autosaves::keep(store, ada.id, Draft::Story(7), 4, &second, NOW + 5)
        .await
        .unwrap();
    let kept = autosaves::find(store, ada.id, Draft::Story(7))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.fields, kept.based_on, kept.saved_at),
        (second, 4, NOW + 5)
    );
    assert!(
        autosaves::discard(store, ada.id, Draft::Story(7))
            .await
            .unwrap()
    );
    assert!(
        !autosaves::discard(store, ada.id, Draft::Story(7))
            .await
            .unwrap()
    );
    assert!(
        autosaves::find(store, ada.id, Draft::NewStory)
            .await
            .unwrap()
            .is_some(),
        "the new story's autosave is another draft"
    );
}

async fn presence_counts_the_recent_heartbeats_since_they_arrived(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let store = &db.store;
    let mut ids = Vec::new();
    for (email, name) in [
        ("ada@news.example", "Ada Lovelace"),
        ("bob@news.example", "Bob"),
    ] {
        let (user, _) = masthead::accounts::create_user(
            store,
            &masthead::audit::Actor::command_line(),
            email,
            name,
            Role::Editor,
            None,
            NOW,
        )
        .await
        .unwrap();
        ids.push(user.id);
    }
    let (ada, bob) = (ids[0], ids[1]);
    let story = Draft::Story(1);
    assert!(
        autosaves::heartbeat(store, ada, story, NOW)
            .await
            .unwrap()
            .is_empty()
    );
    let seen = autosaves::heartbeat(store, bob, story, NOW + 3)
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].name.as_str(), seen[0].since),
        ("Ada Lovelace", NOW)
    );
    // Ada keeps beating: her "since" stays.
    autosaves::heartbeat(store, ada, story, NOW + 5)
        .await
        .unwrap();
    let seen = autosaves::others(store, bob, story, NOW + 6).await.unwrap();
    assert_eq!(seen[0].since, NOW);
    // Another story's editors are not this one's.
    assert!(
        autosaves::others(store, bob, Draft::Story(2), NOW + 6)
            .await
            .unwrap()
            .is_empty()
    );
    // Silent for too long: gone; back later: since then.
    let later = NOW + 5 + GONE_AFTER_SECONDS + 1;
    assert!(
        autosaves::others(store, bob, story, later)
            .await
            .unwrap()
            .is_empty()
    );
    autosaves::heartbeat(store, ada, story, later)
        .await
        .unwrap();
    let seen = autosaves::others(store, bob, story, later).await.unwrap();
    assert_eq!(seen[0].since, later);
    autosaves::leave(store, ada, story).await.unwrap();
    assert!(
        autosaves::others(store, bob, story, later)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Creates a story through the desk as `session`; returns its id.
async fn create(app: &TestApp, session: &Session, headline: &str, body: &str) -> i64 {
    let section = world(app).await;
    let response = session
        .post_form("/admin/stories", &story_form(&section, headline, body))
        .await;
    assert_eq!(response.status(), 303, "create: {}", response.text());
    response
        .location()
        .unwrap()
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The editor's form at `path` as the browser would send it, with `body`.
async fn editor_fields(session: &Session, path: &str, body: &str) -> Vec<(String, String)> {
    let page = session.get(path).await;
    assert_eq!(page.status(), 200, "{path}");
    let mut fields: Vec<(String, String)> = Vec::new();
    for name in [
        "headline", "section", "revision", "bylines", "slug", "language",
    ] {
        let value = page
            .attrs(&format!("#story-form [name={name}]"), "value")
            .into_iter()
            .next()
            .unwrap_or_default();
        fields.push((name.to_owned(), value));
    }
    if let Some(section) = page
        .attrs("#section option[selected]", "value")
        .into_iter()
        .next()
    {
        fields.retain(|(k, _)| k != "section");
        fields.push(("section".into(), section));
    }
    fields.push(("body".into(), body.into()));
    fields
}

async fn the_editor_keeps_the_form_and_offers_it_on_reopening(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (ada, _) = signed_in(&app, "ada@news.example", Role::Writer).await;
    let id = create(&app, &ada, "Budget vote", "Saved paragraph.").await;
    let path = format!("/admin/stories/{id}");
    let opened = ada.get(&path).await;
    assert!(
        opened.select("#autosave-offer").is_empty(),
        "nothing to offer yet"
    );
    let autosave = opened.attrs("#story-form", "data-autosave");
    assert_eq!(autosave, vec![format!("{path}/autosave")]);
    assert!(
        opened
            .text()
            .contains(r#"<script src="/static/admin-autosave.js" defer></script>"#),
        "the script is a file of our own (CSP: script-src 'self')"
    );
    let script = app.get("/static/admin-autosave.js").await;
    assert_eq!(script.status(), 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );

    // Form data, as the script posts it.
    let fields = editor_fields(
        &ada,
        &path,
        "Saved paragraph.\n\nA sentence typed just now.",
    )
    .await;
    let kept = ada.post_form(&format!("{path}/autosave"), &fields).await;
    assert_eq!(kept.status(), 200, "{}", kept.text());
    let answer = kept.json();
    assert_eq!(answer["saved_at"], NOW);
    assert!(answer["time"].as_str().unwrap().contains(':'), "{answer}");
    assert!(
        kept.header("cache-control").unwrap().contains("no-store"),
        "never kept by a cache"
    );

    // Reopening offers it, in words, with Restore and Discard.
    let reopened = ada.get(&path).await;
    let offer = reopened.select("#autosave-offer h2").join(" ");
    assert!(offer.starts_with("An autosave from "), "{offer}");
    assert!(offer.ends_with("is newer than the saved story"), "{offer}");
    assert_eq!(
        reopened.select("textarea#body"),
        vec!["<p>Saved paragraph.</p>\n"],
        "the form holds the saved story (opened as HTML) until restored"
    );
    // Restore, a plain form post: the editor with the autosaved text.
    let restored = ada
        .post_form(&format!("{path}/autosave/restore"), &[("", "")])
        .await;
    assert_eq!(restored.status(), 200, "{}", restored.text());
    assert_eq!(
        restored.select("textarea#body"),
        vec!["Saved paragraph.\n\nA sentence typed just now."]
    );
    assert!(restored.text().contains("Autosave restored"));
    assert_eq!(
        restored.attrs("#story-form [name=revision]", "value"),
        vec!["1"]
    );

    // JSON is accepted too; a real save clears the autosave.
    let json: BTreeMap<String, String> = fields.iter().cloned().collect();
    let kept = ada
        .send(
            ada.client()
                .post(ada.url(&format!("{path}/autosave")))
                .json(&json),
        )
        .await;
    assert_eq!(kept.status(), 200, "{}", kept.text());
    let mut save = fields.clone();
    save.push(("message".into(), "typed".into()));
    let saved = ada.post_form(&path, &save).await;
    assert_eq!(saved.status(), 303, "{}", saved.text());
    assert!(
        ada.get(&path).await.select("#autosave-offer").is_empty(),
        "saved: nothing left to offer"
    );

    // Discard deletes it.
    assert_eq!(
        ada.post_form(&format!("{path}/autosave"), &fields)
            .await
            .status(),
        200
    );
    let discarded = ada
        .post_form(&format!("{path}/autosave/discard"), &[("", "")])
        .await;
    assert_eq!(discarded.status(), 303);
    let after = ada.get(discarded.location().unwrap()).await;
    assert!(after.select("#autosave-offer").is_empty());
    assert!(after.text().contains("Autosave discarded."));
}

async fn a_new_story_autosave_is_offered_on_new_story_and_cleared_by_creating_it(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (ada, _) = signed_in(&app, "ada@news.example", Role::Writer).await;
    let section = world(&app).await;
    let draft = story_form(&section, "Never saved", "Typed into a new story.");
    let kept = ada.post_form("/admin/stories/new/autosave", &draft).await;
    assert_eq!(kept.status(), 200, "{}", kept.text());
    let new = ada.get("/admin/stories/new").await;
    assert_eq!(
        new.select("#autosave-offer").len(),
        1,
        "offered on reopening new story"
    );
    let restored = ada
        .post_form("/admin/stories/new/autosave/restore", &[("", "")])
        .await;
    assert_eq!(
        restored.select("textarea#body"),
        vec!["Typed into a new story."]
    );
    assert_eq!(restored.attrs("#headline", "value"), vec!["Never saved"]);
    create(&app, &ada, "Never saved", "Typed into a new story.").await;
    assert!(
        ada.get("/admin/stories/new")
            .await
            .select("#autosave-offer")
            .is_empty(),
        "creating the story cleared the new story's autosave"
    );
}

async fn autosave_refuses_cross_site_posts_other_peoples_stories_and_oversize_bodies(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (ada, _) = signed_in(&app, "ada@news.example", Role::Writer).await;
    let (bob, _) = signed_in(&app, "bob@news.example", Role::Writer).await;
    let id = create(&app, &ada, "Ada's story", "Hers.").await;
    let path = format!("/admin/stories/{id}/autosave");
    let fields = [("headline", "x"), ("body", "Sneaky."), ("revision", "1")];

    let cross = ada
        .post_form_with(&path, &fields, &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(cross.status(), 403, "CSRF: another site's post");
    let foreign = ada
        .post_form_with(&path, &fields, &[("origin", "http://evil.example")])
        .await;
    assert_eq!(foreign.status(), 403);
    let beat = ada
        .post_with(
            &format!("/admin/stories/{id}/presence"),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(beat.status(), 403, "heartbeats too");

    // A writer may not autosave a story they may not edit (seeded story 1
    // is published by nobody here; Ada's is Ada's).
    assert_eq!(bob.post_form(&path, &fields).await.status(), 403);
    assert_eq!(
        bob.post_form("/admin/stories/1/autosave", &fields)
            .await
            .status(),
        403
    );
    assert_eq!(
        bob.post_form("/admin/stories/999/autosave", &fields)
            .await
            .status(),
        404
    );
    // Signed out: sent to sign in, nothing kept.
    let anonymous = app.session();
    assert_eq!(anonymous.post_form(&path, &fields).await.status(), 303);
    assert_eq!(
        anonymous
            .post(&format!("/admin/stories/{id}/presence"))
            .await
            .status(),
        303
    );
    let ada_id = masthead::accounts::find_by_email(app.store(), "ada@news.example")
        .await
        .unwrap()
        .id;
    assert_eq!(
        autosaves::find(app.store(), ada_id, Draft::Story(id))
            .await
            .unwrap(),
        None,
        "nothing kept by any refused request"
    );

    // The save's body limit: refused naming the body.
    let big = "x".repeat(masthead::articles::limits::BODY_BYTES + 1);
    let refused = ada
        .post_form(&path, &[("headline", "x"), ("body", big.as_str())])
        .await;
    assert_eq!(
        refused.status(),
        413,
        "{}",
        &refused.text()[..200.min(refused.text().len())]
    );
    assert!(refused.json()["error"].as_str().unwrap().contains("body"));
}

async fn a_writer_never_sees_another_persons_autosave(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (ada, _) = signed_in(&app, "ada@news.example", Role::Writer).await;
    let (eve, _) = signed_in(&app, "eve@news.example", Role::Editor).await;
    let id = create(&app, &ada, "Ada's story", "Hers.").await;
    let path = format!("/admin/stories/{id}");
    let kept = ada
        .post_form(
            &format!("{path}/autosave"),
            &[
                ("headline", "Ada's story"),
                ("body", "Ada's secret sentence."),
                ("revision", "1"),
            ],
        )
        .await;
    assert_eq!(kept.status(), 200);
    // The editor (who may edit Ada's story) opens it: no offer, no text.
    let page = eve.get(&path).await;
    assert!(page.select("#autosave-offer").is_empty());
    assert!(!page.text().contains("secret sentence"));
    let restored = eve
        .post_form(&format!("{path}/autosave/restore"), &[("", "")])
        .await;
    assert_eq!(restored.status(), 303, "nothing of Eve's to restore");
    let landing = eve.get(restored.location().unwrap()).await;
    assert!(!landing.text().contains("secret sentence"));
    assert!(landing.text().contains("There is no autosave to restore."));
    // Eve's discard deletes only Eve's (none): Ada's stays.
    eve.post_form(&format!("{path}/autosave/discard"), &[("", "")])
        .await;
    assert_eq!(ada.get(&path).await.select("#autosave-offer").len(), 1);
    // Another writer cannot even open restore on Ada's story.
    let (bob, _) = signed_in(&app, "bob@news.example", Role::Writer).await;
    let refused = bob
        .post_form(&format!("{path}/autosave/restore"), &[("", "")])
        .await;
    assert_eq!(refused.status(), 403);
    assert!(!refused.text().contains("secret sentence"));
}

async fn presence_shows_who_else_is_editing_and_a_refused_save_shows_their_changes(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    create_user(&app, "ada@news.example", Role::Editor).await;
    let ada = app.signed_in("ada@news.example").await;
    let (max, _) = signed_in(&app, "max@news.example", Role::Editor).await;
    let id = create(&app, &ada, "Shared story", "First line.\nSecond line.").await;
    let path = format!("/admin/stories/{id}");
    // Ada's editor is open and beating.
    let beat = ada.post(&format!("{path}/presence")).await;
    assert_eq!(beat.status(), 200, "{}", beat.text());
    assert_eq!(beat.json()["editors"], serde_json::json!([]));
    // Max opens the story: told first, server-rendered.
    let page = max.get(&path).await;
    let notice = page.select("#presence .editing");
    assert_eq!(notice.len(), 1, "{notice:?}");
    assert!(
        notice[0].starts_with("ada is editing, since "),
        "{notice:?}"
    );
    let beat = max.post(&format!("{path}/presence")).await.json();
    assert_eq!(beat["editors"][0]["name"], "ada");
    // Ada sees Max on her next heartbeat.
    let beat = ada.post(&format!("{path}/presence")).await.json();
    assert_eq!(beat["editors"][0]["name"], "max");
    // Ada closes her editor: Max no longer sees her.
    assert_eq!(
        ada.post(&format!("{path}/presence/leave")).await.status(),
        204
    );
    assert!(max.get(&path).await.select("#presence .editing").is_empty());

    // Both opened revision 1; Ada saves first, Max's save is refused and
    // shows what Ada changed since revision 1.
    let section = world(&app).await;
    let mut ada_form = story_form(&section, "Shared story", "First line.\nAda's new line.");
    ada_form.push(("revision", "1"));
    assert_eq!(ada.post_form(&path, &ada_form).await.status(), 303);
    let mut max_form = story_form(
        &section,
        "Shared story",
        "First line.\nSecond line.\nMax's.",
    );
    max_form.push(("revision", "1"));
    let refused = max.post_form(&path, &max_form).await;
    assert_eq!(refused.status(), 409);
    let theirs = refused.select(".theirs-changes h3");
    assert_eq!(theirs.len(), 1, "{}", refused.text());
    assert!(theirs[0].contains("since revision 1"), "{theirs:?}");
    let lines = refused.select(".theirs-changes .line.added");
    assert!(
        lines.iter().any(|l| l.contains("Ada's new line.")),
        "{lines:?}"
    );
    let removed = refused.select(".theirs-changes .line.removed");
    assert!(
        removed.iter().any(|l| l.contains("Second line.")),
        "{removed:?}"
    );
}
