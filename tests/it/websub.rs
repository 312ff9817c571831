//! WebSub: publishing pings the configured hub for the feeds it changes,
//! and a ping the hub refused is sent again on the next round.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use masthead::feeds::websub;

use crate::newsroom::{Story, publish, section, story};
use crate::on_both;
use crate::support::{Backend, NOW, demo_site, store};

on_both!(publishing_pings_the_hub_and_a_refused_ping_is_retried);

#[derive(Clone, Default)]
struct Hub {
    pings: Arc<Mutex<Vec<String>>>,
    refuse: Arc<Mutex<bool>>,
}

async fn hub() -> (String, Hub) {
    let state = Hub::default();
    let router = axum::Router::new()
        .route(
            "/",
            axum::routing::post(
                |axum::extract::State(hub): axum::extract::State<Hub>, body: String| async move {
                    if *hub.refuse.lock().unwrap() {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    hub.pings.lock().unwrap().push(body);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, state)
}

async fn publishing_pings_the_hub_and_a_refused_ping_is_retried(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let (url, hub) = hub().await;
    let mut settings = demo_site(&db.store).await.settings();
    settings.websub_hub = Some(url);
    masthead::site::save(&db.store, &settings, NOW)
        .await
        .unwrap();
    // The test hub listens on loopback, which outbound requests refuse
    // unless allowed (as a local development hub would be).
    let client = masthead::outbound::Outbound::new(masthead::outbound::Policy {
        allow_private: true,
        ..Default::default()
    });
    // Events so far (site and section setup) touch no feed: nothing to ping.
    let world = section(&db.store, "World").await;
    websub::run_once(&db.store, &client, NOW).await.unwrap();
    assert!(hub.pings.lock().unwrap().is_empty());

    let draft = story(
        &db.store,
        &world,
        Story {
            status: masthead::articles::Status::Draft,
            published_at: None,
            ..Story::default()
        },
    )
    .await;
    *hub.refuse.lock().unwrap() = true;
    publish(&db.store, &draft, NOW).await;
    let refused = websub::run_once(&db.store, &client, NOW).await;
    assert!(
        matches!(
            refused,
            Err(websub::WebSubError::Refused { status: 503, .. })
        ),
        "{refused:?}"
    );
    assert!(hub.pings.lock().unwrap().is_empty());

    *hub.refuse.lock().unwrap() = false;
    assert!(
        websub::run_once(&db.store, &client, NOW).await.unwrap() > 0,
        "the missed ping is retried"
    );
    let mut pings = hub.pings.lock().unwrap().clone();
    pings.sort();
    let expected: Vec<String> = [
        "atom.xml",
        "feed.json",
        "rss.xml",
        "world%2Fatom.xml",
        "world%2Ffeed.json",
        "world%2Frss.xml",
    ]
    .iter()
    .map(|f| format!("hub.mode=publish&hub.url=http%3A%2F%2Fnews.example%2Ffeeds%2F{f}"))
    .collect();
    assert_eq!(pings, expected);
    assert_eq!(
        websub::run_once(&db.store, &client, NOW).await.unwrap(),
        0,
        "nothing new"
    );
    assert_eq!(hub.pings.lock().unwrap().len(), 6, "no ping twice");
}
