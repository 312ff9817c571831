//! Who is asking: the `CurrentUser` extractor (signed in through the session
//! cookie, else a redirect to the sign-in page for HTML or the API's 401
//! for `/api`; a session that cannot be read is a [`Problem`] like any
//! other failure of ours), role-requiring extractors, the client's address,
//! and the session cookie itself.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::sync::{Arc, OnceLock};

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::{self, DEVICE_COOKIE, DEVICE_LIFETIME_SECS, SESSION_COOKIE, User};
use crate::app::App;
use crate::audit::Actor;
use crate::http::problem::{Problem, Surface};

/// The signed-in user of this request.
#[derive(Debug, Clone)]
pub(crate) struct CurrentUser {
    pub user: User,
    /// Where the request came from, for the audit log.
    pub address: String,
}

impl CurrentUser {
    /// The user as the audit log names them.
    pub(crate) fn actor(&self) -> Actor {
        Actor::user(&self.user, &self.address)
    }
}

impl std::ops::Deref for CurrentUser {
    type Target = User;
    fn deref(&self) -> &User {
        &self.user
    }
}

/// The value of the session cookie the request carries.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` the request carries, if not empty.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// The `Set-Cookie` value of the known-device cookie: HttpOnly, sent back
/// only to the sign-in form, kept for [`DEVICE_LIFETIME_SECS`].
pub(crate) fn device_set_cookie(value: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={value}; Path=/admin/login; HttpOnly; SameSite=Strict; Max-Age={DEVICE_LIFETIME_SECS}{secure}"
    ))
    .expect("hex tokens joined by dots make a valid header")
}

/// Whether the browser reached us over HTTPS: the configured base URL says
/// so, or the reverse proxy in front does (`X-Forwarded-Proto: https`).
pub(crate) fn is_https(app: &App, headers: &HeaderMap) -> bool {
    app.config()
        .base_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value that stores a session id (`None`: clears it).
pub(crate) fn session_set_cookie(token: Option<&str>, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = match token {
        Some(token) => format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).expect("a hex token makes a valid header")
}

/// The client's address: the TCP peer, or the client behind a trusted proxy
/// (`--trusted-proxies`); never an `X-Forwarded-For` an untrusted peer sent.
pub(crate) fn client_address(parts: &Parts, app: &App) -> String {
    crate::http::client::request_client_address(
        &parts.extensions,
        &parts.headers,
        &app.config().trusted_proxies,
    )
}

/// The client's address as an extractor.
#[derive(Debug, Clone)]
pub(crate) struct ClientAddress(pub String);

impl FromRequestParts<App> for ClientAddress {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(parts, app)))
    }
}

fn is_api(parts: &Parts) -> bool {
    let path = parts.uri.path();
    path == "/api" || path.starts_with("/api/")
}

/// Percent-encodes a path for the `next` query parameter.
fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn unauthenticated(parts: &Parts) -> Response {
    if is_api(parts) {
        return Problem::unauthorized("sign in first: this needs a session").into_response();
    }
    let target = if parts.method == axum::http::Method::GET {
        let path_and_query = parts.uri.path_and_query().map_or("/admin", |p| p.as_str());
        format!("/admin/login?next={}", encode_component(path_and_query))
    } else {
        "/admin/login".to_owned()
    };
    Redirect::to(&target).into_response()
}

/// Who the request's user turned out to be, shared with the problem
/// renderer (`problem::render` puts one in every request): an admin error
/// page names the user the handler's extractor found instead of reading
/// the session again, so it runs no query of its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeenUser(Arc<OnceLock<Option<CurrentUser>>>);

impl SeenUser {
    /// What the extractor found (`Some(None)`: nobody is signed in, or the
    /// session could not be read), or `None` when no extractor ran.
    pub(crate) fn get(&self) -> Option<Option<CurrentUser>> {
        self.0.get().cloned()
    }

    fn record(parts: &Parts, user: Option<&CurrentUser>) {
        if let Some(seen) = parts.extensions.get::<SeenUser>() {
            let _ = seen.0.set(user.cloned());
        }
    }
}

impl FromRequestParts<App> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let Some(cookie) = session_cookie(&parts.headers) else {
            SeenUser::record(parts, None);
            return Err(unauthenticated(parts));
        };
        match accounts::session_user(app.store(), cookie, app.now()).await {
            Ok(Some(user)) => {
                let current = CurrentUser {
                    user,
                    address: client_address(parts, app),
                };
                parts.extensions.insert(current.clone());
                SeenUser::record(parts, Some(&current));
                Ok(current)
            }
            Ok(None) => {
                SeenUser::record(parts, None);
                Err(unauthenticated(parts))
            }
            Err(error) => {
                // A failure of ours: the surface's 500 page with the request
                // id; the chain is logged once, by the renderer.
                SeenUser::record(parts, None);
                Err(Problem::internal(error).into_response())
            }
        }
    }
}

/// The signed-in user, if any (pages that also serve anonymous visitors).
#[derive(Debug, Clone)]
pub(crate) struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<App> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(
            CurrentUser::from_request_parts(parts, app).await.ok(),
        ))
    }
}

/// Answers 403: the admin page, or the API's JSON under `/api`.
pub(crate) fn forbidden(parts_path: &str) -> Response {
    if parts_path == "/api" || parts_path.starts_with("/api/") {
        return Problem::forbidden("your role does not allow this").into_response();
    }
    Problem::forbidden("Your role does not allow this.")
        .on(Surface::Admin)
        .into_response()
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub(crate) struct $name(pub(crate) CurrentUser);

        impl FromRequestParts<App> for $name {
            type Rejection = Response;
            async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
                let user = CurrentUser::from_request_parts(parts, app).await?;
                let allowed: fn(crate::accounts::Role) -> bool = $allowed;
                if allowed(user.role) {
                    Ok($name(user))
                } else {
                    Err(forbidden(parts.uri.path()))
                }
            }
        }

        impl std::ops::Deref for $name {
            type Target = CurrentUser;
            fn deref(&self) -> &CurrentUser {
                &self.0
            }
        }
    };
}

role_extractor!(
    /// A signed-in administrator (else 403).
    AdminUser,
    |role| role == accounts::Role::Admin
);
role_extractor!(
    /// A signed-in user who may manage sections (else 403).
    SectionManager,
    accounts::Role::can_manage_sections
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; masthead_session=abc; b=2"),
        );
        assert_eq!(session_cookie(&headers), Some("abc"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("masthead_session_x=1"),
        );
        assert_eq!(session_cookie(&headers), None);
    }

    #[test]
    fn the_session_cookie_is_http_only_and_same_site_and_secure_over_https() {
        let plain = session_set_cookie(Some("abc"), 60, false);
        let plain = plain.to_str().unwrap();
        assert!(
            plain.contains("HttpOnly")
                && plain.contains("SameSite=Lax")
                && !plain.contains("Secure")
        );
        let secure = session_set_cookie(Some("abc"), 60, true);
        assert!(secure.to_str().unwrap().ends_with("; Secure"));
    }

    #[test]
    fn the_next_parameter_is_percent_encoded() {
        assert_eq!(
            encode_component("/admin/users?x=1&y"),
            "/admin/users%3Fx%3D1%26y"
        );
    }
}
