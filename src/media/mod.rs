//! Media: uploaded images. Owns taking an upload in ([`ingest`]: real format
//! from the bytes, size and pixel limits, decoding under limits, EXIF
//! orientation applied and metadata dropped, JPEG and WebP derivatives stored
//! by content hash), caption / credit / alt text, the reference an article's
//! lead image holds (`media:<id>`), and the publish rule that a lead image
//! needs alt text.

mod files;
mod images;
mod objects;
pub mod oembed;
mod text;
mod webp;

pub use files::{
    FileName, Location, MediaFiles, MediaStoreError, Object, ObjectBody, content_type,
};
/// The whole pipeline on uploaded bytes, for the fuzz target only (`cargo
/// fuzz` sets `--cfg fuzzing`); the product calls it through [`MediaFiles`].
#[cfg(fuzzing)]
pub use images::process as process_image;
pub use images::{
    DERIVATIVE_WIDTHS, MAX_PIXELS, MAX_SIDE, MAX_UPLOAD_BYTES, SourceFormat, check_dimensions,
    sniff,
};
pub use objects::{HOT_CACHE_BYTES, HOT_FILE_MAX};
pub use text::{TextChange, check_publishable_with, may_edit_text, text_change};

use serde::{Deserialize, Serialize};

use crate::articles::Article;
use crate::storage::{MediaRow, NewEvent, StorageError, Store};

/// What can go wrong with media. The messages are written for the person
/// uploading: each names the limit or the fix.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the file is {size} bytes; uploads are limited to 20 MiB ({MAX_UPLOAD_BYTES} bytes)")]
    TooLarge { size: usize },
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is not a JPEG, PNG, WebP or GIF image (its contents were checked, not its name)"
    )]
    NotAnImage,
    #[error(
        "the image is {width}x{height} pixels; images are limited to 40 megapixels \
         and {MAX_SIDE} pixels a side"
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("the image could not be read: {0}")]
    Unreadable(String),
    #[error("the image could not be converted: {0}")]
    Encode(String),
    #[error(
        "a lead image needs alt text (a short description for readers who cannot see it) before the story is published"
    )]
    MissingAlt,
    #[error("the lead image {0:?} does not exist")]
    UnknownLeadImage(String),
    #[error("no image with id {0}")]
    NotFound(i64),
    #[error("cannot store the image files: {0}")]
    Files(#[from] std::io::Error),
    #[error("stored image {id} is unreadable: {reason}")]
    Corrupt { id: i64, reason: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl MediaError {
    /// Whether the uploader can fix it (a bad file or missing text), as
    /// opposed to a failure on our side.
    pub fn is_user_error(&self) -> bool {
        !matches!(
            self,
            MediaError::Files(_) | MediaError::Corrupt { .. } | MediaError::Storage(_)
        )
    }
}

/// Memory the image pipeline may hold at once, across every upload and
/// import in the process (bytes).
pub const IMAGE_MEMORY_BUDGET: u64 = 768 * 1024 * 1024;

/// The one budget of the image pipeline.
static IMAGE_MEMORY: MemoryBudget = MemoryBudget::new(IMAGE_MEMORY_BUDGET);

/// The most memory the image pipeline held reserved at once since the
/// process started (bytes): never above [`IMAGE_MEMORY_BUDGET`].
pub fn image_memory_peak() -> u64 {
    IMAGE_MEMORY.peak.load(std::sync::atomic::Ordering::Relaxed)
}

/// A budget of bytes shared by concurrent jobs: each reserves what it will
/// need before it starts and waits while the budget is spent. Counted in
/// MiB (a semaphore's permits), a job needing more than the whole budget
/// takes all of it and runs alone.
#[derive(Debug)]
struct MemoryBudget {
    mib: tokio::sync::Semaphore,
    total_mib: u32,
    reserved: std::sync::atomic::AtomicU64,
    peak: std::sync::atomic::AtomicU64,
}

/// Memory reserved from a [`MemoryBudget`], given back when dropped.
struct Reserved<'a> {
    budget: &'a MemoryBudget,
    bytes: u64,
    _permit: tokio::sync::SemaphorePermit<'a>,
}

impl MemoryBudget {
    const fn new(bytes: u64) -> MemoryBudget {
        let total_mib = (bytes >> 20) as u32;
        MemoryBudget {
            mib: tokio::sync::Semaphore::const_new(total_mib as usize),
            total_mib,
            reserved: std::sync::atomic::AtomicU64::new(0),
            peak: std::sync::atomic::AtomicU64::new(0),
        }
    }

    async fn reserve(&self, bytes: u64) -> Result<Reserved<'_>, MediaError> {
        use std::sync::atomic::Ordering;
        let mib = bytes.div_ceil(1 << 20).clamp(1, u64::from(self.total_mib)) as u32;
        let permit = self
            .mib
            .acquire_many(mib)
            .await
            .map_err(|e| MediaError::Encode(format!("image worker unavailable: {e}")))?;
        let bytes = u64::from(mib) << 20;
        let now = self.reserved.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(now, Ordering::Relaxed);
        Ok(Reserved {
            budget: self,
            bytes,
            _permit: permit,
        })
    }
}

