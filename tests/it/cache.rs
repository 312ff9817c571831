//! The page cache over real HTTP: caching headers, 304s, compression
//! negotiation, exact purges on publish, embargo lifts, and the switch.

use std::io::Read;

use masthead::articles::{self, Article, BodyFormat, NewArticle, SectionRef};
use masthead::storage::Store;

use crate::on_both;
use crate::support::{Backend, NOW, Page, spawn};

on_both!(
    public_pages_carry_validators_cache_control_and_surrogate_keys,
    conditional_requests_are_answered_304,
    the_precompressed_variant_follows_accept_encoding,
    publishing_a_story_purges_exactly_the_pages_that_show_it,
    an_embargo_lift_shows_the_story_with_no_write_at_that_moment,
    with_the_cache_off_every_request_renders_the_current_story,
    many_distinct_pages_never_take_the_cache_past_its_budget,
);

const STORY: &str = "/world/us-to-send-560-additional-troops-to-iraq";

async fn section(store: &Store, slug: &str) -> SectionRef {
    let section = match masthead::sections::find(store, slug).await.unwrap() {
        Some(section) => section,
        None => masthead::sections::create(
            store,
            &masthead::actor::Actor::command_line(),
            slug,
            Some(slug),
            NOW,
        )
        .await
        .unwrap(),
    };
    SectionRef {
        id: section.id,
        slug: section.slug,
        name: section.name,
    }
}

/// Stores a published story at `at` (embargoed until `embargo` if given).
async fn publish(
    store: &Store,
    section: SectionRef,
    headline: &str,
    at: i64,
    embargo: Option<i64>,
) -> Article {
    let mut article = NewArticle {
        section,
        slug: None,
        headline: headline.into(),
        standfirst: String::new(),
        teaser: None,
        body_source: format!("{headline}, the body."),
        body_format: BodyFormat::Markdown,
        dateline: String::new(),
        bylines: vec![],
        tags: vec![],
    }
    .into_draft(at)
    .unwrap();
    article.mark_published(at);
    article.embargo_until = embargo;
    articles::create(store, article, "test", "publish")
        .await
        .unwrap()
}

/// Header `name` of `page`, empty when it is not there.
fn header(page: &Page, name: &str) -> String {
    page.header(name).unwrap_or_default().to_owned()
}

async fn public_pages_carry_validators_cache_control_and_surrogate_keys(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let reader = app.cookieless();
    // The first request renders (a miss), the second is a hit.
    for _ in 0..2 {
        let response = reader.get(STORY).await;
        assert_eq!(response.status(), 200);
        let etag = header(&response, "etag");
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "strong: {etag}"
        );
        assert!(header(&response, "last-modified").ends_with(" GMT"));
        let cache_control = header(&response, "cache-control");
        assert!(cache_control.starts_with("public"), "{cache_control}");
        assert!(cache_control.contains("stale-while-revalidate="));
        assert_eq!(header(&response, "vary"), "accept-encoding");
        let keys = header(&response, "surrogate-key");
        let keys: Vec<&str> = keys.split(' ').collect();
        assert!(keys.iter().any(|k| k.starts_with("article:")), "{keys:?}");
        assert!(keys.contains(&"section:world") && keys.contains(&"site"));
        assert!(header(&response, "content-security-policy").contains("default-src 'none'"));
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert_eq!(
            header(&response, "content-type"),
            "text/html; charset=utf-8"
        );
    }
    let home = reader.get("/").await;
    assert_eq!(
        header(&home, "surrogate-key"),
        "home site sections menu banner"
    );
    let front = reader.get("/world").await;
    assert_eq!(
        header(&front, "surrogate-key"),
        "section:world site sections menu banner"
    );
    // Error pages are not cached and carry no surrogate key.
    let missing = reader.get("/world/no-such-story").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "surrogate-key"), "");
}

