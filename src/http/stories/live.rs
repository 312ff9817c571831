//! The live blog desk (`/admin/stories/{id}/live`): start, end or reopen
//! the coverage, write a post (the story editor's rich-text editor on the
//! post's text; a plain HTML textarea without JavaScript), edit, pin as a
//! key event and delete posts. Who may do what is decided by `live`.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::{Newsroom, render};
use crate::app::App;
use crate::http::admin::CurrentUser;
use crate::http::problem::Problem;
use crate::live::{self, LiveError, Post, PostInput};
use crate::publishing::{Actor, parse_local_time};
use crate::site::Site;

/// Library images offered for a post.
const LIBRARY_SIZE: i64 = 24;

/// The post form as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct PostForm {
    headline: String,
    body: String,
    image: String,
    embed_url: String,
    author: String,
    /// `datetime-local` in the site's time zone; empty: now (or unchanged).
    posted_at: String,
    key_event: Option<String>,
}

impl PostForm {
    fn of(site: &Site, post: &Post) -> PostForm {
        PostForm {
            headline: post.headline.clone(),
            body: post.body_html.clone(),
            image: post.image.clone().unwrap_or_default(),
            embed_url: post.embed_url.clone().unwrap_or_default(),
            author: post.author_name.clone(),
            posted_at: site.format_date(post.posted_at, "Y-m-d\\TH:i"),
            key_event: post.key_event.then(|| "on".to_owned()),
        }
    }

    fn input(&self, site: &Site) -> Result<PostInput, LiveError> {
        let posted_at = parse_local_time(&self.posted_at, &site.time_zone)
            .map_err(|e| LiveError::Invalid(e.to_string()))?;
        Ok(PostInput {
            headline: self.headline.clone(),
            body: self.body.clone(),
            image: self.image.clone(),
            embed_url: self.embed_url.clone(),
            author: self.author.clone(),
            key_event: self.key_event.is_some(),
            posted_at,
        })
    }
}

#[derive(Debug, Serialize)]
struct PostRow {
    id: i64,
    headline: String,
    body_html: String,
    author: String,
    date: String,
    key_event: bool,
    anchor: String,
}

#[derive(Debug, Serialize)]
struct ImageChoice {
    reference: String,
    label: String,
}

#[derive(Debug, Serialize)]
struct DeskPage {
    story: serde_json::Value,
    live: Option<serde_json::Value>,
    may_run: bool,
    may_name_author: bool,
    form: PostForm,
    /// The post being edited (the form posts there), or none: a new post.
    editing: Option<i64>,
    posts: Vec<PostRow>,
    images: Vec<ImageChoice>,
}

/// Renders the desk of story `id` with `form` in the post form.
#[allow(clippy::too_many_arguments)]
async fn desk(
    app: &App,
    actor: &Actor,
    current: &CurrentUser,
    id: i64,
    form: Option<PostForm>,
    editing: Option<i64>,
    status: StatusCode,
    message: (Option<&str>, Option<String>),
) -> Result<Response, Problem> {
    let article = crate::articles::find(app.store(), id)
        .await?
        .ok_or_else(|| Problem::not_found("there is no such story"))?;
    let site = Site::load(app.store()).await?;
    let blog = live::of_story(app.store(), id).await?;
    let posts = live::posts(app.store(), id, 0, i64::MAX).await?;
    let images = crate::media::list(app.store(), None, LIBRARY_SIZE)
        .await?
        .iter()
        .map(|m| ImageChoice {
            reference: m.reference(),
            label: if m.alt.is_empty() {
                m.reference()
            } else {
                format!("{} ({})", m.alt, m.reference())
            },
        })
        .collect();
    let page = DeskPage {
        story: serde_json::json!({
            "id": article.id, "headline": article.headline,
            "visible": article.is_visible(app.now()), "path": article.path(),
        }),
        live: blog.map(|b| {
            serde_json::json!({
                "started": site.format_date(b.started_at, "medium"),
                "ended": b.ended_at.map(|t| site.format_date(t, "medium")),
            })
        }),
        may_run: live::may_run(actor, &article),
        may_name_author: live::may_name_author(actor),
        form: form.unwrap_or_else(|| PostForm {
            author: actor.name.clone(),
            ..PostForm::default()
        }),
        editing,
        posts: posts
            .iter()
            .map(|p| PostRow {
                id: p.id,
                headline: live::feed::title_of(p),
                body_html: p.body_html.clone(),
                author: p.author_name.clone(),
                date: site.format_date(p.posted_at, "medium"),
                key_event: p.key_event,
                anchor: live::anchor(p.id),
            })
            .collect(),
        images,
    };
    render(
        app,
        current,
        status,
        message,
        "admin/stories/live.html",
        &page,
    )
    .await
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "started" => "This story is a live blog now: write its first post.",
        "ended" => "The coverage has ended; readers see that it is over.",
        "reopened" => "The coverage is live again.",
        "posted" => "Posted: readers' open pages show it within seconds.",
        "edited" => "Post saved.",
        "deleted" => "Post deleted.",
        "pinned" => "Pinned as a key event.",
        "unpinned" => "No longer a key event.",
        _ => return None,
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

/// `GET /admin/stories/{id}/live`.
pub(super) async fn page(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
    axum::extract::Query(query): axum::extract::Query<DoneQuery>,
) -> Result<Response, Problem> {
    let message = (notice(query.done.as_deref()), None);
    desk(
        &app,
        &actor,
        &current,
        id,
        None,
        None,
        StatusCode::OK,
        message,
    )
    .await
}

/// `GET /admin/stories/{id}/live/posts/{post}`: the post in the form.
pub(super) async fn edit_page(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path((id, post)): Path<(i64, i64)>,
) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let found = live::post(app.store(), id, post).await?;
    let form = PostForm::of(&site, &found);
    desk(
        &app,
        &actor,
        &current,
        id,
        Some(form),
        Some(post),
        StatusCode::OK,
        (None, None),
    )
    .await
}

