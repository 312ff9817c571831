//! `/admin/users` (administrators only): the accounts, inviting a user (an
//! account with a one-time set-password link shown to the administrator),
//! changing roles, disabling and re-enabling, password-reset links.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::Page;
use super::auth::AdminUser;
use crate::accounts::{self, AccountError, Role, Token};
use crate::app::App;
use crate::http::problem::Problem;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/users", get(list).post(invite))
        .route("/admin/users/{id}/role", post(change_role))
        .route("/admin/users/{id}/disable", post(disable))
        .route("/admin/users/{id}/enable", post(enable))
        .route("/admin/users/{id}/reset", post(reset))
}

/// A one-time link to show: the full address to hand over, and the path
/// for the link on this page.
fn link(app: &App, token: &Token, for_whom: &str, purpose: &str) -> serde_json::Value {
    let path = format!("/admin/password/{}", token.plain);
    serde_json::json!({
        "url": format!("{}{}", app.config().public_base_url().trim_end_matches('/'), path),
        "path": path,
        "for": for_whom,
        "purpose": purpose,
    })
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "role_changed" => Some("The role is changed."),
        "disabled" => Some("The account is disabled and signed out everywhere."),
        "enabled" => Some("The account is enabled again."),
        _ => None,
    }
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// Renders the users page with an optional link, the invite form's values,
/// a notice or an error.
async fn page(
    app: &App,
    admin: &AdminUser,
    status: StatusCode,
    form: &InviteForm,
    link: Option<serde_json::Value>,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let users = accounts::list(app.store()).await?;
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| serde_json::json!({ "value": r.as_str(), "label": r.label() }))
        .collect();
    let context = serde_json::json!({
        "users": users.iter().map(|u| serde_json::json!({
            "id": u.id, "name": u.name, "email": u.email, "role": u.role, "role_label": u.role.label(),
            "disabled": u.disabled, "has_password": u.has_password, "is_me": u.id == admin.id,
        })).collect::<Vec<_>>(),
        "roles": roles,
        "form": form,
        "link": link,
    });
    Page::new(app, Some(&admin.user), "users")
        .status(status)
        .notice(notice)
        .error(error)
        .render("admin/users.html", context)
        .await
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    notice: Option<String>,
}

async fn list(
    State(app): State<App>,
    admin: AdminUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, Problem> {
    let form = InviteForm {
        role: "writer".into(),
        ..Default::default()
    };
    page(
        &app,
        &admin,
        StatusCode::OK,
        &form,
        None,
        notice(query.notice.as_deref()),
        None,
    )
    .await
}

/// The status a refused change answers with.
fn refusal_status(error: &AccountError) -> StatusCode {
    match error {
        AccountError::EmailTaken(_) | AccountError::LastAdmin | AccountError::OwnAccount => {
            StatusCode::CONFLICT
        }
        AccountError::NoSuchUser(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    }
}

async fn invite(
    State(app): State<App>,
    admin: AdminUser,
    Form(form): Form<InviteForm>,
) -> Result<Response, Problem> {
    let outcome = match Role::parse(&form.role) {
        Ok(role) => {
            accounts::create_user(
                app.store(),
                &admin.actor(),
                &form.email,
                &form.name,
                role,
                None,
                app.now(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok((user, Some(token))) => {
            let shown = link(
                &app,
                &token,
                &format!("{} <{}>", user.name, user.email),
                "invitation",
            );
            let fresh = InviteForm {
                role: "writer".into(),
                ..Default::default()
            };
            let notice = format!(
                "{} is invited as {}. Give them the link below; it works once, for 7 days.",
                user.name,
                user.role.label()
            );
            page(
                &app,
                &admin,
                StatusCode::OK,
                &fresh,
                Some(shown),
                Some(&notice),
                None,
            )
            .await
        }
        Ok((_, None)) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) if e.is_user_error() => {
            page(
                &app,
                &admin,
                refusal_status(&e),
                &form,
                None,
                None,
                Some(e.to_string()),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Runs a change and answers with a redirect carrying `done`, or the users
/// page with the reason it was refused.
async fn after_change(
    app: &App,
    admin: &AdminUser,
    outcome: Result<accounts::User, AccountError>,
    done: &str,
) -> Result<Response, Problem> {
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users?notice={done}")).into_response()),
        Err(e) if e.is_user_error() => {
            let form = InviteForm {
                role: "writer".into(),
                ..Default::default()
            };
            page(
                app,
                admin,
                refusal_status(&e),
                &form,
                None,
                None,
                Some(e.to_string()),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
struct RoleForm {
    role: String,
}

async fn change_role(
    State(app): State<App>,
    admin: AdminUser,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response, Problem> {
    let outcome = match Role::parse(&form.role) {
        Ok(role) => accounts::set_role(app.store(), &admin.actor(), id, role, app.now()).await,
        Err(e) => Err(e),
    };
    after_change(&app, &admin, outcome, "role_changed").await
}

async fn disable(
    State(app): State<App>,
    admin: AdminUser,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let outcome = accounts::set_disabled(app.store(), &admin.actor(), id, true, app.now()).await;
    after_change(&app, &admin, outcome, "disabled").await
}

async fn enable(
    State(app): State<App>,
    admin: AdminUser,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let outcome = accounts::set_disabled(app.store(), &admin.actor(), id, false, app.now()).await;
    after_change(&app, &admin, outcome, "enabled").await
}

async fn reset(
    State(app): State<App>,
    admin: AdminUser,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let Some(row) = app.store().user_by_id(id).await? else {
        return Err(Problem::not_found("There is nothing at this address."));
    };
    let token = accounts::reset_link(app.store(), &admin.actor(), id, app.now()).await?;
    let shown = link(
        &app,
        &token,
        &format!("{} <{}>", row.name, row.email),
        "password reset",
    );
    let form = InviteForm {
        role: "writer".into(),
        ..Default::default()
    };
    let notice = format!(
        "A password-reset link for {} is below; it works once, for 24 hours.",
        row.name
    );
    page(
        &app,
        &admin,
        StatusCode::OK,
        &form,
        Some(shown),
        Some(&notice),
        None,
    )
    .await
}
