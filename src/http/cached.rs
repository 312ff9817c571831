//! HTTP caching for public pages: `cached` serves a page from the page cache
//! (rendering it on a miss), `FastPathLayer` answers cache hits before the
//! rest of the middleware runs, and both answer with strong ETags,
//! `Last-Modified`, 304s, the precompressed variant the client accepts,
//! `Vary: Accept-Encoding`, `Cache-Control` and a `Surrogate-Key` header.
//! Admin routes use `private_no_store` instead.

use std::convert::Infallible;
use std::future::Future;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use futures_util::future::{Either, Ready, ready};

use crate::app::App;
use crate::cache::{Coding, Entry, Page, Rendered};

/// Browsers revalidate every time (a 304 is cheap); shared caches keep a
/// page a minute and are purged by `Surrogate-Key` through the webhook.
pub const PUBLIC_CACHE_CONTROL: &str =
    "public, max-age=0, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400";
/// For anything personal: admin pages, previews, forms.
pub const PRIVATE_CACHE_CONTROL: &str = "private, no-store";

static SURROGATE_KEY: HeaderName = HeaderName::from_static("surrogate-key");

/// Serves the page under `key` (the canonical path and query) from the page
/// cache, or renders it with `render`: `Ok(page)` is cached and served,
/// `Err(response)` (a redirect, an error page) is served once, uncached.
pub async fn cached<F, Fut>(app: &App, request: &HeaderMap, key: &str, render: F) -> Response
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Page, Response>>,
{
    let now = app.now();
    let cache = app.page_cache();
    // This process wrote (read-your-writes without waiting for a poll), or
    // an embargo lifted: purge first.
    if app.follower().behind(app.store()) || (cache.enabled() && cache.lift_due(now)) {
        app.sync_changes().await;
    }
    let result = cache
        .get_or_render(key, now, || async {
            match render().await {
                Ok(page) => Rendered::Page(page),
                Err(response) => Rendered::Other(response),
            }
        })
        .await;
    match result {
        Ok(entry) => respond(&entry, request, false, cache.enabled()),
        Err(response) => response,
    }
}

/// The response for `entry` to a request with these headers.
pub(super) fn respond(
    entry: &Entry,
    request: &HeaderMap,
    head: bool,
    precompressed: bool,
) -> Response {
    let (variant, coding) = entry.variant(accepted_coding(request));
    let not_modified = match request.get(header::IF_NONE_MATCH) {
        Some(list) => etag_matches(entry, list.as_bytes()),
        None => request
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::cache::parse_http_date)
            .is_some_and(|since| entry.modified_at <= since),
    };
    let body = if not_modified || head {
        Body::empty()
    } else {
        Body::from(variant.body.clone())
    };
    let mut response = Response::new(body);
    // Room for every header below and the security headers: no regrowth.
    *response.headers_mut() = HeaderMap::with_capacity(16);
    let headers = response.headers_mut();
    if precompressed {
        headers.insert(header::ETAG, variant.etag.clone());
    } else if let Ok(weak) =
        HeaderValue::from_str(&format!("W/{}", variant.etag.to_str().unwrap_or("\"\"")))
    {
        // Compressed on the fly below us: one weak tag covers every coding.
        headers.insert(header::ETAG, weak);
    }
    headers.insert(header::LAST_MODIFIED, entry.last_modified.clone());
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PUBLIC_CACHE_CONTROL),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(SURROGATE_KEY.clone(), entry.surrogate_key.clone());
    if not_modified {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    headers.insert(header::CONTENT_TYPE, entry.content_type.clone());
    headers.insert(header::CONTENT_LENGTH, variant.content_length.clone());
    if let Some(csp) = &entry.csp {
        // The site-wide policy is set only where a page has none.
        headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    }
    match coding {
        Coding::Brotli => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        }
        Coding::Gzip => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Coding::Identity => {}
    }
    response
}

/// Whether an `If-None-Match` list names one of the entry's tags (or `*`).
fn etag_matches(entry: &Entry, list: &[u8]) -> bool {
    list.split(|b| *b == b',').any(|tag| {
        let tag = tag.trim_ascii();
        tag == b"*" || entry.has_etag(tag)
    })
}