/// The answer to a step: back to the desk with a notice, or the desk with
/// the refusal and the form as typed.
#[allow(clippy::too_many_arguments)]
async fn answer<T>(
    app: &App,
    actor: &Actor,
    current: &CurrentUser,
    id: i64,
    done: &str,
    result: Result<T, LiveError>,
    form: Option<PostForm>,
    editing: Option<i64>,
) -> Result<Response, Problem> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/admin/stories/{id}/live?done={done}")).into_response()),
        Err(error) => {
            let problem = Problem::from(error);
            if problem.is_internal() {
                return Err(problem);
            }
            let status = problem.status();
            let message = (None, Some(problem.message().to_owned()));
            desk(app, actor, current, id, form, editing, status, message).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CoverageForm {
    action: String,
}

/// `POST /admin/stories/{id}/live`: `action=start|end|reopen`.
pub(super) async fn coverage(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<CoverageForm>,
) -> Result<Response, Problem> {
    let now = app.now();
    let (result, done) = match form.action.as_str() {
        "start" => (live::start(app.store(), &actor, id, now).await, "started"),
        "end" => (
            live::set_ended(app.store(), &actor, id, true, now).await,
            "ended",
        ),
        "reopen" => (
            live::set_ended(app.store(), &actor, id, false, now).await,
            "reopened",
        ),
        _ => return Err(Problem::bad_request("choose start, end or reopen")),
    };
    answer(&app, &actor, &current, id, done, result, None, None).await
}

/// `POST /admin/stories/{id}/live/posts`: a new post.
pub(super) async fn create(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<PostForm>,
) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let result = match form.input(&site) {
        Ok(input) => live::add(app.store(), &actor, id, &input, app.now()).await,
        Err(e) => Err(e),
    };
    answer(
        &app,
        &actor,
        &current,
        id,
        "posted",
        result,
        Some(form),
        None,
    )
    .await
}

/// `POST /admin/stories/{id}/live/posts/{post}`: the edited post.
pub(super) async fn save(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path((id, post)): Path<(i64, i64)>,
    Form(form): Form<PostForm>,
) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let result = match form.input(&site) {
        Ok(input) => live::edit(app.store(), &actor, id, post, &input, app.now()).await,
        Err(e) => Err(e),
    };
    answer(
        &app,
        &actor,
        &current,
        id,
        "edited",
        result,
        Some(form),
        Some(post),
    )
    .await
}

/// `POST /admin/stories/{id}/live/posts/{post}/delete`.
pub(super) async fn delete(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path((id, post)): Path<(i64, i64)>,
) -> Result<Response, Problem> {
    let result = live::delete(app.store(), &actor, id, post, app.now()).await;
    answer(&app, &actor, &current, id, "deleted", result, None, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PinForm {
    key_event: String,
}

/// `POST /admin/stories/{id}/live/posts/{post}/pin`: `key_event=1|0`.
pub(super) async fn pin(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path((id, post)): Path<(i64, i64)>,
    Form(form): Form<PinForm>,
) -> Result<Response, Problem> {
    let key = form.key_event == "1";
    let result = live::set_key_event(app.store(), &actor, id, post, key, app.now()).await;
    let done = if key { "pinned" } else { "unpinned" };
    answer(&app, &actor, &current, id, done, result, None, None).await
}
