//! A visitor of a [`TestApp`]: a [`Session`] (anonymous or signed in, with
//! its own cookie jar) whose requests answer a [`Page`] with the status,
//! headers and text already read. Below it, what it is made of: accounts
//! with a password and the cookie client.

use masthead::accounts::{self, Role, User};
use masthead::audit::Actor;
use masthead::storage::{AuditRow, Store};

use super::html;
use super::{NOW, TestApp};

/// A visitor bound to a [`TestApp`] (or to a server running as its own
/// process): a client with a cookie jar that does not follow redirects.
#[derive(Clone)]
pub struct Session {
    client: reqwest::Client,
    base: String,
    /// The app's store, for what the test reads besides pages (none for a
    /// server of its own).
    store: Option<Store>,
}

impl Session {
    /// A session of `app` using `client`.
    pub fn new(app: &TestApp, client: reqwest::Client) -> Session {
        Session {
            client,
            base: app.url(""),
            store: Some(app.app.store().clone()),
        }
    }

    /// An anonymous visitor with a cookie jar of the server at `base`
    /// (`http://127.0.0.1:<port>`): one run as its own process, or served
    /// by the test itself.
    pub fn at(base: &str) -> Session {
        Session::at_with(base, cookie_client())
    }

    /// [`Session::at`] with `client` (no cookie jar, say, or one that
    /// follows redirects).
    pub fn at_with(base: &str, client: reqwest::Client) -> Session {
        Session {
            client,
            base: base.trim_end_matches('/').to_owned(),
            store: None,
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

    /// `GET path` with these request headers (`If-None-Match`,
    /// `Accept-Encoding`...).
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
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

    /// `POST path` with a form body and these request headers (`Origin`,
    /// `Sec-Fetch-Site`... as a browser sends them).
    pub async fn post_form_with<T: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        form: &T,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self.client.post(self.url(path)).form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// `POST path` with an empty body and these request headers.
    pub async fn post_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.post(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// `POST path` with an empty body.
    pub async fn post(&self, path: &str) -> Page {
        self.send(self.client.post(self.url(path))).await
    }

    /// `GET path`, as a JSON client: the status and the body parsed
    /// (`Null` when it is not JSON).
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let page = self.get(path).await;
        (
            page.status,
            page.try_json().unwrap_or(serde_json::Value::Null),
        )
    }

    /// A request to the API: `method path`, with `Authorization: Bearer
    /// <token>` when given and `body` sent as `application/json`.
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Page {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        self.send(request).await
    }

    /// `POST path` to the API with `token` and `body` serialized as JSON.
    pub async fn post_json<T: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        token: &str,
        body: &T,
    ) -> Page {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// Signs in through the sign-in form (`next` is `/admin`); this
    /// session keeps the cookie when it succeeds.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.sign_in_from(email, password, None).await
    }

    /// [`Session::sign_in`] with `X-Forwarded-For: <forwarded_for>` when
    /// given (a client behind a proxy, or one forging the header).
    pub async fn sign_in_from(
        &self,
        email: &str,
        password: &str,
        forwarded_for: Option<&str>,
    ) -> Page {
        let mut request = self.client.post(self.url("/admin/login")).form(&[
            ("email", email),
            ("password", password),
            ("next", "/admin"),
        ]);
        if let Some(value) = forwarded_for {
            request = request.header("x-forwarded-for", value);
        }
        self.send(request).await
    }

    /// Signs out (`POST /admin/logout`).
    pub async fn sign_out(&self) -> Page {
        self.post("/admin/logout").await
    }

    /// The audit log as administrators read it, newest first (the newest
    /// 1000 entries).
    pub async fn audit_log(&self) -> Vec<AuditRow> {
        let store = self.store.as_ref().expect("a session of a TestApp");
        masthead::audit::list(store, None, 1000)
            .await
            .expect("read the audit log")
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    /// The body as sent (compressed bodies stay compressed).
    body: Vec<u8>,
    /// The body as text (invalid UTF-8 replaced; every page is UTF-8).
    text: String,
}

impl Page {
    async fn read(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body").to_vec();
        let text = String::from_utf8_lossy(&body).into_owned();
        Page {
            status,
            headers,
            body,
            text,
        }
    }

    /// The body's bytes, as sent.
    pub fn bytes(&self) -> &[u8] {
        &self.body
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

    /// The text parsed as JSON, if it is JSON.
    pub fn try_json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.text).ok()
    }

    /// The status and the text parsed as JSON (`Null` when it is not
    /// JSON), as API tests compare them.
    pub fn status_json(&self) -> (u16, serde_json::Value) {
        (
            self.status,
            self.try_json().unwrap_or(serde_json::Value::Null),
        )
    }

    /// The `Retry-After` header in seconds, if any.
    pub fn retry_after(&self) -> Option<i64> {
        self.header("retry-after")?.parse().ok()
    }

    /// The raw `Set-Cookie` header of the session cookie, if any.
    pub fn set_cookie(&self) -> Option<&str> {
        self.set_cookie_named("masthead_session")
    }

    /// The raw `Set-Cookie` header of the cookie `name`, if any.
    pub fn set_cookie_named(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| {
                v.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('='))
            })
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
