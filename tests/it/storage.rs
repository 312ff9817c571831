//! The storage contract suite: the same cases on SQLite and PostgreSQL.

use masthead::articles::{self, Article, BodyFormat, NewArticle, SectionRef, Status};
use masthead::storage::Store;

use crate::on_both;
use crate::support::{Backend, NOW, demo_site, store};

on_both!(
    site_settings_round_trip,
    sections_are_created_in_order_and_slugs_are_unique,
    an_article_is_stored_with_every_field_and_a_first_revision,
    saving_over_a_stale_revision_changes_nothing,
    a_slug_change_keeps_the_old_address_as_a_redirect,
    lists_are_newest_first_and_keyset_pages_do_not_overlap,
    unpublished_and_embargoed_stories_are_not_visible,
    every_write_appends_to_the_changes_feed_in_order,
    a_failed_import_leaves_nothing_behind,
);

async fn section(store: &Store, name: &str) -> SectionRef {
    let s = masthead::sections::create(
        store,
        &masthead::actor::Actor::command_line(),
        name,
        None,
        NOW,
    )
    .await
    .unwrap();
    SectionRef {
        id: s.id,
        slug: s.slug,
        name: s.name,
    }
}

fn new_article(section: &SectionRef, headline: &str) -> NewArticle {
    NewArticle {
        section: section.clone(),
        slug: None,
        headline: headline.into(),
        standfirst: "A standfirst".into(),
        teaser: None,
        body_source: format!("Body of *{headline}*."),
        body_format: BodyFormat::Markdown,
        dateline: "BAGHDAD".into(),
        bylines: vec!["Jane Doe".into()],
        tags: vec!["iraq".into(), "us".into()],
    }
}

async fn published(store: &Store, section: &SectionRef, headline: &str, at: i64) -> Article {
    let mut article = new_article(section, headline).into_draft(at).unwrap();
    article.mark_published(at);
    articles::create(store, article, "tester", "first")
        .await
        .unwrap()
}

async fn site_settings_round_trip(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    assert!(
        db.store.site().await.unwrap().is_none(),
        "a fresh database has no site"
    );
    let site = demo_site(&db.store).await;
    let loaded = masthead::site::Site::load(&db.store).await.unwrap();
    assert_eq!(loaded.name, site.name);
    assert_eq!(loaded.time_zone_name, "Europe/Berlin");
    assert_eq!(loaded.date_formats["medium"], "D, d/m/Y - H:i");
    assert_eq!(loaded.teaser_length, 116);
    let mut settings = loaded.settings();
    settings.time_zone = "Mars/Olympus".into();
    let error = masthead::site::save(&db.store, &settings, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("Mars/Olympus"), "{error}");
}

async fn sections_are_created_in_order_and_slugs_are_unique(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    section(&db.store, "World").await;
    section(&db.store, "Business & Economy").await;
    let all = masthead::sections::list(&db.store).await.unwrap();
    let slugs: Vec<_> = all.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(slugs, ["world", "business-economy"]);
    let error = masthead::sections::create(
        &db.store,
        &masthead::actor::Actor::command_line(),
        "World",
        None,
        NOW,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("/world") && error.contains("already exists"),
        "{error}"
    );
}

async fn an_article_is_stored_with_every_field_and_a_first_revision(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let created = published(
        &db.store,
        &world,
        "US to send 560 additional troops to Iraq",
        NOW - 60,
    )
    .await;
    let loaded = articles::find(&db.store, created.id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(loaded, created);
    assert_eq!(
        loaded.path(),
        "/world/us-to-send-560-additional-troops-to-iraq"
    );
    assert_eq!(
        loaded.body_html,
        "<p>Body of <em>US to send 560 additional troops to Iraq</em>.</p>\n"
    );
    assert_eq!(loaded.first_published_at, Some(NOW - 60));
    assert_eq!(loaded.last_update_at, Some(NOW - 60));
    let revisions = db.store.revisions(created.id).await.unwrap();
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0].number, 1);
    assert_eq!(revisions[0].author, "tester");
    let snapshot: Article = serde_json::from_str(&revisions[0].snapshot).unwrap();
    assert_eq!(snapshot.headline, created.headline);
    assert_eq!(snapshot.tags, created.tags);
    // A second story with the same address is refused with a clear message.
    let mut twin = new_article(&world, "US to send 560 additional troops to Iraq")
        .into_draft(NOW)
        .unwrap();
    twin.mark_published(NOW);
    let error = articles::create(&db.store, twin, "tester", "dup")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("/world/us-to-send-560-additional-troops-to-iraq"),
        "{error}"
    );
}

async fn saving_over_a_stale_revision_changes_nothing(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let article = published(&db.store, &world, "First headline", NOW).await;
    let mut first = article.clone();
    first.headline = "Edited once".into();
    first.modified_at = NOW + 1;
    let (revision, events) = first.creation_records("a", "edit");
    assert!(
        db.store
            .update_article(&first.to_row(), 1, revision, &events, None)
            .await
            .unwrap()
    );
    let mut stale = article.clone();
    stale.headline = "Edited from an old tab".into();
    let (revision, events) = stale.creation_records("b", "stale edit");
    assert!(
        !db.store
            .update_article(&stale.to_row(), 1, revision, &events, None)
            .await
            .unwrap()
    );
    let loaded = articles::find(&db.store, article.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.headline, "Edited once");
    assert_eq!(loaded.revision, 2);
    assert_eq!(db.store.revisions(article.id).await.unwrap().len(), 2);
}

