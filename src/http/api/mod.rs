//! The public JSON API, version 1 (`/api/v1/...`): published stories,
//! sections and search for anyone (cursor pagination, ETags), each story
//! also as IPTC ninjs 2.2, the OpenAPI document describing it all, and
//! writing stories with a personal API token, and arranging fronts and the
//! breaking-news banner.
//! Errors are JSON with a stable `code` and a message naming what is wrong.

mod fronts;
mod live;
mod ninjs;
mod pages;
mod people;
mod read;
mod write;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use serde::Serialize;

use crate::app::App;
use crate::http::problem::Problem;

/// The OpenAPI 3.1 document of the API.
pub(crate) const OPENAPI: &str = include_str!("openapi.json");

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/stories", get(read::stories).post(write::create))
        .route(
            "/v1/stories/{id}",
            get(read::story).merge(patch(write::update)),
        )
        .route("/v1/stories/{id}/publish", post(write::publish))
        .route("/v1/stories/{id}/unpublish", post(write::unpublish))
        .route("/v1/stories/{id}/checks", get(write::checks))
        .route("/v1/stories/{id}/live", post(live::coverage))
        .route(
            "/v1/stories/{id}/live-posts",
            get(live::list).post(live::create),
        )
        .route(
            "/v1/stories/{id}/live-posts/{post}",
            patch(live::update).merge(delete(live::delete)),
        )
        .route("/v1/stories/{id}/ninjs", get(read::story_ninjs))
        .route("/v1/stories/{id}/comments", get(read::story_comments))
        .route(
            "/v1/fronts/{front}",
            get(fronts::get_front).merge(put(fronts::put_front)),
        )
        .route(
            "/v1/banner",
            get(fronts::get_banner)
                .merge(put(fronts::put_banner))
                .merge(delete(fronts::delete_banner)),
        )
        .route("/v1/sections", get(read::sections))
        .route("/v1/topics", get(read::topic_list))
        .route("/v1/pages", get(pages::page_list))
        .route("/v1/pages/{id}", get(pages::page))
        .route("/v1/people", get(people::person_list))
        .route("/v1/people/{slug}", get(people::person))
        .route("/v1/search", get(read::search))
        .fallback(|| async { Problem::not_found("no such API endpoint") })
}

async fn openapi(headers: HeaderMap) -> Response {
    with_etag(&headers, "application/json", OPENAPI.as_bytes().to_vec())
}

/// A JSON body with a strong ETag (a hash of the bytes); answers 304 when
/// the client already holds this version.
pub(crate) fn with_etag(
    request: &HeaderMap,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    let etag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&body));
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let etag_value = HeaderValue::from_str(&etag).expect("hex is a valid header");
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ETAG, etag_value),
        ],
        body,
    )
        .into_response()
}

/// Serializes `value` as a JSON response with an ETag.
pub(crate) fn json_with_etag<T: Serialize>(request: &HeaderMap, value: &T) -> Response {
    let body = serde_json::to_vec(value).expect("API values serialize");
    with_etag(request, "application/json", body)
}
