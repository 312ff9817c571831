//! Signing in and out, the first administrator's setup link, and
//! one-time set-password links (invitations and resets).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::Page;
use super::auth::{
    ClientAddress, CurrentUser, MaybeUser, cookie, device_set_cookie, is_https, session_cookie,
    session_set_cookie,
};
use crate::accounts::{self, AccountError, Login, SESSION_LIFETIME_SECS, Session};
use crate::app::App;
use crate::http::problem::Problem;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/login", get(login_page).post(login))
        .route("/admin/logout", post(logout))
        .route("/admin/logout-everywhere", post(logout_everywhere))
        .route("/admin/setup/{token}", get(setup_page).post(setup))
        .route(
            "/admin/password/{token}",
            get(password_page).post(set_password),
        )
}

/// Where to go after signing in: only admin pages of this site. Anything
/// else (another host, `//host`, `/\host` which browsers read as `//host`,
/// control characters that would break the `Location` header) goes to the
/// dashboard instead of answering an error or redirecting off the site.
fn safe_next(next: Option<&str>) -> &str {
    const DEFAULT: &str = "/admin";
    let Some(next) = next else { return DEFAULT };
    let Some(rest) = next.strip_prefix("/admin") else {
        return DEFAULT;
    };
    // `/admin`, `/admin/...`, `/admin?...`, `/admin#...`, never `/admin.evil`.
    let admin_page = rest.is_empty() || rest.starts_with(['/', '?', '#']);
    // Visible ASCII only: a header value cannot carry a line break, and a
    // percent-encoded path never needs more.
    let clean = next.bytes().all(|b| b.is_ascii_graphic()) && !next.contains('\\');
    if admin_page && clean && !next.starts_with("//") {
        next
    } else {
        DEFAULT
    }
}

/// A redirect that also stores the new session's cookie (and the
/// known-device cookie, when the sign-in gave one).
fn signed_in(app: &App, headers: &HeaderMap, session: &Session, to: &str) -> Response {
    let secure = is_https(app, headers);
    let cookie = session_set_cookie(Some(&session.token.plain), SESSION_LIFETIME_SECS, secure);
    let mut response = ([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response();
    if let Some(device) = &session.device_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, device_set_cookie(device, secure));
    }
    response
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    next: Option<String>,
    notice: Option<String>,
}

fn login_notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "logged_out" => Some("You are signed out."),
        "logged_out_everywhere" => Some("You are signed out on every device."),
        "password_set" => Some("Your password is set. Sign in with it."),
        _ => None,
    }
}

async fn login_page(
    State(app): State<App>,
    MaybeUser(user): MaybeUser,
    Query(query): Query<LoginQuery>,
) -> Result<Response, Problem> {
    if user.is_some() {
        return Ok(Redirect::to(safe_next(query.next.as_deref())).into_response());
    }
    let context = serde_json::json!({
        "email": "",
        "next": safe_next(query.next.as_deref()),
        "needs_setup": accounts::needs_setup(app.store()).await?,
    });
    Page::new(&app, None, "")
        .notice(login_notice(query.notice.as_deref()))
        .render("admin/login.html", context)
        .await
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(app): State<App>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Problem> {
    let next = safe_next(form.next.as_deref()).to_owned();
    let attempt = Login {
        email: &form.email,
        password: &form.password,
        address: &address,
        previous: session_cookie(&headers),
        device: cookie(&headers, accounts::DEVICE_COOKIE),
    };
    let mut retry_after = None;
    let (status, message) = match accounts::log_in(app.store(), attempt, app.now()).await {
        Ok(session) => return Ok(signed_in(&app, &headers, &session, &next)),
        Err(
            e @ AccountError::Throttled {
                retry_after: secs, ..
            },
        ) => {
            retry_after = Some(secs);
            (StatusCode::TOO_MANY_REQUESTS, e.to_string())
        }
        Err(e @ (AccountError::WrongCredentials | AccountError::Disabled)) => {
            (StatusCode::UNAUTHORIZED, e.to_string())
        }
        Err(other) => return Err(other.into()),
    };
    let context = serde_json::json!({ "email": form.email, "next": next, "needs_setup": false });
    let mut page = Page::new(&app, None, "")
        .status(status)
        .error(Some(message))
        .render("admin/login.html", context)
        .await?;
    if let Some(secs) = retry_after {
        page.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    Ok(page)
}

async fn logout(State(app): State<App>, headers: HeaderMap) -> Result<Response, Problem> {
    if let Some(cookie) = session_cookie(&headers) {
        accounts::log_out(app.store(), cookie).await?;
    }
    let cookie = session_set_cookie(None, 0, is_https(&app, &headers));
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/admin/login?notice=logged_out"),
    )
        .into_response())
}

