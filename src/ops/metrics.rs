//! Prometheus metrics: the process-wide recorder, the names every part of
//! masthead records under, and the scrape text. Counters and histograms are
//! recorded where things happen (`metrics::counter!`); gauges that describe
//! state (pool use, job lag) are read when `/metrics` is scraped.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::health::Health;
use crate::storage::Store;

/// Requests by `method`, `route` (the route template) and `status`.
pub(crate) const HTTP_REQUESTS: &str = "masthead_http_requests_total";
/// Request latency by `method` and `route`, in seconds.
pub(crate) const HTTP_DURATION: &str = "masthead_http_request_duration_seconds";
/// Page-cache lookups answered from the cache.
pub(crate) const PAGE_CACHE_HITS: &str = "masthead_page_cache_hits_total";
/// Page-cache hits answered before routing, by `family` (see [`RouteFamily`]).
pub(crate) const PAGE_CACHE_HITS_BY_FAMILY: &str = "masthead_page_cache_route_hits_total";
/// Page-cache lookups that had to render.
pub(crate) const PAGE_CACHE_MISSES: &str = "masthead_page_cache_misses_total";
/// Cached pages dropped because something they show changed.
pub(crate) const PAGE_CACHE_PURGES: &str = "masthead_page_cache_purges_total";

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
/// The hit counters, registered once when the recorder is installed: the
/// fast path increments an atomic, with no label strings or map lookups per
/// request.
static HITS: OnceLock<Hits> = OnceLock::new();

struct Hits {
    total: metrics::Counter,
    by_family: [metrics::Counter; RouteFamily::ALL.len()],
}

/// What kind of public address a cache hit answered, read off the path
/// without allocating: the families an operator tells apart on a dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteFamily {
    Home,
    Section,
    Article,
    Feed,
    Sitemap,
    Search,
    Api,
    Other,
}

impl RouteFamily {
    /// Every family, in the order of their counters.
    pub(crate) const ALL: [RouteFamily; 8] = [
        RouteFamily::Home,
        RouteFamily::Section,
        RouteFamily::Article,
        RouteFamily::Feed,
        RouteFamily::Sitemap,
        RouteFamily::Search,
        RouteFamily::Api,
        RouteFamily::Other,
    ];

    /// The family of a request path (the query is ignored).
    pub(crate) fn of_path(path: &str) -> RouteFamily {
        let path = path.split('?').next().unwrap_or(path);
        if path == "/" {
            return RouteFamily::Home;
        }
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        match first {
            "feeds" => RouteFamily::Feed,
            "sitemap.xml" | "sitemaps" | "robots.txt" => RouteFamily::Sitemap,
            "search" => RouteFamily::Search,
            "api" => RouteFamily::Api,
            "admin" | "media" | "static" | "healthz" | "readyz" | "metrics" => RouteFamily::Other,
            _ => match path.trim_matches('/').split('/').count() {
                1 => RouteFamily::Section,
                2 => RouteFamily::Article,
                _ => RouteFamily::Other,
            },
        }
    }

    /// The `family` label.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RouteFamily::Home => "home",
            RouteFamily::Section => "section",
            RouteFamily::Article => "article",
            RouteFamily::Feed => "feed",
            RouteFamily::Sitemap => "sitemap",
            RouteFamily::Search => "search",
            RouteFamily::Api => "api",
            RouteFamily::Other => "other",
        }
    }
}

/// Installs the Prometheus recorder once per process (later calls reuse
/// it). `None` when another recorder was installed first.
pub(crate) fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
                .ok()?
                .install_recorder()
                .ok()?;
            // Counters others record appear from the first scrape, at zero.
            for name in [PAGE_CACHE_HITS, PAGE_CACHE_MISSES, PAGE_CACHE_PURGES] {
                metrics::counter!(name).increment(0);
            }
            let hits = Hits {
                total: metrics::counter!(PAGE_CACHE_HITS),
                by_family: RouteFamily::ALL.map(|family| {
                    metrics::counter!(PAGE_CACHE_HITS_BY_FAMILY, "family" => family.as_str())
                }),
            };
            for counter in &hits.by_family {
                counter.increment(0);
            }
            let _ = HITS.set(hits);
            Some(handle)
        })
        .as_ref()
}

