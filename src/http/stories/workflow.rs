//! The workflow buttons: submit, return to draft, schedule, publish,
//! unpublish and add a correction. Each answers with the editor again: after
//! a redirect with a notice when it worked, or at once with the refusal.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Newsroom;
use super::editor::{Screen, load, refusal, screen};
use super::form::StoryForm;
use crate::app::App;
use crate::articles::Article;
use crate::http::admin::CurrentUser;
use crate::http::problem::Problem;
use crate::publishing::{self, Actor, WorkflowError, parse_local_time};
use crate::site::Site;

/// Answers a step: to the editor with `done` on success, or the editor with
/// the refusal.
async fn answer(
    app: &App,
    actor: &Actor,
    current: &CurrentUser,
    id: i64,
    done: &str,
    result: Result<Article, WorkflowError>,
) -> Result<Response, Problem> {
    let error = match result {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/admin/stories/{id}?done={done}")).into_response());
        }
        Err(error) => refusal(error)?,
    };
    tracing::info!(user = current.user.id, story = id, refused = %error.message, "{done} refused");
    let article = load(app, id).await?;
    let site = Site::load(app.store()).await?;
    screen(
        app,
        Screen {
            actor,
            current,
            story: Some(&article),
            form: StoryForm::of_stored(app.store(), &article, &site).await?,
            status: error.status,
            notice: None,
            error: Some(error.message),
        },
    )
    .await
}

pub(super) async fn submit(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let result = publishing::submit(app.store(), &actor, id, app.now()).await;
    answer(&app, &actor, &current, id, "submitted", result).await
}

pub(super) async fn withdraw(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let result = publishing::withdraw(app.store(), &actor, id, app.now()).await;
    answer(&app, &actor, &current, id, "withdrawn", result).await
}

pub(super) async fn publish(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let result = publishing::publish(app.store(), &actor, id, app.now()).await;
    if result.is_ok() {
        super::editor::forget_autosave(&app, &current, crate::autosaves::Draft::Story(id)).await;
    }
    answer(&app, &actor, &current, id, "published", result).await
}

pub(super) async fn unpublish(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let result = publishing::unpublish(app.store(), &actor, id, app.now()).await;
    answer(&app, &actor, &current, id, "unpublished", result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ScheduleForm {
    /// `datetime-local` in the site's time zone.
    at: String,
}

pub(super) async fn schedule(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<ScheduleForm>,
) -> Result<Response, Problem> {
    let result = async {
        let site = Site::load(app.store())
            .await
            .map_err(|e| WorkflowError::Invalid(e.to_string()))?;
        let at = parse_local_time(&form.at, &site.time_zone)?
            .ok_or_else(|| WorkflowError::Invalid("choose when to publish".into()))?;
        publishing::schedule(app.store(), &actor, id, at, app.now()).await
    }
    .await;
    answer(&app, &actor, &current, id, "scheduled", result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CorrectionForm {
    note: String,
}

pub(super) async fn correct(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<CorrectionForm>,
) -> Result<Response, Problem> {
    let result = publishing::correct(app.store(), &actor, id, &form.note, app.now()).await;
    answer(&app, &actor, &current, id, "corrected", result).await
}