async fn conditional_requests_are_answered_304(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let reader = app.cookieless();
    let first = reader.get(STORY).await;
    let etag = header(&first, "etag");
    let last_modified = header(&first, "last-modified");
    let send = |name: &'static str, value: String| {
        let reader = &reader;
        async move { reader.get_with(STORY, &[(name, &value)]).await }
    };
    let response = send("if-none-match", etag.clone()).await;
    assert_eq!(response.status(), 304);
    assert_eq!(header(&response, "etag"), etag);
    assert!(response.bytes().is_empty());
    let response = send("if-none-match", format!("\"other\", W/{etag}")).await;
    assert_eq!(response.status(), 304, "weak comparison, any tag of a list");
    let response = send("if-none-match", "\"other\"".into()).await;
    assert_eq!(response.status(), 200);
    let response = send("if-modified-since", last_modified.clone()).await;
    assert_eq!(response.status(), 304);
    let response = send("if-modified-since", "Mon, 11 Jul 2016 21:09:00 GMT".into()).await;
    assert_eq!(response.status(), 200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    let response = reader
        .get_with(
            STORY,
            &[
                ("if-none-match", "\"other\""),
                ("if-modified-since", &last_modified),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
}

async fn the_precompressed_variant_follows_accept_encoding(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let reader = app.cookieless();
    let (status, identity) = reader.get_text(STORY).await;
    assert_eq!(status, 200);
    let fetch = |accept: &'static str| {
        let reader = &reader;
        async move { reader.get_with(STORY, &[("accept-encoding", accept)]).await }
    };
    let response = fetch("gzip, deflate, br").await;
    assert_eq!(header(&response, "content-encoding"), "br");
    let br_etag = header(&response, "etag");
    let bytes = response.bytes();
    let mut text = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, identity);

    let response = fetch("gzip").await;
    assert_eq!(header(&response, "content-encoding"), "gzip");
    assert_ne!(
        header(&response, "etag"),
        br_etag,
        "one strong tag per coding"
    );
    let bytes = response.bytes();
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, identity);

    let response = fetch("br;q=0, gzip;q=0").await;
    assert_eq!(header(&response, "content-encoding"), "");
    assert_eq!(response.text(), identity);
}

async fn publishing_a_story_purges_exactly_the_pages_that_show_it(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let reader = app.cookieless();
    let store = &app.db.store;
    let sport = section(store, "sport").await;
    let match_report = publish(store, sport, "Cup final ends in a draw", NOW - 60, None).await;
    app.app.sync_changes().await;
    let world_story = STORY;
    let world_sibling = "/world/donald-trump-sworn-in-as-us-president";
    let pages = [
        "/",
        "/world",
        world_story,
        "/sport",
        "/sport/cup-final-ends-in-a-draw",
    ];
    for path in pages {
        assert_eq!(reader.get(path).await.status(), 200, "{path}");
    }
    let cache = app.app.page_cache();
    assert_eq!(cache.len(), pages.len());

    let new = publish(
        store,
        section(store, "world").await,
        "Ceasefire agreed",
        NOW,
        None,
    )
    .await;
    app.app.sync_changes().await;
    let mut kept = cache.keys();
    kept.sort();
    assert_eq!(kept, ["/sport", "/sport/cup-final-ends-in-a-draw"]);

    // Every page that shows World's list now shows the new story.
    for path in ["/", "/world", world_story] {
        let (_, html) = reader.get_text(path).await;
        assert!(html.contains("Ceasefire agreed"), "{path}");
        assert!(html.contains(&new.path()));
    }
    if reader.get(world_sibling).await.status() == 200 {
        let (_, html) = reader.get_text(world_sibling).await;
        assert!(html.contains("Ceasefire agreed"));
    }
    let (_, html) = reader.get_text(&match_report.path()).await;
    assert!(!html.contains("Ceasefire agreed"));
}

async fn an_embargo_lift_shows_the_story_with_no_write_at_that_moment(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let reader = app.cookieless();
    let store = &app.db.store;
    let world = section(store, "world").await;
    let embargoed = publish(store, world, "Budget leaked early", NOW, Some(NOW + 60)).await;
    app.app.sync_changes().await;
    for path in ["/", "/world", STORY] {
        let (status, html) = reader.get_text(path).await;
        assert_eq!(status, 200);
        assert!(
            !html.contains("Budget leaked early"),
            "{path} before the lift"
        );
    }
    assert_eq!(reader.get(&embargoed.path()).await.status(), 404);

    app.app.clock().set(NOW + 61);
    // No write, no event: the cached pages go because the lift is due.
    for path in ["/", "/world", STORY] {
        let (_, html) = reader.get_text(path).await;
        assert!(
            html.contains("Budget leaked early"),
            "{path} after the lift"
        );
    }
    assert_eq!(reader.get(&embargoed.path()).await.status(), 200);
}

