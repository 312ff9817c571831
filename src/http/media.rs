//! Media over HTTP: content-addressed image files for readers
//! (`/media/<hash>-<width>.<ext>`, cached forever), and the upload form and
//! list for the newsroom (`/admin/media`), answering HTML or JSON.

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;

use crate::app::App;
use crate::media::{self, FileName, MAX_UPLOAD_BYTES, Media, MediaError, MediaFiles, MediaText};

/// Largest request body of an upload: the file limit plus room for the
/// form's other fields and multipart framing. The file itself is held to
/// [`MAX_UPLOAD_BYTES`] with a clear message.
pub const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 5 * 1024 * 1024;

/// Uploads shown per page of the list.
const LIST_PAGE: i64 = 50;

/// Reader routes: the image files.
pub fn reader_routes() -> Router<App> {
    Router::new().route("/media/{file}", get(file))
}

/// Newsroom routes with their own body limit: merge them outside the
/// site-wide 2 MiB limit.
#[allow(
    dead_code,
    reason = "registered once the accounts branch's CurrentUser lands"
)]
pub fn upload_routes() -> Router<App> {
    Router::new()
        .route("/admin/media", get(list_page).post(upload))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT))
}

/// Serves a stored image file. Names are content hashes, so a name always
/// means the same bytes: cache for a year, immutable.
async fn file(State(app): State<App>, Path(name): Path<String>) -> Response {
    let Some(name) = FileName::parse(&name) else {
        return (StatusCode::NOT_FOUND, "no such image\n").into_response();
    };
    let files = MediaFiles::new(&app.config().data_dir);
    match files.read(&name).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, name.content_type()),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such image\n").into_response(),
        Err(error) => {
            tracing::error!(%error, file = %name.to_name(), "cannot read image file");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the image could not be read\n",
            )
                .into_response()
        }
    }
}

/// An upload as JSON.
#[derive(Debug, Serialize)]
pub struct MediaJson<'a> {
    pub id: i64,
    /// What to put in a story's lead image field.
    pub reference: String,
    pub hash: &'a str,
    pub width: u32,
    pub height: u32,
    pub mime: &'a str,
    pub byte_size: u64,
    pub caption: &'a str,
    pub credit: &'a str,
    pub alt: &'a str,
    pub original: String,
    pub derivatives: Vec<DerivativeJson>,
}

