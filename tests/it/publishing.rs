//! The newsroom workflow on both backends: transitions and role rules,
//! editorial updates versus silent fixes, corrections, embargoes, the
//! scheduler (catch-up, exactly once), conflicting saves that keep the
//! refused text, revisions, diffs and restores.

use masthead::articles::revisions::{self, LineChange, RevisionKind, SaveError};
use masthead::articles::{self, Article, Status};
use masthead::publishing::{self, Actor, Role, StoryFields, UpdateKind, WorkflowError, scheduler};
use masthead::storage::{Store, StoryFilter};

use crate::on_both;
use crate::support::{Backend, NOW, demo_site, store};

on_both!(
    a_writer_submits_and_an_editor_publishes,
    writers_cannot_publish_or_edit_another_writers_story,
    an_editorial_update_moves_last_update_and_a_silent_fix_does_not,
    a_correction_is_a_dated_note_that_moves_last_update,
    the_scheduler_catches_up_on_every_overdue_story_once,
    an_embargoed_story_stays_hidden_until_the_embargo_lifts,
    a_conflicting_save_is_refused_and_its_text_kept_restorable,
    any_two_revisions_diff_and_an_old_one_restores_as_a_new_revision,
    a_section_change_redirects_and_touches_both_sections,
    unpublishing_touches_the_pages_that_showed_the_story,
    the_admin_list_filters_by_status_section_author_and_headline,
);

fn writer(id: i64) -> Actor {
    Actor {
        id: Some(id),
        name: format!("writer{id}"),
        audit_name: format!("writer{id}"),
        role: Some(Role::Writer),
        address: None,
    }
}

fn editor() -> Actor {
    Actor {
        id: Some(1),
        name: "editor".into(),
        audit_name: "editor".into(),
        role: Some(Role::Editor),
        address: None,
    }
}

async fn section(store: &Store, name: &str) -> i64 {
    masthead::sections::create(store, &Actor::command_line(), name, None, NOW)
        .await
        .unwrap()
        .id
}

fn fields(section_id: i64, headline: &str) -> StoryFields {
    StoryFields {
        headline: headline.into(),
        standfirst: "What happened".into(),
        body: format!("First paragraph of {headline}.\n\nSecond paragraph."),
        section_id,
        dateline: "BAGHDAD".into(),
        bylines: "Jane Doe".into(),
        tags: "iraq, us".into(),
        ..StoryFields::default()
    }
}

async fn load(store: &Store, id: i64) -> Article {
    articles::find(store, id).await.unwrap().unwrap()
}

async fn visible(store: &Store, article: &Article, now: i64) -> bool {
    articles::visible_by_path(store, &article.section.slug, article.slug.as_str(), now)
        .await
        .unwrap()
        .is_some()
}

/// A published story by writer 7 in `section_id`.
async fn published(store: &Store, section_id: i64, headline: &str) -> Article {
    let draft = publishing::create(store, &writer(7), &fields(section_id, headline), "", NOW)
        .await
        .unwrap();
    publishing::publish(store, &editor(), draft.id, NOW)
        .await
        .unwrap()
}

async fn events_since(store: &Store, after: i64) -> Vec<(String, Vec<String>)> {
    store
        .events_after(after, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind.clone(), e.tag_list()))
        .collect()
}

async fn a_writer_submits_and_an_editor_publishes(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    demo_site(&db.store).await;
    let world = section(&db.store, "World").await;
    let draft = publishing::create(&db.store, &writer(7), &fields(world, "Troops"), "", NOW)
        .await
        .unwrap();
    assert_eq!(draft.status, Status::Draft);
    assert_eq!(draft.owner_id, Some(7));
    assert!(!visible(&db.store, &draft, NOW).await);
    let submitted = publishing::submit(&db.store, &writer(7), draft.id, NOW + 10)
        .await
        .unwrap();
    assert_eq!(submitted.status, Status::Review);
    assert!(!visible(&db.store, &submitted, NOW + 10).await);
    let cursor = db.store.last_event_id().await.unwrap();
    let live = publishing::publish(&db.store, &editor(), draft.id, NOW + 20)
        .await
        .unwrap();
    assert_eq!(live.status, Status::Published);
    assert_eq!(live.first_published_at, Some(NOW + 20));
    assert_eq!(live.last_update_at, Some(NOW + 20));
    assert!(visible(&db.store, &live, NOW + 20).await);
    // The publish event names the story, its section's lists, home and feeds.
    let events = events_since(&db.store, cursor).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "article.published");
    for tag in [
        &format!("article:{}", live.id),
        "section:world",
        "home",
        "feed",
    ] {
        assert!(events[0].1.iter().any(|t| t == tag), "{tag}: {events:?}");
    }
    // Every step was a full revision with author and message.
    let history = revisions::list(&db.store, draft.id).await.unwrap();
    let steps: Vec<_> = history
        .iter()
        .map(|r| (r.number, r.author.as_str(), r.message.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (3, "editor", "Published"),
            (2, "writer7", "Submitted for review"),
            (1, "writer7", "Created"),
        ]
    );
    // Publishing twice is not a transition; an update goes through a save.
    assert!(matches!(
        publishing::publish(&db.store, &editor(), draft.id, NOW + 30).await,
        Err(WorkflowError::InvalidTransition { .. })
    ));
}

