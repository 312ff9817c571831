//! The story editor: a blank form for a new story, the form of a stored one,
//! and saving (refused over a newer revision, with both versions shown).
//! Whatever goes wrong, the editor comes back with the text as it was sent.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::form::StoryForm;
use super::images::{self, LeadImagePanel};
use super::{Newsroom, notice, render, status_of, when};
use crate::app::App;
use crate::articles::revisions::{self, FieldDiff, SaveError};
use crate::articles::{self, Article, Status};
use crate::http::admin::CurrentUser;
use crate::http::problem::{Problem, Surface};
use crate::media::Media;
use crate::publishing::{self, Action, Actor, UpdateKind, WorkflowError, format_local_time};
use crate::site::Site;

#[derive(Debug, Serialize)]
struct SectionOption {
    id: i64,
    name: String,
    selected: bool,
}

/// The stored story as the editor's side panel shows it.
#[derive(Debug, Serialize)]
struct StoryInfo {
    id: i64,
    status: Status,
    status_name: &'static str,
    revision: i64,
    public_path: Option<String>,
    first_published: String,
    last_update: String,
    modified: String,
    scheduled: String,
    embargo: String,
    corrections: Vec<(String, String)>,
}

/// What a refused save shows: the stored version beside the editor's.
#[derive(Debug, Serialize)]
struct ConflictView {
    author: String,
    revision: i64,
    based_on: i64,
    refused: i64,
    headline: String,
    standfirst: String,
    body: String,
    diff: Vec<FieldDiff>,
    /// What the other person changed since the revision this editor opened
    /// (empty when that revision cannot be read).
    theirs: Vec<FieldDiff>,
}

/// The autosave the editor page offers to restore.
#[derive(Debug, Serialize)]
pub(super) struct AutosaveOffer {
    /// When it was saved, in the site's zone.
    pub time: String,
    /// Whether it is newer than the stored story (else someone saved since).
    pub newer: bool,
    pub based_on: i64,
}

/// Autosave and presence on the editor page.
#[derive(Debug, Serialize, Default)]
pub(super) struct Offer {
    pub autosave: Option<AutosaveOffer>,
    /// The newest of the story's last change and the server's autosave, in
    /// Unix milliseconds: a copy kept in the browser is offered only when
    /// newer than this.
    pub latest_ms: i64,
    /// The others who have this story open now.
    pub editing: Vec<super::autosave::Present>,
}

/// What the editor's script needs to autosave and beat.
#[derive(Debug, Serialize)]
struct Autosaving {
    url: String,
    presence: Option<String>,
    draft: String,
    user: i64,
    heartbeat_seconds: i64,
}

#[derive(Debug, Serialize)]
struct EditorPage {
    title: String,
    story: Option<StoryInfo>,
    form: StoryForm,
    action: String,
    sections: Vec<SectionOption>,
    auto_teaser: String,
    can_edit: bool,
    asks_update_kind: bool,
    actions: Vec<Action>,
    schedule_default: String,
    conflict: Option<ConflictView>,
    image: LeadImagePanel,
    /// The other stories of the story's translation set.
    translations: Vec<articles::translations::Translation>,
    /// The pre-publish check of the stored story.
    checks: Option<ChecksView>,
    offer: Offer,
    autosaving: Autosaving,
}

/// The pre-publish check as the editor's side panel shows it.
#[derive(Debug, Serialize)]
struct ChecksView {
    ready: bool,
    revision: i64,
    at: String,
    results: Vec<publishing::checks::Outcome>,
}

/// Everything the editor page needs besides the story and form.
pub(super) struct Screen<'a> {
    pub actor: &'a Actor,
    pub current: &'a CurrentUser,
    pub story: Option<&'a Article>,
    pub form: StoryForm,
    pub status: StatusCode,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
}

/// Renders the editor. The page never fails because the story's data does:
/// only a broken database or template gives the error page.
pub(super) async fn screen(app: &App, screen: Screen<'_>) -> Result<Response, Problem> {
    screen_with_conflict(app, screen, None, false).await
}

/// The editor as opened (not after a step): it offers the autosave.
async fn opened(app: &App, screen: Screen<'_>) -> Result<Response, Problem> {
    screen_with_conflict(app, screen, None, true).await
}

