//! Backups: one tar archive holding a consistent snapshot of the database
//! (taken while the site serves), the media files, and `manifest.json`
//! (format, backend, time, migration version, and every file's size and
//! SHA-256, checked again on restore). See [`restore`] for the way back.
//!
//! Layout inside the archive:
//! - `database/masthead.db`: SQLite, made by `VACUUM INTO`;
//! - `database/tables/<table>.jsonl`: PostgreSQL, one JSON object per row,
//!   every table read in one REPEATABLE READ transaction;
//! - `media/<aa>/<name>`: every file of the media store (the data folder's
//!   `media/`, another folder or an S3 bucket's prefix, `--media-store`) as
//!   it was after the snapshot (files are content-addressed and only added,
//!   so every file the snapshot refers to is there);
//! - `manifest.json`, last.

pub(crate) mod restore;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::media::MediaFiles;
use crate::storage::{StorageError, Store, TableDump};

/// What the archive says it holds.
pub(crate) const FORMAT: &str = "masthead-backup";
pub(crate) const FORMAT_VERSION: u32 = 1;

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub masthead_version: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub created_at: i64,
    /// The newest migration the backed-up database had.
    pub migration_version: i64,
    /// PostgreSQL: the tables exported, with their row counts.
    #[serde(default)]
    pub tables: Vec<TableDump>,
    pub files: Vec<FileEntry>,
}

/// One file of the archive and its checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Why a backup or restore did not happen. Nothing is left half-done: a
/// backup is written under a temporary name and renamed when complete; a
/// restore checks the whole archive before touching the target.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BackupError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(
        "{0} is not empty; restore into an empty one, or pass --force to replace what is there"
    )]
    NotEmpty(String),
    #[error("this is not a masthead backup, or it is damaged: {0}")]
    Invalid(String),
    #[error("{path} in the backup does not match its checksum: the archive is damaged")]
    Checksum { path: String },
    #[error(
        "this backup comes from a newer masthead (migration {version}; this binary knows up to {known}): upgrade masthead to restore it"
    )]
    NewerBackup { version: i64, known: i64 },
    #[error(
        "this backup is of a {backup} site and the target is {target}: restore it onto the same kind of database"
    )]
    BackendMismatch { backup: String, target: String },
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Where a file of the archive comes from.
enum Source {
    Path(PathBuf),
    /// A path inside an object store (`<aa>/<name>`).
    Object(String),
}