impl Drop for Reserved<'_> {
    fn drop(&mut self) {
        self.budget
            .reserved
            .fetch_sub(self.bytes, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The format of a derivative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DerivativeFormat {
    Jpeg,
    Webp,
}

impl DerivativeFormat {
    pub fn ext(self) -> &'static str {
        match self {
            DerivativeFormat::Jpeg => "jpg",
            DerivativeFormat::Webp => "webp",
        }
    }
}

/// One resized copy of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derivative {
    pub format: DerivativeFormat,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// The text an editor gives an image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaText {
    pub caption: String,
    pub credit: String,
    pub alt: String,
}

impl MediaText {
    fn trimmed(self) -> MediaText {
        MediaText {
            caption: self.caption.trim().to_owned(),
            credit: self.credit.trim().to_owned(),
            alt: self.alt.trim().to_owned(),
        }
    }
}

/// An uploaded image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Media {
    pub id: i64,
    /// SHA-256 of the normalized original; names every file of the image.
    pub hash: String,
    pub width: u32,
    pub height: u32,
    /// The type of the normalized original (`image/jpeg` or `image/png`).
    pub mime: String,
    /// Size of the normalized original in bytes.
    pub byte_size: u64,
    pub caption: String,
    pub credit: String,
    pub alt: String,
    pub derivatives: Vec<Derivative>,
    pub uploaded_by: Option<i64>,
    pub created_at: i64,
}

/// The URL path prefix media files are served under.
pub const URL_PREFIX: &str = "/media/";

impl Media {
    /// The reference an article's `lead_image` holds.
    pub fn reference(&self) -> String {
        format!("media:{}", self.id)
    }

    /// The URL path of a derivative.
    pub fn url(&self, derivative: &Derivative) -> String {
        format!(
            "{URL_PREFIX}{}-{}.{}",
            self.hash,
            derivative.width,
            derivative.format.ext()
        )
    }

    /// The URL path of the normalized original.
    pub fn original_url(&self) -> String {
        let ext = if self.mime == "image/png" {
            "png"
        } else {
            "jpg"
        };
        format!("{URL_PREFIX}{}-orig.{ext}", self.hash)
    }

    /// The derivatives of one format, narrowest first.
    pub fn derivatives_of(&self, format: DerivativeFormat) -> Vec<&Derivative> {
        let mut list: Vec<_> = self
            .derivatives
            .iter()
            .filter(|d| d.format == format)
            .collect();
        list.sort_by_key(|d| d.width);
        list
    }

    fn from_row(row: MediaRow) -> Result<Media, MediaError> {
        let corrupt = |reason: String| MediaError::Corrupt { id: row.id, reason };
        let dimension = |v: i64| u32::try_from(v).map_err(|e| corrupt(e.to_string()));
        Ok(Media {
            id: row.id,
            width: dimension(row.width)?,
            height: dimension(row.height)?,
            byte_size: u64::try_from(row.byte_size).map_err(|e| corrupt(e.to_string()))?,
            derivatives: serde_json::from_str(&row.derivatives)
                .map_err(|e| corrupt(format!("derivatives: {e}")))?,
            hash: row.hash,
            mime: row.mime,
            caption: row.caption,
            credit: row.credit,
            alt: row.alt,
            uploaded_by: row.uploaded_by,
            created_at: row.created_at,
        })
    }
}

/// A file the media table refers to, as a path inside the media store
/// (`<aa>/<name>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub path: String,
    /// The SHA-256 the file must have: known for the normalized original
    /// (its content hash names the image); derivatives are checked for
    /// presence only.
    pub sha256: Option<String>,
}