/// The best coding the client accepts: brotli, then gzip, then identity.
/// Allocation-free parse of `Accept-Encoding` with q-values.
pub(super) fn accepted_coding(request: &HeaderMap) -> Coding {
    let Some(value) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Coding::Identity;
    };
    let (mut br, mut gzip, mut star) = (None, None, None);
    for item in value.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case("br") {
            br = Some(q);
        } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(q);
        } else if name == "*" {
            star = Some(q);
        }
    }
    let br = br.or(star).unwrap_or(0.0);
    let gzip = gzip.or(star).unwrap_or(0.0);
    if br > 0.0 && br >= gzip {
        Coding::Brotli
    } else if gzip > 0.0 {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// Answers `GET`/`HEAD` cache hits before the middleware inside it runs
/// (request ids, tracing, timeouts, on-the-fly compression): a hit costs a
/// map lookup and reference-count increments. Misses pass through.
#[derive(Clone)]
pub struct FastPathLayer {
    app: App,
}

impl FastPathLayer {
    pub fn new(app: App) -> FastPathLayer {
        FastPathLayer { app }
    }
}

impl<S> tower::Layer<S> for FastPathLayer {
    type Service = FastPath<S>;
    fn layer(&self, inner: S) -> FastPath<S> {
        FastPath {
            app: self.app.clone(),
            inner,
        }
    }
}

/// The service [`FastPathLayer`] makes.
#[derive(Clone)]
pub struct FastPath<S> {
    app: App,
    inner: S,
}

impl<S> tower::Service<Request<Body>> for FastPath<S>
where
    S: tower::Service<Request<Body>, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        match self.hit(&request) {
            Some(response) => Either::Left(ready(Ok(response))),
            None => Either::Right(self.inner.call(request)),
        }
    }
}

impl<S> FastPath<S> {
    fn hit(&self, request: &Request<Body>) -> Option<Response> {
        let head = request.method() == Method::HEAD;
        if !(head || request.method() == Method::GET) {
            return None;
        }
        let cache = self.app.page_cache();
        if !cache.enabled()
            || cache.lift_due(self.app.now())
            || self.app.follower().behind(self.app.store())
        {
            return None;
        }
        let path_and_query = request.uri().path_and_query()?.as_str();
        let entry = cache.get(path_and_query)?;
        crate::ops::metrics::page_cache_hit(Some(crate::ops::metrics::RouteFamily::of_path(
            request.uri().path(),
        )));
        let mut response = respond(&entry, request.headers(), head, true);
        super::security_headers(response.headers_mut());
        if self.app.config().cache_hit_log.take(&HITS_SEEN) {
            log_hit(request, &response);
        }
        Some(response)
    }
}

/// Cache hits answered so far, for sampling the hit log 1 in N.
static HITS_SEEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One access-log line for a hit (`--cache-hit-log`): hits skip the
/// router's request span and its response log, so without this an operator
/// would not see most of the traffic. Public pages only, so the path and
/// query hold no secret.
fn log_hit(request: &Request<Body>, response: &Response) {
    let coding = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity");
    tracing::info!(
        target: "masthead::access",
        method = %request.method(),
        path = %request.uri(),
        status = response.status().as_u16(),
        coding,
        "page cache hit"
    );
}

/// Marks every response of a router as personal: `private, no-store`.
/// Admin routers add it with `.layer(private_no_store())`.
pub fn private_no_store() -> tower_http::set_header::SetResponseHeaderLayer<HeaderValue> {
    tower_http::set_header::SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PRIVATE_CACHE_CONTROL),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        h
    }

    #[test]
    fn brotli_is_preferred_then_gzip_and_q_zero_refuses() {
        assert_eq!(accepted_coding(&HeaderMap::new()), Coding::Identity);
        assert_eq!(
            accepted_coding(&headers("gzip, deflate, br")),
            Coding::Brotli
        );
        assert_eq!(accepted_coding(&headers("gzip")), Coding::Gzip);
        assert_eq!(accepted_coding(&headers("br;q=0, gzip")), Coding::Gzip);
        assert_eq!(
            accepted_coding(&headers("br;q=0.5, gzip;q=0.8")),
            Coding::Gzip
        );
        assert_eq!(accepted_coding(&headers("*")), Coding::Brotli);
        assert_eq!(accepted_coding(&headers("identity")), Coding::Identity);
        assert_eq!(accepted_coding(&headers("gzip;q=0")), Coding::Identity);
    }
}
