//! No leaks: a story that is a draft, in review, scheduled, embargoed or
//! unpublished appears on no public surface; the moment it is published
//! (or its embargo passes), it appears on every one. It is filed under a
//! topic readers know ("Wildlife") and one only it names ("Zebracorn
//! watch"): neither the story nor the second topic's name shows on topic
//! pages, topic feeds, the topic list or the sitemap before then. Its
//! byline's person ("Zed Reporter", who also signs the neighbour) does
//! not list it on their page, feeds or API list before then either. It
//! translates the neighbour: the neighbour's page and API resource link it
//! (`hreflang`, `translations`) only once readers may see it. It carries a
//! correction: `/corrections`, its feeds and the story's `/changes` page
//! show nothing of it before then either. It is a live blog with a post:
//! its `live.json` and posts feeds answer nothing before then either.
//! Editors pin it as the lead of the home page and of its section front:
//! neither front (nor its feed) shows it before then, the fronts' JSON API
//! is closed to readers, and once it is public it leads both fronts.

use masthead::articles::{Article, Status};

use crate::newsroom::{Story, publish, section, story};
use crate::on_both;
use crate::support::{Backend, NOW, TestApp, spawn};

on_both!(non_public_stories_appear_nowhere_until_published);

/// Every public surface, as (name, path).
fn surfaces(secret: &Article, neighbour: &Article) -> Vec<(String, String)> {
    let mut paths = vec![
        "/".to_owned(),
        "/world".into(),
        secret.path(),
        neighbour.path(),
        "/sitemap.xml".into(),
        "/sitemaps/articles-1.xml".into(),
        "/sitemaps/news.xml".into(),
        "/search?q=zebracorn".into(),
        "/api/v1/stories".into(),
        "/api/v1/stories?section=world".into(),
        format!("/api/v1/stories/{}", secret.id),
        format!("/api/v1/stories/{}/ninjs", secret.id),
        format!("/api/v1/stories/{}", neighbour.id),
        "/api/v1/search?q=zebracorn".into(),
        "/sitemaps/sections.xml".into(),
        format!("/topics/{PUBLIC_TOPIC}"),
        format!("/topics/{SECRET_TOPIC}"),
        "/api/v1/topics".into(),
        format!("/api/v1/stories?topic={PUBLIC_TOPIC}"),
        format!("/api/v1/stories?topic={SECRET_TOPIC}"),
        format!("/search?q=zebracorn&topic={PUBLIC_TOPIC}"),
        format!("/api/v1/search?q=zebracorn&topic={PUBLIC_TOPIC}"),
        "/people/zed-reporter".into(),
        "/api/v1/stories?person=zed-reporter".into(),
        // issue 16: corrections and the story's public history
        "/corrections".into(),
        format!("{}/changes", secret.path()),
        // issue 16: the live blog's updates
        format!("{}/live.json", secret.path()),
    ];
    for format in masthead::feeds::Format::ALL {
        paths.push(masthead::feeds::feed_path(None, format));
        paths.push(masthead::feeds::feed_path(Some("world"), format));
        paths.push(masthead::feeds::topic_feed_path(PUBLIC_TOPIC, format));
        paths.push(masthead::feeds::topic_feed_path(SECRET_TOPIC, format));
        paths.push(masthead::feeds::person_feed_path("zed-reporter", format));
        paths.push(format!("/feeds/corrections/{}", format.file_name()));
        paths.push(format!("{}/live/{}", secret.path(), format.file_name()));
    }
    paths.into_iter().map(|p| (p.clone(), p)).collect()
}

/// The slug of a topic the neighbour is filed under too.
const PUBLIC_TOPIC: &str = "wildlife";
/// The slug of the topic only the secret story names.
const SECRET_TOPIC: &str = "zebracorn-watch";

/// Whether `path` shows the secret story: every surface links to it by its
/// address (pages, feeds, sitemaps, search, API), and only its own page
/// and API resources answer 200 with no link; the topic only it names
/// shows by its slug or name (the topic list and the sitemap list no
/// stories).
async fn shows(app: &TestApp, path: &str, secret: &Article) -> bool {
    let (status, body) = app.get_text(path).await;
    assert!(status == 200 || status == 404, "{path} answered {status}");
    status == 200
        && (body.contains(&secret.path())
            || body.contains(SECRET_TOPIC)
            || body.contains("Zebracorn watch"))
}

