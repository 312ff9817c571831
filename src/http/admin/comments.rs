//! `/admin/comments` (editors and administrators): the moderation queue,
//! pending comments first by default, each with its story, author and
//! e-mail; approve, unpublish, mark as spam, delete, and close or open a
//! story's comments. The domain (`comments`) writes each step's audit entry
//! in the step's transaction and purges the story's page only when what
//! readers see changes.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::Page;
use super::auth::SectionManager;
use crate::app::App;
use crate::comments::{self, Step};
use crate::http::problem::Problem;
use crate::publishing::format_local_time;

/// Comments per page of the queue.
const PAGE_SIZE: i64 = 50;

/// The statuses the queue filters by, in its tab order.
const STATUSES: [(&str, &str); 5] = [
    ("pending", "Waiting"),
    ("approved", "Approved"),
    ("spam", "Spam"),
    ("deleted", "Deleted"),
    ("all", "All"),
];

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/comments", get(queue))
        .route("/admin/comments/{id}", post(moderate))
        .route("/admin/comments/stories/{id}", post(close))
}

#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    status: Option<String>,
    before: Option<i64>,
    notice: Option<String>,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "approved" => Some("The comment is approved and shows under its story."),
        "pending" => Some("The comment is unpublished and waits again."),
        "spam" => Some("The comment is marked as spam."),
        "deleted" => Some("The comment is deleted."),
        "closed" => Some("Comments on the story are closed."),
        "opened" => Some("Comments on the story are open again."),
        _ => None,
    }
}

async fn queue(
    State(app): State<App>,
    user: SectionManager,
    Query(query): Query<QueueQuery>,
) -> Result<Response, Problem> {
    let status = query.status.as_deref().unwrap_or("pending");
    let status = STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or("pending", |(s, _)| s);
    let filter = (status != "all").then_some(status);
    let mut rows = comments::queue(app.store(), filter, query.before, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let site = app.site().await?;
    let mut list = Vec::with_capacity(rows.len());
    for c in &rows {
        list.push(serde_json::json!({
            "id": c.id,
            "story": c.article_headline,
            "story_id": c.article_id,
            "story_path": c.article_path,
            "closed": comments::closed(app.store(), c.article_id).await?,
            "author_name": c.author_name,
            "author_email": c.author_email,
            "author_url": c.author_url,
            "address": c.address,
            "body": c.body,
            "status": c.status,
            "reply": c.parent_id.is_some(),
            "date": format_local_time(c.created_at, &site.time_zone).replace('T', " "),
        }));
    }
    let next = more
        .then(|| {
            rows.last()
                .map(|c| format!("/admin/comments?status={status}&before={}", c.id))
        })
        .flatten();
    let tabs: Vec<serde_json::Value> = STATUSES
        .iter()
        .map(|(s, label)| serde_json::json!({ "status": s, "label": label, "current": *s == status }))
        .collect();
    let context = serde_json::json!({
        "comments": list, "tabs": tabs, "status": status, "next": next,
    });
    Page::new(&app, Some(&user.user), "comments")
        .notice(notice(query.notice.as_deref()))
        .render("admin/comments.html", context)
        .await
}

#[derive(Debug, Deserialize)]
struct StepForm {
    step: String,
    /// The queue tab to go back to.
    #[serde(default)]
    back: String,
}

fn back_to(tab: &str, notice: &str) -> Response {
    let tab = STATUSES
        .iter()
        .find(|(s, _)| *s == tab)
        .map_or("pending", |(s, _)| s);
    Redirect::to(&format!("/admin/comments?status={tab}&notice={notice}")).into_response()
}

async fn moderate(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response, Problem> {
    let step = Step::parse(&form.step)
        .ok_or_else(|| Problem::invalid(format!("{:?} is not a moderation step", form.step)))?;
    let comment = comments::moderate(app.store(), &user.actor(), id, step, app.now()).await?;
    Ok(back_to(&form.back, &comment.status))
}

#[derive(Debug, Deserialize)]
struct CloseForm {
    /// `close` or `open`.
    action: String,
    #[serde(default)]
    back: String,
}

async fn close(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> Result<Response, Problem> {
    let closed = match form.action.as_str() {
        "close" => true,
        "open" => false,
        other => {
            return Err(Problem::invalid(format!(
                "{other:?} is neither close nor open"
            )));
        }
    };
    comments::set_closed(app.store(), &user.actor(), id, closed, app.now()).await?;
    Ok(back_to(
        &form.back,
        if closed { "closed" } else { "opened" },
    ))
}
