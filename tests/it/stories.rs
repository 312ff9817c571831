//! The story desk over real HTTP, signed in as real accounts: the
//! permission matrix of its routes, a refused conflicting save that keeps
//! the text, a failed save that keeps the text, and a preview that never
//! runs anything.

use masthead::accounts::Role;
use masthead::articles;

use crate::on_both;
use crate::permissions::{Route, check, matrix_app};
use crate::support::{Backend, Session, TestApp, spawn, text_of};

on_both!(
    every_story_desk_route_answers_what_each_role_allows,
    every_story_desk_route_needs_a_signed_in_account,
    writers_cannot_publish_or_touch_another_writers_story_over_http,
    a_second_browser_saving_an_older_revision_is_refused_with_nothing_lost,
    a_failed_save_returns_to_the_editor_with_the_text_intact,
    the_preview_renders_the_reader_page_and_can_run_nothing,
    restoring_a_revision_says_what_it_does_and_moves_last_update_only_when_asked,
);

/// A session signed in as a new account with `role`, and the account's id.
pub async fn signed_in(app: &TestApp, email: &str, role: Role) -> (Session, i64) {
    let (user, session) = app.new_account(email, role).await;
    (session, user.id)
}

const SEE_OTHER: u16 = 303;

/// The story desk's rows of the permission matrix
/// (`[anonymous, writer, editor, admin]`), on the seeded story 1 (published,
/// written by nobody who signs in) and story 2 (idem). Rows run top to
/// bottom for each visitor, so the state moves on: once the editor has
/// unpublished story 2, the administrator cannot unpublish it again.
pub const STORIES_ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/admin/stories",
        form: &[],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "GET",
        path: "/admin/stories?status=published&q=troops",
        form: &[],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "GET",
        path: "/admin/stories/new",
        form: &[],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "GET",
        path: "/admin/stories/1",
        form: &[],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "GET",
        path: "/admin/stories/999",
        form: &[],
        expect: [SEE_OTHER, 404, 404, 404],
    },
    Route {
        method: "GET",
        path: "/admin/stories/1/revisions",
        form: &[],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "GET",
        path: "/admin/stories/1/revisions/diff",
        form: &[],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "GET",
        path: "/admin/stories/1/revisions/1",
        form: &[],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "POST",
        path: "/admin/stories/preview",
        form: &[
            ("headline", "Preview by {role}"),
            ("body", "Text"),
            ("section", "{section}"),
        ],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "POST",
        path: "/admin/stories",
        form: &[
            ("headline", "Draft by {role}"),
            ("body", "Text"),
            ("section", "{section}"),
        ],
        expect: [SEE_OTHER, SEE_OTHER, SEE_OTHER, SEE_OTHER],
    },
    // Another person's published story: a writer may not save it; an editor
    // may, once they say whether it is an editorial update or a silent fix.
    Route {
        method: "POST",
        path: "/admin/stories/1",
        form: &[
            ("headline", "Changed by {role}"),
            ("body", "Text"),
            ("section", "{section}"),
            ("revision", "1"),
        ],
        expect: [SEE_OTHER, 403, 422, 422],
    },
    Route {
        method: "POST",
        path: "/admin/stories/1/submit",
        form: &[],
        expect: [SEE_OTHER, 403, 409, 409],
    },
    Route {
        method: "POST",
        path: "/admin/stories/1/publish",
        form: &[],
        expect: [SEE_OTHER, 403, 409, 409],
    },
    Route {
        method: "POST",
        path: "/admin/stories/1/schedule",
        form: &[("at", "2030-01-01T10:00")],
        expect: [SEE_OTHER, 403, 409, 409],
    },
    Route {
        method: "POST",
        path: "/admin/stories/1/corrections",
        form: &[("note", "Fixed by {role}")],
        expect: [SEE_OTHER, 403, SEE_OTHER, SEE_OTHER],
    },
    Route {
        method: "POST",
        path: "/admin/stories/1/revisions/1/restore",
        form: &[("update_kind", "silent_fix")],
        expect: [SEE_OTHER, 403, SEE_OTHER, SEE_OTHER],
    },
    // Autosave (issue 13): a writer may not autosave a story they may not
    // save; anyone may autosave a new story, and every member's open editor
    // beats.
    Route {
        method: "POST",
        path: "/admin/stories/1/autosave",
        form: &[("headline", "Autosaved by {role}"), ("revision", "1")],
        expect: [SEE_OTHER, 403, 200, 200],
    },
    Route {
        method: "POST",
        path: "/admin/stories/1/autosave/restore",
        form: &[],
        expect: [SEE_OTHER, 403, 200, 200],
    },
    Route {
        method: "POST",
        path: "/admin/stories/1/autosave/discard",
        form: &[],
        expect: [SEE_OTHER, 403, SEE_OTHER, SEE_OTHER],
    },
    Route {
        method: "POST",
        path: "/admin/stories/new/autosave",
        form: &[("headline", "New by {role}")],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "POST",
        path: "/admin/stories/1/presence",
        form: &[],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "POST",
        path: "/admin/stories/999/presence",
        form: &[],
        expect: [SEE_OTHER, 404, 404, 404],
    },
    Route {
        method: "POST",
        path: "/admin/stories/2/unpublish",
        form: &[],
        expect: [SEE_OTHER, 403, SEE_OTHER, 409],
    },
];