/// A page was served from the page cache, by the fast path in front of
/// routing (`family` known) or by a handler (`None`: the route's own request
/// metrics count it already).
pub(crate) fn page_cache_hit(family: Option<RouteFamily>) {
    match HITS.get() {
        Some(hits) => {
            hits.total.increment(1);
            if let Some(family) = family {
                hits.by_family[family as usize].increment(1);
            }
        }
        None => metrics::counter!(PAGE_CACHE_HITS).increment(1),
    }
}

/// A page had to be rendered.
pub(crate) fn page_cache_miss() {
    metrics::counter!(PAGE_CACHE_MISSES).increment(1);
}

/// `count` cached pages were purged.
pub(crate) fn page_cache_purged(count: u64) {
    metrics::counter!(PAGE_CACHE_PURGES).increment(count);
}

/// Records one answered request.
pub(crate) fn record_request(method: &str, route: &str, status: u16, seconds: f64) {
    metrics::counter!(HTTP_REQUESTS, "method" => method.to_owned(), "route" => route.to_owned(),
        "status" => status.to_string())
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method.to_owned(), "route" => route.to_owned())
        .record(seconds);
}

/// The scrape: state gauges read now, then everything in the Prometheus
/// text format.
pub(crate) async fn render(
    store: &Store,
    health: &Health,
    cache: &crate::cache::PageCache,
    data_dir: &std::path::Path,
) -> String {
    let Some(handle) = install() else {
        return String::new();
    };
    metrics::gauge!("masthead_page_cache_bytes").set(cache.bytes() as f64);
    metrics::gauge!("masthead_page_cache_budget_bytes").set(cache.budget() as f64);
    metrics::gauge!("masthead_page_cache_pages").set(cache.len() as f64);
    for (folder, path) in super::disk::folders(data_dir) {
        if let Ok(space) = super::disk::space(&path) {
            metrics::gauge!("masthead_disk_free_bytes", "folder" => folder).set(space.free as f64);
            metrics::gauge!("masthead_disk_size_bytes", "folder" => folder).set(space.total as f64);
        }
    }
    let pool = store.pool_stats();
    metrics::gauge!("masthead_db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
    metrics::gauge!("masthead_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("masthead_db_pool_max_connections").set(f64::from(pool.max));
    let last_event = store.last_event_id().await.ok();
    if let Some(last) = last_event {
        metrics::gauge!("masthead_changes_feed_last_event_id").set(last as f64);
    }
    for job in health.jobs() {
        let name = job.name.clone();
        metrics::gauge!("masthead_job_up", "job" => name.clone())
            .set(f64::from(u8::from(job.alive)));
        metrics::gauge!("masthead_job_seconds_since_heartbeat", "job" => name.clone())
            .set(job.silent_for);
        if let Some(lag) = job.lag_seconds {
            metrics::gauge!("masthead_job_lag_seconds", "job" => name.clone()).set(lag);
        }
        if let (Some(cursor), Some(last)) = (job.cursor, last_event) {
            metrics::gauge!("masthead_changes_feed_consumer_lag_events", "consumer" => name)
                .set((last - cursor).max(0) as f64);
        }
    }
    handle.run_upkeep();
    handle.render()
}

#[cfg(test)]
mod tests {
    use super::RouteFamily;

    #[test]
    fn cache_hits_are_grouped_by_the_kind_of_page() {
        let cases = [
            ("/", RouteFamily::Home),
            ("/world", RouteFamily::Section),
            ("/world?after=1.2", RouteFamily::Section),
            ("/world/brexit-vote", RouteFamily::Article),
            ("/feeds/rss.xml", RouteFamily::Feed),
            ("/feeds/world/atom.xml", RouteFamily::Feed),
            ("/sitemap.xml", RouteFamily::Sitemap),
            ("/sitemaps/articles-1.xml", RouteFamily::Sitemap),
            ("/robots.txt", RouteFamily::Sitemap),
            ("/search?q=vote", RouteFamily::Search),
            ("/api/v1/stories", RouteFamily::Api),
            ("/media/ab-320.jpg", RouteFamily::Other),
            ("/a/b/c", RouteFamily::Other),
        ];
        for (path, family) in cases {
            assert_eq!(RouteFamily::of_path(path), family, "{path}");
        }
    }
}
