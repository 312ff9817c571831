//! Content-addressed media files under `<data_dir>/media/<aa>/<name>`, where
//! `<name>` is `<hash>-<width>.<ext>` for a derivative and
//! `<hash>-orig.<ext>` for the normalized original. A file is written once
//! (temporary file, then rename, so readers never see half a file) and
//! never changes, which is why it can be cached forever.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The media folder of a data directory.
#[derive(Debug, Clone)]
pub struct MediaFiles {
    root: PathBuf,
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

    /// The file name as stored and served.
    pub fn to_name(&self) -> String {
        match self.width {
            Some(width) => format!("{}-{width}.{}", self.hash, self.ext),
            None => format!("{}-orig.{}", self.hash, self.ext),
        }
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

impl MediaFiles {
    /// The media folder inside `data_dir`.
    pub fn new(data_dir: &Path) -> MediaFiles {
        MediaFiles {
            root: data_dir.join("media"),
        }
    }

    /// Where a file lives: sharded by the first two hex digits of its hash.
    pub fn path(&self, name: &FileName) -> PathBuf {
        self.root.join(&name.hash[..2]).join(name.to_name())
    }

    /// Stores `bytes` under `name` unless it is already there (same name,
    /// same content). Returns whether a new file was written.
    pub fn store(&self, name: &FileName, bytes: &[u8]) -> std::io::Result<bool> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = self.path(name);
        if path.exists() {
            return Ok(false);
        }
        let dir = path.parent().expect("a shard folder");
        std::fs::create_dir_all(dir)?;
        let temp = dir.join(format!(
            ".{}.{}-{}.tmp",
            name.to_name(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            use std::io::Write;
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&temp, &path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written.map(|()| true)
    }

    /// Reads a stored file; `None` when there is no such file.
    pub async fn read(&self, name: &FileName) -> std::io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(name)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every stored file name (for tests and housekeeping).
    pub fn list(&self) -> std::io::Result<Vec<String>> {
        let mut names = Vec::new();
        let shards = match std::fs::read_dir(&self.root) {
            Ok(shards) => shards,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
            Err(e) => return Err(e),
        };
        for shard in shards {
            for file in std::fs::read_dir(shard?.path())? {
                names.push(file?.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        Ok(names)
    }
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
    }

    #[test]
    fn a_file_is_stored_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let files = MediaFiles::new(dir.path());
        let name = FileName::parse(&format!("{HASH}-320.jpg")).unwrap();
        assert!(files.store(&name, b"one").unwrap());
        assert!(!files.store(&name, b"one").unwrap(), "already there");
        assert_eq!(files.list().unwrap(), vec![format!("{HASH}-320.jpg")]);
        assert!(dir.path().join("media/01").join(name.to_name()).exists());
    }
}
