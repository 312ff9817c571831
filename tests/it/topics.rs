//! Issue 11, item 2: topics as readers and editors meet them, over real
//! HTTP on both backends. A story filed under topics links them; the topic
//! page and its feeds list the visible stories filed under it, newest first,
//! and never an unpublished one; editors rename (the old address answers
//! 301), merge and delete topics, each change in the audit log; a taken
//! address or a parent loop is refused with nothing changed; `masthead
//! check` names a story whose filing disagrees with its topic names.

use masthead::accounts::Role;
use masthead::articles;

use crate::on_both;
use crate::stories::{story_form, world};
use crate::support::{Backend, Session, TestApp, spawn};

on_both!(
    a_published_story_is_on_its_topic_pages_and_feeds_and_a_draft_is_not,
    renaming_a_topic_redirects_its_old_address_and_renames_it_in_its_stories,
    merging_two_topics_moves_the_stories_and_redirects_the_old_address,
    a_taken_address_or_a_parent_loop_is_refused_and_nothing_changes,
    writers_cannot_manage_topics_and_deleting_one_leaves_the_story,
    masthead_check_reports_a_filing_that_disagrees_with_the_topic_names,
);

/// Creates a story through the desk filed under `topics`; publishes it
/// when asked. Returns its id.
async fn story(
    app: &TestApp,
    session: &Session,
    headline: &str,
    topics: &str,
    publish: bool,
) -> i64 {
    let section = world(app).await;
    let mut form = story_form(&section, headline, "The body of the story.");
    for field in form.iter_mut() {
        if field.0 == "tags" {
            field.1 = topics;
        }
    }
    let created = session.post_form("/admin/stories", &form).await;
    assert_eq!(
        created.status(),
        303,
        "create {headline}: {}",
        created.text()
    );
    let id: i64 = created
        .location()
        .unwrap()
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    if publish {
        let published = session
            .post_form(&format!("/admin/stories/{id}/publish"), &[("x", "")])
            .await;
        assert_eq!(
            published.status(),
            303,
            "publish {headline}: {}",
            published.text()
        );
    }
    id
}

/// `GET path` as a browser asks for it (gzip and brotli accepted; the
/// client decodes nothing, so this reads the identity answer of a cache
/// that stores every coding).
async fn reader(app: &TestApp, path: &str) -> (u16, String, Option<String>) {
    let page = app
        .session()
        .get_with(path, &[("Accept", "text/html,application/xhtml+xml")])
        .await;
    let location = page.location().map(str::to_owned);
    (page.status(), page.into_text(), location)
}

async fn topic_id(app: &TestApp, slug: &str) -> i64 {
    masthead::topics::find(app.store(), slug)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("a topic at /topics/{slug}"))
        .id
}

