//! `/admin/audit` (administrators only): the audit log, newest first, in
//! pages of 50 (`?before=<id>`).

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::Page;
use super::auth::AdminUser;
use crate::app::App;
use crate::audit;
use crate::http::problem::Problem;
use crate::site::Site;

const PAGE_SIZE: i64 = 50;

pub(super) fn routes() -> Router<App> {
    Router::new().route("/admin/audit", get(log))
}

#[derive(Debug, Deserialize)]
struct LogQuery {
    before: Option<i64>,
}

async fn log(
    State(app): State<App>,
    admin: AdminUser,
    Query(query): Query<LogQuery>,
) -> Result<Response, Problem> {
    let mut entries = audit::list(app.store(), query.before, PAGE_SIZE + 1).await?;
    let more = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    let site = Site::load(app.store()).await.ok();
    let when = |t: i64| match &site {
        Some(site) => site.format_date(t, "Y-m-d H:i:s T"),
        None => jiff::Timestamp::from_second(t)
            .map(|t| t.to_string())
            .unwrap_or_default(),
    };
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id, "when": when(e.created_at), "actor": e.actor, "action": e.action,
                "subject": e.subject, "address": e.address,
                "details": if e.details == "{}" { String::new() } else { e.details.clone() },
            })
        })
        .collect();
    let older = more.then(|| format!("/admin/audit?before={}", entries.last().map_or(0, |e| e.id)));
    let context = serde_json::json!({ "entries": rows, "older": older, "first_page": query.before.is_none() });
    Page::new(&app, Some(&admin.user), "audit")
        .render("admin/audit.html", context)
        .await
}
