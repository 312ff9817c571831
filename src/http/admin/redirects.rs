//! `/admin/redirects` (editors and administrators): every old address with
//! where it leads and how many readers still arrive by it; add one (an old
//! path, or a whole old URL pasted, to a story's or any page's address) and
//! remove one. The domain (`redirects`) refuses an address something else
//! lives at or a loop, naming the other owner, and audit-logs each change.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::Page;
use super::auth::SectionManager;
use crate::app::App;
use crate::http::problem::Problem;
use crate::publishing::format_local_time;
use crate::redirects::{self, RedirectError};

/// Redirects per page of the list.
const PAGE_SIZE: i64 = 100;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/redirects", get(list).post(add))
        .route("/admin/redirects/remove", post(remove))
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
struct RedirectForm {
    #[serde(default)]
    old_path: String,
    #[serde(default)]
    target: String,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    notice: Option<String>,
    #[serde(default)]
    after: String,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "added" => Some("The redirect is added."),
        "removed" => Some("The redirect is removed; its old address now answers 404."),
        _ => None,
    }
}

async fn page(
    app: &App,
    user: &SectionManager,
    status: StatusCode,
    form: &RedirectForm,
    after: &str,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let mut rows = redirects::list(app.store(), after, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let next = more.then(|| rows.last()).flatten().map(|r| {
        let after =
            percent_encoding::utf8_percent_encode(&r.old_path, percent_encoding::NON_ALPHANUMERIC);
        format!("/admin/redirects?after={after}")
    });
    let total = redirects::count(app.store()).await?;
    let site = app.site().await?;
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "old_path": r.old_path,
                "target": r.article_path.clone().or_else(|| r.target_path.clone()),
                "story": r.article_headline,
                "hits": r.hits,
                "last_hit": r.last_hit_at.map(|t| format_local_time(t, &site.time_zone).replace('T', " ")),
            })
        })
        .collect();
    let context = serde_json::json!({
        "redirects": rows,
        "total": total,
        "next": next,
        "form": form,
    });
    Page::new(app, Some(&user.user), "redirects")
        .status(status)
        .notice(notice)
        .error(error)
        .render("admin/redirects.html", context)
        .await
}

async fn list(
    State(app): State<App>,
    user: SectionManager,
    Query(query): Query<ListQuery>,
) -> Result<Response, Problem> {
    let form = RedirectForm::default();
    let notice = notice(query.notice.as_deref());
    page(
        &app,
        &user,
        StatusCode::OK,
        &form,
        &query.after,
        notice,
        None,
    )
    .await
}

/// A refusal the editor can fix, shown with what they typed.
fn refusal(error: RedirectError) -> Result<(StatusCode, String), Problem> {
    match error {
        RedirectError::Taken(_) => Ok((StatusCode::CONFLICT, error.to_string())),
        RedirectError::Storage(_) | RedirectError::Forbidden | RedirectError::NotFound(_) => {
            Err(error.into())
        }
        _ => Ok((StatusCode::UNPROCESSABLE_ENTITY, error.to_string())),
    }
}

async fn add(
    State(app): State<App>,
    user: SectionManager,
    Form(form): Form<RedirectForm>,
) -> Result<Response, Problem> {
    let actor = user.actor();
    match redirects::add(app.store(), &actor, &form.old_path, &form.target, app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/redirects?notice=added").into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            page(&app, &user, status, &form, "", None, Some(message)).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct RemoveForm {
    old_path: String,
}

async fn remove(
    State(app): State<App>,
    user: SectionManager,
    Form(form): Form<RemoveForm>,
) -> Result<Response, Problem> {
    redirects::remove(app.store(), &user.actor(), &form.old_path, app.now()).await?;
    Ok(Redirect::to("/admin/redirects?notice=removed").into_response())
}