async fn writers_cannot_publish_or_edit_another_writers_story(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let draft = publishing::create(&db.store, &writer(7), &fields(world, "Mine"), "", NOW)
        .await
        .unwrap();
    let forbidden = |r: Result<Article, WorkflowError>| {
        assert!(matches!(r, Err(WorkflowError::Forbidden(_))), "{r:?}");
    };
    forbidden(publishing::publish(&db.store, &writer(7), draft.id, NOW).await);
    forbidden(publishing::schedule(&db.store, &writer(7), draft.id, NOW + 60, NOW).await);
    forbidden(
        publishing::save(
            &db.store,
            &writer(8),
            draft.id,
            1,
            &fields(world, "Not mine"),
            None,
            "",
            NOW,
        )
        .await,
    );
    forbidden(publishing::submit(&db.store, &writer(8), draft.id, NOW).await);
    let live = publishing::publish(&db.store, &editor(), draft.id, NOW)
        .await
        .unwrap();
    forbidden(publishing::unpublish(&db.store, &writer(7), live.id, NOW).await);
    forbidden(publishing::correct(&db.store, &writer(7), live.id, "Oops", NOW).await);
    // Once published, even its own writer cannot change it.
    forbidden(
        publishing::save(
            &db.store,
            &writer(7),
            live.id,
            live.revision,
            &fields(world, "Sneaky"),
            Some(UpdateKind::SilentFix),
            "",
            NOW,
        )
        .await,
    );
    let stored = load(&db.store, draft.id).await;
    assert_eq!(stored.headline, "Mine");
    assert_eq!(stored.revision, live.revision);
}

async fn an_editorial_update_moves_last_update_and_a_silent_fix_does_not(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let live = published(&db.store, world, "Troops").await;
    let mut edited = fields(world, "Troops");
    edited.body.push_str("\n\nA typo fixed.");
    assert!(matches!(
        publishing::save(
            &db.store,
            &editor(),
            live.id,
            live.revision,
            &edited,
            None,
            "",
            NOW + 100
        )
        .await,
        Err(WorkflowError::UpdateKindRequired)
    ));
    let fixed = publishing::save(
        &db.store,
        &editor(),
        live.id,
        live.revision,
        &edited,
        Some(UpdateKind::SilentFix),
        "",
        NOW + 100,
    )
    .await
    .unwrap();
    assert_eq!(fixed.last_update_at, Some(NOW));
    assert_eq!(fixed.modified_at, NOW + 100);
    assert!(fixed.body_html.contains("A typo fixed."));
    edited.body.push_str("\n\nNew developments.");
    let updated = publishing::save(
        &db.store,
        &editor(),
        live.id,
        fixed.revision,
        &edited,
        Some(UpdateKind::Editorial),
        "Adds reaction",
        NOW + 200,
    )
    .await
    .unwrap();
    assert_eq!(updated.last_update_at, Some(NOW + 200));
    assert_eq!(updated.first_published_at, Some(NOW));
    let stored = load(&db.store, live.id).await;
    assert_eq!(stored.last_update_at, Some(NOW + 200));
    let messages: Vec<_> = revisions::list(&db.store, live.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.message)
        .take(2)
        .collect();
    assert_eq!(messages, vec!["Adds reaction", "Silent fix"]);
}

