//! `/admin/pages` and `/admin/menu` (editors and administrators): the
//! site's standalone pages (list, write, revise, restore a revision) and
//! the site menu. A refused save (someone saved meanwhile, an address that
//! belongs to something else) shows the form again with everything the
//! editor typed; nothing is stored. The domain (`pages`) checks the role and
//! audit-logs each change in the change's own transaction.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::Page;
use super::auth::SectionManager;
use crate::app::App;
use crate::articles::{BodyFormat, fields};
use crate::http::problem::Problem;
use crate::pages::{self, PageError, PageInput, menu};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/pages", get(list).post(create))
        .route("/admin/pages/new", get(new_page))
        .route("/admin/pages/{id}", get(edit).post(update))
        .route("/admin/pages/{id}/revisions", get(revisions))
        .route("/admin/pages/{id}/revisions/{number}", get(revision))
        .route(
            "/admin/pages/{id}/revisions/{number}/restore",
            post(restore),
        )
        .route("/admin/menu", get(menu_page).post(save_menu))
}

/// The page form as the editor fills it in.
#[derive(Debug, Default, Deserialize, Serialize)]
struct PageForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    path: String,
    /// A page id, or empty for none.
    #[serde(default)]
    parent: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    body: String,
    /// `markdown` or `html`.
    #[serde(default)]
    format: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    fields: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
    /// The revision the editor started from; empty for a new page.
    #[serde(default)]
    revision: String,
}

impl PageForm {
    fn of(page: &pages::Page) -> Result<PageForm, Problem> {
        Ok(PageForm {
            title: page.title.clone(),
            path: page.path.clone(),
            parent: page.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            description: page.description.clone(),
            // A Markdown page opens converted once to the HTML readers see
            // (the rich editor edits HTML), saved as HTML from then on.
            body: if page.body_format == "html" {
                page.body_source.clone()
            } else {
                crate::text::markdown::to_html(&page.body_source)
            },
            format: "html".into(),
            language: page.language.clone().unwrap_or_default(),
            fields: fields::to_text(&pages::kept_fields(page)?),
            status: page.status.clone(),
            message: String::new(),
            revision: page.revision.to_string(),
        })
    }