async fn a_published_story_is_on_its_topic_pages_and_feeds_and_a_draft_is_not(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let published = story(
        &app,
        &editor,
        "Glaciers retreat again",
        "Climate, Arctic",
        true,
    )
    .await;
    let _draft = story(&app, &editor, "Secret melt report", "climate", false).await;
    story(&app, &editor, "Who buys whom", "Takeover of Acme", false).await;

    // The story's page links its topics, in its order.
    let article = articles::find(app.store(), published)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(article.tags, ["Climate", "Arctic"]);
    let (status, page, _) = reader(&app, &article.path()).await;
    assert_eq!(status, 200);
    let links = crate::support::html::attrs(&page, "nav.topics a[rel=tag]", "href");
    assert_eq!(links, ["/topics/climate", "/topics/arctic"]);

    // The topic page: the published story, never the draft filed under the
    // same topic by another spelling.
    let (status, page, _) = reader(&app, "/topics/climate").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(crate::support::text_of(&page, "main h1"), "Climate");
    assert!(page.contains("Glaciers retreat again"), "{page}");
    assert!(
        !page.contains("Secret melt report"),
        "a draft leaked: {page}"
    );
    assert!(
        page.contains(r#"href="/feeds/topics/climate/rss.xml""#),
        "the page advertises its feed"
    );
    for feed in ["rss.xml", "atom.xml", "feed.json"] {
        let (status, body, _) = reader(&app, &format!("/feeds/topics/climate/{feed}")).await;
        assert_eq!(status, 200, "{feed}");
        assert!(body.contains("Glaciers retreat again"), "{feed}: {body}");
        assert!(
            !body.contains("Secret melt report"),
            "{feed} leaked a draft"
        );
    }
    // Both spellings file under one topic.
    let climate = masthead::topics::find(app.store(), "climate")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(climate.stories, 2);
    assert_eq!(reader(&app, "/topics/no-such-topic").await.0, 404);
    // A topic only a draft names is not shown, nor listed for crawlers.
    assert_eq!(reader(&app, "/topics/takeover-of-acme").await.0, 404);
    let (_, sitemap, _) = reader(&app, "/sitemaps/sections.xml").await;
    assert!(sitemap.contains("/topics/climate</loc>"), "{sitemap}");
    assert!(!sitemap.contains("takeover"), "{sitemap}");

    // Publishing the draft later puts it on the (cached) topic page.
    reader(&app, "/topics/climate").await;
    let publish = editor
        .post_form(&format!("/admin/stories/{_draft}/publish"), &[("x", "")])
        .await;
    assert_eq!(publish.status(), 303);
    app.app.sync_changes().await;
    let (_, page, _) = reader(&app, "/topics/climate").await;
    assert!(
        page.contains("Secret melt report"),
        "the cached page was purged: {page}"
    );
}

async fn renaming_a_topic_redirects_its_old_address_and_renames_it_in_its_stories(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let id = story(&app, &editor, "Floods in the delta", "Climate", true).await;
    let topic = topic_id(&app, "climate").await;
    // Cached before the rename.
    assert_eq!(reader(&app, "/topics/climate").await.0, 200);
    let article = articles::find(app.store(), id).await.unwrap().unwrap();
    reader(&app, &article.path()).await;

    let renamed = editor
        .post_form(
            &format!("/admin/topics/{topic}"),
            &[
                ("name", "Climate crisis"),
                ("slug", "climate-crisis"),
                ("description", "Heat, floods and the policies about them."),
                ("parent", ""),
            ],
        )
        .await;
    assert_eq!(renamed.status(), 303, "{}", renamed.text());
    app.app.sync_changes().await;

    let (status, _, location) = reader(&app, "/topics/climate").await;
    assert_eq!(status, 301, "the old address redirects");
    assert_eq!(location.as_deref(), Some("/topics/climate-crisis"));
    // Subscribers of the old feeds follow too.
    for feed in ["rss.xml", "atom.xml", "feed.json"] {
        let (status, _, location) = reader(&app, &format!("/feeds/topics/climate/{feed}")).await;
        assert_eq!(status, 301, "{feed}");
        assert_eq!(
            location,
            Some(format!("/feeds/topics/climate-crisis/{feed}")),
            "{feed}"
        );
    }
    let (status, page, _) = reader(&app, "/topics/climate-crisis").await;
    assert_eq!(status, 200);
    assert!(page.contains("Heat, floods and the policies about them."));
    assert!(page.contains("Floods in the delta"));

    // The story names the topic by its new name, on its page too.
    let article = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(article.tags, ["Climate crisis"]);
    let (_, page, _) = reader(&app, &article.path()).await;
    assert_eq!(
        crate::support::select(&page, "nav.topics a"),
        ["Climate crisis"],
        "the cached story page was purged"
    );
    // A story that still says "climate" files under the renamed topic.
    let refiled = story(&app, &editor, "Drought in the south", "climate", true).await;
    let refiled = articles::find(app.store(), refiled).await.unwrap().unwrap();
    assert_eq!(
        refiled.tags,
        ["Climate crisis"],
        "an old slug files under the topic"
    );

    let audit = app.audit_log().await;
    let entry = audit
        .iter()
        .find(|e| e.action == "topic.updated")
        .expect("the rename is in the audit log");
    assert_eq!(entry.subject, format!("topic:{topic}"));
    assert!(
        entry.details.contains("\"old_slug\":\"climate\""),
        "{}",
        entry.details
    );
}

async fn merging_two_topics_moves_the_stories_and_redirects_the_old_address(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let both = story(
        &app,
        &editor,
        "Heat and power",
        "Global warming, Climate",
        true,
    )
    .await;
    let one = story(&app, &editor, "Ice sheets thin", "Global warming", true).await;
    let from = topic_id(&app, "global-warming").await;
    let into = topic_id(&app, "climate").await;

    let merged = editor
        .post_form(
            &format!("/admin/topics/{from}/merge"),
            &[("into", into.to_string())],
        )
        .await;
    assert_eq!(merged.status(), 303, "{}", merged.text());
    app.app.sync_changes().await;

    let (status, _, location) = reader(&app, "/topics/global-warming").await;
    assert_eq!(status, 301);
    assert_eq!(location.as_deref(), Some("/topics/climate"));
    let (_, page, _) = reader(&app, "/topics/climate").await;
    assert!(
        page.contains("Heat and power") && page.contains("Ice sheets thin"),
        "{page}"
    );
    for (id, expected) in [(both, vec!["Climate"]), (one, vec!["Climate"])] {
        let article = articles::find(app.store(), id).await.unwrap().unwrap();
        assert_eq!(article.tags, expected, "story {id}");
    }
    assert!(
        masthead::topics::get(app.store(), from)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        masthead::topics::get(app.store(), into)
            .await
            .unwrap()
            .unwrap()
            .stories,
        2
    );
    assert!(
        app.audit_log()
            .await
            .iter()
            .any(|e| e.action == "topic.merged")
    );

    // Merging a topic into itself is refused.
    let again = editor
        .post_form(
            &format!("/admin/topics/{into}/merge"),
            &[("into", into.to_string())],
        )
        .await;
    assert_eq!(again.status(), 422);
    assert!(again.text().contains("cannot be merged into itself"));
}

async fn a_taken_address_or_a_parent_loop_is_refused_and_nothing_changes(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    for name in ["Weather", "Storms", "Hurricanes"] {
        let created = editor
            .post_form("/admin/topics", &[("name", name), ("slug", "")])
            .await;
        assert_eq!(created.status(), 303, "{name}: {}", created.text());
    }
    let weather = topic_id(&app, "weather").await;
    let storms = topic_id(&app, "storms").await;
    let hurricanes = topic_id(&app, "hurricanes").await;
    let set = |id: i64, name: &'static str, slug: &'static str, parent: String| {
        let description = if name == "Hurricanes" {
            "Tropical storms."
        } else {
            ""
        };
        let editor = &editor;
        async move {
            editor
                .post_form(
                    &format!("/admin/topics/{id}"),
                    &[
                        ("name", name.to_owned()),
                        ("slug", slug.to_owned()),
                        ("description", description.to_owned()),
                        ("parent", parent),
                    ],
                )
                .await
        }
    };
    assert_eq!(
        set(storms, "Storms", "storms", weather.to_string())
            .await
            .status(),
        303
    );
    assert_eq!(
        set(hurricanes, "Hurricanes", "hurricanes", storms.to_string())
            .await
            .status(),
        303
    );
    // Weather under Hurricanes would be a loop.
    let looped = set(weather, "Weather", "weather", hurricanes.to_string()).await;
    assert_eq!(looped.status(), 422, "{}", looped.text());
    assert!(
        looped.text().contains("cannot be its own parent"),
        "{}",
        looped.text()
    );
    // Another topic's address names that topic.
    let taken = set(weather, "Weather", "storms", String::new()).await;
    assert_eq!(taken.status(), 409);
    assert!(taken.text().contains("Storms"), "{}", taken.text());
    let duplicate = editor
        .post_form("/admin/topics", &[("name", "Storms"), ("slug", "")])
        .await;
    assert_eq!(duplicate.status(), 409);

    // A section at /topics would hide its stories behind topic pages.
    let section = editor
        .post_form("/admin/sections", &[("name", "Topics"), ("slug", "")])
        .await;
    assert_eq!(section.status(), 400);
    assert!(
        section
            .text()
            .contains("/topics is an address of the site itself")
    );

    let weather_now = masthead::topics::get(app.store(), weather)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (weather_now.slug.as_str(), weather_now.parent_id),
        ("weather", None)
    );
    // A topic no visible story names, and no editor described, is not shown.
    assert_eq!(reader(&app, "/topics/weather").await.0, 404);
    // The child page names its parent.
    let (_, page, _) = reader(&app, "/topics/hurricanes").await;
    assert!(
        page.contains(r#"<a href="/topics/storms">Storms</a>"#),
        "{page}"
    );
}

async fn writers_cannot_manage_topics_and_deleting_one_leaves_the_story(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, writer) = app.session_as(Role::Writer).await;
    let (_, editor) = app.session_as(Role::Editor).await;
    let id = story(&app, &editor, "Markets calm", "Economy, Asia", true).await;
    let economy = topic_id(&app, "economy").await;
    assert_eq!(writer.get("/admin/topics").await.status(), 403);
    assert_eq!(
        writer
            .post_form(&format!("/admin/topics/{economy}/delete"), &[("x", "")])
            .await
            .status(),
        403
    );
    // Writers get the editor's suggestions.
    let suggestions = writer.get("/admin/topics/suggest?q=ec").await;
    assert_eq!(suggestions.status(), 200);
    assert_eq!(suggestions.json()[0]["name"], "Economy");

    let deleted = editor
        .post_form(&format!("/admin/topics/{economy}/delete"), &[("x", "")])
        .await;
    assert_eq!(deleted.status(), 303);
    app.app.sync_changes().await;
    assert_eq!(reader(&app, "/topics/economy").await.0, 404);
    let article = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(article.tags, ["Asia"]);
    assert_eq!(reader(&app, &article.path()).await.0, 200);
    let audit = app.audit_log().await;
    assert!(audit.iter().any(|e| e.action == "topic.deleted"));
}