async fn a_correction_is_a_dated_note_that_moves_last_update(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let live = published(&db.store, world, "Troops").await;
    let corrected = publishing::correct(
        &db.store,
        &editor(),
        live.id,
        "An earlier version misstated the number of troops.",
        NOW + 300,
    )
    .await
    .unwrap();
    assert_eq!(corrected.last_update_at, Some(NOW + 300));
    let stored = load(&db.store, live.id).await;
    assert_eq!(stored.corrections.len(), 1);
    assert_eq!(stored.corrections[0].at, NOW + 300);
    assert_eq!(
        stored.corrections[0].note,
        "An earlier version misstated the number of troops."
    );
    assert!(matches!(
        publishing::correct(&db.store, &editor(), live.id, "  ", NOW).await,
        Err(WorkflowError::Invalid(_))
    ));
}

async fn the_scheduler_catches_up_on_every_overdue_story_once(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let mut ids = Vec::new();
    for (i, headline) in ["One", "Two", "Three"].into_iter().enumerate() {
        let draft = publishing::create(&db.store, &writer(7), &fields(world, headline), "", NOW)
            .await
            .unwrap();
        let at = NOW + 60 * (i as i64 + 1);
        let scheduled = publishing::schedule(&db.store, &editor(), draft.id, at, NOW)
            .await
            .unwrap();
        assert_eq!(scheduled.status, Status::Scheduled);
        assert_eq!(scheduled.scheduled_at, Some(at));
        ids.push(draft.id);
    }
    // Nothing is due yet.
    let report = scheduler::tick(&db.store, NOW + 30).await.unwrap();
    assert!(report.published.is_empty());
    // The first is due: published within the pass.
    let report = scheduler::tick(&db.store, NOW + 60).await.unwrap();
    assert_eq!(report.published, vec![ids[0]]);
    // After downtime, one pass publishes the whole backlog.
    let later = NOW + 3600;
    let report = scheduler::tick(&db.store, later).await.unwrap();
    assert_eq!(report.published, vec![ids[1], ids[2]]);
    for id in &ids {
        let story = load(&db.store, *id).await;
        assert_eq!(story.status, Status::Published);
        assert!(visible(&db.store, &story, later).await);
        assert_eq!(story.scheduled_at, None);
    }
    assert_eq!(
        load(&db.store, ids[2]).await.first_published_at,
        Some(later)
    );

    // Several scheduler passes at once (several nodes on PostgreSQL) publish
    // each story exactly once.
    let other = match &db.database_url {
        Some(url) => Store::open_postgres(url).await.unwrap(),
        None => db.store.clone(),
    };
    let mut due = Vec::new();
    for i in 0..6 {
        let draft = publishing::create(
            &db.store,
            &writer(7),
            &fields(world, &format!("Batch {i}")),
            "",
            NOW,
        )
        .await
        .unwrap();
        publishing::schedule(&db.store, &editor(), draft.id, later + 10, later)
            .await
            .unwrap();
        due.push(draft.id);
    }
    let (a, b, c) = tokio::join!(
        scheduler::tick(&db.store, later + 20),
        scheduler::tick(&other, later + 20),
        scheduler::tick(&other, later + 20),
    );
    let mut all: Vec<i64> = [a.unwrap(), b.unwrap(), c.unwrap()]
        .into_iter()
        .flat_map(|r| r.published)
        .collect();
    all.sort();
    assert_eq!(all, due, "each due story published exactly once");
    for id in &due {
        let by_scheduler = revisions::list(&db.store, *id)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.author == scheduler::AUTHOR)
            .count();
        assert_eq!(by_scheduler, 1);
    }
}