async fn screen_with_conflict(
    app: &App,
    screen: Screen<'_>,
    conflict: Option<ConflictView>,
    offering: bool,
) -> Result<Response, Problem> {
    let (site, sections) = match (
        Site::load(app.store()).await,
        crate::sections::list(app.store()).await,
    ) {
        (Ok(site), Ok(sections)) => (site, sections),
        (Err(e), _) => return Err(e.into()),
        (_, Err(e)) => return Err(e.into()),
    };
    let Screen {
        actor,
        current,
        story,
        form,
        status,
        notice,
        error,
    } = screen;
    let mut form = form;
    let image = match images::panel(app, current, story.map(|s| s.id), &mut form).await {
        Ok(image) => image,
        Err(error) => {
            tracing::error!(%error, "cannot list images for the story editor");
            LeadImagePanel::default()
        }
    };
    // The preview of a body over the size or nesting limits stays empty: the
    // form already says why it was refused, and rendering it is the cost the
    // limit exists to avoid.
    let body_html = match articles::limits::check_body(&form.body) {
        Ok(()) => form.body_html(),
        Err(_) => String::new(),
    };
    let translations = match story {
        Some(story) => articles::translations::of(app.store(), story).await?,
        None => Vec::new(),
    };
    // The check never keeps the editor from opening: a failure to run it is
    // logged and the panel left out.
    let checks = match story {
        Some(story) => match publishing::check_story(app.store(), story, None, app.now()).await {
            Ok(report) => Some(ChecksView {
                ready: report.blocking().is_empty(),
                revision: story.revision,
                at: site.format_date(app.now(), "medium"),
                results: report.results,
            }),
            Err(error) => {
                tracing::error!(%error, story = story.id, "cannot run the pre-publish check");
                None
            }
        },
        None => None,
    };
    let mut offer = super::autosave::offer(app, current, story).await?;
    if !offering {
        offer.autosave = None;
    }
    let draft = story.map_or(crate::autosaves::Draft::NewStory, |s| {
        crate::autosaves::Draft::Story(s.id)
    });
    let autosaving = Autosaving {
        url: match story {
            Some(s) => format!("/admin/stories/{}/autosave", s.id),
            None => "/admin/stories/new/autosave".into(),
        },
        presence: story.map(|s| format!("/admin/stories/{}/presence", s.id)),
        draft: draft.key(),
        user: current.user.id,
        heartbeat_seconds: crate::autosaves::HEARTBEAT_SECONDS,
    };
    let page = EditorPage {
        checks,
        offer,
        autosaving,
        translations,
        title: match story {
            Some(s) => format!("Edit: {}", s.headline),
            None => "New story".into(),
        },
        sections: sections
            .iter()
            .map(|s| SectionOption {
                id: s.id,
                name: s.name.clone(),
                selected: form.section == s.id.to_string(),
            })
            .collect(),
        auto_teaser: crate::text::teasers::from_html(&body_html, site.teaser_length),
        can_edit: story.is_none_or(|s| publishing::can_edit(actor, s)),
        asks_update_kind: story.is_some_and(|s| s.status == Status::Published),
        actions: story
            .map(|s| publishing::available(actor, s))
            .unwrap_or_default(),
        action: match story {
            Some(s) => format!("/admin/stories/{}", s.id),
            None => "/admin/stories".into(),
        },
        schedule_default: format_local_time(app.now() + 3600, &site.time_zone),
        story: story.map(|s| StoryInfo {
            id: s.id,
            status: s.status,
            status_name: publishing::status_name(s.status),
            revision: s.revision,
            public_path: s.is_visible(app.now()).then(|| s.path()),
            first_published: when(&site, s.first_published_at),
            last_update: when(&site, s.last_update_at),
            modified: when(&site, Some(s.modified_at)),
            scheduled: when(&site, s.scheduled_at),
            embargo: when(&site, s.embargo_until),
            corrections: s
                .corrections
                .iter()
                .map(|c| (site.format_date(c.at, "medium"), c.note.clone()))
                .collect(),
        }),
        form,
        conflict,
        image,
    };
    render(
        app,
        current,
        status,
        (notice, error),
        "admin/stories/edit.html",
        &page,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

pub(super) async fn new_page(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
) -> Result<Response, Problem> {
    let sections = crate::sections::list(app.store()).await.unwrap_or_default();
    let form = StoryForm {
        section: sections
            .first()
            .map(|s| s.id.to_string())
            .unwrap_or_default(),
        bylines: actor.name.clone(),
        format: "html".into(),
        language: Site::load(app.store())
            .await
            .map(|site| site.language)
            .unwrap_or_default(),
        ..StoryForm::default()
    };
    opened(
        &app,
        Screen {
            actor: &actor,
            current: &current,
            story: None,
            form,
            status: StatusCode::OK,
            notice: None,
            error: None,
        },
    )
    .await
}

/// Loads a story for a page, answering the reader's 404 when there is none.
pub(super) async fn load(app: &App, id: i64) -> Result<Article, Problem> {
    articles::find(app.store(), id)
        .await?
        .ok_or_else(|| Problem::not_found("there is no such story").on(Surface::Reader))
}

/// What the editor shows when the server cannot store anything right now
/// (the disk is full, the database away): the form is shown again as sent.
pub(super) const CANNOT_STORE: &str = "The server cannot store changes right now; your text is kept here. \
     Nothing was saved: keep this page open and save again in a moment.";

/// Why a step was refused, as the editor shows it.
pub(super) struct Refusal {
    pub status: StatusCode,
    pub message: String,
    /// The workflow's refusal; `None` when the server could not store the
    /// change (an outage of the machine, logged here).
    pub error: Option<WorkflowError>,
}

/// The refusal a failed step shows in the editor, or, for a failure of
/// ours, the problem (the error page with the request id; never the cause).
/// A full disk or a lost database is not a failure of the editor's text:
/// the editor comes back with the form, a 503 and [`CANNOT_STORE`].
pub(super) fn refusal(error: WorkflowError) -> Result<Refusal, Problem> {
    let status = status_of(&error);
    if !status.is_server_error() {
        return Ok(Refusal {
            status,
            message: error.to_string(),
            error: Some(error),
        });
    }
    let problem = Problem::from(error);
    if !problem.is_outage() {
        return Err(problem);
    }
    tracing::warn!(
        error = %crate::http::problem::Chain(&problem),
        "a story change could not be stored; the editor keeps the text"
    );
    Ok(Refusal {
        status: problem.status(),
        message: CANNOT_STORE.into(),
        error: None,
    })
}

pub(super) async fn edit_page(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, Problem> {
    let article = load(&app, id).await?;
    let site = Site::load(app.store()).await?;
    let form = StoryForm::of_stored(app.store(), &article, &site).await?;
    opened(
        &app,
        Screen {
            actor: &actor,
            current: &current,
            story: Some(&article),
            form,
            status: StatusCode::OK,
            notice: notice(done.done.as_deref()),
            error: None,
        },
    )
    .await
}

pub(super) async fn create(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Form(form): Form<StoryForm>,
) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let result = match form.fields(&site) {
        Ok(fields) => {
            publishing::create(app.store(), &actor, &fields, &form.message, app.now()).await
        }
        Err(error) => Err(error),
    };
    let error = match result {
        Ok(article) => {
            forget_autosave(&app, &current, crate::autosaves::Draft::NewStory).await;
            return Ok(
                Redirect::to(&format!("/admin/stories/{}?done=created", article.id))
                    .into_response(),
            );
        }
        Err(error) => refusal(error)?,
    };
    screen(
        &app,
        Screen {
            actor: &actor,
            current: &current,
            story: None,
            status: error.status,
            error: Some(error.message),
            form,
            notice: None,
        },
    )
    .await
}

pub(super) async fn save(
    State(app): State<App>,
    Newsroom(actor, current): Newsroom,
    Path(id): Path<i64>,
    Form(mut form): Form<StoryForm>,
) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let result = async {
        let fields = form.fields(&site)?;
        let expected: i64 = form.revision.trim().parse().map_err(|_| {
            WorkflowError::Invalid("the form lost track of its revision: reload the story".into())
        })?;
        let kind = UpdateKind::parse(&form.update_kind);
        publishing::save(
            app.store(),
            &actor,
            id,
            expected,
            &fields,
            kind,
            &form.message,
            app.now(),
        )
        .await
    }
    .await;
    let refused = match result {
        Ok(article) => {
            forget_autosave(&app, &current, crate::autosaves::Draft::Story(id)).await;
            return Ok(
                Redirect::to(&format!("/admin/stories/{}?done=saved", article.id)).into_response(),
            );
        }
        Err(error) => refusal(error)?,
    };
    let Refusal {
        status,
        message,
        error,
    } = refused;
    let conflict = match error {
        Some(WorkflowError::Save(SaveError::Conflict {
            based_on,
            refused,
            current,
            yours,
        })) => {
            // Saving again now means saving over what the other person saved,
            // knowingly: the form moves on to their revision.
            form.revision = current.article.revision.to_string();
            let theirs = match revisions::list(app.store(), id).await {
                Ok(list) => list
                    .iter()
                    .find(|r| r.number == based_on && r.kind == revisions::RevisionKind::Saved)
                    .map(|r| revisions::diff(&r.article, &current.article))
                    .unwrap_or_default(),
                Err(error) => {
                    tracing::error!(%error, "cannot read the revisions of a refused save");
                    Vec::new()
                }
            };
            Some(ConflictView {
                theirs,
                author: current.author_of_revision.clone(),
                revision: current.article.revision,
                based_on,
                refused,
                headline: current.article.headline.clone(),
                standfirst: current.article.standfirst.clone(),
                body: current.article.body_source.clone(),
                diff: revisions::diff(&current.article, &yours),
            })
        }
        _ => None,
    };
    let article = articles::find(app.store(), id).await?;
    if article.is_none() && status == StatusCode::NOT_FOUND {
        return Err(Problem::not_found("there is no such story").on(Surface::Reader));
    }
    screen_with_conflict(
        &app,
        Screen {
            actor: &actor,
            current: &current,
            story: article.as_ref(),
            form,
            status,
            notice: None,
            error: Some(message),
        },
        conflict,
        false,
    )
    .await
}

/// A real save deletes the person's autosave of the draft. Failing to is
/// no reason to refuse the save that happened: the stale autosave is then
/// offered as older than the story, and can be discarded.
pub(super) async fn forget_autosave(
    app: &App,
    current: &CurrentUser,
    draft: crate::autosaves::Draft,
) {
    if let Err(error) = crate::autosaves::discard(app.store(), current.user.id, draft).await {
        tracing::error!(%error, "cannot delete an autosave after a save");
    }
}

/// The editor's Content-Security-Policy, also the upload route's: it may
/// answer with the editor (which frames the preview).
pub(crate) const EDITOR_CSP: &str = super::ADMIN_CSP;

/// The editor after an upload made from it: `fields` are the story form's
/// fields as posted with the file, `editor` is `new` or the story id. On
/// success the new image is the selected lead image (not saved yet: the
/// notice says so); on failure the refusal is shown. Either way the form is
/// exactly as sent.
pub(crate) async fn after_upload(
    app: &App,
    current: &CurrentUser,
    editor: &str,
    fields: HashMap<String, String>,
    result: Result<Media, (StatusCode, String)>,
) -> Result<Response, Problem> {
    let map: serde_json::Map<String, serde_json::Value> = fields
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    let mut form: StoryForm = serde_json::from_value(serde_json::Value::Object(map))
        .unwrap_or_else(|_| StoryForm::default());
    let story = match editor.trim().parse::<i64>() {
        Ok(id) => match articles::find(app.store(), id).await {
            Ok(Some(article)) => Some(article),
            Ok(None) => return Err(Problem::no_page().on(Surface::Reader)),
            Err(e) => return Err(e.into()),
        },
        Err(_) => None,
    };
    let (status, notice, error) = match result {
        Ok(media) => {
            form.lead_image = media.reference();
            form.lead_text_for.clear();
            (
                StatusCode::OK,
                Some("Image uploaded and chosen as the lead image. Save the story to keep it."),
                None,
            )
        }
        Err((status, message)) => (status, None, Some(format!("Upload refused: {message}"))),
    };
    let actor = super::auth::actor_of(current);
    screen(
        app,
        Screen {
            actor: &actor,
            current,
            story: story.as_ref(),
            form,
            status,
            notice,
            error,
        },
    )
    .await
}