async fn every_story_desk_route_answers_what_each_role_allows(backend: Backend) {
    let Some((app, fixture)) = matrix_app(backend).await else {
        return;
    };
    check(&app, STORIES_ROUTES, &fixture).await;
    let story = articles::find(app.app.store(), 1).await.unwrap().unwrap();
    assert_eq!(story.status, articles::Status::Published);
    assert_eq!(
        story.corrections.len(),
        2,
        "one by the editor, one by the admin"
    );
    assert!(!story.headline.contains("Changed by"));
    let other = articles::find(app.app.store(), 2).await.unwrap().unwrap();
    assert_eq!(other.status, articles::Status::Unpublished);
}

pub fn story_form<'a>(
    section: &'a str,
    headline: &'a str,
    body: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("headline", headline),
        ("standfirst", "What happened"),
        ("teaser", ""),
        ("body", body),
        ("section", section),
        ("slug", ""),
        ("dateline", "BAGHDAD"),
        ("bylines", "Jane Doe"),
        ("tags", "iraq"),
        ("lead_image", ""),
        ("embargo", ""),
        ("message", "first draft"),
    ]
}

/// Creates a story through the desk; returns its id.
async fn create(app: &TestApp, session: &Session, headline: &str) -> i64 {
    let section = world(app).await;
    let response = session
        .post_form(
            "/admin/stories",
            &story_form(&section, headline, "The body."),
        )
        .await;
    assert_eq!(response.status(), 303, "create");
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

pub async fn world(app: &TestApp) -> String {
    masthead::sections::find(app.app.store(), "world")
        .await
        .unwrap()
        .expect("the seed's World section")
        .id
        .to_string()
}

async fn post(session: &Session, path: &str) -> u16 {
    session
        .post_form(
            path,
            &[("at", "2030-01-01T10:00"), ("note", "A correction.")],
        )
        .await
        .status()
}

async fn every_story_desk_route_needs_a_signed_in_account(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    for path in [
        "/admin/stories",
        "/admin/stories/new",
        "/admin/stories/1",
        "/admin/stories/1/revisions",
        "/admin/stories/1/revisions/diff",
        "/admin/stories/1/revisions/1",
    ] {
        let status = app.session().get(path).await.status();
        assert!(matches!(status, 302 | 303 | 401), "GET {path}: {status}");
    }
    let visitor = app.session();
    for path in [
        "/admin/stories",
        "/admin/stories/1",
        "/admin/stories/preview",
        "/admin/stories/1/submit",
        "/admin/stories/1/publish",
        "/admin/stories/1/schedule",
        "/admin/stories/1/unpublish",
        "/admin/stories/1/corrections",
        "/admin/stories/1/revisions/1/restore",
    ] {
        let status = visitor
            .send(
                visitor
                    .client()
                    .post(visitor.url(path))
                    .header("origin", format!("http://{}", app.address))
                    .form(&[("headline", "x")]),
            )
            .await
            .status();
        assert!(matches!(status, 302 | 303 | 401), "POST {path}: {status}");
    }
    let story = articles::find(app.app.store(), 1).await.unwrap().unwrap();
    assert_eq!(story.revision, 1, "nothing changed");
}

async fn writers_cannot_publish_or_touch_another_writers_story_over_http(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (ann, _) = signed_in(&app, "ann@example.org", Role::Writer).await;
    let (bob, _) = signed_in(&app, "bob@example.org", Role::Writer).await;
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let id = create(&app, &ann, "Ann's story").await;
    let section = world(&app).await;
    // Bob may not save, submit or restore Ann's story.
    let response = bob
        .post_form(
            &format!("/admin/stories/{id}"),
            &[
                story_form(&section, "Bob was here", "Bob's text").as_slice(),
                &[("revision", "1")],
            ]
            .concat(),
        )
        .await;
    assert_eq!(response.status(), 403);
    let html = response.text();
    assert!(
        html.contains("Bob&#39;s text"),
        "the refused text is still in the form"
    );
    assert_eq!(
        post(&bob, &format!("/admin/stories/{id}/submit")).await,
        403
    );
    // Ann (a writer) may not publish, schedule, unpublish or correct.
    for step in ["publish", "schedule"] {
        assert_eq!(
            post(&ann, &format!("/admin/stories/{id}/{step}")).await,
            403,
            "{step}"
        );
    }
    assert_eq!(
        post(&ann, &format!("/admin/stories/{id}/submit")).await,
        303
    );
    // An editor publishes; the writer can neither unpublish nor correct it.
    assert_eq!(
        post(&eve, &format!("/admin/stories/{id}/publish")).await,
        303
    );
    for step in ["unpublish", "corrections"] {
        assert_eq!(
            post(&ann, &format!("/admin/stories/{id}/{step}")).await,
            403,
            "{step}"
        );
    }
    // Seeded stories have no owner: only editors may change them.
    assert_eq!(post(&ann, "/admin/stories/1/unpublish").await, 403);
    let story = articles::find(app.app.store(), id).await.unwrap().unwrap();
    assert_eq!(story.headline, "Ann's story");
    assert_eq!(story.status, articles::Status::Published);
    assert_eq!(
        post(&eve, &format!("/admin/stories/{id}/corrections")).await,
        303
    );
    assert_eq!(
        post(&eve, &format!("/admin/stories/{id}/unpublish")).await,
        303
    );
    // Writers see only their own stories with "Me".
    let list = ann.get("/admin/stories?author=me").await.into_text();
    assert!(list.contains("Ann&#39;s story"));
    assert!(!list.contains("US to send 560"));
}

async fn a_second_browser_saving_an_older_revision_is_refused_with_nothing_lost(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let (max, _) = signed_in(&app, "max@example.org", Role::Editor).await;
    let id = create(&app, &eve, "Shared story").await;
    let section = world(&app).await;
    let path = format!("/admin/stories/{id}");
    // Both opened revision 1; Eve saves first.
    let first = [
        story_form(&section, "Shared story", "Eve's paragraph.").as_slice(),
        &[("revision", "1")],
    ]
    .concat();
    let response = eve.post_form(&path, &first).await;
    assert_eq!(response.status(), 303);
    let second = [
        story_form(
            &section,
            "Shared story, Max's take",
            "Max's long paragraph.",
        )
        .as_slice(),
        &[("revision", "1")],
    ]
    .concat();
    let response = max.post_form(&path, &second).await;
    assert_eq!(response.status(), 409);
    // Max's text is still in the form, Eve's is shown beside it.
    assert_eq!(
        response.select("textarea#body"),
        vec!["Max's long paragraph."]
    );
    assert_eq!(response.select(".their-body"), vec!["Eve's paragraph."]);
    assert!(
        response.text().contains("eve"),
        "names who saved in between"
    );
    // The story is Eve's; Max's version is a refused revision.
    let story = articles::find(app.app.store(), id).await.unwrap().unwrap();
    assert_eq!(story.body_source, "Eve's paragraph.");
    let refused: Vec<_> = articles::revisions::list(app.app.store(), id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == articles::revisions::RevisionKind::Refused)
        .collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].article.body_source, "Max's long paragraph.");
    // The form now carries Eve's revision: saving again is a knowing overwrite.
    let revision = response.attrs("input[name=revision]", "value");
    assert_eq!(revision[0], "2");
}

