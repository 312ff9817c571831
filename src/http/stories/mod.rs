//! The story desk under `/admin/stories`: the filtered story list, the story
//! editor (all fields, the automatic teaser beside the hand-written one, a
//! live preview), the workflow buttons, and revisions with diff and restore.
//! Every route needs a signed-in newsroom member; what they may do is decided
//! by `publishing`, never here.

mod autosave;
mod editor;
mod form;
mod history;
mod images;
mod list;
mod live;
mod preview;
mod workflow;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use crate::app::App;
use crate::http::admin::{self, CurrentUser, Page};
use crate::http::problem::Problem;
use crate::publishing::WorkflowError;
use crate::site::Site;

pub(super) use auth::Newsroom;
pub(super) use editor::{EDITOR_CSP, after_upload};

/// Admin pages run one script of our own (the live preview and the Topics
/// field's suggestions, which it fetches from `/admin/topics/suggest`) and
/// frame the preview from this origin; nothing else.
const ADMIN_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
     style-src 'self'; img-src 'self' data: https:; frame-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

/// The live preview's script, served from `'self'`.
const PREVIEW_JS: &str = include_str!("../../../static/admin-preview.js");
/// The autosave and presence script, served from `'self'`.
const AUTOSAVE_JS: &str = include_str!("../../../static/admin-autosave.js");
/// The story desk's stylesheet.
const STORIES_CSS: &str = include_str!("../../../static/admin-stories.css");

/// The story desk's routes.
pub(super) fn routes() -> Router<App> {
    let pages = admin::with_admin_headers(
        Router::new()
            .route("/admin/stories", get(list::page).post(editor::create))
            .route("/admin/stories/new", get(editor::new_page))
            .route(
                "/admin/stories/{id}",
                get(editor::edit_page).post(editor::save),
            )
            // The editor's script posts its form and heartbeats here (JSON
            // answers, private like every admin answer; the CSRF layer
            // guards them like any post).
            .route("/admin/stories/{id}/autosave", post(autosave::keep))
            .route("/admin/stories/{id}/presence", post(autosave::heartbeat))
            .route("/admin/stories/{id}/presence/leave", post(autosave::leave))
            .route(
                "/admin/stories/{id}/autosave/restore",
                post(autosave::restore),
            )
            .route(
                "/admin/stories/{id}/autosave/discard",
                post(autosave::discard),
            )
            .route("/admin/stories/{id}/submit", post(workflow::submit))
            .route("/admin/stories/{id}/withdraw", post(workflow::withdraw))
            .route("/admin/stories/{id}/publish", post(workflow::publish))
            .route("/admin/stories/{id}/schedule", post(workflow::schedule))
            .route("/admin/stories/{id}/unpublish", post(workflow::unpublish))
            .route("/admin/stories/{id}/corrections", post(workflow::correct))
            .route(
                "/admin/stories/{id}/live",
                get(live::page).post(live::coverage),
            )
            .route("/admin/stories/{id}/live/posts", post(live::create))
            .route(
                "/admin/stories/{id}/live/posts/{post}",
                get(live::edit_page).post(live::save),
            )
            .route(
                "/admin/stories/{id}/live/posts/{post}/delete",
                post(live::delete),
            )
            .route("/admin/stories/{id}/live/posts/{post}/pin", post(live::pin))
            .route("/admin/stories/{id}/revisions", get(history::list))
            .route("/admin/stories/{id}/revisions/diff", get(history::diff))
            .route(
                "/admin/stories/{id}/revisions/{revision}",
                get(history::show),
            )
            .route(
                "/admin/stories/{id}/revisions/{revision}/restore",
                post(history::restore),
            ),
        ADMIN_CSP,
    );
    Router::new()
        .merge(pages)
        // The preview is the reader page: the reader CSP (no script at all)
        // plus a sandbox, so nothing in an unsaved story can ever run.
        .route("/admin/stories/preview", post(preview::preview))
        .route("/static/admin-preview.js", get(preview_script))
        .route("/static/admin-autosave.js", get(autosave_script))
        .route("/static/admin-stories.css", get(stylesheet))
        .route(crate::editor_bundle::script_path(), get(editor_script))
        .route(
            crate::editor_bundle::stylesheet_path(),
            get(editor_stylesheet),
        )
}

/// Named after its content, so kept for a year and never asked again.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

async fn editor_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, IMMUTABLE),
        ],
        crate::editor_bundle::SCRIPT,
    )
        .into_response()
}

async fn editor_stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, IMMUTABLE),
        ],
        crate::editor_bundle::STYLESHEET,
    )
        .into_response()
}

async fn preview_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PREVIEW_JS,
    )
        .into_response()
}

async fn autosave_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        AUTOSAVE_JS,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STORIES_CSS,
    )
        .into_response()
}

/// The status a workflow refusal is answered with.
fn status_of(error: &WorkflowError) -> StatusCode {
    use crate::articles::revisions::SaveError;
    match error {
        WorkflowError::NotFound => StatusCode::NOT_FOUND,
        WorkflowError::Forbidden(_) => StatusCode::FORBIDDEN,
        WorkflowError::InvalidTransition { .. }
        | WorkflowError::Save(SaveError::Conflict { .. }) => StatusCode::CONFLICT,
        WorkflowError::UpdateKindRequired
        | WorkflowError::Invalid(_)
        | WorkflowError::ChecksFailed { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        WorkflowError::Save(SaveError::Article(_)) | WorkflowError::Checks(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Renders a story desk template inside the admin shell (`admin/base.html`
/// with its navigation, notice and error), or the admin error page.
async fn render<S: Serialize>(
    app: &App,
    current: &CurrentUser,
    status: StatusCode,
    message: (Option<&str>, Option<String>),
    template: &str,
    page: &S,
) -> Result<Response, Problem> {
    let context = serde_json::to_value(page)?;
    Page::new(app, Some(&current.user), "stories")
        .status(status)
        .notice(message.0)
        .error(message.1)
        .render(template, context)
        .await
}

/// A time for people, in the site's zone and medium format.
fn when(site: &Site, unix_seconds: Option<i64>) -> String {
    unix_seconds
        .map(|t| site.format_date(t, "medium"))
        .unwrap_or_default()
}

/// The notices a redirect after a step may carry (`?done=`); only fixed
/// texts, never anything from the request.
fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => "Story created.",
        "saved" => "Saved.",
        "submitted" => "Submitted for review.",
        "withdrawn" => "Returned to draft.",
        "published" => "Published.",
        "scheduled" => "Scheduled.",
        "unpublished" => "Unpublished: the story is off every public page.",
        "corrected" => "Correction added.",
        "restored" => "Revision restored as a new revision.",
        "discarded" => "Autosave discarded.",
        "no-autosave" => "There is no autosave to restore.",
        _ => return None,
    })
}

mod auth;