async fn with_the_cache_off_every_request_renders_the_current_story(backend: Backend) {
    let Some(mut app) = spawn(backend, true).await else {
        return;
    };
    let mut config = app.app.config().clone();
    config.page_cache = false;
    app.app = masthead::app::App::new(
        app.db.store.clone(),
        config,
        masthead::app::Clock::fixed(NOW),
    );
    let router = masthead::http::router(app.app.clone());
    let get = |path: &str| {
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let router = router.clone();
        async move {
            use tower::ServiceExt;
            let response = router.oneshot(request).await.unwrap();
            let etag = response.headers().get("etag").cloned();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (String::from_utf8(body.to_vec()).unwrap(), etag)
        }
    };
    let (before, etag) = get("/world").await;
    assert!(etag.unwrap().to_str().unwrap().starts_with("W/\""));
    let store = &app.db.store;
    publish(
        store,
        section(store, "world").await,
        "Fresh news",
        NOW,
        None,
    )
    .await;
    // No purge, no wait: nothing was cached.
    let (after, _) = get("/world").await;
    assert!(!before.contains("Fresh news") && after.contains("Fresh news"));
    assert!(app.app.page_cache().is_empty());
}

#[tokio::test]
async fn admin_routers_marked_private_are_never_stored() {
    use tower::ServiceExt;
    let router: axum::Router = axum::Router::new()
        .route("/admin", axum::routing::get(|| async { "dashboard" }))
        .layer(masthead::http::private_no_store());
    let response = router
        .oneshot(
            axum::http::Request::get("/admin")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "private, no-store");
}

/// Issue 17, item 3: a site with far more pages than the cache holds (150
/// stories of about 12 KB, each kept in three encodings, against a 1 MiB
/// budget) is read page by page, as a crawler does; the cache never goes
/// past its budget and keeps the pages read last.
async fn many_distinct_pages_never_take_the_cache_past_its_budget(backend: Backend) {
    let Some(app) =
        crate::support::spawn_with(backend, true, |config| config.page_cache_mb = 1).await
    else {
        return;
    };
    let store = app.store();
    let world = masthead::sections::find(store, "world")
        .await
        .unwrap()
        .unwrap();
    // Words that do not repeat much, so the compressed variants stay large.
    let mut seed = 7_u64;
    let mut word = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        format!("w{:x}", seed >> 40)
    };
    let mut paths = Vec::new();
    for n in 0..150 {
        let body: Vec<String> = (0..1_500).map(|_| word()).collect();
        let headline = format!("Crawled story {n}");
        let story = crate::newsroom::story(
            store,
            &world,
            crate::newsroom::Story {
                headline: &headline,
                body: &body.join(" "),
                ..Default::default()
            },
        )
        .await;
        paths.push(story.path());
    }
    let cache = app.app.page_cache();
    let budget = cache.budget();
    assert_eq!(budget, 1 << 20);
    let reader = app.session();
    for path in &paths {
        let page = reader
            .get_with(path, &[("accept-encoding", "gzip, br")])
            .await;
        assert_eq!(page.status(), 200, "{path}");
        assert!(
            cache.bytes() <= budget,
            "{} bytes cached after {path}, over the {budget} budget",
            cache.bytes()
        );
    }
    assert!(cache.len() < paths.len(), "{} pages kept", cache.len());
    assert!(
        cache.len() >= 10,
        "the budget holds a fair number: {}",
        cache.len()
    );
    for path in paths.iter().rev().take(5) {
        assert!(cache.get(path).is_some(), "{path}, read last, is kept");
    }
    assert!(cache.get(&paths[0]).is_none(), "the first read was evicted");
}
