//! Media in an S3-compatible object store (`--media-store s3://BUCKET/PREFIX`)
//! through `object_store`: endpoint, region and credentials from the usual
//! `AWS_*` settings (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`...; an `http://` endpoint is allowed, for stores
//! on a private network). Each file is one object put whole (a PUT is
//! atomic: no reader sees half of one), and an in-process cache bounded in
//! bytes keeps the small, hot files (derivatives) so a busy page does not
//! fetch its images from the store on every request.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig};

use super::files::{Object, ObjectBody};

/// Memory the cache of hot files may hold (bytes).
pub const HOT_CACHE_BYTES: u64 = 64 << 20;
/// Files larger than this are streamed from the store, never cached
/// (derivatives are tens to hundreds of KiB; originals up to 20 MiB).
pub const HOT_FILE_MAX: u64 = 1 << 20;

/// A bucket and key prefix.
pub(super) struct Bucket {
    store: Arc<dyn ObjectStore>,
    bucket: String,
    prefix: String,
    hot: HotCache,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket").field("url", &self.url()).finish()
    }
}

/// An object-store failure, naming the object.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {source}")]
struct ObjectError {
    location: String,
    source: object_store::Error,
}

impl Bucket {
    /// A client for `bucket`/`prefix`; `aws` replaces the environment's
    /// `AWS_*` variables when given (tests run several stores in one process).
    pub(super) fn open(
        bucket: &str,
        prefix: &str,
        aws: Option<&[(String, String)]>,
    ) -> Result<Bucket, String> {
        // The HTTP client is reqwest on rustls, whose crypto provider is
        // chosen once per process.
        crate::outbound::install_tls_provider();
        let mut builder = match aws {
            None => AmazonS3Builder::from_env(),
            Some(pairs) => pairs
                .iter()
                .fold(AmazonS3Builder::new(), |builder, (k, v)| {
                    match k.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                        Ok(key) => builder.with_config(key, v),
                        Err(_) => builder,
                    }
                }),
        };
        // Client options first: they replace every client setting,
        // `allow_http` (from `AWS_ALLOW_HTTP`) included.
        let allow_http = builder
            .get_config_value(&AmazonS3ConfigKey::Client(
                object_store::ClientConfigKey::AllowHttp,
            ))
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || builder
                .get_config_value(&AmazonS3ConfigKey::Endpoint)
                .is_some_and(|endpoint| endpoint.starts_with("http://"));
        builder = builder.with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(5))
                .with_timeout(Duration::from_secs(60)),
        );
        let store = builder
            .with_allow_http(allow_http)
            .with_bucket_name(bucket)
            // A store that is down fails an upload in seconds, not after
            // the library's default three minutes of retries.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(15),
                ..RetryConfig::default()
            })
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Bucket {
            store: Arc::new(store),
            bucket: bucket.into(),
            prefix: prefix.into(),
            hot: HotCache::new(HOT_CACHE_BYTES),
        })
    }

    /// `s3://bucket/prefix`.
    pub(super) fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    fn key(&self, relative: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(relative)
        } else {
            ObjectPath::from(format!("{}/{relative}", self.prefix))
        }
    }

    fn error(&self, relative: &str, source: object_store::Error) -> io::Error {
        let kind = match source {
            object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(
            kind,
            ObjectError {
                location: format!("{}/{relative}", self.url()),
                source,
            },
        )
    }

    /// A HEAD of a key that is never written: "not found" proves the store
    /// answers and accepts our credentials.
    pub(super) async fn probe(&self) -> io::Result<()> {
        let relative = ".masthead-probe";
        match self.store.head(&self.key(relative)).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(relative, e)),
        }
    }

    pub(super) async fn exists(&self, relative: &str) -> io::Result<bool> {
        match self.store.head(&self.key(relative)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.error(relative, e)),
        }
    }

    /// Puts the object unless it exists (content-addressed: same key, same
    /// bytes). Returns whether it was put.
    pub(super) async fn store(&self, relative: &str, bytes: Bytes) -> io::Result<bool> {
        if self.exists(relative).await? {
            return Ok(false);
        }
        self.store
            .put(&self.key(relative), bytes.into())
            .await
            .map_err(|e| self.error(relative, e))?;
        Ok(true)
    }

    pub(super) async fn read(&self, relative: &str) -> io::Result<Option<Bytes>> {
        match self.store.get(&self.key(relative)).await {
            Ok(result) => Ok(Some(
                result.bytes().await.map_err(|e| self.error(relative, e))?,
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(relative, e)),
        }
    }

    /// The object to serve: from the hot cache, or fetched (and cached when
    /// small), or streamed when large.
    pub(super) async fn fetch(&self, relative: &str) -> io::Result<Option<Object>> {
        if let Some(bytes) = self.hot.get(relative) {
            return Ok(Some(Object {
                size: bytes.len() as u64,
                body: ObjectBody::Bytes(bytes),
            }));
        }
        let result = match self.store.get(&self.key(relative)).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.error(relative, e)),
        };
        let size = result.meta.size;
        if size <= HOT_FILE_MAX {
            let bytes = result.bytes().await.map_err(|e| self.error(relative, e))?;
            self.hot.insert(relative, bytes.clone());
            return Ok(Some(Object {
                size,
                body: ObjectBody::Bytes(bytes),
            }));
        }
        let location = format!("{}/{relative}", self.url());
        let stream = result
            .into_stream()
            .map_err(move |source| {
                io::Error::other(ObjectError {
                    location: location.clone(),
                    source,
                })
            })
            .boxed();
        Ok(Some(Object {
            size,
            body: ObjectBody::Stream(stream),
        }))
    }

    /// Every key under the prefix, relative to it.
    pub(super) async fn list(&self) -> io::Result<Vec<String>> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        let metas: Vec<_> = self
            .store
            .list(prefix.as_ref())
            .try_collect()
            .await
            .map_err(|e| self.error("", e))?;
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        Ok(metas
            .into_iter()
            .filter_map(|meta| {
                meta.location
                    .as_ref()
                    .strip_prefix(strip.as_str())
                    .map(str::to_owned)
            })
            .collect())
    }

    pub(super) async fn delete(&self, relative: &str) -> io::Result<()> {
        self.hot.remove(relative);
        match self.store.delete(&self.key(relative)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(relative, e)),
        }
    }
}

