//! `/admin/topics` (editors and administrators): the site's topics with
//! their story counts; create, rename (a new slug keeps the old address
//! answering), describe, place under a parent, merge and delete. The domain
//! (`topics`) checks the role and audit-logs each change in the change's own
//! transaction. `/admin/topics/suggest` feeds the story editor's topic
//! suggestions to anyone in the newsroom.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

use super::Page;
use super::auth::{CurrentUser, SectionManager};
use crate::app::App;
use crate::http::problem::Problem;
use crate::topics::{self, TopicError, TopicInput};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/topics", get(list).post(create))
        .route("/admin/topics/suggest", get(suggest))
        .route("/admin/topics/{id}", post(update))
        .route("/admin/topics/{id}/merge", post(merge))
        .route("/admin/topics/{id}/delete", post(delete))
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
struct TopicForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
    /// A topic id, or empty for none.
    #[serde(default)]
    parent: String,
}

impl TopicForm {
    fn input(&self) -> TopicInput {
        TopicInput {
            name: self.name.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
            parent_id: self.parent.trim().parse().ok(),
        }
    }
}

async fn page(
    app: &App,
    user: &SectionManager,
    status: StatusCode,
    form: &TopicForm,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let list = topics::list(app.store()).await?;
    let context = serde_json::json!({ "topics": list, "form": form });
    Page::new(app, Some(&user.user), "topics")
        .status(status)
        .notice(notice)
        .error(error)
        .render("admin/topics.html", context)
        .await
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    notice: Option<String>,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The topic is created."),
        "updated" => Some("The topic is saved. Its old address, if it changed, now redirects."),
        "merged" => Some("The topics are merged. The old address redirects to the one kept."),
        "deleted" => Some("The topic is deleted."),
        _ => None,
    }
}

async fn list(
    State(app): State<App>,
    user: SectionManager,
    Query(query): Query<ListQuery>,
) -> Result<Response, Problem> {
    let form = TopicForm::default();
    let notice = notice(query.notice.as_deref());
    page(&app, &user, StatusCode::OK, &form, notice, None).await
}

/// A refusal the editor can fix, shown on the page with what they typed;
/// anything else is a failure of ours.
fn refusal(error: TopicError) -> Result<(StatusCode, String), Problem> {
    match error {
        TopicError::Taken(_) => Ok((StatusCode::CONFLICT, error.to_string())),
        TopicError::NotFound => Err(Problem::not_found("There is no such topic.")),
        TopicError::Storage(_) | TopicError::Forbidden => Err(error.into()),
        _ => Ok((StatusCode::UNPROCESSABLE_ENTITY, error.to_string())),
    }
}

async fn create(
    State(app): State<App>,
    user: SectionManager,
    Form(form): Form<TopicForm>,
) -> Result<Response, Problem> {
    match topics::create(app.store(), &user.actor(), &form.input(), app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/topics?notice=created").into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            page(&app, &user, status, &form, None, Some(message)).await
        }
    }
}

async fn update(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
    Form(form): Form<TopicForm>,
) -> Result<Response, Problem> {
    match topics::update(app.store(), &user.actor(), id, &form.input(), app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/topics?notice=updated").into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            let empty = TopicForm::default();
            page(&app, &user, status, &empty, None, Some(message)).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct MergeForm {
    #[serde(default)]
    into: String,
}

async fn merge(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> Result<Response, Problem> {
    let empty = TopicForm::default();
    let Ok(into) = form.into.trim().parse::<i64>() else {
        let message = "Choose the topic to merge into.".to_owned();
        return page(
            &app,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            &empty,
            None,
            Some(message),
        )
        .await;
    };
    match topics::merge(app.store(), &user.actor(), id, into, app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/topics?notice=merged").into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            page(&app, &user, status, &empty, None, Some(message)).await
        }
    }
}

async fn delete(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    match topics::delete(app.store(), &user.actor(), id, app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/topics?notice=deleted").into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            let empty = TopicForm::default();
            page(&app, &user, status, &empty, None, Some(message)).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct SuggestQuery {
    #[serde(default)]
    q: String,
}

#[derive(Debug, serde::Serialize)]
struct Suggestion {
    name: String,
    slug: String,
    stories: i64,
}

/// Topic names starting with what the editor typed, for the story editor.
async fn suggest(
    State(app): State<App>,
    _user: CurrentUser,
    Query(query): Query<SuggestQuery>,
) -> Result<Json<Vec<Suggestion>>, Problem> {
    let found = topics::suggest(app.store(), &query.q, 10).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|t| Suggestion {
                name: t.name,
                slug: t.slug,
                stories: t.stories,
            })
            .collect(),
    ))
}
