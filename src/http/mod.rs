//! HTTP: the router, the middleware every response goes through, and serving
//! with graceful shutdown. Handlers parse, call the domain, render.

pub(crate) mod admin;
pub(crate) mod api;
mod cached;
pub(crate) mod client;
pub(crate) mod connections;
mod corrections;
pub(crate) mod distribution;
mod live;
mod media;
pub(crate) mod ops;
pub(crate) mod problem;
mod site;
mod stories;

pub use cached::{
    FastPathLayer, PRIVATE_CACHE_CONTROL, PUBLIC_CACHE_CONTROL, cached, private_no_store,
};
#[cfg(fuzzing)]
pub use media::fuzz_upload_form;
pub use problem::Problem;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::{CsrfLayer, ProtectionError};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::app::App;

/// Largest request body accepted anywhere (uploads get their own limit).
const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Longest a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Reader pages may load only their own stylesheet and images; no script.
/// Scripts only from this site's own files (a live blog's page polls for
/// new posts with `static/live.js`, a click-to-load embed swaps in its
/// player with `static/embeds.js`), never inline. Frames only from the
/// embed providers' player hosts (`text::embeds::frame_src`, checked by a
/// test).
const READER_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; \
     img-src 'self' data: https:; frame-src https://www.youtube.com https://www.youtube-nocookie.com https://player.vimeo.com https://platform.twitter.com https://www.instagram.com https://www.tiktok.com https://embed.bsky.app https://w.soundcloud.com https://open.spotify.com; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// The reader CSP of a page that also frames players from `hosts` (plain
/// DNS names, `text::embeds::instance_frame_host`): `None` when it frames
/// none (the site-wide policy applies).
pub(crate) fn reader_csp_framing(hosts: &[String]) -> Option<HeaderValue> {
    if hosts.is_empty() {
        return None;
    }
    let extra: String = hosts.iter().map(|h| format!(" https://{h}")).collect();
    let csp = READER_CSP.replacen(
        "frame-src https://www.youtube.com",
        &format!("frame-src{extra} https://www.youtube.com"),
        1,
    );
    HeaderValue::from_str(&csp).ok()
}

/// The whole site's router (`service` puts the page cache's fast path in
/// front of it).
pub fn router(app: App) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let csrf = csrf_layer(&app);
    let trusted_proxies = app.config().trusted_proxies.clone();
    let body_timeout = app.config().body_timeout;
    Router::new()
        .merge(admin::routes())
        .merge(site::routes())
        .merge(corrections::routes())
        .merge(live::routes())
        .merge(distribution::routes())
        .nest("/api", api::routes())
        .merge(ops::routes(&app))
        .merge(stories::routes())
        .merge(media::reader_routes())
        // Routes merged above this line get the site-wide body limit; the
        // upload routes below have their own (larger) one.
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(media::upload_routes())
        .fallback(site::fallback)
        .layer(axum::middleware::from_fn_with_state(app.clone(), problem::render))
        .layer(axum::middleware::from_fn(ops::record))
        .with_state(app)
        .layer(csrf)
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
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        // A client that stops sending its body mid-way (slow upload,
        // slowloris on the body) is cut off after this long without a byte.
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(move |request: &axum::http::Request<_>| {
            // Every line logged while answering carries this span: the request
            // id, method, path and the client's address (the same one the
            // audit log and throttling use). Never headers (cookies, tokens)
            // or the query.
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            let client = client::request_client_address(request.extensions(), request.headers(), &trusted_proxies);
            tracing::info_span!("request", id = %id, method = %request.method(), path = %loggable_path(request.uri().path()), client = %client)
        }).on_response(DefaultOnResponse::new().level(tracing::Level::INFO)
            .latency_unit(tower_http::LatencyUnit::Millis)))
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
    // A page with its own policy (`Page::csp`) keeps it.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(READER_CSP));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
}

/// The path as logs show it: the one-time tokens of setup and set-password
/// links are secrets, so they are replaced by `{token}`.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/admin/setup/", "/admin/password/"] {
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return format!("{prefix}{{token}}").into();
        }
    }
    path.into()
}

/// Cross-site request protection for every state-changing request
/// (Fetch-Metadata and Origin checks): a form posted from another site is
/// refused with 403. The public base URL is trusted as an origin too, for
/// proxies that change `Host`.
fn csrf_layer(app: &App) -> CsrfLayer<fn(ProtectionError) -> axum::response::Response> {
    let layer = CsrfLayer::new();
    let layer = match app.config().base_url.as_deref() {
        Some(base) => {
            let origin = base.trim_end_matches('/');
            match layer.clone().add_trusted_origin(origin) {
                Ok(with_origin) => with_origin,
                Err(error) => {
                    tracing::warn!(%error, "the base URL is not usable as a trusted origin");
                    layer
                }
            }
        }
        None => layer,
    };
    layer.with_rejection_response(
        refused_cross_site as fn(ProtectionError) -> axum::response::Response,
    )
}

fn refused_cross_site(error: ProtectionError) -> axum::response::Response {
    tracing::info!(%error, "refused a cross-site request");
    (
        StatusCode::FORBIDDEN,
        "Refused: this request came from another site. Send the form again from this site's own pages.\n",
    )
        .into_response()
}

/// Serves `app` on `listener` until `shutdown` completes, then stops
/// accepting and lets in-flight requests finish for at most the configured
/// shutdown timeout; requests still running then are abandoned.
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
        async move { app.follower().run(&app, std::future::pending()).await }
    });
    let drain = app.config().shutdown_timeout;
    let limits = app.config().connection_limits();
    let served = serve_bounded(listener, service(app), limits, shutdown, drain).await;
    follower.abort();
    served
}

/// Serves `service` until `shutdown`, then drains for at most `drain`
/// (see `connections::serve`).
pub async fn serve_bounded<S>(
    listener: tokio::net::TcpListener,
    service: S,
    limits: connections::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
    drain: Duration,
) -> std::io::Result<()>
where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    connections::serve(listener, service, limits, shutdown, drain).await
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

#[cfg(test)]
mod loggable_path_tests {
    use super::loggable_path;

    #[test]
    fn link_tokens_never_reach_the_logs() {
        assert_eq!(loggable_path("/admin/setup/abc123"), "/admin/setup/{token}");
        assert_eq!(
            loggable_path("/admin/password/abc123"),
            "/admin/password/{token}"
        );
        assert_eq!(loggable_path("/world/a-story"), "/world/a-story");
        assert_eq!(loggable_path("/admin/setup/"), "/admin/setup/");
    }
}

#[cfg(test)]
mod reader_csp_tests {
    #[test]
    fn the_reader_csp_frames_exactly_the_providers_player_hosts() {
        let frame_src = super::READER_CSP
            .split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix("frame-src "))
            .expect("the reader CSP has a frame-src");
        assert_eq!(frame_src, crate::text::embeds::frame_src());
        assert!(!super::READER_CSP.contains("unsafe-"));
    }

    #[test]
    fn a_page_framing_an_instance_names_it_first_and_keeps_the_rest() {
        assert_eq!(super::reader_csp_framing(&[]), None);
        let csp = super::reader_csp_framing(&["a.example".into(), "b.example".into()]).unwrap();
        let csp = csp.to_str().unwrap();
        assert_eq!(
            csp,
            super::READER_CSP.replace(
                "frame-src https://www.youtube.com",
                "frame-src https://a.example https://b.example https://www.youtube.com"
            )
        );
    }
}
