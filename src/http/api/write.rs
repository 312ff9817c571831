//! Write endpoints, authenticated by a personal API token
//! (`Authorization: Bearer mh_...`) that acts with its owner's current role.
//! Bodies are JSON; malformed JSON and unknown fields are refused with a
//! message naming the problem.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::accounts::User;
use crate::app::App;
use crate::articles::Article;
use crate::http::Problem;
use crate::publishing::story_writes::{self, Fields};

/// The user a request's API token acts as.
pub(super) struct ApiUser(pub User);

impl FromRequestParts<App> for ApiUser {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<ApiUser, Problem> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            Problem::unauthorized("send an API token: Authorization: Bearer <token>")
        })?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                Problem::unauthorized("the Authorization header must be Bearer <token>")
            })?;
        match crate::accounts::api_tokens::authenticate(app.store(), secret, app.now()).await {
            Ok(Some(user)) => Ok(ApiUser(user)),
            Ok(None) => Err(Problem::unauthorized(
                "the API token is unknown, revoked or its user disabled",
            )),
            Err(e) => Err(Problem::internal(e)),
        }
    }
}

/// Parses a JSON body, naming the unknown or missing field, or where the
/// JSON breaks.
pub(super) fn parse_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, Problem> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return Err(Problem::bad_request(
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request(format!("invalid JSON body: {e}")))
}

/// A new story.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewStory {
    section: String,
    headline: String,
    slug: Option<String>,
    standfirst: Option<String>,
    teaser: Option<String>,
    #[serde(default)]
    body: String,
    dateline: Option<String>,
    bylines: Option<Vec<String>>,
    tags: Option<Vec<String>>,
    lead_image: Option<String>,
    /// Unix seconds; the story stays off every public surface until then.
    embargo_until: Option<i64>,
    /// Kept fields: extra named values (`{"name": {"type": "text", "value": "..."}}`).
    fields: Option<crate::articles::fields::KeptFields>,
    /// A BCP 47 language tag; the site's when absent.
    language: Option<String>,
    /// The id of the story this one translates.
    translation_of: Option<i64>,
    /// A custom address the story keeps (a moved site's `/2016/07/11/slug`).
    canonical_path: Option<String>,
}

/// Changes to a story over the revision the client last read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StoryChanges {
    revision: i64,
    section: Option<String>,
    slug: Option<String>,
    headline: Option<String>,
    standfirst: Option<String>,
    teaser: Option<Option<String>>,
    body: Option<String>,
    dateline: Option<String>,
    bylines: Option<Vec<String>>,
    tags: Option<Vec<String>>,
    lead_image: Option<Option<String>>,
    embargo_until: Option<Option<i64>>,
    /// Replaces every kept field when present.
    fields: Option<crate::articles::fields::KeptFields>,
    /// A BCP 47 language tag.
    language: Option<String>,
    /// The id of the story this one translates; `null` unlinks it.
    #[serde(default, deserialize_with = "present")]
    translation_of: Option<Option<i64>>,
    /// A custom address the story keeps; `null` (or `""`) returns it to its
    /// section address.
    #[serde(default, deserialize_with = "present")]
    canonical_path: Option<Option<String>>,
    /// On a published story: move "Last update" (a substantive change).
    #[serde(default)]
    editorial_update: bool,
}

/// A story as its writers see it after a write.
#[derive(Debug, Serialize)]
pub(super) struct WrittenStory {
    id: i64,
    status: &'static str,
    revision: i64,
    path: String,
    headline: String,
    published_at: Option<i64>,
    last_update_at: Option<i64>,
}

fn written(status: StatusCode, a: &Article) -> Response {
    let body = WrittenStory {
        id: a.id,
        status: a.status.as_str(),
        revision: a.revision,
        path: a.path(),
        headline: a.headline.clone(),
        published_at: a.first_published_at,
        last_update_at: a.last_update_at,
    };
    (status, axum::Json(body)).into_response()
}

/// `POST /api/v1/stories`: a new draft.
pub(super) async fn create(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: NewStory = parse_json(&headers, &body)?;
    let fields = Fields {
        section: Some(input.section),
        slug: input.slug,
        headline: Some(input.headline),
        standfirst: input.standfirst,
        teaser: Some(input.teaser),
        body: Some(input.body),
        dateline: input.dateline,
        bylines: input.bylines,
        tags: input.tags,
        lead_image: Some(input.lead_image),
        embargo_until: Some(input.embargo_until),
        fields: input.fields,
        language: input.language,
        translation_of: input.translation_of.map(Some),
        canonical_path: input.canonical_path.map(Some),
    };
    let article = story_writes::create(app.store(), &user, fields, app.now()).await?;
    Ok(written(StatusCode::CREATED, &article))
}

pub(super) fn id(text: &str) -> Result<i64, Problem> {
    text.parse()
        .map_err(|_| Problem::not_found(format!("there is no story {text:?}")))
}

/// `PATCH /api/v1/stories/{id}`.
pub(super) async fn update(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path(story): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let story = id(&story)?;
    let input: StoryChanges = parse_json(&headers, &body)?;
    let fields = Fields {
        section: input.section,
        slug: input.slug,
        headline: input.headline,
        standfirst: input.standfirst,
        teaser: input.teaser,
        body: input.body,
        dateline: input.dateline,
        bylines: input.bylines,
        tags: input.tags,
        lead_image: input.lead_image,
        embargo_until: input.embargo_until,
        fields: input.fields,
        language: input.language,
        translation_of: input.translation_of,
        canonical_path: input.canonical_path,
    };
    let article = story_writes::update(
        app.store(),
        &user,
        story,
        input.revision,
        fields,
        input.editorial_update,
        app.now(),
    )
    .await?;
    Ok(written(StatusCode::OK, &article))
}

/// `POST /api/v1/stories/{id}/publish`.
pub(super) async fn publish(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path(story): Path<String>,
) -> Result<Response, Problem> {
    let article = story_writes::publish(app.store(), &user, id(&story)?, app.now()).await?;
    Ok(written(StatusCode::OK, &article))
}

/// `GET /api/v1/stories/{id}/checks`: the pre-publish check of the story
/// as it is now.
pub(super) async fn checks(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path(story): Path<String>,
) -> Result<Response, Problem> {
    let actor = story_writes::actor(&user);
    let (article, report) =
        crate::publishing::checks_for(app.store(), &actor, id(&story)?, app.now()).await?;
    let body = serde_json::json!({
        "story": article.id,
        "revision": article.revision,
        "ready": report.blocking().is_empty(),
        "checks": report.results,
    });
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `POST /api/v1/stories/{id}/unpublish`.
pub(super) async fn unpublish(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path(story): Path<String>,
) -> Result<Response, Problem> {
    let article = story_writes::unpublish(app.store(), &user, id(&story)?, app.now()).await?;
    Ok(written(StatusCode::OK, &article))
}

/// A field that may be sent as `null` to clear it: absent is `None`,
/// `null` is `Some(None)` (serde reads both as `None` otherwise).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
