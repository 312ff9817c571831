//! Helpers for tests that sign in: create a user with a role, get a
//! signed-in HTTP client (with a cookie store) for a [`TestApp`], read the
//! session cookie of a response. Other suites reuse these.

#![allow(dead_code, reason = "shared helpers; not every suite uses each")]

use masthead::accounts::{self, Role, User};
use masthead::audit::Actor;

use crate::helpers::{NOW, TestApp};

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// Creates an account with a password.
pub async fn create_user(app: &TestApp, email: &str, role: Role) -> User {
    let name = email.split('@').next().unwrap_or(email);
    let (user, _) = accounts::create_user(
        app.app.store(),
        &Actor::command_line(),
        email,
        name,
        role,
        Some(PASSWORD),
        NOW,
    )
    .await
    .expect("create user");
    user
}

/// A client that keeps cookies and does not follow redirects.
pub fn cookie_client() -> reqwest::Client {
    masthead::outbound::install_tls_provider();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Signs in through the sign-in form; returns the response.
pub async fn log_in(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/admin/login"))
        .form(&[("email", email), ("password", password), ("next", "/admin")])
        .send()
        .await
        .expect("sign-in request")
}

/// A client signed in as `email`.
pub async fn client_for(app: &TestApp, email: &str) -> reqwest::Client {
    let client = cookie_client();
    let response = log_in(app, &client, email, PASSWORD).await;
    assert_eq!(
        response.status(),
        303,
        "sign-in as {email} failed: {}",
        response.text().await.unwrap_or_default()
    );
    client
}

/// Creates a user with `role` (email `<role>@news.example`) and returns
/// them with a signed-in client.
pub async fn client_as(app: &TestApp, role: Role) -> (User, reqwest::Client) {
    let email = format!("{}@news.example", role.as_str());
    let user = create_user(app, &email, role).await;
    let client = client_for(app, &email).await;
    (user, client)
}

/// The session id a response sets, if any.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    set_cookie_header(response).and_then(|v| {
        v.split(';')
            .next()?
            .trim()
            .strip_prefix("masthead_session=")
            .map(str::to_owned)
            .filter(|v| !v.is_empty())
    })
}

/// The raw `Set-Cookie` header of the session cookie.
pub fn set_cookie_header(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("masthead_session="))
        .map(str::to_owned)
}

/// A plain client (no cookie store) sending one session cookie by hand.
pub async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("cookie", format!("masthead_session={cookie}"))
        .send()
        .await
        .expect("request")
}

/// The one-time link path (`/admin/password/<token>` or
/// `/admin/setup/<token>`) found in a page or command output.
pub fn link_path(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)?;
    let token: String = text[start + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (token.len() == 64).then(|| format!("{prefix}{token}"))
}