    fn input(&self) -> PageInput {
        PageInput {
            title: self.title.clone(),
            path: self.path.clone(),
            parent_id: self.parent.trim().parse().ok(),
            description: self.description.clone(),
            body_source: self.body.clone(),
            body_format: Some(if self.format == "html" {
                BodyFormat::Html
            } else {
                BodyFormat::Markdown
            }),
            language: self.language.clone(),
            fields: self.fields.clone(),
            status: self.status.clone(),
            message: self.message.clone(),
            base_revision: self.revision.trim().parse().ok(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The page is created."),
        "saved" => Some("The page is saved. If its address changed, the old one now redirects."),
        "restored" => Some("The revision is restored as a new revision."),
        "menu" => Some("The menu is saved."),
        _ => None,
    }
}

/// A refusal the editor can fix, shown with what they typed; anything
/// else is a failure of ours.
fn refusal(error: PageError) -> Result<(StatusCode, String), Problem> {
    match error {
        PageError::NotFound => Err(Problem::not_found("There is no such page.")),
        PageError::Storage(_) | PageError::Forbidden => Err(error.into()),
        PageError::Stale { .. } => Ok((StatusCode::CONFLICT, error.to_string())),
        _ => Ok((StatusCode::UNPROCESSABLE_ENTITY, error.to_string())),
    }
}

async fn list(
    State(app): State<App>,
    user: SectionManager,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, Problem> {
    let all = pages::list(app.store()).await?;
    Page::new(&app, Some(&user.user), "pages")
        .notice(notice(query.notice.as_deref()))
        .render("admin/pages.html", serde_json::json!({ "pages": all }))
        .await
}

/// The editor for page `id` (`None`: a new one) with `form` in it.
async fn editor(
    app: &App,
    user: &SectionManager,
    id: Option<i64>,
    form: &PageForm,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let all = pages::list(app.store()).await?;
    let parents: Vec<_> = all.iter().filter(|p| Some(p.id) != id).collect();
    let page = match id {
        Some(id) => pages::get(app.store(), id).await?,
        None => None,
    };
    let context = serde_json::json!({
        "title": page.as_ref().map_or("New page".to_owned(), |p| format!("Edit page: {}", p.title)),
        "page": page,
        "form": form,
        "parents": parents,
        "action": id.map_or("/admin/pages".to_owned(), |id| format!("/admin/pages/{id}")),
    });
    Page::new(app, Some(&user.user), "pages")
        .status(status)
        .notice(notice)
        .error(error)
        .render("admin/page_edit.html", context)
        .await
}

async fn new_page(State(app): State<App>, user: SectionManager) -> Result<Response, Problem> {
    let form = PageForm {
        status: "draft".into(),
        format: "html".into(),
        ..PageForm::default()
    };
    editor(&app, &user, None, &form, StatusCode::OK, None, None).await
}

async fn create(
    State(app): State<App>,
    user: SectionManager,
    Form(form): Form<PageForm>,
) -> Result<Response, Problem> {
    match pages::save(app.store(), &user.actor(), None, &form.input(), app.now()).await {
        Ok(page) => {
            Ok(Redirect::to(&format!("/admin/pages/{}?notice=created", page.id)).into_response())
        }
        Err(e) => {
            let (status, message) = refusal(e)?;
            editor(&app, &user, None, &form, status, None, Some(message)).await
        }
    }
}

async fn edit(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, Problem> {
    let page = pages::get(app.store(), id)
        .await?
        .ok_or(PageError::NotFound)?;
    let form = PageForm::of(&page)?;
    let notice = notice(query.notice.as_deref());
    editor(&app, &user, Some(id), &form, StatusCode::OK, notice, None).await
}

async fn update(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
    Form(form): Form<PageForm>,
) -> Result<Response, Problem> {
    match pages::save(
        app.store(),
        &user.actor(),
        Some(id),
        &form.input(),
        app.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/pages/{id}?notice=saved")).into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            editor(&app, &user, Some(id), &form, status, None, Some(message)).await
        }
    }
}

#[derive(Debug, Serialize)]
struct RevisionItem {
    number: i64,
    author: String,
    message: String,
    when: String,
}

async fn revisions(
    State(app): State<App>,
    user: SectionManager,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let page = pages::get(app.store(), id)
        .await?
        .ok_or(PageError::NotFound)?;
    let site = app.site().await?;
    let items: Vec<RevisionItem> = pages::revisions(app.store(), id)
        .await?
        .into_iter()
        .map(|r| RevisionItem {
            number: r.number,
            author: r.author,
            message: r.message,
            when: site.format_date(r.created_at, "medium"),
        })
        .collect();
    Page::new(&app, Some(&user.user), "pages")
        .render(
            "admin/page_revisions.html",
            serde_json::json!({ "page": page, "revisions": items }),
        )
        .await
}

async fn revision(
    State(app): State<App>,
    user: SectionManager,
    Path((id, number)): Path<(i64, i64)>,
) -> Result<Response, Problem> {
    let page = pages::get(app.store(), id)
        .await?
        .ok_or(PageError::NotFound)?;
    let (revision, fields) = pages::revision(app.store(), id, number).await?;
    let site = app.site().await?;
    Page::new(&app, Some(&user.user), "pages")
        .render(
            "admin/page_revision.html",
            serde_json::json!({
                "page": page,
                "revision": revision,
                "when": site.format_date(revision.created_at, "medium"),
                "fields": fields,
                "current": revision.number == page.revision,
            }),
        )
        .await
}

#[derive(Debug, Deserialize)]
struct RestoreForm {
    /// The page's revision when the editor looked.
    revision: i64,
}

async fn restore(
    State(app): State<App>,
    user: SectionManager,
    Path((id, number)): Path<(i64, i64)>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, Problem> {
    match pages::restore(
        app.store(),
        &user.actor(),
        id,
        number,
        form.revision,
        app.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/pages/{id}?notice=restored")).into_response()),
        Err(e) => {
            let (status, message) = refusal(e)?;
            let page = pages::get(app.store(), id)
                .await?
                .ok_or(PageError::NotFound)?;
            let form = PageForm::of(&page)?;
            editor(&app, &user, Some(id), &form, status, None, Some(message)).await
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct MenuForm {
    #[serde(default)]
    links: String,
}

async fn menu_view(
    app: &App,
    user: &SectionManager,
    form: &MenuForm,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, Problem> {
    let all = pages::list(app.store()).await?;
    Page::new(app, Some(&user.user), "menu")
        .status(status)
        .notice(notice)
        .error(error)
        .render(
            "admin/menu.html",
            serde_json::json!({ "form": form, "pages": all, "max": menu::MAX_LINKS }),
        )
        .await
}

async fn menu_page(
    State(app): State<App>,
    user: SectionManager,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, Problem> {
    let form = MenuForm {
        links: menu::text(app.store()).await?,
    };
    let notice = notice(query.notice.as_deref());
    menu_view(&app, &user, &form, StatusCode::OK, notice, None).await
}

async fn save_menu(
    State(app): State<App>,
    user: SectionManager,
    Form(form): Form<MenuForm>,
) -> Result<Response, Problem> {
    match menu::save(app.store(), &user.actor(), &form.links, app.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/menu?notice=menu").into_response()),
        Err(error @ (menu::MenuError::Line { .. } | menu::MenuError::TooMany)) => {
            let message = error.to_string();
            menu_view(
                &app,
                &user,
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}
