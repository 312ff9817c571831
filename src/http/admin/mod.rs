//! The admin: server-rendered pages for the newsroom (sign-in, first setup,
//! dashboard, users, sections, settings, audit log). Every admin response is
//! private, never cached, and carries a strict Content-Security-Policy (no
//! inline script or style). Role checks happen here, on the server, through
//! the extractors in [`auth`].

pub(crate) mod auth;
mod comments;
mod embeds;
mod fronts;
mod login;
mod pages;
mod people;
mod records;
mod redirects;
mod sections;
mod settings;
mod topics;
mod users;

pub(crate) use auth::{CurrentUser, MaybeUser};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::accounts::User;
use crate::app::App;
use crate::http::problem::Problem;
use crate::site::SiteError;

/// Admin pages load only their own stylesheet, script and images.
pub(crate) const ADMIN_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The admin stylesheet, served at `/static/admin.css`.
pub(crate) const ADMIN_CSS: &str = include_str!("../../../static/admin.css");

/// Every admin route, with the admin response headers.
pub(crate) fn routes() -> Router<App> {
    with_admin_headers(
        Router::new()
            .route("/admin", get(dashboard))
            .merge(login::routes())
            .merge(users::routes())
            .merge(sections::routes())
            .merge(fronts::routes())
            .merge(topics::routes())
            .merge(people::routes())
            .merge(redirects::routes())
            .merge(pages::routes())
            .merge(comments::routes())
            .merge(embeds::routes())
            .merge(settings::routes())
            .merge(records::routes()),
        ADMIN_CSP,
    )
    .route("/static/admin.css", get(stylesheet))
    .route("/static/admin-fronts.js", get(fronts::script))
}

/// The headers every newsroom response carries: its Content-Security-Policy,
/// `private, no-store` (never kept by a browser or CDN cache) and no framing
/// by other sites.
pub(crate) fn with_admin_headers(router: Router<App>, csp: &'static str) -> Router<App> {
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .layer(crate::http::private_no_store())
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        ADMIN_CSS,
    )
        .into_response()
}

/// One link of the admin navigation.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct NavItem {
    pub key: &'static str,
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The admin navigation a user sees (only what their role allows).
pub(crate) fn nav(user: &User, current: &str) -> Vec<NavItem> {
    let role = user.role;
    [
        ("dashboard", "/admin", "Dashboard", true),
        ("stories", "/admin/stories", "Stories", true),
        ("media", "/admin/media", "Images", true),
        (
            "sections",
            "/admin/sections",
            "Sections",
            role.can_manage_sections(),
        ),
        (
            "fronts",
            "/admin/fronts",
            "Fronts",
            role.can_manage_sections(),
        ),
        (
            "topics",
            "/admin/topics",
            "Topics",
            role.can_manage_sections(),
        ),
        (
            "people",
            "/admin/people",
            "People",
            role.can_manage_sections(),
        ),
        (
            "comments",
            "/admin/comments",
            "Comments",
            role.can_manage_sections(),
        ),
        ("pages", "/admin/pages", "Pages", role.can_manage_sections()),
        ("menu", "/admin/menu", "Menu", role.can_manage_sections()),
        (
            "redirects",
            "/admin/redirects",
            "Redirects",
            role.can_manage_sections(),
        ),
        ("users", "/admin/users", "Users", role.can_manage_users()),
        (
            "settings",
            "/admin/settings",
            "Settings",
            role.can_manage_settings(),
        ),
        ("audit", "/admin/audit", "Audit log", role.can_read_audit()),
    ]
    .into_iter()
    .filter(|(_, _, _, shown)| *shown)
    .map(|(key, href, label, _)| NavItem {
        key,
        href,
        label,
        current: key == current,
    })
    .collect()
}

/// An admin page being rendered: every admin template extends
/// `admin/base.html` and gets a `layout` (site name, user, navigation,
/// notice, error) besides its own context.
pub(crate) struct Page<'a> {
    app: &'a App,
    user: Option<&'a User>,
    current: &'a str,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
}

impl<'a> Page<'a> {
    /// A page for `user` (none on sign-in and setup pages); `current` is the
    /// navigation key to mark (`users`, `sections`...).
    pub(crate) fn new(app: &'a App, user: Option<&'a User>, current: &'a str) -> Page<'a> {
        Page {
            app,
            user,
            current,
            notice: None,
            error: None,
            status: StatusCode::OK,
        }
    }

    /// A confirmation shown at the top of the page.
    pub(crate) fn notice(mut self, notice: Option<impl Into<String>>) -> Self {
        self.notice = notice.map(Into::into);
        self
    }

    /// An error shown at the top of the page.
    pub(crate) fn error(mut self, error: Option<impl Into<String>>) -> Self {
        self.error = error.map(Into::into);
        self
    }

    pub(crate) fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Renders `template` with `context` (a JSON object) plus `layout`.
    pub(crate) async fn render(
        self,
        template: &str,
        context: serde_json::Value,
    ) -> Result<Response, Problem> {
        // The in-memory settings (no query, so an error page needs none),
        // caught up first when this process wrote since it last read the
        // changes feed: the page after a settings save shows the new name.
        if self.app.follower().behind(self.app.store()) {
            self.app.sync_changes().await;
        }
        let site_name = match self.app.site().await {
            Ok(site) => site.name.clone(),
            Err(SiteError::NotSetUp | SiteError::Invalid(_)) => "masthead".to_owned(),
            Err(error) => return Err(error.into()),
        };
        let layout = serde_json::json!({
            "site_name": site_name,
            "user": self.user.map(|u| serde_json::json!({
                "id": u.id, "name": u.name, "email": u.email, "role": u.role, "role_label": u.role.label(),
            })),
            "nav": self.user.map(|u| nav(u, self.current)).unwrap_or_default(),
            "notice": self.notice,
            "error": self.error,
        });
        let mut context = match context {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        context.insert("layout".into(), layout);
        let html = self.app.renderer().render(template, &context)?;
        Ok((self.status, Html(html)).into_response())
    }
}

async fn dashboard(State(app): State<App>, user: CurrentUser) -> Result<Response, Problem> {
    let sessions = app.store().session_count(user.id, app.now()).await?;
    let context = serde_json::json!({
        "sessions": sessions,
        "can_publish": user.role.can_publish(),
        "links": nav(&user, "dashboard").into_iter().filter(|n| n.key != "dashboard").collect::<Vec<_>>(),
    });
    Page::new(&app, Some(&user), "dashboard")
        .render("admin/dashboard.html", context)
        .await
}