async fn a_failed_save_returns_to_the_editor_with_the_text_intact(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let id = create(&app, &eve, "Story").await;
    let section = world(&app).await;
    let mut form = story_form(&section, "Story", "A paragraph I spent an hour on.");
    form.retain(|(k, _)| *k != "embargo");
    form.push(("embargo", "next tuesday"));
    form.push(("revision", "1"));
    let response = eve.post_form(&format!("/admin/stories/{id}"), &form).await;
    assert_eq!(response.status(), 422);
    let html = response.text();
    assert!(html.contains("A paragraph I spent an hour on."));
    assert!(html.contains("next tuesday"));
    assert!(html.contains("role=\"alert\""));
    // A published story asks editorial update or silent fix.
    articles::find(app.app.store(), id).await.unwrap().unwrap();
    assert_eq!(
        post(&eve, &format!("/admin/stories/{id}/publish")).await,
        303
    );
    let mut form = story_form(&section, "Story", "An updated paragraph.");
    form.push(("revision", "3"));
    let response = eve.post_form(&format!("/admin/stories/{id}"), &form).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().contains("An updated paragraph."));
}

async fn the_preview_renders_the_reader_page_and_can_run_nothing(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (ann, _) = signed_in(&app, "ann@example.org", Role::Writer).await;
    let section = world(&app).await;
    let response = ann
        .post_form(
            "/admin/stories/preview",
            &story_form(
                &section,
                "<script>alert(1)</script> Headline",
                "Body with <img src=x onerror=alert(2)> and *emphasis*.",
            ),
        )
        .await;
    assert_eq!(response.status(), 200);
    let csp = response.header("content-security-policy").unwrap();
    assert!(csp.starts_with("sandbox;"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    let html = response.text();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Headline"));
    assert!(!html.contains("<script"));
    assert!(!html.contains("onerror"));
    assert!(html.contains("<em>emphasis</em>"));
    // It looks like the published page: the section's "More from" block.
    assert!(html.contains("More from World"));
}

async fn restoring_a_revision_says_what_it_does_and_moves_last_update_only_when_asked(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let id = create(&app, &eve, "Dam holds after the storm").await;
    let section = world(&app).await;
    assert_eq!(
        post(&eve, &format!("/admin/stories/{id}/publish")).await,
        303
    );
    let published = articles::find(app.app.store(), id).await.unwrap().unwrap();
    // An hour later a silent fix rewrites the headline and the body.
    app.app.clock().set(crate::support::NOW + 3600);
    let mut form = story_form(&section, "Dam breaks after the storm", "The dam broke.");
    form.push(("revision", "2"));
    form.push(("update_kind", "silent_fix"));
    let response = eve.post_form(&format!("/admin/stories/{id}"), &form).await;
    assert_eq!(response.status(), 303);

    let revision_id = |number: i64| {
        let store = app.app.store().clone();
        async move {
            articles::revisions::list(&store, id)
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.number == number)
                .unwrap()
                .id
        }
    };
    let (first, third) = (revision_id(1).await, revision_id(3).await);
    // Before restoring revision 1, the editor reads what it will do.
    let (status, html): (u16, String) = eve
        .get_text(&format!("/admin/stories/{id}/revisions/{first}"))
        .await;
    assert_eq!(status, 200);
    let plan = text_of(&html, "#restore-plan");
    for said in [
        "It saves a new revision 4 with this revision\u{2019}s headline, body.",
        "the story stays published",
        "the time it was first published,",
        "unless you choose an editorial update below, which moves it to now",
        "every revision, this one included, stays",
    ] {
        assert!(plan.contains(said), "{said:?} not in {plan:?}");
    }
    assert!(!plan.contains("dateline"), "only what differs: {plan}");

    // Without saying which kind of update, nothing is restored.
    let restore = format!("/admin/stories/{id}/revisions/{first}/restore");
    let response = eve.post_form(&restore, &[("update_kind", "")]).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().contains("silent fix"));
    let story = articles::find(app.app.store(), id).await.unwrap().unwrap();
    assert_eq!(
        (story.revision, story.headline.as_str()),
        (3, "Dam breaks after the storm")
    );

    // A silent restore brings the text back and keeps status and times.
    let response = eve
        .post_form(&restore, &[("update_kind", "silent_fix")])
        .await;
    assert_eq!(response.status(), 303);
    let story = articles::find(app.app.store(), id).await.unwrap().unwrap();
    assert_eq!(story.revision, 4);
    assert_eq!(story.headline, "Dam holds after the storm");
    assert_eq!(story.body_source, "The body.");
    assert_eq!(story.status, articles::Status::Published);
    assert_eq!(story.first_published_at, published.first_published_at);
    assert_eq!(story.last_update_at, published.last_update_at);
    let page = app.get_text(&story.path()).await.1;
    assert!(page.contains("Dam holds after the storm"));

    // An editorial restore moves "Last update" to now, for readers too.
    app.app.clock().set(crate::support::NOW + 7200);
    let response = eve
        .post_form(
            &format!("/admin/stories/{id}/revisions/{third}/restore"),
            &[("update_kind", "editorial")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let story = articles::find(app.app.store(), id).await.unwrap().unwrap();
    assert_eq!(story.headline, "Dam breaks after the storm");
    assert_eq!(story.last_update_at, Some(crate::support::NOW + 7200));
    assert_eq!(story.first_published_at, published.first_published_at);
    let history = articles::revisions::list(app.app.store(), id)
        .await
        .unwrap();
    let messages: Vec<_> = history.iter().map(|r| r.message.as_str()).collect();
    assert!(
        messages.contains(&"Restored revision 1 (silent fix)"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"Restored revision 3 (editorial update)"),
        "{messages:?}"
    );
}
