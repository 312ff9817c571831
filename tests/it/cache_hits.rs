//! Cache hits as an operator sees them: answered before routing, they still
//! count per kind of page in `/metrics`, and the hit log writes one line per
//! hit (`all`) or one in N, with the path and status.

use std::time::Duration;

use crate::support::procs::Server;
use crate::support::{self, Backend, Session};

/// The value of `masthead_page_cache_route_hits_total{family=...}`.
fn route_hits(scrape: &str, family: &str) -> f64 {
    let parsed = openmetrics_parser::prometheus::parse_prometheus(scrape)
        .unwrap_or_else(|e| panic!("the scrape is not Prometheus text ({e}):\n{scrape}"));
    let Some(samples) = parsed.families.get("masthead_page_cache_route_hits_total") else {
        panic!("no route hit counter in:\n{scrape}");
    };
    samples
        .iter_samples()
        .filter(|s| s.get_labelset().unwrap().get_label_value("family") == Some(family))
        .map(|s| match &s.value {
            openmetrics_parser::PrometheusValue::Counter(c) => c.value.as_f64(),
            other => panic!("not a counter: {other:?}"),
        })
        .sum()
}

#[tokio::test]
async fn cache_hits_count_per_kind_of_page_in_metrics() {
    let Some(app) = support::spawn(Backend::Sqlite, true).await else {
        return;
    };
    let article = "/world/us-to-send-560-additional-troops-to-iraq";
    let (_, before) = app.get_text("/metrics").await;
    let (article_before, feed_before) =
        (route_hits(&before, "article"), route_hits(&before, "feed"));
    // The first request renders (a miss), the next two are fast-path hits.
    for _ in 0..3 {
        assert_eq!(app.get(article).await.status(), 200);
        assert_eq!(app.get("/feeds/rss.xml").await.status(), 200);
    }
    let (_, after) = app.get_text("/metrics").await;
    assert!(
        route_hits(&after, "article") - article_before >= 2.0,
        "{after}"
    );
    assert!(route_hits(&after, "feed") - feed_before >= 2.0, "{after}");
    for family in ["home", "section", "sitemap", "search", "api", "other"] {
        route_hits(&after, family); // every family is there from the start
    }
}

async fn serve_with_hit_log(setting: &str) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = Server::start(
        &data,
        None,
        &["--cache-hit-log", setting],
        &[],
        &dir.path().join("serve.log"),
    );
    assert!(
        server.wait_ready(Duration::from_secs(60)).await,
        "the server did not start:\n{}",
        server.logs()
    );
    (server, dir)
}

/// Lines the hit log wrote for `requests` more requests of `path`, after a
/// first request that renders the page and a pause for the changes-feed
/// follower to catch up (until then hits are answered by the handler).
async fn hit_lines(server: &Server, path: &str, requests: usize) -> Vec<String> {
    let reader = Session::at_with(&server.url(""), reqwest::Client::new());
    let get = |accept: &'static str| {
        let reader = &reader;
        async move { reader.get_with(path, &[("accept-encoding", accept)]).await }
    };
    assert_eq!(get("identity").await.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server
        .logs()
        .lines()
        .filter(|l| l.contains("page cache hit"))
        .count();
    for _ in 0..requests {
        assert_eq!(get("gzip, br").await.status(), 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    server
        .logs()
        .lines()
        .filter(|l| l.contains("page cache hit"))
        .skip(before)
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_hit_log_writes_every_hit_or_one_in_n() {
    let path = "/world/us-to-send-560-additional-troops-to-iraq";
    let (all, _dir) = serve_with_hit_log("all").await;
    let lines = hit_lines(&all, path, 3).await;
    assert_eq!(lines.len(), 3, "one line per hit:\n{}", all.logs());
    for line in &lines {
        assert!(
            line.contains(path) && line.contains("200") && line.contains("br"),
            "{line}"
        );
    }

    let (sampled, _dir2) = serve_with_hit_log("5").await;
    let lines = hit_lines(&sampled, path, 20).await;
    assert_eq!(
        lines.len(),
        4,
        "20 hits logged one in five:\n{}",
        sampled.logs()
    );

    let (none, _dir3) = serve_with_hit_log("none").await;
    assert!(
        hit_lines(&none, path, 3).await.is_empty(),
        "{}",
        none.logs()
    );
}