/// A derivative as JSON.
#[derive(Debug, Serialize)]
pub struct DerivativeJson {
    pub url: String,
    pub format: media::DerivativeFormat,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

impl<'a> MediaJson<'a> {
    pub fn new(media: &'a Media) -> MediaJson<'a> {
        MediaJson {
            id: media.id,
            reference: media.reference(),
            hash: &media.hash,
            width: media.width,
            height: media.height,
            mime: &media.mime,
            byte_size: media.byte_size,
            caption: &media.caption,
            credit: &media.credit,
            alt: &media.alt,
            original: media.original_url(),
            derivatives: media
                .derivatives
                .iter()
                .map(|d| DerivativeJson {
                    url: media.url(d),
                    format: d.format,
                    width: d.width,
                    height: d.height,
                    bytes: d.bytes,
                })
                .collect(),
        }
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// Why an upload request failed, before or during ingest.
enum UploadError {
    Media(MediaError),
    /// The form itself is wrong (no file field, unreadable multipart).
    Form(String),
}

impl UploadError {
    fn status(&self) -> StatusCode {
        match self {
            UploadError::Media(MediaError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            UploadError::Media(MediaError::NotAnImage) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            UploadError::Media(e) if e.is_user_error() => StatusCode::UNPROCESSABLE_ENTITY,
            UploadError::Media(_) => StatusCode::INTERNAL_SERVER_ERROR,
            UploadError::Form(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            UploadError::Media(MediaError::TooLarge { .. }) => "too_large",
            UploadError::Media(MediaError::Empty) => "empty",
            UploadError::Media(MediaError::NotAnImage) => "not_an_image",
            UploadError::Media(MediaError::TooManyPixels { .. }) => "too_many_pixels",
            UploadError::Media(MediaError::Unreadable(_)) => "unreadable",
            UploadError::Media(e) if e.is_user_error() => "invalid",
            UploadError::Media(_) => "internal",
            UploadError::Form(_) => "bad_form",
        }
    }

    /// The message for the uploader; internal causes are logged, not shown.
    fn message(&self) -> String {
        match self {
            UploadError::Media(e) if e.is_user_error() => e.to_string(),
            UploadError::Media(e) => {
                tracing::error!(error = %e, "upload failed");
                "the image could not be stored; please try again".into()
            }
            UploadError::Form(m) => m.clone(),
        }
    }
}

/// The fields of the upload form.
struct UploadForm {
    file: Vec<u8>,
    file_name: String,
    text: MediaText,
}

/// Reads the multipart form, holding the file to [`MAX_UPLOAD_BYTES`].
async fn read_form(mut multipart: Multipart) -> Result<UploadForm, UploadError> {
    let too_large = |size| UploadError::Media(MediaError::TooLarge { size });
    let form_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(UPLOAD_BODY_LIMIT)
        } else {
            UploadError::Form(format!(
                "the upload form could not be read: {}",
                e.body_text()
            ))
        }
    };
    let mut file = None;
    let mut text = MediaText::default();
    while let Some(mut field) = multipart.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("upload").to_owned();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                    if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                        return Err(too_large(bytes.len() + chunk.len()));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((bytes, file_name));
            }
            "caption" | "credit" | "alt" => {
                let value = field.text().await.map_err(form_error)?;
                match name.as_str() {
                    "caption" => text.caption = value,
                    "credit" => text.credit = value,
                    _ => text.alt = value,
                }
            }
            _ => {}
        }
    }
    let (file, file_name) =
        file.ok_or_else(|| UploadError::Form("choose an image file to upload".into()))?;
    if file.is_empty() {
        return Err(UploadError::Media(MediaError::Empty));
    }
    Ok(UploadForm {
        file,
        file_name,
        text,
    })
}

/// `POST /admin/media`: stores an image. JSON clients get the media record
/// (201) or `{error, message}`; the HTML form is redirected to the list, or
/// shown again with the message.
pub async fn upload_as(
    app: &App,
    uploaded_by: Option<i64>,
    headers: &HeaderMap,
    multipart: Multipart,
) -> Response {
    let json = wants_json(headers);
    let result = async {
        let form = read_form(multipart).await?;
        let files = MediaFiles::new(&app.config().data_dir);
        media::ingest(
            app.store(),
            &files,
            form.file,
            &form.file_name,
            form.text,
            uploaded_by,
            app.now(),
        )
        .await
        .map_err(UploadError::Media)
    }
    .await;
    match (result, json) {
        (Ok(media), true) => (StatusCode::CREATED, Json(MediaJson::new(&media))).into_response(),
        (Ok(media), false) => {
            Redirect::to(&format!("/admin/media?uploaded={}", media.id)).into_response()
        }
        (Err(error), true) => (
            error.status(),
            Json(serde_json::json!({ "error": error.code(), "message": error.message() })),
        )
            .into_response(),
        (Err(error), false) => {
            let status = error.status();
            match render_list(app, Some(error.message())).await {
                Ok(html) => (status, Html(html)).into_response(),
                Err(e) => e.into_page(app).await,
            }
        }
    }
}

// TODO(accounts): require a logged-in writer, editor or admin with the
// `CurrentUser` extractor once it lands on main; until then these routes
// are not registered.
async fn upload(State(app): State<App>, headers: HeaderMap, multipart: Multipart) -> Response {
    upload_as(&app, None, &headers, multipart).await
}

async fn list_page(State(app): State<App>) -> Response {
    match render_list(&app, None).await {
        Ok(html) => Html(html).into_response(),
        Err(e) => e.into_page(&app).await,
    }
}

/// The context of the media list page.
#[derive(Debug, Serialize)]
struct MediaListPage<'a> {
    site: crate::rendering::views::SiteView<'a>,
    nav: Vec<crate::rendering::views::NavItem<'a>>,
    error: Option<String>,
    max_upload_mib: usize,
    items: Vec<MediaListItem>,
}

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
}

async fn render_list(app: &App, error: Option<String>) -> Result<String, super::Error> {
    let site = crate::site::Site::load(app.store()).await?;
    let sections = crate::sections::list(app.store()).await?;
    let items = media::list(app.store(), None, LIST_PAGE)
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
        })
        .collect();
    let page = MediaListPage {
        site: crate::rendering::views::SiteView::new(&site),
        nav: crate::rendering::views::nav(&sections, None),
        error,
        max_upload_mib: MAX_UPLOAD_BYTES / (1024 * 1024),
        items,
    };
    Ok(app.renderer().render("admin_media.html", &page)?)
}
