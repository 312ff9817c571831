//! `Problem`: the one way an HTTP request fails. It holds a status, a stable
//! `code` for API clients, a message written for the person who sent the
//! request, and (for failures of ours) the source error, which is logged
//! once with its chain and the request id and never shown to anyone.
//!
//! Handlers return `Result<_, Problem>` and use `?`: each domain error has
//! one `From` below, so the mapping from outcomes to statuses is written
//! once. A `Problem` answers a placeholder response that [`render`] (a
//! middleware on the whole router) turns into the surface's page: the themed
//! reader page, the admin page, or the API's JSON. Every page of a failure
//! of ours shows the request id, so a report can be matched to the log.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::app::App;
use crate::http::admin::MaybeUser;
use crate::http::admin::auth::SeenUser;
use crate::rendering::views::{self, ErrorPage};

/// Where a problem is shown: decides how it is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The public site: the themed error page.
    Reader,
    /// The newsroom under `/admin`: the admin page, with its navigation.
    Admin,
    /// `/api`: `{"error": {"code", "message"}}`.
    Api,
}

impl Surface {
    /// The surface a path belongs to, when the handler did not say.
    pub fn of_path(path: &str) -> Surface {
        if path == "/api" || path.starts_with("/api/") {
            Surface::Api
        } else if path == "/admin" || path.starts_with("/admin/") {
            Surface::Admin
        } else {
            Surface::Reader
        }
    }
}

type Source = Box<dyn StdError + Send + Sync>;

/// Why the database cannot do what was asked right now, when it is a
/// condition of the machine that passes (an operator frees space, the
/// server comes back) and not a bug: the answer is 503 with `Retry-After`,
/// and nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outage {
    /// The database is unreachable, its pool has no connection to give, or
    /// its file cannot be read.
    Unreachable,
    /// The disk (or PostgreSQL's storage) is full.
    Full,
}

impl Outage {
    fn message(self) -> &'static str {
        match self {
            Outage::Unreachable => {
                "The site cannot reach its database right now, so nothing was changed. Please try again in a moment."
            }
            Outage::Full => {
                "The server cannot store changes right now (its disk is full), so nothing was changed. Your text is kept; try again once the operator has freed space."
            }
        }
    }
}

