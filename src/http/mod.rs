//! HTTP: the router, the middleware every response goes through, and serving
//! with graceful shutdown. Handlers parse, call the domain, render.

mod cached;
mod errors;
mod site;

pub use cached::{
    FastPathLayer, PRIVATE_CACHE_CONTROL, PUBLIC_CACHE_CONTROL, cached, private_no_store,
};
pub use errors::Error;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::App;

/// Largest request body accepted anywhere (uploads get their own limit).
const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Longest a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Reader pages may load only their own stylesheet and images; no script.
const READER_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data: https:; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// The whole site's router (`service` puts the page cache's fast path in
/// front of it).
pub fn router(app: App) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(site::routes())
        .fallback(site::fallback)
        .with_state(app)
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(READER_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// What `serve` runs: the router behind the page cache's fast path, which
/// answers hits before routing and before every layer of the router.
pub fn service(app: App) -> cached::FastPath<Router> {
    use tower::Layer;
    FastPathLayer::new(app.clone()).layer(router(app))
}

/// The headers every page carries, set here for cache hits answered by
/// [`FastPathLayer`] before the layers above run (same values).
fn security_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(READER_CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
}

/// Serves `app` on `listener` until `shutdown` completes, then lets
/// in-flight requests finish.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Mark the changes feed's position before the first page is cached,
    // then follow it for as long as we serve.
    app.sync_changes().await;
    let follower = tokio::spawn({
        let app = app.clone();
        async move {
            app.follower()
                .run(app.clone(), std::future::pending())
                .await
        }
    });
    let service = axum::ServiceExt::<axum::extract::Request>::into_make_service(service(app));
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await;
    follower.abort();
    served
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
