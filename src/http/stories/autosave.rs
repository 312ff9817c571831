//! The story editor's autosave and presence routes (issue 13): the open
//! editor posts its whole form every few seconds (form data or JSON) and a
//! heartbeat; reopening offers the autosave (restore fills the editor with
//! it, discard deletes it: both plain form posts, so they work without
//! JavaScript). Only the person who wrote an autosave ever reads it.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Serialize;

use super::editor::{Offer, Screen, load, screen};
use super::form::StoryForm;
use super::{Newsroom, when};
use crate::app::App;
use crate::articles::Article;
use crate::autosaves::{self, AutosaveError, Draft, Editing};
use crate::http::admin::CurrentUser;
use crate::http::problem::Problem;
use crate::publishing::{self, Actor};
use crate::site::Site;

/// Which draft a path names: `new` or a story id.
fn draft_of(id: &str) -> Result<Draft, Problem> {
    if id == "new" {
        return Ok(Draft::NewStory);
    }
    id.parse().map(Draft::Story).map_err(|_| Problem::no_page())
}

/// The story of `draft` (none for a new one), refused unless `actor` may
/// edit it: an autosave is a save in waiting.
async fn editable(app: &App, actor: &Actor, draft: Draft) -> Result<Option<Article>, Problem> {
    let Draft::Story(id) = draft else {
        return Ok(None);
    };
    let article = load(app, id).await?;
    if !publishing::can_edit(actor, &article) {
        return Err(Problem::forbidden("you may not edit this story"));
    }
    Ok(Some(article))
}

#[derive(Serialize)]
struct Kept {
    saved_at: i64,
    /// The time in the site's zone, for "Saved 10:02:31".
    time: String,
}

#[derive(Serialize)]
struct Refused {
    error: String,
}

/// Reads the posted form: JSON (`{"name": "value"}`) or form data.
async fn fields_of(app: &App, request: Request) -> Result<BTreeMap<String, String>, String> {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        Json::<BTreeMap<String, String>>::from_request(request, app)
            .await
            .map(|Json(fields)| fields)
            .map_err(|e| e.body_text())
    } else {
        Form::<BTreeMap<String, String>>::from_request(request, app)
            .await
            .map(|Form(fields)| fields)
            .map_err(|e| e.body_text())
    }
}

/// `POST /admin/stories/{id}/autosave` (`new` for a story never saved):
/// keeps the form as the signed-in person's autosave. Answers JSON.
pub(super) async fn keep(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, Problem> {
    let draft = draft_of(&id)?;
    editable(&app, &actor, draft).await?;
    let fields = match fields_of(&app, request).await {
        Ok(fields) => fields,
        Err(error) => return Ok(refused(StatusCode::BAD_REQUEST, error)),
    };
    let based_on = fields
        .get("revision")
        .and_then(|r| r.trim().parse().ok())
        .unwrap_or(0);
    let now = app.now();
    match autosaves::keep(app.store(), current.user.id, draft, based_on, &fields, now).await {
        Ok(kept) => {
            let site = Site::load(app.store()).await?;
            Ok(Json(Kept {
                saved_at: kept.saved_at,
                time: site.format_date(kept.saved_at, "H:i:s"),
            })
            .into_response())
        }
        Err(AutosaveError::Storage(error)) => Err(error.into()),
        Err(AutosaveError::Corrupt { .. }) => Err(Problem::internal("autosave encoding")),
        Err(error) => Ok(refused(StatusCode::PAYLOAD_TOO_LARGE, error.to_string())),
    }
}

fn refused(status: StatusCode, error: String) -> Response {
    (status, Json(Refused { error })).into_response()
}

/// `POST .../autosave/restore`: the editor filled with the autosave (not
/// saved: the notice says so), on the revision it was based on, so saving
/// over a newer revision is refused and shows both.
pub(super) async fn restore(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let draft = draft_of(&id)?;
    let story = editable(&app, &actor, draft).await?;
    let Some(autosave) = autosaves::find(app.store(), current.user.id, draft)
        .await
        .map_err(autosave_problem)?
    else {
        return Ok(Redirect::to(&editor_path(draft, Some("no-autosave"))).into_response());
    };
    let map: serde_json::Map<String, serde_json::Value> = autosave
        .fields
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    let mut form: StoryForm = serde_json::from_value(serde_json::Value::Object(map))?;
    if story.is_some() {
        form.revision = autosave.based_on.to_string();
    }
    screen(
        &app,
        Screen {
            actor: &actor,
            current: &current,
            story: story.as_ref(),
            form,
            status: StatusCode::OK,
            notice: Some("Autosave restored into the form. Save the story to keep it."),
            error: None,
        },
    )
    .await
}

/// `POST .../autosave/discard`: deletes the autosave, back to the editor.
pub(super) async fn discard(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let draft = draft_of(&id)?;
    editable(&app, &actor, draft).await?;
    autosaves::discard(app.store(), current.user.id, draft).await?;
    Ok(Redirect::to(&editor_path(draft, Some("discarded"))).into_response())
}

fn editor_path(draft: Draft, done: Option<&str>) -> String {
    let path = match draft {
        Draft::NewStory => "/admin/stories/new".to_owned(),
        Draft::Story(id) => format!("/admin/stories/{id}"),
    };
    match done {
        Some(done) => format!("{path}?done={done}"),
        None => path,
    }
}

fn autosave_problem(error: AutosaveError) -> Problem {
    match error {
        AutosaveError::Storage(error) => error.into(),
        other => Problem::internal(other),
    }
}

/// Someone else in the editor, as the page shows them.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Present {
    pub name: String,
    /// `10:02`, in the site's time zone.
    pub since: String,
}