async fn non_public_stories_appear_nowhere_until_published(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = &app.db.store;
    let world = section(store, "World").await;
    let neighbour = story(
        store,
        &world,
        Story {
            headline: "A public neighbour",
            tags: &["Wildlife"],
            bylines: &["Zed Reporter"],
            ..Story::default()
        },
    )
    .await;
    let states: [(&str, Story<'_>); 5] = [
        (
            "draft",
            Story {
                status: Status::Draft,
                published_at: None,
                ..Story::default()
            },
        ),
        (
            "review",
            Story {
                status: Status::Review,
                published_at: None,
                ..Story::default()
            },
        ),
        (
            "scheduled",
            Story {
                status: Status::Scheduled,
                published_at: None,
                scheduled_at: Some(NOW + 3600),
                ..Story::default()
            },
        ),
        (
            "embargoed",
            Story {
                status: Status::Published,
                published_at: Some(NOW - 60),
                embargo_until: Some(NOW + 3600),
                ..Story::default()
            },
        ),
        (
            "unpublished",
            Story {
                status: Status::Unpublished,
                published_at: Some(NOW - 7200),
                ..Story::default()
            },
        ),
    ];
    // Each state's story is another language of the neighbour's set.
    let languages = ["fr", "ar", "de", "es", "it"];
    for ((state, template), language) in states.into_iter().zip(languages) {
        let headline = format!("Zebracorn sighted ({state})");
        let secret = story(
            store,
            &world,
            Story {
                headline: &headline,
                body: "The zebracorn was seen again near the river.",
                tags: &["Wildlife", "Zebracorn watch"],
                bylines: &["Zed Reporter"],
                // A correction readers must not see before the story.
                corrections: vec![masthead::articles::Correction {
                    at: NOW - 30,
                    note: "An earlier version misnamed the river.".into(),
                }],
                ..template
            },
        )
        .await;
        let secret = crate::languages::translate(store, &secret, neighbour.id, language).await;
        // A live blog with a post readers must not see before the story.
        let desk = masthead::actor::Actor {
            id: None,
            name: "Ed".into(),
            audit_name: "Ed".into(),
            role: Some(masthead::accounts::Role::Editor),
            address: None,
        };
        masthead::live::start(store, &desk, secret.id, NOW - 60)
            .await
            .unwrap();
        masthead::live::add(
            store,
            &desk,
            secret.id,
            &masthead::live::PostInput {
                body: "<p>The zebracorn crosses the river.</p>".into(),
                ..Default::default()
            },
            NOW - 30,
        )
        .await
        .unwrap();
        // Pinned as the lead of `/` and of its section's front.
        for front in ["home", "world"] {
            let front = masthead::fronts::Front::find(store, front).await.unwrap();
            let pins = [secret.id, neighbour.id].map(|article_id| masthead::storage::NewPin {
                article_id,
                until: None,
            });
            masthead::fronts::arrange(store, &desk, &front, &pins, NOW)
                .await
                .unwrap();
        }
        app.app.sync_changes().await;
        for (name, path) in surfaces(&secret, &neighbour) {
            assert!(
                !shows(&app, &path, &secret).await,
                "a {state} story leaks on {name}"
            );
        }
        for path in ["/", "/world"] {
            // The front leads with the first pin readers may see.
            assert_eq!(
                app.get(path).await.attrs(".lead-story a", "href"),
                [neighbour.path()],
                "{path} with a {state} lead"
            );
        }
        for path in ["/api/v1/fronts/home", "/api/v1/fronts/world"] {
            let (status, body) = app.get_text(path).await;
            assert_eq!(status, 401, "{path} is for the newsroom only");
            assert!(!body.contains(&secret.path()), "{path}: {body}");
        }
        // Publish it (an embargo passes by itself): now it is everywhere.
        let published = if state == "embargoed" {
            app.app.clock().set(NOW + 3600);
            secret.clone()
        } else {
            publish(store, &secret, NOW).await
        };
        for (name, path) in surfaces(&published, &neighbour) {
            if path == "/sitemap.xml" {
                continue; // the index names files, not stories
            }
            assert!(
                shows(&app, &path, &published).await,
                "a published ({state}) story is missing from {name}"
            );
        }
        for path in ["/", "/world"] {
            assert_eq!(
                app.get(path).await.attrs(".lead-story a", "href"),
                [published.path()],
                "the published ({state}) story leads {path}"
            );
        }
        // Take it down again before the next state, so each state is tested
        // alone (as the desk does: its event purges every page it was on).
        let before = masthead::articles::find(store, published.id)
            .await
            .unwrap()
            .unwrap();
        let mut gone = before.clone();
        let expected = gone.revision;
        gone.status = Status::Unpublished;
        gone.revision += 1;
        let saved = store
            .update_article(
                &gone.to_row(),
                expected,
                masthead::storage::NewRevision {
                    author: "test",
                    message: "down",
                    snapshot: gone.snapshot(),
                },
                &[masthead::storage::NewEvent {
                    kind: "article.unpublished".into(),
                    subject: format!("article:{}", gone.id),
                    tags: gone.change_tags(&before),
                    payload: serde_json::json!({}),
                }],
                None,
            )
            .await
            .unwrap();
        assert!(saved);
        app.app.clock().set(NOW);
    }
}
