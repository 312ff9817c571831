//! Where media files live: content-addressed files under `<aa>/<name>`,
//! where `<name>` is `<hash>-<width>.<ext>` for a derivative and
//! `<hash>-orig.<ext>` for the normalized original, in one media store
//! (`--media-store`): a folder (`<data_dir>/media` by default) or an
//! S3-compatible bucket and prefix (`s3://BUCKET/PREFIX`, see
//! [`super::objects`]). A file is written once and never changes, which is
//! why it can be cached forever; it is never seen half-written (a folder
//! writes a temporary file and renames it; an S3 PUT is atomic).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::stream::BoxStream;

use super::objects::Bucket;

/// The media store of a site. Cheap to clone.
#[derive(Debug, Clone)]
pub struct MediaFiles {
    backend: Arc<Backend>,
}

#[derive(Debug)]
enum Backend {
    Folder(PathBuf),
    Objects(Bucket),
}

/// Where `--media-store` says media live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Folder(PathBuf),
    /// A bucket and a key prefix (no leading or trailing slash; may be empty).
    S3 {
        bucket: String,
        prefix: String,
    },
}

/// A media store that cannot be used as configured.
#[derive(Debug, thiserror::Error)]
pub enum MediaStoreError {
    #[error(
        "media store {0:?}: write a folder or s3://BUCKET/PREFIX (endpoint, region and credentials come from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
    )]
    Unsupported(String),
    #[error("media store {url}: {reason}")]
    Invalid { url: String, reason: String },
}

impl Location {
    /// Parses a `--media-store` value: `s3://BUCKET[/PREFIX]` or a folder.
    pub fn parse(value: &str) -> Result<Location, MediaStoreError> {
        let value = value.trim();
        if let Some(rest) = value.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let valid_bucket = (3..=63).contains(&bucket.len())
                && bucket
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b));
            if !valid_bucket {
                return Err(MediaStoreError::Invalid {
                    url: value.into(),
                    reason: format!(
                        "{bucket:?} is not a bucket name (3 to 63 lowercase letters, digits, dots and dashes)"
                    ),
                });
            }
            let prefix = prefix.trim_matches('/');
            if prefix.split('/').any(|part| part == "." || part == "..") || prefix.contains("//") {
                return Err(MediaStoreError::Invalid {
                    url: value.into(),
                    reason: "the prefix may not contain empty, . or .. parts".into(),
                });
            }
            return Ok(Location::S3 {
                bucket: bucket.into(),
                prefix: prefix.into(),
            });
        }
        if value.is_empty() || value.contains("://") {
            return Err(MediaStoreError::Unsupported(value.into()));
        }
        Ok(Location::Folder(PathBuf::from(value)))
    }
}

/// A file's bytes as served: whole (from a folder or the in-memory cache of
/// hot files) or streamed from the object store.
pub enum ObjectBody {
    Bytes(Bytes),
    Stream(BoxStream<'static, io::Result<Bytes>>),
}

/// A stored file being served.
pub struct Object {
    pub size: u64,
    pub body: ObjectBody,
}

/// A parsed, safe media file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub hash: String,
    /// A width, or `None` for the original.
    pub width: Option<u32>,
    pub ext: String,
}

impl FileName {
    /// Parses `<64 hex>-<width|orig>.<jpg|webp|png>`; anything else (and so
    /// any path trick) is `None`.
    pub fn parse(name: &str) -> Option<FileName> {
        let (stem, ext) = name.rsplit_once('.')?;
        if !matches!(ext, "jpg" | "webp" | "png") {
            return None;
        }
        let (hash, size) = stem.split_once('-')?;
        if hash.len() != 64
            || !hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let width = match size {
            "orig" => None,
            digits
                if !digits.is_empty()
                    && digits.len() <= 5
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && !digits.starts_with('0') =>
            {
                Some(digits.parse().ok()?)
            }
            _ => return None,
        };
        Some(FileName {
            hash: hash.to_owned(),
            width,
            ext: ext.to_owned(),
        })
    }