async fn logout_everywhere(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    accounts::log_out_everywhere(app.store(), &user, &user.address, app.now()).await?;
    let cookie = session_set_cookie(None, 0, is_https(&app, &headers));
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/admin/login?notice=logged_out_everywhere"),
    )
        .into_response())
}

async fn invalid_link(app: &App) -> Result<Response, Problem> {
    let context = serde_json::json!({ "title": "This link is not valid", "message": AccountError::InvalidLink.to_string() });
    Page::new(app, None, "")
        .status(StatusCode::NOT_FOUND)
        .render("admin/error.html", context)
        .await
}

async fn setup_page(
    State(app): State<App>,
    Path(token): Path<String>,
) -> Result<Response, Problem> {
    if !accounts::setup_token_valid(app.store(), &token, app.now()).await? {
        return invalid_link(&app).await;
    }
    let context = serde_json::json!({ "name": "", "email": "", "min_password": accounts::MIN_PASSWORD_CHARS });
    Page::new(&app, None, "")
        .render("admin/setup.html", context)
        .await
}

#[derive(Debug, Deserialize)]
struct SetupForm {
    name: String,
    email: String,
    password: String,
    password_confirm: String,
}

async fn setup(
    State(app): State<App>,
    Path(token): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, Problem> {
    let outcome = if form.password != form.password_confirm {
        Err(AccountError::PasswordMismatch)
    } else {
        accounts::create_first_admin(
            app.store(),
            &token,
            &form.email,
            &form.name,
            &form.password,
            &address,
            app.now(),
        )
        .await
    };
    match outcome {
        Ok(session) => Ok(signed_in(&app, &headers, &session, "/admin")),
        Err(AccountError::InvalidLink) => invalid_link(&app).await,
        Err(e) if e.is_user_error() => {
            let context = serde_json::json!({ "name": form.name, "email": form.email, "min_password": accounts::MIN_PASSWORD_CHARS });
            Page::new(&app, None, "")
                .status(StatusCode::BAD_REQUEST)
                .error(Some(e.to_string()))
                .render("admin/setup.html", context)
                .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn password_page(
    State(app): State<App>,
    Path(token): Path<String>,
) -> Result<Response, Problem> {
    let Some(user) = accounts::password_link_user(app.store(), &token, app.now()).await? else {
        return invalid_link(&app).await;
    };
    let context = serde_json::json!({ "account": { "name": user.name, "email": user.email }, "min_password": accounts::MIN_PASSWORD_CHARS });
    Page::new(&app, None, "")
        .render("admin/password.html", context)
        .await
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    password: String,
    password_confirm: String,
}

async fn set_password(
    State(app): State<App>,
    Path(token): Path<String>,
    ClientAddress(address): ClientAddress,
    Form(form): Form<PasswordForm>,
) -> Result<Response, Problem> {
    let outcome = if form.password != form.password_confirm {
        Err(AccountError::PasswordMismatch)
    } else {
        accounts::set_password_with_token(app.store(), &token, &form.password, &address, app.now())
            .await
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/admin/login?notice=password_set").into_response()),
        Err(AccountError::InvalidLink) => invalid_link(&app).await,
        Err(e) if e.is_user_error() => {
            let Some(user) = accounts::password_link_user(app.store(), &token, app.now()).await?
            else {
                return invalid_link(&app).await;
            };
            let context = serde_json::json!({ "account": { "name": user.name, "email": user.email }, "min_password": accounts::MIN_PASSWORD_CHARS });
            Page::new(&app, None, "")
                .status(StatusCode::BAD_REQUEST)
                .error(Some(e.to_string()))
                .render("admin/password.html", context)
                .await
        }
        Err(other) => Err(other.into()),
    }
}
