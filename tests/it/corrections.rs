//! Corrections readers can follow (issue 16, item 4), over real HTTP:
//! `/corrections` lists every correction newest first with its story, and
//! its feeds parse with feedparser; a story's `/changes` page shows its
//! first publication, editorial updates and corrections (the text before
//! and after), never a silent fix; a story readers cannot see has none;
//! the pages are cached and purged with the story.

use masthead::accounts::Role;
use masthead::actor::Actor;
use masthead::publishing::{self, StoryFields, UpdateKind};

use crate::on_both;
use crate::support::{Backend, NOW, TestApp, spawn, text_of};
use crate::validators;

on_both!(readers_follow_corrections_and_each_storys_history);

fn editor() -> Actor {
    Actor {
        id: None,
        name: "Eve Editor".into(),
        audit_name: "eve".into(),
        role: Some(Role::Editor),
        address: None,
    }
}

async fn world(app: &TestApp) -> i64 {
    masthead::sections::find(app.store(), "world")
        .await
        .unwrap()
        .expect("the seed's World section")
        .id
}

fn fields(section_id: i64, headline: &str, body: &str) -> StoryFields {
    StoryFields {
        headline: headline.into(),
        standfirst: "What happened.".into(),
        body: body.into(),
        section_id,
        bylines: "Jane Doe".into(),
        ..StoryFields::default()
    }
}

/// A story the editor wrote and published.
async fn published(app: &TestApp, headline: &str, body: &str) -> masthead::articles::Article {
    let store = app.store();
    let section = world(app).await;
    let draft = publishing::create(
        store,
        &editor(),
        &fields(section, headline, body),
        "",
        NOW - 900,
    )
    .await
    .unwrap();
    publishing::publish(store, &editor(), draft.id, NOW - 800)
        .await
        .unwrap()
}

async fn save(
    app: &TestApp,
    story: &masthead::articles::Article,
    body: &str,
    kind: UpdateKind,
    message: &str,
    at: i64,
) -> masthead::articles::Article {
    let section = story.section.id;
    publishing::save(
        app.store(),
        &editor(),
        story.id,
        story.revision,
        &fields(section, &story.headline, body),
        Some(kind),
        message,
        at,
    )
    .await
    .unwrap()
}