/// Every file every upload refers to (shared files listed once).
pub async fn stored_files(store: &Store) -> Result<Vec<StoredFile>, MediaError> {
    let mut files = std::collections::BTreeMap::new();
    let mut before = None;
    loop {
        let rows = store.media_list(before, 500).await?;
        let Some(last) = rows.last() else { break };
        before = Some(last.id);
        for row in rows {
            let media = Media::from_row(row)?;
            let shard = &media.hash[..2];
            let original = media.original_url();
            let name = original.trim_start_matches(URL_PREFIX);
            files.insert(format!("{shard}/{name}"), Some(media.hash.clone()));
            for derivative in &media.derivatives {
                let url = media.url(derivative);
                files
                    .entry(format!("{shard}/{}", url.trim_start_matches(URL_PREFIX)))
                    .or_insert(None);
            }
        }
    }
    Ok(files
        .into_iter()
        .map(|(path, sha256)| StoredFile { path, sha256 })
        .collect())
}

/// Parses a lead-image reference `media:<id>`.
pub fn parse_reference(reference: &str) -> Option<i64> {
    reference
        .trim()
        .strip_prefix("media:")?
        .parse()
        .ok()
        .filter(|id| *id > 0)
}

/// Takes an upload in: checks and converts it on a blocking thread, stores
/// its files by content hash (the same image uploaded twice shares them)
/// and records a media row with its changes-feed event. `declared_name` is
/// only used in logs: the format comes from the bytes.
pub async fn ingest(
    store: &Store,
    files: &MediaFiles,
    bytes: Vec<u8>,
    declared_name: &str,
    text: MediaText,
    uploaded_by: Option<i64>,
    now: i64,
) -> Result<Media, MediaError> {
    let row = prepare(files, bytes, text, uploaded_by, now).await?;
    let event = NewEvent {
        kind: "media.uploaded".into(),
        subject: "media:{id}".into(),
        tags: vec!["media:{id}".into()],
        payload: serde_json::json!({ "hash": row.hash, "width": row.width, "height": row.height }),
    };
    let id = store.insert_media(&row, &[event]).await?;
    tracing::info!(id, hash = %row.hash, name = %declared_name, "image uploaded");
    Media::from_row(MediaRow { id, ..row })
}

/// The checks, conversion and file storage of [`ingest`], without the
/// media row: the row to store (id 0). An importer stores it with its
/// ledger row in one transaction; files stored by content hash are the same
/// whoever stores them, so a file stored by a run killed before its row
/// committed is simply found again.
pub async fn prepare(
    files: &MediaFiles,
    bytes: Vec<u8>,
    text: MediaText,
    uploaded_by: Option<i64>,
    now: i64,
) -> Result<MediaRow, MediaError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(MediaError::TooLarge { size: bytes.len() });
    }
    // Decoding a 40-megapixel image takes hundreds of megabytes: the memory
    // the header announces is reserved from one budget before any pixel is
    // decoded, so however many uploads arrive at once the pipeline never
    // holds more than [`IMAGE_MEMORY_BUDGET`]; the others wait their turn.
    let needed = images::memory_needed(&bytes)?;
    let _reserved = IMAGE_MEMORY.reserve(needed).await?;
    let mut processed = tokio::task::spawn_blocking(move || images::process(&bytes))
        .await
        .map_err(|e| MediaError::Encode(format!("image worker failed: {e}")))??;
    // Every file is stored before the row that names them is written, so a
    // reader (on any node) never meets a row whose files are not there yet.
    // A failure here leaves no row; files already stored are the image's
    // by content hash and found again by the next upload of it.
    let mut derivatives = Vec::new();
    for (format, encoded) in std::mem::take(&mut processed.derivatives) {
        let name = FileName {
            hash: processed.hash.clone(),
            width: Some(encoded.width),
            ext: encoded.ext.to_owned(),
        };
        derivatives.push(Derivative {
            format,
            width: encoded.width,
            height: encoded.height,
            bytes: encoded.bytes.len() as u64,
        });
        files.store(&name, encoded.bytes.into()).await?;
    }
    let original_name = FileName {
        hash: processed.hash.clone(),
        width: None,
        ext: processed.original.ext.to_owned(),
    };
    let original_size = processed.original.bytes.len();
    files
        .store(
            &original_name,
            std::mem::take(&mut processed.original.bytes).into(),
        )
        .await?;
    let text = text.trimmed();
    Ok(MediaRow {
        id: 0,
        hash: processed.hash.clone(),
        width: i64::from(processed.width),
        height: i64::from(processed.height),
        mime: content_type(processed.original.ext).to_owned(),
        byte_size: original_size as i64,
        caption: text.caption,
        credit: text.credit,
        alt: text.alt,
        derivatives: serde_json::to_string(&derivatives).expect("derivatives serialize"),
        uploaded_by,
        created_at: now,
        updated_at: now,
    })
}

