//! Uploading: reading the multipart form with the file held to the size
//! limit, running the media pipeline, and answering JSON or the HTML form.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use std::collections::HashMap;

use super::super::stories;
use super::{UPLOAD_BODY_LIMIT, render_list};
use crate::app::App;
use crate::http::admin::{CurrentUser, Page};
use crate::http::problem::{Chain, Problem, Surface, is_outage};
use crate::media::{self, MAX_UPLOAD_BYTES, Media, MediaError, MediaText};

/// Refuses a request that announces a body over [`UPLOAD_BODY_LIMIT`]
/// before reading any of it, with the same clear message as a file over the
/// limit (bodies without a length are held to it while being read).
pub(super) async fn refuse_oversized(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > UPLOAD_BODY_LIMIT as u64 => {
            let error = UploadError::Media(MediaError::TooLarge {
                size: usize::try_from(length).unwrap_or(usize::MAX),
            });
            error.problem(wants_json(request.headers())).into_response()
        }
        _ => next.run(request).await,
    }
}

/// An upload as JSON.
#[derive(Debug, Serialize)]
pub(super) struct MediaJson<'a> {
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
pub(super) struct DerivativeJson {
    pub url: String,
    pub format: media::DerivativeFormat,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

impl<'a> MediaJson<'a> {
    pub(super) fn new(media: &'a Media) -> MediaJson<'a> {
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

pub(super) fn wants_json(headers: &HeaderMap) -> bool {
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
            UploadError::Media(e) if is_outage(e) => StatusCode::SERVICE_UNAVAILABLE,
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

    /// A failure of ours (the files or the database), not the uploader's.
    fn is_internal(&self) -> bool {
        matches!(self, UploadError::Media(e) if !e.is_user_error())
    }

    /// The [`Problem`]: the API's JSON (`{"error": {"code", "message"}}`,
    /// with the codes above) when the uploader asked for JSON, else the
    /// admin page; a failure of ours logged once with the request id.
    fn problem(self, json: bool) -> Problem {
        let problem = match self {
            UploadError::Media(error) if !error.is_user_error() => Problem::internal(error),
            refused => Problem::refused(
                refused.status(),
                refused.code(),
                if json {
                    refused.message()
                } else {
                    format!("Upload refused: {}", refused.message())
                },
            ),
        };
        if json {
            problem.on(Surface::Api)
        } else {
            problem
        }
    }

    /// Logs a failure of ours that is answered without a [`Problem`].
    fn log_if_internal(&self) {
        if let UploadError::Media(error) = self
            && !error.is_user_error()
        {
            tracing::error!(error = %Chain(error), "upload failed");
        }
    }

    /// The message for the uploader; internal causes are logged, not shown.
    fn message(&self) -> String {
        match self {
            UploadError::Media(e) if e.is_user_error() => e.to_string(),
            UploadError::Media(e) if is_outage(e) => {
                "the server cannot store images right now (its disk is full or its database is away); nothing was kept, please try again in a moment".into()
            }
            UploadError::Media(_) => "the image could not be stored; please try again".into(),
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

/// What came with the file when the story editor sent it: where to go back
/// to (`editor`: `new` or the story id) and the story form's own fields.
#[derive(Default)]
struct FromEditor {
    editor: Option<String>,
    fields: HashMap<String, String>,
}

/// Reads the multipart form, holding the file to [`MAX_UPLOAD_BYTES`].
async fn read_form(
    mut multipart: Multipart,
    from_editor: &mut FromEditor,
) -> Result<UploadForm, UploadError> {
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
                let mut size = 0;
                while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                    size += chunk.len();
                    // Past the limit, keep reading (up to the body limit)
                    // without keeping it, so the client gets the answer
                    // rather than a connection closed mid-upload.
                    if size <= MAX_UPLOAD_BYTES {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                if size > MAX_UPLOAD_BYTES {
                    return Err(too_large(size));
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
            "editor" => from_editor.editor = Some(field.text().await.map_err(form_error)?),
            _ if field.file_name().is_none() => {
                let value = field.text().await.map_err(form_error)?;
                from_editor.fields.insert(name, value);
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
/// shown again with the message; an upload from the story editor answers
/// with the editor, its text as sent and the new image chosen. Any signed-in
/// user may upload.
pub(super) async fn upload(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, Problem> {
    let json = wants_json(&headers);
    let mut from_editor = FromEditor::default();
    let result = async {
        let form = read_form(multipart, &mut from_editor).await?;
        media::ingest(
            app.store(),
            app.media(),
            form.file,
            &form.file_name,
            form.text,
            Some(user.id),
            app.now(),
        )
        .await
        .map_err(UploadError::Media)
    }
    .await;
    if let (Some(editor), false) = (from_editor.editor, json) {
        // The editor keeps the story form it sent, even when the failure is
        // ours: logged here (in the request's span, with its id), the form
        // shown again with the apology.
        let result = result.map_err(|e| {
            e.log_if_internal();
            (e.status(), e.message())
        });
        return stories::after_upload(&app, &user, &editor, from_editor.fields, result).await;
    }
    match (result, json) {
        (Ok(media), true) => {
            Ok((StatusCode::CREATED, Json(MediaJson::new(&media))).into_response())
        }
        (Ok(media), false) => {
            Ok(Redirect::to(&format!("/admin/media?uploaded={}", media.id)).into_response())
        }
        (Err(error), true) => Err(error.problem(true)),
        (Err(error), false) if error.is_internal() => Err(error.problem(false)),
        (Err(error), false) => {
            let page = Page::new(&app, Some(&user.user), "media")
                .status(error.status())
                .error(Some(format!("Upload refused: {}", error.message())));
            render_list(&app, &user, page).await
        }
    }
}

/// The fuzz target's way into [`read_form`] (built only by `cargo fuzz`,
/// which sets `--cfg fuzzing`): a body with its content type read exactly as
/// the upload route reads it. Answers the file's size or the refusal.
#[cfg(fuzzing)]
pub async fn fuzz_upload_form(content_type: &str, body: Vec<u8>) -> Result<usize, String> {
    use axum::extract::FromRequest;
    let request = axum::extract::Request::builder()
        .method("POST")
        .header(header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body))
        .map_err(|e| e.to_string())?;
    let multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| e.body_text())?;
    let mut from_editor = FromEditor::default();
    match read_form(multipart, &mut from_editor).await {
        Ok(form) => Ok(form.file.len()),
        Err(error) => Err(error.message()),
    }
}