impl Present {
    pub(super) fn of(site: &Site, editing: &[Editing]) -> Vec<Present> {
        editing
            .iter()
            .map(|e| Present {
                name: e.name.clone(),
                since: site.format_date(e.since, "H:i"),
            })
            .collect()
    }
}

#[derive(Serialize)]
struct Presence {
    editors: Vec<Present>,
}

/// `POST /admin/stories/{id}/presence`: the open editor's heartbeat; answers
/// who else has the story open. Any newsroom member who may open the
/// editor counts, read-only or not.
pub(super) async fn heartbeat(
    State(app): State<App>,
    Newsroom(_, current): Newsroom,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    load(&app, id).await?;
    let editing =
        autosaves::heartbeat(app.store(), current.user.id, Draft::Story(id), app.now()).await?;
    let site = Site::load(app.store()).await?;
    Ok(Json(Presence {
        editors: Present::of(&site, &editing),
    })
    .into_response())
}

/// `POST /admin/stories/{id}/presence/leave`: the editor was closed.
pub(super) async fn leave(
    State(app): State<App>,
    Newsroom(_, current): Newsroom,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    autosaves::leave(app.store(), current.user.id, Draft::Story(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// What the editor page offers and shows of autosaves and presence.
pub(super) async fn offer(
    app: &App,
    current: &CurrentUser,
    story: Option<&Article>,
) -> Result<Offer, Problem> {
    let site = Site::load(app.store()).await?;
    let draft = story.map_or(Draft::NewStory, |s| Draft::Story(s.id));
    let found = autosaves::find(app.store(), current.user.id, draft)
        .await
        .map_err(autosave_problem)?;
    let editing = match story {
        Some(_) => autosaves::others(app.store(), current.user.id, draft, app.now()).await?,
        None => Vec::new(),
    };
    let latest = story.map_or(0, |s| s.modified_at);
    Ok(Offer {
        autosave: found.as_ref().map(|a| super::editor::AutosaveOffer {
            time: when(&site, Some(a.saved_at)),
            newer: story.is_none_or(|s| a.saved_at >= s.modified_at && a.based_on >= s.revision),
            based_on: a.based_on,
        }),
        latest_ms: found.map_or(latest, |a| a.saved_at.max(latest)) * 1000,
        editing: Present::of(&site, &editing),
    })
}
