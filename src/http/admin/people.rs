//! `/admin/people` (editors and administrators): the people bylines link
//! to, with their story counts; create, edit (name, address, bio, photo,
//! linked account; a new address keeps the old one answering), merge and
//! delete. The domain (`people`) checks the role and audit-logs each
//! change in the change's own transaction.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::Page;
use super::auth::SectionManager;
use crate::app::App;
use crate::http::problem::Problem;
use crate::people::{self, PersonError, PersonInput};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/people", get(list).post(create))
        .route("/admin/people/{id}", post(update))
        .route("/admin/people/{id}/merge", post(merge))
        .route("/admin/people/{id}/delete", post(delete))
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
struct PersonForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    bio: String,
    /// `media:<id>`, or empty for none.
    #[serde(default)]
    photo: String,
    /// An account id, or empty for none.
    #[serde(default)]
    user: String,
}

impl PersonForm {
    fn input(&self) -> PersonInput {
        PersonInput {
            name: self.name.clone(),
            slug: self.slug.clone(),
            bio: self.bio.clone(),
            photo: self.photo.clone(),
            user_id: self.user.trim().parse().ok(),
        }
    }
}

/// The images an editor may choose a photo from: the newest uploads.
const PHOTO_CHOICES: i64 = 50;

async fn page(
    app: &App,
    user: &SectionManager,
    status: StatusCode,
    form: &PersonForm,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let list = people::list(app.store()).await?;
    let accounts: Vec<serde_json::Value> = crate::accounts::list(app.store())
        .await?
        .into_iter()
        .map(|u| serde_json::json!({ "id": u.id, "label": format!("{} ({})", u.name, u.email) }))
        .collect();
    let images: Vec<serde_json::Value> = crate::media::list(app.store(), None, PHOTO_CHOICES)
        .await?
        .into_iter()
        .map(|m| {
            let label = if m.alt.is_empty() { m.caption.clone() } else { m.alt.clone() };
            serde_json::json!({ "reference": m.reference(), "label": format!("{} {label}", m.reference()) })
        })
        .collect();
    let context = serde_json::json!({
        "people": list, "form": form, "accounts": accounts, "images": images,
        "bio_chars": people::BIO_CHARS,
    });
    Page::new(app, Some(&user.user), "people")
        .status(status)
        .notice(notice)
        .error(error)
        .render("admin/people.html", context)
        .await
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    notice: Option<String>,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The person is created."),
        "updated" => Some("The person is saved. Their old address, if it changed, now redirects."),
        "merged" => Some("The people are merged. The old address redirects to the one kept."),
        "deleted" => Some("The person is deleted. Their stories keep the name as plain text."),
        _ => None,
    }
}

async fn list(
    State(app): State<App>,
    user: SectionManager,
    Query(query): Query<ListQuery>,
) -> Result<Response, Problem> {
    let form = PersonForm::default();
    let notice = notice(query.notice.as_deref());
    page(&app, &user, StatusCode::OK, &form, notice, None).await
}

/// A refusal the editor can fix, shown on the page with what they typed;
/// anything else is a failure of ours.
fn refusal(error: PersonError) -> Result<(StatusCode, String), Problem> {
    match error {
        PersonError::Taken(_) => Ok((StatusCode::CONFLICT, error.to_string())),
        PersonError::NotFound => Err(Problem::not_found("There is no such person.")),
        PersonError::Storage(_) | PersonError::Forbidden => Err(error.into()),
        _ => Ok((StatusCode::UNPROCESSABLE_ENTITY, error.to_string())),
    }
}

async fn create(
    State(app): State<App>,
    user: SectionManager,
    Form(form): Form<PersonForm>,
) -> Result<Response, Problem> {
    match people::create(app.store(), &user.actor(), &form.input(), app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/people?notice=created").into_response()),
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
    Form(form): Form<PersonForm>,
) -> Result<Response, Problem> {
    match people::update(app.store(), &user.actor(), id, &form.input(), app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/people?notice=updated").into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            let empty = PersonForm::default();
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
    let empty = PersonForm::default();
    let Ok(into) = form.into.trim().parse::<i64>() else {
        let message = "Choose the person to merge into.".to_owned();
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(&app, &user, status, &empty, None, Some(message)).await;
    };
    match people::merge(app.store(), &user.actor(), id, into, app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/people?notice=merged").into_response()),
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
    match people::delete(app.store(), &user.actor(), id, app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/people?notice=deleted").into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            let empty = PersonForm::default();
            page(&app, &user, status, &empty, None, Some(message)).await
        }
    }
}