    /// Parses a stored path `<aa>/<name>` (the shard must be the hash's
    /// first two digits).
    pub fn parse_relative(path: &str) -> Option<FileName> {
        let (shard, name) = path.split_once('/')?;
        FileName::parse(name).filter(|name| name.hash[..2] == *shard)
    }

    /// The file name as stored and served.
    pub fn to_name(&self) -> String {
        match self.width {
            Some(width) => format!("{}-{width}.{}", self.hash, self.ext),
            None => format!("{}-orig.{}", self.hash, self.ext),
        }
    }

    /// Where it is stored inside the media store: `<aa>/<name>`, sharded by
    /// the first two hex digits of its hash.
    pub fn relative(&self) -> String {
        format!("{}/{}", &self.hash[..2], self.to_name())
    }

    /// The `Content-Type` to serve it with.
    pub fn content_type(&self) -> &'static str {
        content_type(&self.ext)
    }
}

/// The MIME type of a stored extension.
pub fn content_type(ext: &str) -> &'static str {
    match ext {
        "jpg" => "image/jpeg",
        "webp" => "image/webp",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

fn not_a_media_path(path: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{path:?} is not a media file path (<aa>/<hash>-<width|orig>.<ext>)"),
    )
}

impl MediaFiles {
    /// The media folder inside `data_dir` (the default store).
    pub fn new(data_dir: &Path) -> MediaFiles {
        MediaFiles::folder(data_dir.join("media"))
    }

    /// Files in `root`.
    pub fn folder(root: PathBuf) -> MediaFiles {
        MediaFiles {
            backend: Arc::new(Backend::Folder(root)),
        }
    }

    /// The store `setting` names (`None`: `<data_dir>/media`), with S3
    /// endpoint, region and credentials from the `AWS_*` environment.
    pub fn open(setting: Option<&str>, data_dir: &Path) -> Result<MediaFiles, MediaStoreError> {
        MediaFiles::open_with(setting, data_dir, None)
    }

    /// As [`MediaFiles::open`], with the `AWS_*` settings given as pairs
    /// instead of read from the environment (`None`: the environment).
    pub fn open_with(
        setting: Option<&str>,
        data_dir: &Path,
        aws: Option<&[(String, String)]>,
    ) -> Result<MediaFiles, MediaStoreError> {
        let Some(setting) = setting.filter(|s| !s.trim().is_empty()) else {
            return Ok(MediaFiles::new(data_dir));
        };
        let backend = match Location::parse(setting)? {
            Location::Folder(root) => Backend::Folder(root),
            Location::S3 { bucket, prefix } => {
                Backend::Objects(Bucket::open(&bucket, &prefix, aws).map_err(|reason| {
                    MediaStoreError::Invalid {
                        url: setting.into(),
                        reason,
                    }
                })?)
            }
        };
        Ok(MediaFiles {
            backend: Arc::new(backend),
        })
    }

    /// The store, for operators: a folder's path or `s3://bucket/prefix`.
    pub fn describe(&self) -> String {
        match &*self.backend {
            Backend::Folder(root) => root.display().to_string(),
            Backend::Objects(bucket) => bucket.url(),
        }
    }

    /// Where one stored path (`<aa>/<name>`) is, for messages.
    pub fn location_of(&self, relative: &str) -> String {
        match &*self.backend {
            Backend::Folder(root) => root.join(relative).display().to_string(),
            Backend::Objects(bucket) => format!("{}/{relative}", bucket.url()),
        }
    }

    /// The folder, when the store is one.
    pub fn folder_root(&self) -> Option<&Path> {
        match &*self.backend {
            Backend::Folder(root) => Some(root),
            Backend::Objects(_) => None,
        }
    }

    /// Fails when the store cannot be reached or refuses our credentials
    /// (a folder always answers).
    pub async fn probe(&self) -> io::Result<()> {
        match &*self.backend {
            Backend::Folder(_) => Ok(()),
            Backend::Objects(bucket) => bucket.probe().await,
        }
    }