/// Writes a backup of `store` and its media store to `target`, while the
/// site keeps serving. Returns the manifest written.
pub(crate) async fn create(
    store: &Store,
    media: &MediaFiles,
    target: &Path,
    now: i64,
) -> Result<Manifest, BackupError> {
    let staging = sibling(target, "staging");
    let _cleanup = RemoveOnDrop(staging.clone());
    std::fs::create_dir_all(&staging).map_err(io(&staging))?;

    // The database first: media only ever gains files, so everything the
    // snapshot refers to is still there when the media are copied after.
    let mut files: Vec<(String, Source)> = Vec::new();
    let mut tables = Vec::new();
    let migration_version = store.applied_migration_version().await?;
    if store.backend() == "sqlite" {
        let snapshot = staging.join("masthead.db");
        store.sqlite_snapshot(&snapshot).await?;
        files.push(("database/masthead.db".into(), Source::Path(snapshot)));
    } else {
        let dir = staging.join("tables");
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let (dumps, _) = store.export_tables(&dir).await?;
        for dump in &dumps {
            let name = format!("{}.jsonl", dump.table);
            files.push((
                format!("database/tables/{name}"),
                Source::Path(dir.join(&name)),
            ));
        }
        tables = dumps;
    }
    match media.folder_root() {
        Some(root) => {
            for path in walk(root)? {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                files.push((
                    format!("media/{}", slash_path(relative)),
                    Source::Path(path),
                ));
            }
        }
        None => {
            let listed = media
                .list_relative()
                .await
                .map_err(|source| BackupError::Io {
                    path: media.describe(),
                    source,
                })?;
            for relative in listed {
                files.push((format!("media/{relative}"), Source::Object(relative)));
            }
        }
    }

    let partial = sibling(target, "partial");
    let file = std::fs::File::create(&partial).map_err(io(&partial))?;
    let _partial_cleanup = RemoveOnDrop(partial.clone());
    let mut archive = tar::Builder::new(std::io::BufWriter::new(file));
    archive.mode(tar::HeaderMode::Deterministic);
    let mut entries = Vec::with_capacity(files.len());
    for (name, source) in files {
        let (size, sha256) = match source {
            Source::Path(path) => {
                let (size, sha256) = match checksum(&path) {
                    Ok(sum) => sum,
                    // A media file deleted since it was listed is no longer referred to.
                    Err(BackupError::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::NotFound
                            && name.starts_with("media/") =>
                    {
                        continue;
                    }
                    Err(error) => return Err(error),
                };
                let mut file = std::fs::File::open(&path).map_err(io(&path))?;
                append(&mut archive, &name, size, &mut file)?;
                (size, sha256)
            }
            Source::Object(relative) => {
                let location = media.location_of(&relative);
                let bytes =
                    media
                        .read_relative(&relative)
                        .await
                        .map_err(|source| BackupError::Io {
                            path: location,
                            source,
                        })?;
                // As for a folder: deleted since it was listed.
                let Some(bytes) = bytes else { continue };
                let size = bytes.len() as u64;
                append(&mut archive, &name, size, &mut bytes.as_ref())?;
                (size, sha256_hex(&bytes))
            }
        };
        entries.push(FileEntry {
            path: name,
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        masthead_version: env!("CARGO_PKG_VERSION").into(),
        backend: store.backend().into(),
        created_at: now,
        migration_version,
        tables,
        files: entries,
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
    append(
        &mut archive,
        "manifest.json",
        json.len() as u64,
        &mut json.as_slice(),
    )?;
    let mut writer = archive.into_inner().map_err(io(&partial))?;
    writer.flush().map_err(io(&partial))?;
    let file = writer
        .into_inner()
        .map_err(|e| io(&partial)(e.into_error()))?;
    file.sync_all().map_err(io(&partial))?;
    std::fs::rename(&partial, target).map_err(io(target))?;
    Ok(manifest)
}

fn append(
    archive: &mut tar::Builder<impl Write>,
    name: &str,
    size: u64,
    data: &mut impl Read,
) -> Result<(), BackupError> {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    archive
        .append_data(&mut header, name, data.take(size))
        .map_err(io(Path::new(name)))
}

/// Size and SHA-256 (lowercase hex) of a file.
pub(crate) fn checksum(path: &Path) -> Result<(u64, String), BackupError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io(path))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((size, hex(hasher.finalize().as_slice())))
}

/// SHA-256 of bytes, lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(Sha256::digest(bytes).as_slice())
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every regular file under `dir` (none when it does not exist), sorted.
pub(crate) fn walk(dir: &Path) -> Result<Vec<PathBuf>, BackupError> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).map_err(io(&current))? {
            let entry = entry.map_err(io(&current))?;
            let kind = entry.file_type().map_err(io(&entry.path()))?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

pub(crate) fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `<target>.<suffix>-<pid>`, next to the target (same file system).
fn sibling(target: &Path, suffix: &str) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}-{}", std::process::id()));
    target.with_file_name(name)
}

/// Removes a temporary file or folder when dropped.
pub(crate) struct RemoveOnDrop(pub PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_lowercase_hex_sha256() {
        let dir = std::env::temp_dir().join(format!("masthead-sum-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a");
        std::fs::write(&path, b"abc").unwrap();
        let (size, sum) = checksum(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(size, 3);
        assert_eq!(
            sum,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