async fn readers_follow_corrections_and_each_storys_history(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let store = app.store();
    // Cached before anything is corrected: the correction must purge it.
    let (status, empty) = app.get_text("/corrections").await;
    assert_eq!(status, 200);
    assert!(empty.contains("No corrections yet."));

    let story = published(
        &app,
        "Army leaves the city",
        "The army left on Monday.\n\nIt was raining.",
    )
    .await;
    let fixed = save(
        &app,
        &story,
        "The army left on Tuesday.\n\nIt was raining.",
        UpdateKind::SilentFix,
        "typo zebra",
        NOW - 700,
    )
    .await;
    let corrected = publishing::correct(
        store,
        &editor(),
        fixed.id,
        "The army left on Tuesday, not Monday.",
        NOW - 600,
    )
    .await
    .unwrap();
    let updated = save(
        &app,
        &corrected,
        "The army left on Tuesday.\n\nIt was raining.\n\nThe mayor spoke.",
        UpdateKind::Editorial,
        "Adds the mayor's words",
        NOW - 500,
    )
    .await;
    // A second story, corrected later: it comes first.
    let other = published(&app, "Bridge reopens", "The bridge reopened.").await;
    publishing::correct(
        store,
        &editor(),
        other.id,
        "It reopened at noon.",
        NOW - 100,
    )
    .await
    .unwrap();
    app.app.sync_changes().await;

    let page = app.get("/corrections").await;
    assert_eq!(page.status(), 200);
    let listed = page.select(".listed-correction");
    assert_eq!(listed.len(), 2, "{}", page.text());
    assert!(listed[0].contains("Bridge reopens") && listed[0].contains("It reopened at noon."));
    assert!(listed[1].contains("Army leaves the city"));
    assert!(listed[1].contains("The army left on Tuesday, not Monday."));
    let links = page.attrs(".listed-correction h2 a", "href");
    assert_eq!(links[1], updated.path());
    let anchors = page.attrs(".listed-correction p a", "href");
    assert_eq!(
        anchors[1],
        format!("{}/changes#correction-1", updated.path())
    );
    assert_eq!(
        page.header("cache-control").map(|c| c.contains("public")),
        Some(true)
    );

    // The story's history: first published, the correction with the text
    // before and after, the editorial update; never the silent fix.
    let history_path = format!("{}/changes", updated.path());
    let history = app.get(&history_path).await;
    assert_eq!(history.status(), 200, "{}", history.text());
    let entries = history.select(".history-entry h2");
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert!(entries[0].starts_with("First published"));
    assert!(entries[1].starts_with("Correction"));
    assert!(entries[2].starts_with("Update"));
    let correction = text_of(history.text(), "#correction-1");
    assert!(correction.contains("The army left on Tuesday, not Monday."));
    assert_eq!(
        text_of(history.text(), "#correction-1 .removed del"),
        "The army left on Monday."
    );
    assert_eq!(
        text_of(history.text(), "#correction-1 .added ins"),
        "The army left on Tuesday."
    );
    assert!(text_of(history.text(), ".history-entry.update").contains("Adds the mayor's words"));
    assert!(
        !history.text().contains("typo zebra"),
        "a silent fix is not shown"
    );
    // The article page links its history.
    let article = app.get(&updated.path()).await;
    assert_eq!(
        article.attrs(".changes-link a", "href"),
        vec![history_path.clone()]
    );

    // The feeds parse and list the corrections, newest first.
    for file in ["rss.xml", "atom.xml"] {
        let feed = app.get(&format!("/feeds/corrections/{file}")).await;
        assert_eq!(feed.status(), 200, "{file}");
        let Some(parsed) = validators::feed(feed.bytes()) else {
            return;
        };
        let entries = parsed["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{file}: {parsed}");
        assert_eq!(
            entries[0]["title"], "Correction to Bridge reopens",
            "{file}"
        );
        assert_eq!(
            entries[1]["summary"],
            "The army left on Tuesday, not Monday."
        );
        assert_eq!(
            entries[1]["link"],
            format!("http://news.example{}/changes#correction-1", updated.path())
        );
    }
    let json = app.get("/feeds/corrections/feed.json").await;
    assert_eq!(json.status(), 200);
    assert_eq!(json.json()["items"].as_array().unwrap().len(), 2);

    // A draft and an embargoed story have no history; an unpublished one
    // leaves the list and loses its history.
    let section = world(&app).await;
    let draft = publishing::create(
        store,
        &editor(),
        &fields(section, "Secret plan", "x"),
        "",
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(
        app.get(&format!("{}/changes", draft.path())).await.status(),
        404
    );
    publishing::unpublish(store, &editor(), other.id, NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;
    let page = app.get("/corrections").await;
    assert_eq!(page.select(".listed-correction").len(), 1);
    assert!(!page.text().contains("Bridge reopens"));
    assert_eq!(
        app.get(&format!("{}/changes", other.path())).await.status(),
        404
    );
    let rss = app.get("/feeds/corrections/rss.xml").await;
    assert!(!rss.text().contains("Bridge reopens"));

    // A story in French has its history in French.
    let mut french = fields(section, "L'armée quitte la ville", "Le texte.");
    french.language = "fr".into();
    let draft = publishing::create(store, &editor(), &french, "", NOW - 50)
        .await
        .unwrap();
    let live = publishing::publish(store, &editor(), draft.id, NOW - 40)
        .await
        .unwrap();
    let page = app.get(&format!("{}/changes", live.path())).await;
    assert_eq!(page.status(), 200);
    assert!(page.select(".history-entry h2")[0].starts_with("Première publication"));
}
