//! Revisions of a story: the list (saved and refused), one revision's
//! fields, a readable diff between any two, and restoring one as a new
//! revision.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::editor::{Screen, load, refusal, screen};
use super::form::StoryForm;
use super::{Newsroom, render, when};
use crate::app::App;
use crate::articles::revisions::{self, FieldDiff, Revision, RevisionKind};
use crate::articles::{Article, Status};
use crate::http::problem::{Problem, Surface};
use crate::publishing::{self, UpdateKind};
use crate::sections::Section;
use crate::site::Site;

#[derive(Debug, Serialize)]
struct RevisionItem {
    id: i64,
    number: i64,
    kind: RevisionKind,
    author: String,
    when: String,
    message: String,
    headline: String,
}

#[derive(Debug, Serialize)]
struct StoryHead {
    id: i64,
    headline: String,
    status: Status,
    revision: i64,
}

impl StoryHead {
    fn of(article: &Article) -> StoryHead {
        StoryHead {
            id: article.id,
            headline: article.headline.clone(),
            status: article.status,
            revision: article.revision,
        }
    }
}

#[derive(Debug, Serialize)]
struct ListPage {
    title: String,
    story: StoryHead,
    revisions: Vec<RevisionItem>,
    can_restore: bool,
    asks_update_kind: bool,
}

/// Loads the site and every revision, or the error page.
async fn history(app: &App, id: i64) -> Result<(Article, Site, Vec<Revision>), Problem> {
    let article = load(app, id).await?;
    let site = Site::load(app.store()).await?;
    let list = revisions::list(app.store(), id).await?;
    Ok((article, site, list))
}

fn item(site: &Site, r: &Revision) -> RevisionItem {
    RevisionItem {
        id: r.id,
        number: r.number,
        kind: r.kind,
        author: r.author.clone(),
        when: when(site, Some(r.created_at)),
        message: r.message.clone(),
        headline: r.article.headline.clone(),
    }
}

pub(super) async fn list(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let (article, site, list) = history(&app, id).await?;
    let page = ListPage {
        title: format!("Revisions: {}", article.headline),
        can_restore: publishing::can_edit(&actor, &article),
        asks_update_kind: article.status == Status::Published,
        story: StoryHead::of(&article),
        revisions: list.iter().map(|r| item(&site, r)).collect(),
    };
    render(
        &app,
        &current,
        StatusCode::OK,
        (None, None),
        "admin/stories/revisions.html",
        &page,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Debug, Serialize)]
struct DiffPage {
    title: String,
    story: StoryHead,
    from: RevisionItem,
    to: RevisionItem,
    fields: Vec<FieldDiff>,
}

pub(super) async fn diff(
    State(app): State<App>,
    Newsroom(_, current): Newsroom,
    Path(id): Path<i64>,
    Query(query): Query<DiffQuery>,
) -> Result<Response, Problem> {
    let (article, site, list) = history(&app, id).await?;
    let find = |wanted: Option<i64>, default: usize| match wanted {
        Some(id) => list.iter().find(|r| r.id == id),
        None => list.get(default),
    };
    // Without a choice: the previous revision against the newest.
    let (Some(from), Some(to)) = (find(query.from, 1).or(list.first()), find(query.to, 0)) else {
        return Err(Problem::no_page().on(Surface::Reader));
    };
    let page = DiffPage {
        title: format!("Changes: {}", article.headline),
        story: StoryHead::of(&article),
        fields: revisions::diff(&from.article, &to.article),
        from: item(&site, from),
        to: item(&site, to),
    };
    render(
        &app,
        &current,
        StatusCode::OK,
        (None, None),
        "admin/stories/diff.html",
        &page,
    )
    .await
}

#[derive(Debug, Serialize)]
struct RevisionPage {
    title: String,
    story: StoryHead,
    revision: RevisionItem,
    fields: StoryForm,
    can_restore: bool,
    asks_update_kind: bool,
    plan: RestorePlan,
}

/// What a restore does, said before the editor confirms it.
#[derive(Debug, Serialize)]
struct RestorePlan {
    /// The number the new revision will have.
    new_revision: i64,
    /// The fields that come back (empty: nothing readers see changes).
    brings_back: Vec<&'static str>,
    /// The section it names no longer exists: the story stays where it is.
    section_gone: Option<String>,
    status: Status,
    first_published: String,
    last_update: String,
    scheduled: String,
    embargo: String,
    corrections: usize,
}

impl RestorePlan {
    fn of(site: &Site, current: &Article, old: &Revision, sections: &[Section]) -> RestorePlan {
        let gone = !sections
            .iter()
            .any(|s| s.id == old.article.section.id || s.slug == old.article.section.slug);
        let mut brings_back = revisions::restored_fields(current, &old.article);
        if gone {
            brings_back.retain(|f| *f != "section");
        }
        RestorePlan {
            new_revision: current.revision + 1,
            brings_back,
            section_gone: gone.then(|| old.article.section.name.clone()),
            status: current.status,
            first_published: when(site, current.first_published_at),
            last_update: when(site, current.last_update_at),
            scheduled: when(site, current.scheduled_at),
            embargo: when(site, current.embargo_until),
            corrections: current.corrections.len(),
        }
    }
}

pub(super) async fn show(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path((id, revision)): Path<(i64, i64)>,
) -> Result<Response, Problem> {
    let (article, site, list) = history(&app, id).await?;
    let Some(found) = list.iter().find(|r| r.id == revision) else {
        return Err(Problem::no_page().on(Surface::Reader));
    };
    let sections = crate::sections::list(app.store()).await?;
    let page = RevisionPage {
        title: format!("Revision {}: {}", found.number, found.article.headline),
        can_restore: publishing::can_edit(&actor, &article),
        asks_update_kind: article.status == Status::Published,
        plan: RestorePlan::of(&site, &article, found, &sections),
        story: StoryHead::of(&article),
        revision: item(&site, found),
        fields: StoryForm::of(&found.article, &site),
    };
    render(
        &app,
        &current,
        StatusCode::OK,
        (None, None),
        "admin/stories/revision.html",
        &page,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RestoreForm {
    update_kind: String,
}

pub(super) async fn restore(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path((id, revision)): Path<(i64, i64)>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, Problem> {
    let kind = UpdateKind::parse(&form.update_kind);
    let error = match publishing::restore(app.store(), &actor, id, revision, kind, app.now()).await
    {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/admin/stories/{id}?done=restored")).into_response());
        }
        Err(error) => refusal(error)?,
    };
    let article = load(&app, id).await?;
    let site = Site::load(app.store()).await?;
    screen(
        &app,
        Screen {
            actor: &actor,
            current: &current,
            story: Some(&article),
            form: StoryForm::of_stored(app.store(), &article, &site).await?,
            status: error.status,
            notice: None,
            error: Some(error.message),
        },
    )
    .await
}