async fn a_slug_change_keeps_the_old_address_as_a_redirect(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let article = published(&db.store, &world, "Old headline", NOW).await;
    let old_path = article.path();
    let mut renamed = article.clone();
    renamed.slug = articles::Slug::parse("new-headline").unwrap();
    let (revision, events) = renamed.creation_records("a", "rename");
    assert!(
        db.store
            .update_article(&renamed.to_row(), 1, revision, &events, Some(&old_path))
            .await
            .unwrap()
    );
    assert_eq!(
        masthead::redirects::resolve(&db.store, "/world/old-headline", NOW)
            .await
            .unwrap()
            .as_deref(),
        Some("/world/new-headline")
    );
    assert_eq!(
        masthead::redirects::resolve(&db.store, "/world/never-existed", NOW)
            .await
            .unwrap(),
        None
    );
}

async fn lists_are_newest_first_and_keyset_pages_do_not_overlap(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let sport = section(&db.store, "Sport").await;
    let mut ids = Vec::new();
    for i in 0..7 {
        // Two stories share each publication second: the id breaks the tie.
        ids.push(
            published(
                &db.store,
                &world,
                &format!("World story {i}"),
                NOW - 100 + i / 2,
            )
            .await
            .id,
        );
    }
    published(&db.store, &sport, "Sport story", NOW).await;
    let first = articles::visible_list(&db.store, Some(world.id), NOW, None, None, 3)
        .await
        .unwrap();
    let second = articles::visible_list(
        &db.store,
        Some(world.id),
        NOW,
        Some(first[2].cursor()),
        None,
        3,
    )
    .await
    .unwrap();
    let third = articles::visible_list(
        &db.store,
        Some(world.id),
        NOW,
        Some(second[2].cursor()),
        None,
        3,
    )
    .await
    .unwrap();
    let order: Vec<i64> = first
        .iter()
        .chain(&second)
        .chain(&third)
        .map(|a| a.id)
        .collect();
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(order, expected);
    let all = articles::visible_list(&db.store, None, NOW, None, None, 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 8);
    assert_eq!(all[0].headline, "Sport story");
    let more = articles::more_from(&db.store, &first[0], NOW)
        .await
        .unwrap();
    assert_eq!(
        more.iter().map(|a| a.id).collect::<Vec<_>>(),
        expected[1..6]
    );
}

async fn unpublished_and_embargoed_stories_are_not_visible(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let draft = articles::create(
        &db.store,
        new_article(&world, "A draft").into_draft(NOW).unwrap(),
        "t",
        "m",
    )
    .await
    .unwrap();
    let mut embargoed = new_article(&world, "Embargoed").into_draft(NOW).unwrap();
    embargoed.mark_published(NOW);
    embargoed.embargo_until = Some(NOW + 3600);
    let embargoed = articles::create(&db.store, embargoed, "t", "m")
        .await
        .unwrap();
    assert_eq!(draft.status, Status::Draft);
    for now in [NOW, NOW + 3599] {
        assert!(
            articles::visible_by_path(&db.store, "world", "a-draft", now)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            articles::visible_by_path(&db.store, "world", "embargoed", now)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            articles::visible_list(&db.store, Some(world.id), now, None, None, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
    let visible = articles::visible_by_path(&db.store, "world", "embargoed", NOW + 3600)
        .await
        .unwrap();
    assert_eq!(visible.map(|a| a.id), Some(embargoed.id));
}

async fn every_write_appends_to_the_changes_feed_in_order(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    demo_site(&db.store).await;
    let world = section(&db.store, "World").await;
    let article = published(&db.store, &world, "Story", NOW).await;
    let events = db.store.events_after(0, 100).await.unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["site.updated", "section.created", "article.published"]
    );
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    let last = events.last().unwrap();
    assert_eq!(last.subject, format!("article:{}", article.id));
    assert_eq!(
        last.tag_list(),
        [
            format!("article:{}", article.id),
            "section:world".into(),
            "home".into(),
            "feed".into(),
            // The story's topics: their pages show it.
            "topic:iraq".into(),
            "topic:us".into(),
            // Its byline's person: their page shows it, it links them.
            "person:jane-doe".into()
        ]
    );
    assert_eq!(db.store.last_event_id().await.unwrap(), last.id);
    assert!(db.store.events_after(last.id, 10).await.unwrap().is_empty());
}

async fn a_failed_import_leaves_nothing_behind(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let mut good = new_article(&world, "Good").into_draft(NOW).unwrap();
    good.mark_published(NOW);
    let mut clash = new_article(&world, "Good").into_draft(NOW).unwrap();
    clash.mark_published(NOW);
    let events_before = db.store.last_event_id().await.unwrap();
    let items = [good, clash]
        .iter()
        .map(|a| {
            let (revision, events) = a.creation_records("import", "batch");
            masthead::storage::ImportedArticle {
                row: a.to_row(),
                revision,
                events,
            }
        })
        .collect();
    let result = db.store.import_articles("world", "World", NOW, items).await;
    assert!(
        result.is_err(),
        "the second story's address clashes with the first"
    );
    assert!(
        articles::visible_list(&db.store, None, i64::MAX, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(db.store.last_event_id().await.unwrap(), events_before);
}
