//! A visitor of a [`TestApp`]: a [`Session`] (anonymous or signed in, with
//! its own cookie jar) whose requests answer a [`Page`] with the status,
//! headers and text already read. Below it, the lower-level helpers it is
//! made of: accounts with a password, cookie clients, session cookies.

use masthead::accounts::{self, Role, User};
use masthead::audit::Actor;
use masthead::storage::{AuditRow, Store};

use super::html;
use super::{NOW, TestApp};

/// A visitor bound to a [`TestApp`]: a client with a cookie jar that does
/// not follow redirects.
#[derive(Clone)]
pub struct Session {
    client: reqwest::Client,
    base: String,
    store: Store,
}

impl Session {
    /// A session of `app` using `client`.
    pub fn new(app: &TestApp, client: reqwest::Client) -> Session {
        Session {
            client,
            base: app.url(""),
            store: app.app.store().clone(),
        }
    }

    /// The client, for requests the typed methods do not cover.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The app's URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends `request` (made with [`Session::client`]) and reads the answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        Page::read(request.send().await.expect("request")).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(self.url(path))).await
    }

    /// `GET path`: the status and the text.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let page = self.get(path).await;
        (page.status, page.text)
    }

    /// `POST path` with a form body (`&[("key", "value")]` or any
    /// serializable form).
    pub async fn post_form<T: serde::Serialize + ?Sized>(&self, path: &str, form: &T) -> Page {
        self.send(self.client.post(self.url(path)).form(form)).await
    }

    /// `POST path` with an empty body.
    pub async fn post(&self, path: &str) -> Page {
        self.send(self.client.post(self.url(path))).await
    }

    /// Signs in through the sign-in form (`next` is `/admin`); this
    /// session keeps the cookie when it succeeds.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.post_form(
            "/admin/login",
            &[("email", email), ("password", password), ("next", "/admin")],
        )
        .await
    }

    /// The audit log as administrators read it, newest first (the newest
    /// 1000 entries).
    pub async fn audit_log(&self) -> Vec<AuditRow> {
        masthead::audit::list(&self.store, None, 1000)
            .await
            .expect("read the audit log")
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Page {
    async fn read(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        Page {
            status,
            headers,
            text,
        }
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `Location` header, if any.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        &self.headers
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, owned.
    pub fn into_text(self) -> String {
        self.text
    }

    /// The text parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The raw `Set-Cookie` header of the session cookie, if any.
    pub fn set_cookie(&self) -> Option<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("masthead_session="))
    }

    /// The session id this answer sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookie().and_then(|v| {
            v.split(';')
                .next()?
                .trim()
                .strip_prefix("masthead_session=")
                .map(str::to_owned)
                .filter(|v| !v.is_empty())
        })
    }

    /// The text of every element matching `css`, in document order.
    pub fn select(&self, css: &str) -> Vec<String> {
        html::select(&self.text, css)
    }

    /// The value of attribute `attr` on every element matching `css`.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        html::attrs(&self.text, css, attr)
    }
}

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
