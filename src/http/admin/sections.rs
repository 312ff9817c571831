//! `/admin/sections` (editors and administrators): create, rename and
//! reorder the site's sections. The domain (`sections`) audit-logs each
//! change in the change's own transaction.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::Page;
use super::auth::SectionManager;
use crate::app::App;
use crate::http::problem::Problem;
use crate::sections::{self, SectionError};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/sections", get(list).post(create))
        .route("/admin/sections/{id}", post(rename))
        .route("/admin/sections/{id}/move", post(move_section))
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
struct SectionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
}

async fn page(
    app: &App,
    user: &SectionManager,
    status: StatusCode,
    form: &SectionForm,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let list = sections::list(app.store()).await?;
    let context = serde_json::json!({ "sections": list, "form": form });
    Page::new(app, Some(&user.user), "sections")
        .status(status)
        .notice(notice)
        .error(error)
        .render("admin/sections.html", context)
        .await
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    notice: Option<String>,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The section is created."),
        "renamed" => Some("The section is renamed."),
        "moved" => Some("The order is changed."),
        _ => None,
    }
}

async fn list(
    State(app): State<App>,
    user: SectionManager,
    Query(query): Query<ListQuery>,
) -> Result<Response, Problem> {
    page(
        &app,
        &user,
        StatusCode::OK,
        &SectionForm::default(),
        notice(query.notice.as_deref()),
        None,
    )
    .await
}

fn refusal(error: SectionError) -> Result<(StatusCode, String), Problem> {
    match error {
        SectionError::Taken(_) => Ok((StatusCode::CONFLICT, error.to_string())),
        SectionError::EmptyName
        | SectionError::InvalidSlug(_)
        | SectionError::Reserved(_)
        | SectionError::Refused(_) => Ok((StatusCode::BAD_REQUEST, error.to_string())),
        SectionError::Storage(e) => Err(e.into()),
    }
}

async fn create(
    State(app): State<App>,
    user: SectionManager,
    Form(form): Form<SectionForm>,
) -> Result<Response, Problem> {
    let slug = Some(form.slug.trim()).filter(|s| !s.is_empty());
    match sections::create(app.store(), &user.actor(), &form.name, slug, app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/sections?notice=created").into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            page(&app, &user, status, &form, None, Some(message)).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct RenameForm {
    name: String,
}

async fn rename(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
    Form(form): Form<RenameForm>,
) -> Result<Response, Problem> {
    match sections::rename(app.store(), &user.actor(), id, &form.name, app.now()).await {
        Ok(Some(_)) => Ok(Redirect::to("/admin/sections?notice=renamed").into_response()),
        Ok(None) => Err(Problem::not_found("There is nothing at this address.")),
        Err(e) => {
            let (status, message) = refusal(e)?;
            page(
                &app,
                &user,
                status,
                &SectionForm::default(),
                None,
                Some(message),
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
struct MoveForm {
    direction: String,
}

async fn move_section(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, Problem> {
    let up = match form.direction.as_str() {
        "up" => true,
        "down" => false,
        _ => {
            return page(
                &app,
                &user,
                StatusCode::BAD_REQUEST,
                &SectionForm::default(),
                None,
                Some("Move a section up or down.".into()),
            )
            .await;
        }
    };
    sections::move_by_one(app.store(), &user.actor(), id, up, app.now()).await?;
    Ok(Redirect::to("/admin/sections?notice=moved").into_response())
}