async fn an_embargoed_story_stays_hidden_until_the_embargo_lifts(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let mut embargoed = fields(world, "Embargoed report");
    embargoed.embargo_until = Some(NOW + 600);
    let draft = publishing::create(&db.store, &editor(), &embargoed, "", NOW)
        .await
        .unwrap();
    let live = publishing::publish(&db.store, &editor(), draft.id, NOW)
        .await
        .unwrap();
    assert_eq!(live.status, Status::Published);
    // Listed at the top when readers can first see it.
    assert_eq!(live.first_published_at, Some(NOW + 600));
    assert!(!visible(&db.store, &live, NOW + 599).await);
    let lists = articles::visible_list(&db.store, None, NOW + 599, None, None, 10)
        .await
        .unwrap();
    assert!(lists.is_empty());
    scheduler::tick(&db.store, NOW + 599).await.unwrap();
    let cursor = db.store.last_event_id().await.unwrap();
    let report = scheduler::tick(&db.store, NOW + 601).await.unwrap();
    assert_eq!(report.embargoes_lifted, vec![live.id]);
    assert!(visible(&db.store, &live, NOW + 601).await);
    // Caches learn the story appeared.
    let events = events_since(&db.store, cursor).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "article.embargo_lifted");
    assert!(events[0].1.contains(&"section:world".to_owned()));
    // Announced once.
    let report = scheduler::tick(&db.store, NOW + 700).await.unwrap();
    assert!(report.embargoes_lifted.is_empty());
}

async fn a_conflicting_save_is_refused_and_its_text_kept_restorable(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let draft = publishing::create(&db.store, &writer(7), &fields(world, "Shared"), "", NOW)
        .await
        .unwrap();
    // Two editors open revision 1.
    let opened = draft.revision;
    let mut first = fields(world, "Shared");
    first.body = "The first editor's text.".into();
    let saved = publishing::save(
        &db.store,
        &editor(),
        draft.id,
        opened,
        &first,
        None,
        "",
        NOW + 1,
    )
    .await
    .unwrap();
    assert_eq!(saved.revision, 2);
    let mut second = fields(world, "Shared, differently");
    second.body = "The second editor's long text that must not be lost.".into();
    let error = publishing::save(
        &db.store,
        &writer(7),
        draft.id,
        opened,
        &second,
        None,
        "my edit",
        NOW + 2,
    )
    .await
    .unwrap_err();
    let WorkflowError::Save(SaveError::Conflict {
        based_on,
        refused,
        current,
        yours,
    }) = error
    else {
        panic!("expected a conflict, got {error:?}");
    };
    assert_eq!(based_on, 1);
    assert_eq!(current.article.body_source, "The first editor's text.");
    assert_eq!(current.author_of_revision, "editor");
    assert_eq!(
        yours.body_source,
        "The second editor's long text that must not be lost."
    );
    // The story is the first editor's; the refused text is a revision.
    let stored = load(&db.store, draft.id).await;
    assert_eq!(stored.body_source, "The first editor's text.");
    assert_eq!(stored.revision, 2);
    let history = revisions::list(&db.store, draft.id).await.unwrap();
    let kept = history.iter().find(|r| r.id == refused).unwrap();
    assert_eq!(kept.kind, RevisionKind::Refused);
    assert_eq!(kept.author, "writer7");
    assert_eq!(kept.message, "my edit");
    assert_eq!(kept.article.headline, "Shared, differently");
    // Restoring it makes it the story, as a new revision.
    let restored = publishing::restore(&db.store, &writer(7), draft.id, refused, None, NOW + 3)
        .await
        .unwrap();
    assert_eq!(restored.revision, 3);
    let stored = load(&db.store, draft.id).await;
    assert_eq!(
        stored.body_source,
        "The second editor's long text that must not be lost."
    );
    assert_eq!(stored.headline, "Shared, differently");
    assert_eq!(stored.status, Status::Draft);
}

async fn any_two_revisions_diff_and_an_old_one_restores_as_a_new_revision(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let draft = publishing::create(&db.store, &writer(7), &fields(world, "Original"), "", NOW)
        .await
        .unwrap();
    let mut v2 = fields(world, "Second headline");
    v2.body = "First paragraph of Original.\n\nA rewritten second paragraph.".into();
    publishing::save(
        &db.store,
        &writer(7),
        draft.id,
        1,
        &v2,
        None,
        "rewrite",
        NOW + 1,
    )
    .await
    .unwrap();
    let mut v3 = v2.clone();
    v3.tags = "iraq".into();
    publishing::save(&db.store, &writer(7), draft.id, 2, &v3, None, "", NOW + 2)
        .await
        .unwrap();
    let history = revisions::list(&db.store, draft.id).await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![3, 2, 1]
    );
    let (r1, r3) = (&history[2], &history[0]);
    let diff = revisions::diff(&r1.article, &r3.article);
    let changed: Vec<_> = diff.iter().map(|f| f.field).collect();
    assert_eq!(changed, vec!["Headline", "Body", "Tags"]);
    let body = &diff[1].lines;
    assert!(
        body.iter()
            .any(|l| l.change == LineChange::Same && l.text == "First paragraph of Original.")
    );
    assert!(
        body.iter()
            .any(|l| l.change == LineChange::Removed && l.text == "Second paragraph.")
    );
    assert!(
        body.iter()
            .any(|l| l.change == LineChange::Added && l.text == "A rewritten second paragraph.")
    );
    // Restore revision 1: a new revision 4 with revision 1's content.
    let restored = publishing::restore(&db.store, &writer(7), draft.id, r1.id, None, NOW + 3)
        .await
        .unwrap();
    assert_eq!(restored.revision, 4);
    let stored = load(&db.store, draft.id).await;
    assert_eq!(stored.headline, "Original");
    assert_eq!(stored.tags, vec!["iraq", "us"]);
    assert!(revisions::diff(&r1.article, &stored).is_empty());
    let newest = &revisions::list(&db.store, draft.id).await.unwrap()[0];
    assert_eq!(newest.message, "Restored revision 1");
}

