use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::*;

fn page(body: &str, tags: &[&str]) -> Page {
    Page::html(body.into(), tags.iter().map(|t| t.to_string()).collect())
}

async fn fill(cache: &PageCache, key: &str, tags: &[&str]) {
    let page = page(key, tags);
    cache
        .get_or_render::<(), _, _>(key, 0, || async { Rendered::Page(page) })
        .await
        .unwrap();
}

#[tokio::test]
async fn purging_a_tag_removes_exactly_the_pages_tagged_with_it() {
    let cache = PageCache::new(true, 1 << 20);
    fill(&cache, "/world/a", &["article:1", "section:world", "site"]).await;
    fill(&cache, "/world/b", &["article:2", "section:world", "site"]).await;
    fill(&cache, "/sport/c", &["article:3", "section:sport", "site"]).await;
    fill(&cache, "/", &["home", "site"]).await;
    assert_eq!(cache.purge(&["section:world", "home"]), 3);
    let mut keys = cache.keys();
    keys.sort();
    assert_eq!(keys, ["/sport/c"]);
    assert_eq!(cache.purge(&["site"]), 1);
    assert!(cache.is_empty());
}

#[tokio::test]
async fn concurrent_misses_for_one_page_render_once() {
    let cache = Arc::new(PageCache::new(true, 1 << 20));
    let renders = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (cache, renders) = (cache.clone(), renders.clone());
        tasks.push(tokio::spawn(async move {
            cache
                .get_or_render::<(), _, _>("/world/a", 0, || async {
                    renders.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Rendered::Page(page("a", &["article:1"]))
                })
                .await
                .unwrap()
        }));
    }
    for task in tasks {
        assert_eq!(&task.await.unwrap().identity.body[..], b"a");
    }
    assert_eq!(renders.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_render_that_raced_a_purge_of_its_tag_is_served_but_not_stored() {
    let cache = PageCache::new(true, 1 << 20);
    let entry = cache
        .get_or_render::<(), _, _>("/world/a", 0, || async {
            // The story changes while this render reads the old version.
            cache.purge(&["article:1"]);
            Rendered::Page(page("old", &["article:1", "site"]))
        })
        .await
        .unwrap();
    assert_eq!(&entry.identity.body[..], b"old");
    assert!(cache.get("/world/a").is_none());
    // A purge of something the page does not show does not stop it.
    cache
        .get_or_render::<(), _, _>("/world/a", 0, || async {
            cache.purge(&["article:2"]);
            Rendered::Page(page("new", &["article:1", "site"]))
        })
        .await
        .unwrap();
    assert!(cache.get("/world/a").is_some());
}

#[tokio::test]
async fn clearing_stops_every_render_in_flight_from_being_stored() {
    let cache = PageCache::new(true, 1 << 20);
    cache
        .get_or_render::<(), _, _>("/", 0, || async {
            cache.clear();
            Rendered::Page(page("old", &["home"]))
        })
        .await
        .unwrap();
    assert!(cache.is_empty());
}

#[tokio::test]
async fn answers_that_are_not_pages_are_returned_and_not_cached() {
    let cache = PageCache::new(true, 1 << 20);
    let answer = cache
        .get_or_render("/nowhere", 0, || async { Rendered::Other(404) })
        .await;
    assert_eq!(answer.unwrap_err(), 404);
    assert!(cache.is_empty());
}

#[tokio::test]
async fn a_full_cache_evicts_the_least_recently_used_pages() {
    let body = "x".repeat(10_000);
    let cache = PageCache::new(true, 35_000);
    for i in 0..5 {
        let key = format!("/p/{i}");
        let page = page(&body, &["site"]);
        cache
            .get_or_render::<(), _, _>(&key, 0, || async { Rendered::Page(page) })
            .await
            .unwrap();
        // Page 0 is read after every insert: it stays.
        assert!(cache.get("/p/0").is_some());
    }
    assert!(cache.len() < 5, "{:?}", cache.keys());
    assert!(cache.get("/p/0").is_some());
    assert!(cache.get("/p/4").is_some());
}

#[tokio::test]
async fn a_disabled_cache_renders_every_time_and_stores_nothing() {
    let cache = PageCache::new(false, 1 << 20);
    let renders = AtomicUsize::new(0);
    for _ in 0..3 {
        cache
            .get_or_render::<(), _, _>("/", 0, || async {
                renders.fetch_add(1, Ordering::SeqCst);
                Rendered::Page(page("home", &["home"]))
            })
            .await
            .unwrap();
    }
    assert_eq!(renders.load(Ordering::SeqCst), 3);
    assert!(cache.is_empty());
}