/// The outage somewhere in `error`'s chain of causes, if it is one.
fn outage(error: &(dyn StdError + 'static)) -> Option<Outage> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(error) = error.downcast_ref::<std::io::Error>()
            && is_disk_full(error)
        {
            return Some(Outage::Full);
        }
        if let Some(error) = error.downcast_ref::<sqlx::Error>() {
            return match error {
                sqlx::Error::Io(io) if is_disk_full(io) => Some(Outage::Full),
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_) => Some(Outage::Unreachable),
                sqlx::Error::Database(db) => {
                    let code = db.code().unwrap_or_default();
                    match code.parse::<i64>() {
                        // SQLite's primary result codes (the low byte of an
                        // extended one): FULL; IOERR, CANTOPEN.
                        Ok(n) if n % 256 == 13 => Some(Outage::Full),
                        Ok(n) if n % 256 == 10 || n % 256 == 14 => Some(Outage::Unreachable),
                        // PostgreSQL's SQLSTATE: disk full, out of memory or
                        // connections; the server shutting down.
                        _ if code == "53100" => Some(Outage::Full),
                        _ if code.starts_with("53")
                            || code.starts_with("57P")
                            || code.starts_with("08") =>
                        {
                            Some(Outage::Unreachable)
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
        }
        current = error.source();
    }
    None
}

/// Whether a file could not be written because its disk (or the writer's
/// quota) is full.
fn is_disk_full(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::StorageFull
        || error.kind() == std::io::ErrorKind::QuotaExceeded
        // ENOSPC, as SQLite's own I/O reports it.
        || error.raw_os_error() == Some(28)
}

/// Whether `error` is a condition of the machine that passes (a full disk,
/// the database away) rather than a bug: what was asked was not done, and
/// the same request will work once it passes.
pub(crate) fn is_outage(error: &(dyn StdError + 'static)) -> bool {
    outage(error).is_some()
}

/// A failed request.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    message: String,
    source: Option<Source>,
    surface: Option<Surface>,
    /// What the refusal lists (the pre-publish check's failures), for the
    /// API's `application/problem+json` answer.
    failures: Option<serde_json::Value>,
}

impl Problem {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            message: message.into(),
            source: None,
            surface: None,
            failures: None,
        }
    }

    /// A refusal that lists what failed: the API answers it as
    /// `application/problem+json` (RFC 9457) with a `failures` member.
    pub(crate) fn listing(mut self, failures: serde_json::Value) -> Problem {
        self.failures = Some(failures);
        self
    }

    /// A failure of ours: the reader sees an apology and the request id;
    /// `source` goes to the log only.
    pub fn internal(source: impl Into<Source>) -> Problem {
        let source = source.into();
        if let Some(outage) = outage(&*source) {
            return Problem {
                source: Some(source),
                ..Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    outage.message(),
                )
            };
        }
        Problem {
            source: Some(source),
            ..Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The request could not be completed because of a problem on our side. \
                 Nothing was lost; please try again.",
            )
        }
    }

    /// A refusal the requester can fix, with a code of its own where the
    /// general ones say too little (an upload's `too_large`,
    /// `not_an_image`...).
    pub(crate) fn refused(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Problem {
        Problem::new(status, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// The reader's 404: there is no page at this address.
    pub fn no_page() -> Problem {
        Problem::not_found("There is no page at this address.")
    }

    pub fn forbidden(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn conflict(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn invalid(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    pub fn unavailable(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// Shown on `surface` whatever the path (a reader-themed 404 inside the
    /// newsroom, for instance).
    pub fn on(mut self, surface: Surface) -> Problem {
        self.surface = Some(surface);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code API clients branch on.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// What the person who sent the request reads.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether this is an outage of the machine (a full disk, the database
    /// away): a 503 with `Retry-After`, and nothing was written.
    pub fn is_outage(&self) -> bool {
        self.code == "unavailable" && self.source.is_some()
    }

    /// Whether this is a failure of ours (logged, never shown).
    pub fn is_internal(&self) -> bool {
        self.status.is_server_error() && self.source.is_some()
    }

    fn title(&self) -> &'static str {
        match self.status {
            StatusCode::NOT_FOUND => "Page not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::SERVICE_UNAVAILABLE => "Not set up yet",
            s if s.is_server_error() => "Something went wrong",
            _ => "The request was refused",
        }
    }

    /// Logs a failure of ours once, with the whole chain of causes.
    fn log(&self, request_id: &str) {
        if let Some(source) = &self.source {
            tracing::error!(
                request_id,
                status = self.status.as_u16(),
                error = %Chain(source.as_ref()),
                "request failed"
            );
        }
    }
}

/// An error and its causes, `: `-separated.
pub(crate) struct Chain<'a>(pub(crate) &'a (dyn StdError + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl StdError for Problem {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The problem travelling from a handler to [`render`] in the response's
/// extensions (which need `Clone`).
#[derive(Clone)]
struct Carried(Arc<Problem>);

impl IntoResponse for Problem {
    /// A plain-text placeholder; `render` replaces it with the surface's
    /// page. The placeholder never holds a cause either.
    fn into_response(self) -> Response {
        let mut response = (self.status, format!("{}\n", self.message)).into_response();
        response.extensions_mut().insert(Carried(Arc::new(self)));
        response
    }
}

/// The middleware that renders every [`Problem`] a handler answered, on its
/// surface, with the request id (set by the router's request-id layer).
pub(crate) async fn render(State(app): State<App>, mut request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let path_surface = Surface::of_path(request.uri().path());
    // Kept to find the signed-in user for the admin page's navigation, only
    // when something failed.
    let headers = request.headers().clone();
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .cloned();
    let seen = SeenUser::default();
    request.extensions_mut().insert(seen.clone());
    let mut response = next.run(request).await;
    let Some(Carried(problem)) = response.extensions_mut().remove::<Carried>() else {
        return response;
    };
    problem.log(&request_id);
    let mut rendered = match problem.surface.unwrap_or(path_surface) {
        Surface::Api => api(&problem),
        Surface::Reader => reader(&app, &problem, &request_id).await,
        Surface::Admin => admin(&app, &problem, &request_id, seen, headers, peer).await,
    };
    // Headers the handler set (CSP, no-store) stay; the body is ours.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    if problem.is_outage() {
        // An outage passes: clients and crawlers come back, not give up.
        rendered
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    }
    rendered
}

/// The request id, shown only for failures of ours.
fn shown_id<'a>(problem: &Problem, request_id: &'a str) -> Option<&'a str> {
    problem.status.is_server_error().then_some(request_id)
}

#[derive(Serialize)]
struct ApiBody<'a> {
    error: ApiDetail<'a>,
}

#[derive(Serialize)]
struct ApiDetail<'a> {
    code: &'static str,
    message: &'a str,
}

fn api(problem: &Problem) -> Response {
    if let Some(failures) = &problem.failures {
        // RFC 9457 members, and the API's usual `error` object beside them
        // so clients that read every refusal the same way still can.
        let body = serde_json::json!({
            "type": format!("https://masthead.invalid/problems/{}", problem.code),
            "title": problem.title(),
            "status": problem.status.as_u16(),
            "detail": problem.message,
            "failures": failures,
            "error": { "code": problem.code, "message": problem.message },
        });
        return (
            problem.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response();
    }
    let message = if problem.is_internal() {
        "the request could not be completed; please try again"
    } else {
        &problem.message
    };
    let mut response = (
        problem.status,
        axum::Json(ApiBody {
            error: ApiDetail {
                code: problem.code,
                message,
            },
        }),
    )
        .into_response();
    if problem.status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// The plain-text page when not even the error page can be rendered.
fn plain(problem: &Problem, title: &str, message: &str, request_id: Option<&str>) -> Response {
    let reference = request_id
        .map(|id| format!("\nRequest id: {id}\n"))
        .unwrap_or_default();
    (problem.status, format!("{title}\n\n{message}\n{reference}")).into_response()
}

/// The themed reader page, from the settings kept in memory: an error page
/// runs no query of its own (and still renders while the database is down,
/// once the settings were read).
async fn reader(app: &App, problem: &Problem, request_id: &str) -> Response {
    let (title, message) = match problem.status {
        StatusCode::NOT_FOUND => (
            "Page not found",
            "There is no page at this address. It may have moved or never existed.",
        ),
        StatusCode::SERVICE_UNAVAILABLE if problem.code == "unavailable" => (
            "Temporarily unavailable",
            "This page cannot be shown right now. Please try again in a moment.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => ("Not set up yet", "This site has no content yet."),
        s if s.is_server_error() => (
            "Something went wrong",
            "The page could not be shown. Please try again in a moment.",
        ),
        _ => (problem.title(), problem.message.as_str()),
    };
    let request_id = shown_id(problem, request_id);
    let menu = app.menu().await.unwrap_or_default();
    let banner = app.banner().await.unwrap_or_default();
    let body = match (app.site().await, app.sections().await) {
        (Ok(site), Ok(sections)) => app
            .renderer()
            .render(
                "error.html",
                &ErrorPage {
                    site: views::SiteView::new(&site)
                        .with_menu(&menu)
                        .with_banner(banner.as_ref()),
                    nav: views::nav(&sections, None),
                    title,
                    message,
                    request_id,
                },
            )
            .ok(),
        _ => None,
    };
    match body {
        Some(html) => (problem.status, Html(html)).into_response(),
        None => plain(problem, title, message, request_id),
    }
}

/// The admin page, for the user the handler's extractor found (read again
/// only when no extractor ran, as on an unknown address).
async fn admin(
    app: &App,
    problem: &Problem,
    request_id: &str,
    seen: SeenUser,
    headers: HeaderMap,
    peer: Option<ConnectInfo<std::net::SocketAddr>>,
) -> Response {
    let (title, message) = match problem.status {
        StatusCode::NOT_FOUND => ("Not found", "There is nothing at this address."),
        StatusCode::FORBIDDEN => (
            "Not allowed",
            "Your role does not allow this. Ask an administrator if you need it.",
        ),
        s if s.is_server_error() => (
            "Something went wrong",
            "The request could not be completed. Nothing was lost; please try again.",
        ),
        _ => (problem.title(), problem.message.as_str()),
    };
    let request_id = shown_id(problem, request_id);
    let user = match seen.get() {
        Some(found) => found,
        None => {
            let (mut parts, ()) = Request::new(()).into_parts();
            parts.headers = headers;
            if let Some(peer) = peer {
                parts.extensions.insert(peer);
            }
            MaybeUser::from_request_parts(&mut parts, app)
                .await
                .ok()
                .and_then(|m| m.0)
        }
    };
    let context =
        serde_json::json!({ "title": title, "message": message, "request_id": request_id });
    match crate::http::admin::Page::new(app, user.as_ref().map(|u| &u.user), "")
        .status(problem.status)
        .render("admin/error.html", context)
        .await
    {
        Ok(response) => response,
        Err(_) => plain(problem, title, message, request_id),
    }
}

// One `From` per domain error: which outcomes are the requester's to fix
// (and say so) and which are ours (logged, never shown).

impl From<crate::publishing::WorkflowError> for Problem {
    fn from(error: crate::publishing::WorkflowError) -> Problem {
        use crate::articles::revisions::SaveError;
        use crate::publishing::WorkflowError as W;
        match error {
            W::NotFound => Problem::not_found(error.to_string()),
            W::Forbidden(message) => Problem::forbidden(message),
            W::InvalidTransition { .. } | W::Save(SaveError::Conflict { .. }) => {
                Problem::conflict(error.to_string())
            }
            W::UpdateKindRequired | W::Invalid(_) => Problem::invalid(error.to_string()),
            W::ChecksFailed { ref failures, .. } => {
                let listed = serde_json::to_value(failures).unwrap_or_default();
                Problem::refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "checks_failed",
                    error.to_string(),
                )
                .listing(listed)
            }
            W::Checks(error) => Problem::internal(error),
            W::Save(SaveError::Article(error)) => Problem::from(error),
        }
    }
}

impl From<crate::publishing::story_writes::WriteError> for Problem {
    fn from(error: crate::publishing::story_writes::WriteError) -> Problem {
        use crate::publishing::story_writes::WriteError;
        match error {
            WriteError::UnknownSection(_) => Problem::invalid(error.to_string()),
            WriteError::Workflow(error) => error.into(),
            WriteError::Storage(error) => Problem::internal(error),
        }
    }
}

impl From<crate::site::SiteError> for Problem {
    fn from(error: crate::site::SiteError) -> Problem {
        match error {
            crate::site::SiteError::NotSetUp => {
                Problem::unavailable("This site has no content yet.")
            }
            other => Problem::internal(other),
        }
    }
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Problem {
            fn from(error: $t) -> Problem {
                Problem::internal(error)
            }
        }
    )*};
}
internal_from!(
    crate::articles::ArticleError,
    crate::sections::SectionError,
    crate::storage::StorageError,
    crate::rendering::RenderError,
    crate::media::MediaError,
    crate::accounts::AccountError,
    crate::accounts::api_tokens::TokenError,
    crate::feeds::FeedError,
    serde_json::Error
);

impl From<crate::topics::TopicError> for Problem {
    fn from(error: crate::topics::TopicError) -> Problem {
        use crate::topics::TopicError as T;
        match error {
            T::NotFound => Problem::not_found(error.to_string()),
            T::Forbidden => Problem::forbidden(error.to_string()),
            T::Taken(_) => Problem::conflict(error.to_string()),
            T::Storage(error) => Problem::internal(error),
            T::EmptyName
            | T::NameTooLong
            | T::DescriptionTooLong
            | T::InvalidSlug(_)
            | T::Refused(_)
            | T::MergeIntoItself => Problem::invalid(error.to_string()),
        }
    }
}

impl From<crate::people::PersonError> for Problem {
    fn from(error: crate::people::PersonError) -> Problem {
        use crate::people::PersonError as P;
        match error {
            P::NotFound => Problem::not_found(error.to_string()),
            P::Forbidden => Problem::forbidden(error.to_string()),
            P::Taken(_) => Problem::conflict(error.to_string()),
            P::Storage(error) => Problem::internal(error),
            P::EmptyName
            | P::NameTooLong
            | P::BioTooLong
            | P::InvalidPhoto
            | P::InvalidSlug(_)
            | P::Refused(_)
            | P::MergeIntoItself => Problem::invalid(error.to_string()),
        }
    }
}

impl From<crate::redirects::RedirectError> for Problem {
    fn from(error: crate::redirects::RedirectError) -> Problem {
        use crate::redirects::RedirectError as R;
        match error {
            R::NotFound(_) => Problem::not_found(error.to_string()),
            R::Forbidden => Problem::forbidden(error.to_string()),
            R::Taken(_) => Problem::conflict(error.to_string()),
            R::Storage(error) => Problem::internal(error),
            R::NotAPath(_) | R::Reserved(_) | R::ToItself | R::Refused(_) => {
                Problem::invalid(error.to_string())
            }
        }
    }
}

impl From<crate::pages::PageError> for Problem {
    fn from(error: crate::pages::PageError) -> Problem {
        use crate::pages::PageError as P;
        match error {
            P::NotFound | P::NoRevision(_) => Problem::not_found(error.to_string()),
            P::Forbidden => Problem::forbidden(error.to_string()),
            P::Stale { .. } => Problem::conflict(error.to_string()),
            P::Storage(error) => Problem::internal(error),
            P::Fields(_)
            | P::EmptyTitle
            | P::TitleTooLong
            | P::DescriptionTooLong
            | P::BodyTooLong
            | P::MessageTooLong
            | P::InvalidPath(_)
            | P::Reserved(_)
            | P::InvalidStatus(_)
            | P::InvalidLanguage(_)
            | P::Refused(_) => Problem::invalid(error.to_string()),
        }
    }
}

impl From<crate::pages::menu::MenuError> for Problem {
    fn from(error: crate::pages::menu::MenuError) -> Problem {
        use crate::pages::menu::MenuError as M;
        match error {
            M::Page(error) => error.into(),
            M::Forbidden => Problem::forbidden(error.to_string()),
            M::Line { .. } | M::TooMany => Problem::invalid(error.to_string()),
        }
    }
}

impl From<crate::comments::CommentError> for Problem {
    fn from(error: crate::comments::CommentError) -> Problem {
        use crate::comments::CommentError as C;
        match error {
            C::NotFound => Problem::not_found(error.to_string()),
            C::Forbidden | C::PostingOff | C::Closed => Problem::forbidden(error.to_string()),
            C::Storage(error) => Problem::internal(error),
            C::Invalid(_) | C::TooMany => Problem::invalid(error.to_string()),
        }
    }
}

impl From<crate::fronts::FrontError> for Problem {
    fn from(error: crate::fronts::FrontError) -> Problem {
        use crate::fronts::FrontError as F;
        match error {
            F::NoFront(_) | F::NoStory(_) => Problem::not_found(error.to_string()),
            F::Forbidden(_) => Problem::forbidden(error.to_string()),
            F::Invalid(_) => Problem::invalid(error.to_string()),
            F::Article(error) => error.into(),
            F::Section(error) => error.into(),
            F::Storage(error) => Problem::internal(error),
        }
    }
}

impl From<crate::live::LiveError> for Problem {
    fn from(error: crate::live::LiveError) -> Problem {
        use crate::live::LiveError as L;
        match error {
            L::NoStory | L::NoPost => Problem::not_found(error.to_string()),
            L::Forbidden(_) => Problem::forbidden(error.to_string()),
            L::NotLive | L::AlreadyLive => Problem::conflict(error.to_string()),
            L::Invalid(_) => Problem::invalid(error.to_string()),
            L::Article(error) => error.into(),
            L::Media(error) => error.into(),
            L::Storage(error) => Problem::internal(error),
        }
    }
}
