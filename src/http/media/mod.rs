//! Media over HTTP: content-addressed image files for readers
//! (`/media/<hash>-<width>.<ext>`, cached forever), and the upload form and
//! list for the newsroom (`/admin/media`), answering HTML or JSON.

mod upload;

#[cfg(fuzzing)]
pub use upload::fuzz_upload_form;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::admin::{self, CurrentUser, Page};
use super::problem::Problem;
use crate::app::App;
use crate::media::{self, FileName, MAX_UPLOAD_BYTES, MediaText, ObjectBody};

/// Largest request body of an upload: the file limit plus room for the
/// form's other fields and multipart framing. The file itself is held to
/// [`MAX_UPLOAD_BYTES`] with a clear message.
pub(super) const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 5 * 1024 * 1024;

/// Images shown on the list page.
const LIST_PAGE: i64 = 50;

/// Reader routes: the image files.
pub(super) fn reader_routes() -> Router<App> {
    Router::new().route("/media/{file}", get(file))
}

/// Newsroom routes, with the admin response headers and their own body
/// limit: merge them outside the site-wide 2 MiB limit.
pub(super) fn upload_routes() -> Router<App> {
    let routes = Router::new()
        .route("/admin/media", get(list_page).post(upload::upload))
        .route("/admin/media/{id}", post(update_text))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT))
        .layer(axum::middleware::from_fn(upload::refuse_oversized));
    // The story editor's CSP: an upload from the editor answers with it.
    admin::with_admin_headers(routes, super::stories::EDITOR_CSP)
}

/// Serves a stored image file. Names are content hashes, so a name always
/// means the same bytes: cache for a year, immutable. The same headers
/// whether the file comes from a folder or an object store (streamed, or
/// from the in-memory cache of hot files). A missing file is the reader's
/// 404 page and a file that cannot be read a failure of ours (the 500 page
/// with the request id), both through [`Problem`].
async fn file(State(app): State<App>, Path(name): Path<String>) -> Result<Response, Problem> {
    let name = FileName::parse(&name).ok_or_else(Problem::no_page)?;
    let object = app
        .media()
        .fetch(&name)
        .await
        .map_err(|error| Problem::internal(UnreadableFile(name.to_name(), error)))?
        .ok_or_else(Problem::no_page)?;
    let body = match object.body {
        ObjectBody::Bytes(bytes) => Body::from(bytes),
        ObjectBody::Stream(stream) => Body::from_stream(stream),
    };
    Ok((
        [
            (header::CONTENT_TYPE, name.content_type().to_owned()),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
            (header::CONTENT_LENGTH, object.size.to_string()),
        ],
        body,
    )
        .into_response())
}

/// An image file that exists but cannot be read (for the log).
#[derive(Debug, thiserror::Error)]
#[error("cannot read image file {0}")]
struct UnreadableFile(String, #[source] std::io::Error);

#[derive(Debug, Deserialize)]
struct ListQuery {
    uploaded: Option<i64>,
    updated: Option<i64>,
    /// The picker's next page: images older than this id.
    before: Option<i64>,
    /// The picker's search: words in the alt text, caption or credit.
    #[serde(default)]
    q: String,
}

/// `GET /admin/media`: the upload form and the newest images (JSON for
/// `Accept: application/json`).
async fn list_page(
    State(app): State<App>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response, Problem> {
    if upload::wants_json(&headers) {
        // The rich editor's image picker: the newest images (that match
        // its search) as JSON, a page at a time; `next` asks for the rest.
        let list = media::search(app.store(), query.before, LIST_PAGE, &query.q).await?;
        let next = (list.len() as i64 == LIST_PAGE)
            .then(|| list.last().map(|m| m.id))
            .flatten();
        let items: Vec<upload::MediaJson<'_>> = list.iter().map(upload::MediaJson::new).collect();
        return Ok(axum::Json(serde_json::json!({ "items": items, "next": next })).into_response());
    }
    let notice = match (query.uploaded, query.updated) {
        (Some(id), _) => Some(format!(
            "Image uploaded. Use media:{id} as a story's lead image."
        )),
        (None, Some(id)) => Some(format!("Text of media:{id} saved.")),
        _ => None,
    };
    let page = Page::new(&app, Some(&user.user), "media").notice(notice);
    render_list(&app, &user, page).await
}

/// The text fields of an image, as the edit form posts them.
#[derive(Debug, Deserialize)]
struct TextForm {
    #[serde(default)]
    caption: String,
    #[serde(default)]
    credit: String,
    #[serde(default)]
    alt: String,
}

/// `POST /admin/media/<id>`: changes caption, credit and alt text. Editors
/// and administrators may change any image; writers the ones they uploaded.
async fn update_text(
    State(app): State<App>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, Problem> {
    let Some(existing) = media::find(app.store(), id).await? else {
        return Err(Problem::not_found("There is nothing at this address."));
    };
    if !user.role.can_edit_any() && existing.uploaded_by != Some(user.id) {
        return Err(Problem::forbidden("Your role does not allow this."));
    }
    let text = MediaText {
        caption: form.caption,
        credit: form.credit,
        alt: form.alt,
    };
    media::update_text(app.store(), id, text, app.now()).await?;
    Ok(Redirect::to(&format!("/admin/media?updated={id}#media-{id}")).into_response())
}

/// One image of the list page.
#[derive(Debug, Serialize)]
struct MediaListItem {
    id: i64,
    reference: String,
    thumbnail: String,
    width: u32,
    height: u32,
    caption: String,
    credit: String,
    alt: String,
    editable: bool,
}

pub(super) async fn render_list(
    app: &App,
    user: &CurrentUser,
    page: Page<'_>,
) -> Result<Response, Problem> {
    let items: Vec<MediaListItem> = media::list(app.store(), None, LIST_PAGE)
        .await?
        .iter()
        .map(|m| MediaListItem {
            id: m.id,
            reference: m.reference(),
            thumbnail: m
                .derivatives_of(media::DerivativeFormat::Jpeg)
                .first()
                .map(|d| m.url(d))
                .unwrap_or_else(|| m.original_url()),
            width: m.width,
            height: m.height,
            caption: m.caption.clone(),
            credit: m.credit.clone(),
            alt: m.alt.clone(),
            editable: user.role.can_edit_any() || m.uploaded_by == Some(user.id),
        })
        .collect();
    let context = serde_json::json!({
        "items": items,
        "max_upload_mib": MAX_UPLOAD_BYTES / (1024 * 1024),
    });
    page.render("admin/media.html", context).await
}