async fn a_section_change_redirects_and_touches_both_sections(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let business = section(&db.store, "Business").await;
    let live = published(&db.store, world, "Moving story").await;
    let cursor = db.store.last_event_id().await.unwrap();
    let moved = publishing::save(
        &db.store,
        &editor(),
        live.id,
        live.revision,
        &fields(business, "Moving story"),
        Some(UpdateKind::SilentFix),
        "",
        NOW + 5,
    )
    .await
    .unwrap();
    assert_eq!(moved.path(), "/business/moving-story");
    assert_eq!(
        masthead::redirects::resolve(&db.store, "/world/moving-story", NOW + 5)
            .await
            .unwrap()
            .as_deref(),
        Some("/business/moving-story")
    );
    let events = events_since(&db.store, cursor).await;
    assert_eq!(events.len(), 1);
    for tag in ["section:world", "section:business", "home"] {
        assert!(events[0].1.contains(&tag.to_owned()), "{tag}: {events:?}");
    }
}

async fn unpublishing_touches_the_pages_that_showed_the_story(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let live = published(&db.store, world, "Retracted").await;
    let cursor = db.store.last_event_id().await.unwrap();
    let gone = publishing::unpublish(&db.store, &editor(), live.id, NOW + 5)
        .await
        .unwrap();
    assert_eq!(gone.status, Status::Unpublished);
    assert!(!visible(&db.store, &live, NOW + 5).await);
    let events = events_since(&db.store, cursor).await;
    assert_eq!(events[0].0, "article.unpublished");
    for tag in ["section:world", "home", "feed"] {
        assert!(events[0].1.contains(&tag.to_owned()), "{tag}: {events:?}");
    }
}

async fn the_admin_list_filters_by_status_section_author_and_headline(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let world = section(&db.store, "World").await;
    let business = section(&db.store, "Business").await;
    publishing::create(
        &db.store,
        &writer(7),
        &fields(world, "Iraq troops"),
        "",
        NOW,
    )
    .await
    .unwrap();
    publishing::create(
        &db.store,
        &writer(8),
        &fields(business, "Markets rally 50%"),
        "",
        NOW + 1,
    )
    .await
    .unwrap();
    published(&db.store, world, "Iraq election").await;
    let list = |filter: StoryFilter| {
        let store = db.store.clone();
        async move {
            store
                .admin_articles(&filter, 50, 0)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.headline)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(StoryFilter::default()).await.len(), 3);
    assert_eq!(
        list(StoryFilter {
            headline: Some("IRAQ".into()),
            ..Default::default()
        })
        .await
        .len(),
        2
    );
    assert_eq!(
        list(StoryFilter {
            status: Some("published".into()),
            ..Default::default()
        })
        .await,
        vec!["Iraq election"]
    );
    assert_eq!(
        list(StoryFilter {
            section_id: Some(business),
            ..Default::default()
        })
        .await,
        vec!["Markets rally 50%"]
    );
    assert_eq!(
        list(StoryFilter {
            owner_id: Some(8),
            ..Default::default()
        })
        .await,
        vec!["Markets rally 50%"]
    );
    assert_eq!(
        list(StoryFilter {
            headline: Some("%".into()),
            ..Default::default()
        })
        .await,
        vec!["Markets rally 50%"]
    );
}