/// The problems `masthead check` reports about topics.
async fn topic_findings(app: &TestApp) -> Vec<String> {
    let report = masthead::ops::checks::run(app.store(), app.db.dir.path())
        .await
        .unwrap();
    assert!(
        report
            .checked
            .iter()
            .any(|c| c.starts_with("topic filing of")),
        "{:?}",
        report.checked
    );
    report
        .findings
        .iter()
        .filter(|f| f.problem.contains("topic"))
        .map(|f| {
            assert!(f.fix.contains("save it again"), "{f}");
            f.problem.clone()
        })
        .collect()
}

async fn masthead_check_reports_a_filing_that_disagrees_with_the_topic_names(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let one = story(&app, &editor, "Glaciers retreat", "Climate, Arctic", true).await;
    let two = story(&app, &editor, "Ice roads close", "Arctic", true).await;
    // A renamed topic: the stories' names follow, old slugs still file.
    let arctic = topic_id(&app, "arctic").await;
    masthead::topics::update(
        app.store(),
        &masthead::actor::Actor::command_line(),
        arctic,
        &masthead::topics::TopicInput {
            name: "The Arctic".into(),
            slug: "the-arctic".into(),
            ..Default::default()
        },
        crate::support::NOW,
    )
    .await
    .unwrap();
    assert_eq!(topic_findings(&app).await, Vec::<String>::new());

    // Botched hand edits: story one names a topic that does not exist and
    // no longer names The Arctic, which it is still filed under; story two
    // names The Arctic but its filing row is gone.
    crate::one_way::behind_the_apps_back(
        &app,
        &[
            &format!(r#"UPDATE articles SET tags = '["Climate","Ghost"]' WHERE id = {one}"#),
            &format!("DELETE FROM article_topics WHERE article_id = {two}"),
        ],
    )
    .await;
    let mut found = topic_findings(&app).await;
    found.sort();
    assert_eq!(
        found,
        [
            format!(
                "article {one} is filed under the topic \"The Arctic\" (/topics/the-arctic), which none of its topic names explains"
            ),
            format!("article {one} names the topic \"Ghost\", which files it under no topic"),
            format!(
                "article {two} names the topic \"The Arctic\" (/topics/the-arctic) but is not filed under it"
            ),
        ]
    );

    // Saving each story again, as the fix says, files it as it names.
    for id in [one, two] {
        let article = articles::find(app.store(), id).await.unwrap().unwrap();
        let mut next = article.clone();
        next.revision += 1;
        let saved = app
            .store()
            .update_article(
                &next.to_row(),
                article.revision,
                masthead::storage::NewRevision {
                    author: "test",
                    message: "saved again",
                    snapshot: next.snapshot(),
                },
                &[],
                None,
            )
            .await
            .unwrap();
        assert!(saved);
    }
    assert_eq!(topic_findings(&app).await, Vec::<String>::new());
}