/// [`Media`] of a stored row.
pub fn from_row(row: MediaRow) -> Result<Media, MediaError> {
    Media::from_row(row)
}

/// The image with this id.
pub async fn find(store: &Store, id: i64) -> Result<Option<Media>, MediaError> {
    store.media(id).await?.map(Media::from_row).transpose()
}

/// The uploads among `ids` that exist, by id (one read for a whole feed).
pub async fn find_many(
    store: &Store,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Media>, MediaError> {
    store
        .media_among(ids)
        .await?
        .into_iter()
        .map(|row| Media::from_row(row).map(|m| (m.id, m)))
        .collect()
}

/// The newest uploads, older than id `before`.
pub async fn list(
    store: &Store,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Media>, MediaError> {
    store
        .media_list(before, limit)
        .await?
        .into_iter()
        .map(Media::from_row)
        .collect()
}

/// The newest uploads older than id `before` whose alt text, caption or
/// credit contains `words` (any case); all of them when `words` is blank.
pub async fn search(
    store: &Store,
    before: Option<i64>,
    limit: i64,
    words: &str,
) -> Result<Vec<Media>, MediaError> {
    let words = words.trim();
    if words.is_empty() {
        return list(store, before, limit).await;
    }
    store
        .media_search(before, limit, words)
        .await?
        .into_iter()
        .map(Media::from_row)
        .collect()
}

/// Changes an image's caption, credit and alt text. Pages showing it are
/// tagged `media:<id>` in the changes feed.
pub async fn update_text(
    store: &Store,
    id: i64,
    text: MediaText,
    now: i64,
) -> Result<Media, MediaError> {
    let text = text.trimmed();
    let event = NewEvent {
        kind: "media.updated".into(),
        subject: format!("media:{id}"),
        tags: vec![format!("media:{id}")],
        payload: serde_json::json!({}),
    };
    if !store
        .update_media_text(id, &text.caption, &text.credit, &text.alt, now, &[event])
        .await?
    {
        return Err(MediaError::NotFound(id));
    }
    find(store, id).await?.ok_or(MediaError::NotFound(id))
}

/// The image an article's lead image refers to, if it has one and it exists.
pub async fn lead_image(store: &Store, article: &Article) -> Result<Option<Media>, MediaError> {
    match article.lead_image.as_deref().and_then(parse_reference) {
        Some(id) => find(store, id).await,
        None => Ok(None),
    }
}

/// The publish rule for images: a story may be published with a lead image
/// only when that image exists and has alt text. Called by the workflow
/// before a story goes live.
pub async fn check_publishable(store: &Store, article: &Article) -> Result<(), MediaError> {
    check_publishable_with(store, article, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_wait_while_the_memory_budget_is_spent() {
        let budget = MemoryBudget::new(100 << 20);
        let first = budget.reserve(60 << 20).await.unwrap();
        // A second job needing 60 MiB waits while 60 of 100 are taken...
        let waiting = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            budget.reserve(60 << 20),
        )
        .await;
        assert!(waiting.is_err(), "ran over the budget");
        // ...a small one does not...
        let small = budget.reserve(10 << 20).await.unwrap();
        drop(small);
        drop(first);
        // ...and it runs once the first is done.
        let second = budget.reserve(60 << 20).await.unwrap();
        // More than the whole budget takes all of it, alone.
        drop(second);
        let huge = budget.reserve(1 << 40).await.unwrap();
        assert_eq!(huge.bytes, 100 << 20);
        drop(huge);
        assert_eq!(
            budget.peak.load(std::sync::atomic::Ordering::Relaxed),
            100 << 20
        );
        assert_eq!(
            budget.reserved.load(std::sync::atomic::Ordering::Relaxed),
            0
        );
    }

    #[test]
    fn lead_image_references_name_a_positive_media_id() {
        assert_eq!(parse_reference("media:12"), Some(12));
        assert_eq!(parse_reference(" media:3 "), Some(3));
        assert_eq!(parse_reference("media:0"), None);
        assert_eq!(parse_reference("media:-4"), None);
        assert_eq!(parse_reference("https://example.com/a.jpg"), None);
        assert_eq!(parse_reference("media:12abc"), None);
    }

    #[test]
    fn error_messages_name_the_limit() {
        let message = MediaError::TooLarge { size: 30_000_000 }.to_string();
        assert!(message.contains("20 MiB"), "{message}");
        assert!(
            MediaError::NotAnImage
                .to_string()
                .contains("JPEG, PNG, WebP or GIF")
        );
        assert!(MediaError::MissingAlt.to_string().contains("alt text"));
    }
}