    /// Stores `bytes` under `name` unless it is already there (same name,
    /// same content). Returns whether a new file was written.
    pub async fn store(&self, name: &FileName, bytes: Bytes) -> io::Result<bool> {
        match &*self.backend {
            Backend::Folder(root) => {
                let path = root.join(name.relative());
                tokio::task::spawn_blocking(move || write_once(&path, &bytes))
                    .await
                    .map_err(io::Error::other)?
            }
            Backend::Objects(bucket) => bucket.store(&name.relative(), bytes).await,
        }
    }

    /// Reads a stored file; `None` when there is no such file.
    pub async fn read(&self, name: &FileName) -> io::Result<Option<Bytes>> {
        self.read_relative(&name.relative()).await
    }

    /// A stored file to serve (`None`: no such file). From an object store,
    /// hot files come from memory and large ones are streamed.
    pub async fn fetch(&self, name: &FileName) -> io::Result<Option<Object>> {
        match &*self.backend {
            Backend::Folder(_) => Ok(self.read(name).await?.map(|bytes| Object {
                size: bytes.len() as u64,
                body: ObjectBody::Bytes(bytes),
            })),
            Backend::Objects(bucket) => bucket.fetch(&name.relative()).await,
        }
    }

    /// Every stored file name, sorted (for tests and housekeeping).
    pub async fn list(&self) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = self
            .list_relative()
            .await?
            .into_iter()
            .filter_map(|path| path.split_once('/').map(|(_, name)| name.to_owned()))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Every stored media path (`<aa>/<name>`), sorted; anything else in
    /// the store (a temporary file, something put there by hand) is left out.
    pub async fn list_relative(&self) -> io::Result<Vec<String>> {
        let mut paths = match &*self.backend {
            Backend::Folder(root) => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || list_folder(&root))
                    .await
                    .map_err(io::Error::other)??
            }
            Backend::Objects(bucket) => bucket.list().await?,
        };
        paths.retain(|path| FileName::parse_relative(path).is_some());
        paths.sort();
        Ok(paths)
    }

    /// The bytes at a stored path; `None` when there is nothing.
    pub async fn read_relative(&self, relative: &str) -> io::Result<Option<Bytes>> {
        FileName::parse_relative(relative).ok_or_else(|| not_a_media_path(relative))?;
        match &*self.backend {
            Backend::Folder(root) => match tokio::fs::read(root.join(relative)).await {
                Ok(bytes) => Ok(Some(bytes.into())),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Backend::Objects(bucket) => bucket.read(relative).await,
        }
    }

    /// Whether a stored path exists.
    pub async fn exists_relative(&self, relative: &str) -> io::Result<bool> {
        FileName::parse_relative(relative).ok_or_else(|| not_a_media_path(relative))?;
        match &*self.backend {
            Backend::Folder(root) => tokio::fs::try_exists(root.join(relative)).await,
            Backend::Objects(bucket) => bucket.exists(relative).await,
        }
    }

    /// Puts `bytes` at a stored path unless something is there already
    /// (restores: names are content hashes). Returns whether it wrote.
    pub async fn put_relative(&self, relative: &str, bytes: Bytes) -> io::Result<bool> {
        let name = FileName::parse_relative(relative).ok_or_else(|| not_a_media_path(relative))?;
        self.store(&name, bytes).await
    }

    /// Removes a stored path (nothing there is fine).
    pub async fn delete_relative(&self, relative: &str) -> io::Result<()> {
        FileName::parse_relative(relative).ok_or_else(|| not_a_media_path(relative))?;
        match &*self.backend {
            Backend::Folder(root) => {
                let path = root.join(relative);
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => {
                        if let Some(shard) = path.parent() {
                            // Only succeeds when the shard is now empty.
                            let _ = tokio::fs::remove_dir(shard).await;
                        }
                        Ok(())
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Backend::Objects(bucket) => bucket.delete(relative).await,
        }
    }
}

/// Writes `bytes` at `path` unless a file is there: a temporary file in the
/// same folder, synced, then renamed, so readers never see half a file.
fn write_once(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    if path.exists() {
        return Ok(false);
    }
    let dir = path.parent().expect("a shard folder");
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(
        ".{}.{}-{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        use std::io::Write;
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map(|()| true)
}

/// `<aa>/<name>` of every file two levels under `root`.
fn list_folder(root: &Path) -> io::Result<Vec<String>> {
    let mut paths = Vec::new();
    let shards = match std::fs::read_dir(root) {
        Ok(shards) => shards,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(paths),
        Err(e) => return Err(e),
    };
    for shard in shards {
        let shard = shard?;
        if !shard.file_type()?.is_dir() {
            continue;
        }
        let shard_name = shard.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(shard.path())? {
            let name = file?.file_name().to_string_lossy().into_owned();
            paths.push(format!("{shard_name}/{name}"));
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn only_well_formed_names_parse() {
        let name = FileName::parse(&format!("{HASH}-640.webp")).unwrap();
        assert_eq!(name.width, Some(640));
        assert_eq!(name.to_name(), format!("{HASH}-640.webp"));
        assert_eq!(name.relative(), format!("01/{HASH}-640.webp"));
        assert_eq!(
            FileName::parse(&format!("{HASH}-orig.png")).unwrap().width,
            None
        );
        for bad in [
            format!("{HASH}-640.gif"),
            format!("{HASH}-0640.jpg"),
            format!("{HASH}-.jpg"),
            format!("{}-640.jpg", &HASH[1..]),
            format!("{}-640.jpg", HASH.to_uppercase()),
            format!("../{HASH}-640.jpg"),
            format!("{HASH}-640.jpg/.."),
            "x-640.jpg".to_owned(),
        ] {
            assert_eq!(FileName::parse(&bad), None, "{bad}");
        }
        assert!(FileName::parse_relative(&format!("01/{HASH}-640.jpg")).is_some());
        assert!(FileName::parse_relative(&format!("02/{HASH}-640.jpg")).is_none());
        assert!(FileName::parse_relative(&format!("01/.{HASH}-640.jpg.1-2.tmp")).is_none());
    }

    #[test]
    fn media_store_settings_name_a_folder_or_a_bucket_and_prefix() {
        assert_eq!(
            Location::parse("s3://news-media/site/one/").unwrap(),
            Location::S3 {
                bucket: "news-media".into(),
                prefix: "site/one".into()
            }
        );
        assert_eq!(
            Location::parse("s3://news-media").unwrap(),
            Location::S3 {
                bucket: "news-media".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            Location::parse("/srv/media").unwrap(),
            Location::Folder("/srv/media".into())
        );
        for bad in [
            "gs://bucket/x",
            "s3://",
            "s3://Upper/x",
            "s3://ok-bucket/a/../b",
            "",
        ] {
            let error = Location::parse(bad).unwrap_err().to_string();
            assert!(error.contains("media store"), "{bad}: {error}");
        }
        assert!(
            Location::parse("gs://bucket/x")
                .unwrap_err()
                .to_string()
                .contains("s3://BUCKET/PREFIX")
        );
    }

    #[tokio::test]
    async fn a_file_is_stored_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let files = MediaFiles::new(dir.path());
        let name = FileName::parse(&format!("{HASH}-320.jpg")).unwrap();
        assert!(
            files
                .store(&name, Bytes::from_static(b"one"))
                .await
                .unwrap()
        );
        assert!(
            !files
                .store(&name, Bytes::from_static(b"one"))
                .await
                .unwrap(),
            "already there"
        );
        assert_eq!(files.list().await.unwrap(), vec![format!("{HASH}-320.jpg")]);
        assert!(dir.path().join("media/01").join(name.to_name()).exists());
        assert_eq!(files.read(&name).await.unwrap().unwrap(), &b"one"[..]);
        files.delete_relative(&name.relative()).await.unwrap();
        assert!(files.list().await.unwrap().is_empty());
        assert!(!dir.path().join("media/01").exists(), "empty shard removed");
    }
}
