//! Operator endpoints: `/healthz` (the process answers), `/readyz` (the
//! database answers, migrations are applied, background jobs beat) and
//! `/metrics` (Prometheus text), plus the middleware that counts and times
//! every request by route template.
//!
//! `/metrics` is served on the separate `--metrics-listen` address when one
//! is configured (and then not on the site's address at all); otherwise the
//! site's address answers it to a signed-in administrator, or to a direct
//! loopback client (never to a request that came through a proxy).

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::App;

/// Longest `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The health routes and, unless a separate metrics address is configured,
/// the loopback-only `/metrics`.
pub(crate) fn routes(app: &App) -> Router<App> {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if app.config().metrics_listen.is_some() {
        router
    } else {
        router.route("/metrics", get(metrics_from_loopback))
    }
}

/// The router of the separate metrics address: `/metrics` for anyone who
/// can reach it, and the health routes.
pub(crate) fn metrics_router(app: App) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(app)
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 with one line per check when everything is ready, 503 naming what is not.
async fn readyz(State(app): State<App>) -> Response {
    let mut lines = Vec::new();
    let mut ready = true;
    let mut check = |ok: bool, line: String| {
        ready &= ok;
        lines.push(format!("{} {line}", if ok { "ok" } else { "FAIL" }));
    };
    match app.store().ping(READY_TIMEOUT).await {
        Ok(()) => {
            check(true, "database reachable".into());
            let known = app.store().known_migration_version();
            match app.store().applied_migration_version().await {
                Ok(applied) if applied == known => {
                    check(true, format!("migrations applied ({applied})"));
                }
                Ok(applied) => check(
                    false,
                    format!("migrations: database at {applied}, this binary at {known}"),
                ),
                Err(error) => check(false, format!("migrations unreadable: {error}")),
            }
        }
        Err(error) => {
            tracing::warn!(%error, "readiness: database unreachable");
            check(false, "database unreachable".into());
        }
    }
    for job in app.health().jobs() {
        check(
            job.alive,
            format!(
                "job {} (last heartbeat {:.0}s ago)",
                job.name, job.silent_for
            ),
        );
    }
    // Low space is a warning, not unreadiness: reads go on while writes
    // are refused, and a node out of the balancer serves no one.
    let mut disk = Vec::new();
    for (folder, path) in crate::ops::disk::folders(&app.config().data_dir) {
        match crate::ops::disk::space(&path) {
            Ok(space) if space.is_low() => disk.push(format!(
                "WARN {folder} folder: {} free of {} (below {}): saves and uploads may be refused; free space on {}",
                crate::ops::disk::human(space.free),
                crate::ops::disk::human(space.total),
                crate::ops::disk::human(crate::ops::disk::LOW_BYTES),
                path.display()
            )),
            Ok(space) => disk.push(format!(
                "ok {folder} folder: {} free",
                crate::ops::disk::human(space.free)
            )),
            Err(error) => disk.push(format!("WARN {folder} folder: cannot measure its space: {error}")),
        }
    }
    lines.extend(disk);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = format!(
        "{}\n{}\n",
        if ready { "ready" } else { "not ready" },
        lines.join("\n")
    );
    (status, [(header::CACHE_CONTROL, "no-store")], body).into_response()
}

async fn metrics(State(app): State<App>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        crate::ops::metrics::render(
            app.store(),
            app.health(),
            app.page_cache(),
            &app.config().data_dir,
        )
        .await,
    )
        .into_response()
}

async fn metrics_from_loopback(
    State(app): State<App>,
    user: super::admin::MaybeUser,
    request: Request,
) -> Result<Response, super::Problem> {
    // The same client address as everywhere else: behind a trusted proxy
    // it is the forwarded client, not the loopback proxy. Forwarding headers
    // still refuse, so a proxy that was not named as trusted never makes
    // the whole internet a loopback operator.
    let client = super::client::request_client_ip(
        request.extensions(),
        request.headers(),
        &app.config().trusted_proxies,
    );
    let admin = user
        .0
        .is_some_and(|current| current.user.role == crate::accounts::Role::Admin);
    let operator = client.is_some_and(|client| client.is_loopback()) && !proxied(request.headers());
    if admin || operator {
        Ok(metrics(State(app)).await)
    } else {
        Err(super::Problem::no_page())
    }
}

/// Whether a reverse proxy forwarded this request (then the loopback peer
/// is the proxy, not the operator).
fn proxied(headers: &HeaderMap) -> bool {
    [
        "forwarded",
        "x-forwarded-for",
        "x-real-ip",
        "x-forwarded-host",
    ]
    .iter()
    .any(|name| headers.contains_key(*name))
}

/// Counts and times every request by method, route template and status.
pub(crate) async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| path.as_str())
        .to_owned();
    let response = next.run(request).await;
    crate::ops::metrics::record_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_forwarded_by_a_proxy_is_not_a_loopback_operator() {
        let mut headers = HeaderMap::new();
        assert!(!proxied(&headers));
        headers.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert!(proxied(&headers));
    }
}
