//! The write API of live blogs, with a personal API token acting with its
//! owner's role (the same rules as the desk: editors on every story,
//! writers on their own): `GET`/`POST /api/v1/stories/{id}/live-posts`,
//! `PATCH`/`DELETE /api/v1/stories/{id}/live-posts/{post}`, and
//! `POST /api/v1/stories/{id}/live` to start, end or reopen the coverage.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::write::{ApiUser, id, parse_json};
use crate::actor::Actor;
use crate::app::App;
use crate::http::Problem;
use crate::live::{self, Post, PostInput};

/// A new post, or (every field optional) the changes to one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PostBody {
    headline: Option<String>,
    /// HTML, sanitized like a story's body.
    body: Option<String>,
    /// `media:<id>`; `""` for none.
    image: Option<String>,
    /// `""` for none.
    embed_url: Option<String>,
    /// Editors only: another person shown as the author.
    author: Option<String>,
    key_event: Option<bool>,
    /// Unix seconds; now when absent.
    posted_at: Option<i64>,
}

impl PostBody {
    fn over(self, before: Option<&Post>) -> PostInput {
        PostInput {
            headline: self
                .headline
                .or_else(|| before.map(|p| p.headline.clone()))
                .unwrap_or_default(),
            body: self
                .body
                .or_else(|| before.map(|p| p.body_html.clone()))
                .unwrap_or_default(),
            image: self
                .image
                .or_else(|| before.and_then(|p| p.image.clone()))
                .unwrap_or_default(),
            embed_url: self
                .embed_url
                .or_else(|| before.and_then(|p| p.embed_url.clone()))
                .unwrap_or_default(),
            author: self.author.unwrap_or_default(),
            key_event: self
                .key_event
                .unwrap_or_else(|| before.is_some_and(|p| p.key_event)),
            posted_at: self.posted_at,
        }
    }
}

/// A post as the API answers it.
#[derive(Debug, Serialize)]
pub(super) struct PostJson {
    id: i64,
    story: i64,
    headline: String,
    body_html: String,
    image: Option<String>,
    embed_url: Option<String>,
    author: String,
    key_event: bool,
    posted_at: i64,
    updated_at: i64,
}

fn json(post: &Post) -> PostJson {
    PostJson {
        id: post.id,
        story: post.article_id,
        headline: post.headline.clone(),
        body_html: post.body_html.clone(),
        image: post.image.clone(),
        embed_url: post.embed_url.clone(),
        author: post.author_name.clone(),
        key_event: post.key_event,
        posted_at: post.posted_at,
        updated_at: post.updated_at,
    }
}

fn no_store(status: StatusCode, value: impl Serialize) -> Response {
    let mut response = (status, axum::Json(value)).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// `GET /api/v1/stories/{id}/live-posts`: every post, newest first, with
/// the coverage's state (for those who may run the live blog).
pub(super) async fn list(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path(story): Path<String>,
) -> Result<Response, Problem> {
    let story = id(&story)?;
    let article = crate::articles::find(app.store(), story)
        .await?
        .ok_or_else(|| Problem::not_found("there is no such story"))?;
    if !live::may_run(&Actor::from(&user), &article) {
        return Err(live::LiveError::Forbidden(
            "writers can read the posts only of their own stories' live blogs".into(),
        )
        .into());
    }
    let blog = live::of_story(app.store(), story)
        .await?
        .ok_or(live::LiveError::NotLive)?;
    let posts = live::posts(app.store(), story, 0, i64::MAX).await?;
    Ok(no_store(
        StatusCode::OK,
        serde_json::json!({
            "story": story,
            "coverage_start": blog.started_at,
            "coverage_end": blog.ended_at,
            "posts": posts.iter().map(json).collect::<Vec<_>>(),
        }),
    ))
}

/// `POST /api/v1/stories/{id}/live-posts`.
pub(super) async fn create(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path(story): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: PostBody = parse_json(&headers, &body)?;
    let post = live::add(
        app.store(),
        &Actor::from(&user),
        id(&story)?,
        &input.over(None),
        app.now(),
    )
    .await?;
    Ok(no_store(StatusCode::CREATED, json(&post)))
}

/// `PATCH /api/v1/stories/{id}/live-posts/{post}`: the fields sent change.
pub(super) async fn update(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path((story, post)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: PostBody = parse_json(&headers, &body)?;
    let (story, post) = (id(&story)?, id(&post)?);
    let before = live::post(app.store(), story, post).await?;
    let saved = live::edit(
        app.store(),
        &Actor::from(&user),
        story,
        post,
        &input.over(Some(&before)),
        app.now(),
    )
    .await?;
    Ok(no_store(StatusCode::OK, json(&saved)))
}

/// `DELETE /api/v1/stories/{id}/live-posts/{post}`.
pub(super) async fn delete(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path((story, post)): Path<(String, String)>,
) -> Result<Response, Problem> {
    live::delete(
        app.store(),
        &Actor::from(&user),
        id(&story)?,
        id(&post)?,
        app.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// What `POST /api/v1/stories/{id}/live` does.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CoverageBody {
    /// `start`, `end` or `reopen`.
    action: String,
}

/// `POST /api/v1/stories/{id}/live`: start, end or reopen the coverage.
pub(super) async fn coverage(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path(story): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: CoverageBody = parse_json(&headers, &body)?;
    let (actor, story, now) = (Actor::from(&user), id(&story)?, app.now());
    let blog = match input.action.as_str() {
        "start" => live::start(app.store(), &actor, story, now).await?,
        "end" => live::set_ended(app.store(), &actor, story, true, now).await?,
        "reopen" => live::set_ended(app.store(), &actor, story, false, now).await?,
        other => {
            return Err(Problem::bad_request(format!(
                "unknown action {other:?}: send start, end or reopen"
            )));
        }
    };
    Ok(no_store(
        StatusCode::OK,
        serde_json::json!({
            "story": story, "coverage_start": blog.started_at, "coverage_end": blog.ended_at,
        }),
    ))
}
