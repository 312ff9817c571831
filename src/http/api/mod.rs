//! The public JSON API, version 1 (`/api/v1/...`): published stories,
//! sections and search for anyone (cursor pagination, ETags), each story
//! also as IPTC ninjs 2.2, the OpenAPI document describing it all, and
//! writing stories with a personal API token.
//! Errors are JSON with a stable `code` and a message naming what is wrong.

mod ninjs;
mod read;
mod write;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde::Serialize;

use crate::app::App;
use crate::http::problem::{Problem, Surface};

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
        .route("/v1/stories/{id}/ninjs", get(read::story_ninjs))
        .route("/v1/sections", get(read::sections))
        .route("/v1/search", get(read::search))
        .fallback(|| async { ApiError::NotFound("no such API endpoint".into()) })
}

async fn openapi(headers: HeaderMap) -> Response {
    with_etag(&headers, "application/json", OPENAPI.as_bytes().to_vec())
}

/// A failed API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error(transparent)]
    Internal(Problem),
}

impl From<ApiError> for Problem {
    fn from(error: ApiError) -> Problem {
        match error {
            ApiError::BadRequest(m) => Problem::bad_request(m),
            ApiError::Unauthorized(m) => Problem::unauthorized(m),
            ApiError::Forbidden(m) => Problem::forbidden(m),
            ApiError::NotFound(m) => Problem::not_found(m),
            ApiError::Conflict(m) => Problem::conflict(m),
            ApiError::Unprocessable(m) => Problem::invalid(m),
            ApiError::Internal(problem) => problem,
        }
    }
}

impl IntoResponse for ApiError {
    /// As JSON, rendered by `problem::render`.
    fn into_response(self) -> Response {
        Problem::from(self).on(Surface::Api).into_response()
    }
}

macro_rules! via_problem {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(error: $t) -> ApiError {
                ApiError::Internal(Problem::from(error))
            }
        }
    )*};
}
via_problem!(
    crate::articles::ArticleError,
    crate::sections::SectionError,
    crate::storage::StorageError,
    crate::site::SiteError
);

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
