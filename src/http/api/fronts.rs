//! The API of curated fronts and the breaking-news banner, with a personal
//! API token acting with its owner's role (editors and administrators
//! only, as in the admin): `GET`/`PUT /api/v1/fronts/{front}` (`home` or a
//! section's slug) and `GET`/`PUT`/`DELETE /api/v1/banner`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::write::{ApiUser, parse_json};
use crate::actor::Actor;
use crate::app::App;
use crate::fronts::{self, BannerInput, Front, FrontError};
use crate::http::Problem;
use crate::storage::NewPin;

/// One pin as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PinBody {
    story: i64,
    /// Unix seconds; absent or null: until an editor takes it off.
    #[serde(default)]
    until: Option<i64>,
}

/// A whole arrangement as sent: the first pin leads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FrontBody {
    pins: Vec<PinBody>,
}

/// One pin as answered, with what the story is now.
#[derive(Debug, Serialize)]
struct PinJson {
    story: i64,
    until: Option<i64>,
    headline: String,
    path: String,
    status: String,
    /// Whether readers see it on the front now.
    shown: bool,
}

#[derive(Debug, Serialize)]
struct FrontJson {
    front: String,
    pins: Vec<PinJson>,
}

fn no_store(status: StatusCode, value: impl Serialize) -> Response {
    let mut response = (status, axum::Json(value)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn check_role(actor: &Actor) -> Result<(), Problem> {
    if fronts::may_arrange(actor) {
        Ok(())
    } else {
        Err(FrontError::Forbidden("only editors and administrators arrange fronts".into()).into())
    }
}

async fn front_json(app: &App, front: &Front) -> Result<FrontJson, Problem> {
    let now = app.now();
    let shown: Vec<i64> = fronts::shown(app.store(), front, now)
        .await?
        .iter()
        .map(|a| a.id)
        .collect();
    let mut pins = Vec::new();
    for pin in fronts::pins(app.store(), front).await? {
        let Some(article) = crate::articles::find(app.store(), pin.article_id).await? else {
            continue;
        };
        pins.push(PinJson {
            story: pin.article_id,
            until: pin.until,
            headline: article.headline.clone(),
            path: article.path(),
            status: article.status.as_str().to_owned(),
            shown: shown.contains(&pin.article_id),
        });
    }
    Ok(FrontJson {
        front: front.name().to_owned(),
        pins,
    })
}

/// `GET /api/v1/fronts/{front}`: the arrangement in order.
pub(super) async fn get_front(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    check_role(&Actor::from(&user))?;
    let front = Front::find(app.store(), &name).await?;
    Ok(no_store(StatusCode::OK, front_json(&app, &front).await?))
}

/// `PUT /api/v1/fronts/{front}`: replaces the arrangement.
pub(super) async fn put_front(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let actor = Actor::from(&user);
    check_role(&actor)?;
    let input: FrontBody = parse_json(&headers, &body)?;
    let front = Front::find(app.store(), &name).await?;
    let pins: Vec<NewPin> = input
        .pins
        .iter()
        .map(|p| NewPin {
            article_id: p.story,
            until: p.until,
        })
        .collect();
    fronts::arrange(app.store(), &actor, &front, &pins, app.now()).await?;
    Ok(no_store(StatusCode::OK, front_json(&app, &front).await?))
}

/// The banner as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BannerBody {
    text: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    until: Option<i64>,
}

#[derive(Debug, Serialize)]
struct BannerJson {
    text: String,
    link: String,
    until: Option<i64>,
    /// Whether readers see it now (false once it ran out).
    shown: bool,
}

async fn banner_json(app: &App) -> Result<serde_json::Value, Problem> {
    let banner = fronts::banner(app.store()).await?;
    let json = banner.map(|b| BannerJson {
        shown: fronts::showing(Some(&b), app.now()).is_some(),
        text: b.text,
        link: b.link,
        until: b.until,
    });
    Ok(serde_json::json!({ "banner": json }))
}

/// `GET /api/v1/banner`.
pub(super) async fn get_banner(
    State(app): State<App>,
    ApiUser(user): ApiUser,
) -> Result<Response, Problem> {
    check_role(&Actor::from(&user))?;
    Ok(no_store(StatusCode::OK, banner_json(&app).await?))
}

/// `PUT /api/v1/banner`: sets it.
pub(super) async fn put_banner(
    State(app): State<App>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: BannerBody = parse_json(&headers, &body)?;
    let input = BannerInput {
        text: input.text,
        link: input.link,
        until: input.until,
    };
    fronts::set_banner(app.store(), &Actor::from(&user), Some(&input), app.now()).await?;
    Ok(no_store(StatusCode::OK, banner_json(&app).await?))
}

/// `DELETE /api/v1/banner`: takes it down.
pub(super) async fn delete_banner(
    State(app): State<App>,
    ApiUser(user): ApiUser,
) -> Result<Response, Problem> {
    fronts::set_banner(app.store(), &Actor::from(&user), None, app.now()).await?;
    Ok(no_store(StatusCode::OK, banner_json(&app).await?))
}
