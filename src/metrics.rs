//! Prometheus metrics: the process-wide recorder, the names every part of
//! masthead records under, and the scrape text. Counters and histograms are
//! recorded where things happen (`metrics::counter!`); gauges that describe
//! state (pool use, job lag) are read when `/metrics` is scraped.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::app::App;

/// Requests by `method`, `route` (the route template) and `status`.
pub const HTTP_REQUESTS: &str = "masthead_http_requests_total";
/// Request latency by `method` and `route`, in seconds.
pub const HTTP_DURATION: &str = "masthead_http_request_duration_seconds";
/// Page-cache lookups answered from the cache.
pub const PAGE_CACHE_HITS: &str = "masthead_page_cache_hits_total";
/// Page-cache lookups that had to render.
pub const PAGE_CACHE_MISSES: &str = "masthead_page_cache_misses_total";
/// Cached pages dropped because something they show changed.
pub const PAGE_CACHE_PURGES: &str = "masthead_page_cache_purges_total";

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder once per process (later calls reuse
/// it). `None` when another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
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
            Some(handle)
        })
        .as_ref()
}

/// A page was served from the page cache.
pub fn page_cache_hit() {
    metrics::counter!(PAGE_CACHE_HITS).increment(1);
}

/// A page had to be rendered.
pub fn page_cache_miss() {
    metrics::counter!(PAGE_CACHE_MISSES).increment(1);
}

/// `count` cached pages were purged.
pub fn page_cache_purged(count: u64) {
    metrics::counter!(PAGE_CACHE_PURGES).increment(count);
}

/// Records one answered request.
pub fn record_request(method: &str, route: &str, status: u16, seconds: f64) {
    metrics::counter!(HTTP_REQUESTS, "method" => method.to_owned(), "route" => route.to_owned(),
        "status" => status.to_string())
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method.to_owned(), "route" => route.to_owned())
        .record(seconds);
}

/// The scrape: state gauges read now, then everything in the Prometheus
/// text format.
pub async fn render(app: &App) -> String {
    let Some(handle) = install() else {
        return String::new();
    };
    let pool = app.store().pool_stats();
    metrics::gauge!("masthead_db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
    metrics::gauge!("masthead_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("masthead_db_pool_max_connections").set(f64::from(pool.max));
    let last_event = app.store().last_event_id().await.ok();
    if let Some(last) = last_event {
        metrics::gauge!("masthead_changes_feed_last_event_id").set(last as f64);
    }
    for job in app.health().jobs() {
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