/// Recently served small files, least recently used dropped first, never
/// more than `budget` bytes in all. Stored files never change, so an entry
/// is never stale.
struct HotCache {
    budget: u64,
    inner: Mutex<HotEntries>,
}

#[derive(Default)]
struct HotEntries {
    /// Key → (bytes, last use).
    files: HashMap<String, (Bytes, u64)>,
    /// Last use → key, oldest first.
    by_use: BTreeMap<u64, String>,
    clock: u64,
    bytes: u64,
}

impl HotCache {
    fn new(budget: u64) -> HotCache {
        HotCache {
            budget,
            inner: Mutex::new(HotEntries::default()),
        }
    }

    fn get(&self, key: &str) -> Option<Bytes> {
        let mut guard = self.inner.lock().expect("hot cache lock");
        let entries = &mut *guard;
        entries.clock += 1;
        let clock = entries.clock;
        let (bytes, used) = entries.files.get_mut(key)?;
        entries.by_use.remove(used);
        *used = clock;
        entries.by_use.insert(clock, key.to_owned());
        Some(bytes.clone())
    }

    fn insert(&self, key: &str, bytes: Bytes) {
        let size = bytes.len() as u64;
        if size > self.budget {
            return;
        }
        let mut guard = self.inner.lock().expect("hot cache lock");
        let entries = &mut *guard;
        entries.clock += 1;
        let clock = entries.clock;
        if let Some((old, used)) = entries.files.insert(key.to_owned(), (bytes, clock)) {
            entries.by_use.remove(&used);
            entries.bytes -= old.len() as u64;
        }
        entries.by_use.insert(clock, key.to_owned());
        entries.bytes += size;
        while entries.bytes > self.budget {
            let Some((_, oldest)) = entries.by_use.pop_first() else {
                break;
            };
            if let Some((dropped, _)) = entries.files.remove(&oldest) {
                entries.bytes -= dropped.len() as u64;
            }
        }
    }

    fn remove(&self, key: &str) {
        let mut guard = self.inner.lock().expect("hot cache lock");
        let entries = &mut *guard;
        if let Some((bytes, used)) = entries.files.remove(key) {
            entries.by_use.remove(&used);
            entries.bytes -= bytes.len() as u64;
        }
    }

    #[cfg(test)]
    fn held(&self) -> (usize, u64) {
        let entries = self.inner.lock().expect("hot cache lock");
        (entries.files.len(), entries.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hot_cache_stays_within_its_budget_dropping_the_least_recently_used() {
        let cache = HotCache::new(10);
        cache.insert("a", Bytes::from_static(b"aaaa"));
        cache.insert("b", Bytes::from_static(b"bbbb"));
        // Using "a" makes "b" the oldest...
        assert!(cache.get("a").is_some());
        cache.insert("c", Bytes::from_static(b"cccc"));
        // ...so "b" went to make room.
        assert!(cache.get("b").is_none());
        assert_eq!(cache.get("a").unwrap(), &b"aaaa"[..]);
        assert_eq!(cache.get("c").unwrap(), &b"cccc"[..]);
        assert_eq!(cache.held(), (2, 8));
        // Too big for the whole budget: never cached.
        cache.insert("huge", Bytes::from(vec![0; 11]));
        assert!(cache.get("huge").is_none());
        assert_eq!(cache.held(), (2, 8));
        // Replacing an entry counts its new size once.
        cache.insert("a", Bytes::from_static(b"aa"));
        assert_eq!(cache.held(), (2, 6));
        cache.remove("c");
        assert_eq!(cache.held(), (1, 2));
    }
}
