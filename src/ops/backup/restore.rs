//! Restoring a backup, all or nothing: the whole archive is unpacked beside
//! the target and every file checked against the manifest before anything
//! is replaced. SQLite: the snapshot passes `PRAGMA integrity_check` and is
//! migrated where it lies, then one rename puts it in place of
//! `masthead.db`. PostgreSQL: in one transaction the schema is dropped,
//! rebuilt by this binary's migrations up to the backup's version, loaded,
//! and migrated on. Media files go to `<data_dir>/media`.

use std::path::Path;

use super::{BackupError, FORMAT, Manifest, RemoveOnDrop, checksum, io, walk};
use crate::media::MediaFiles;
use crate::storage::Store;

/// Where a backup goes.
#[derive(Debug, Clone)]
pub(crate) struct Target<'a> {
    pub data_dir: &'a Path,
    /// `postgres://...`, or `None` for SQLite in `data_dir`.
    pub database_url: Option<&'a str>,
    /// Where the media files go.
    pub media: &'a MediaFiles,
    /// Replace a site that is already there.
    pub force: bool,
}

/// Restores `archive` into `target`; returns its manifest.
///
/// The restore either completes or leaves the target as it was, whenever it
/// fails or is killed: everything is checked and prepared beside the live
/// site first, and one step commits it (SQLite: one `rename` of the
/// migrated snapshot over `masthead.db`; PostgreSQL: one transaction).
/// Media files are content-addressed and never change, so the backup's
/// files are added before the commit (the old site still finds all of its
/// own) and the old site's other files are removed after it.
pub(crate) async fn restore(archive: &Path, target: &Target<'_>) -> Result<Manifest, BackupError> {
    let data_dir = target.data_dir;
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    // A restore killed earlier left its staging folder; the caller holds
    // the data-folder lock, so no other restore is using one.
    remove_stale_staging(data_dir)?;
    let staging = data_dir.join(format!("{STAGING_PREFIX}{}", std::process::id()));
    let _cleanup = RemoveOnDrop(staging.clone());
    let manifest = unpack(archive, &staging)?;
    let backend = if target.database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    if manifest.backend != backend {
        return Err(BackupError::BackendMismatch {
            backup: manifest.backend.clone(),
            target: backend.into(),
        });
    }
    let media = target.media;
    let media_in_use = match media.folder_root() {
        Some(root) => !walk(root)?.is_empty(),
        None => !media
            .list_relative()
            .await
            .map_err(media_error(media))?
            .is_empty(),
    };

    match target.database_url {
        None => {
            let db = data_dir.join("masthead.db");
            if (db.exists() || media_in_use) && !target.force {
                return Err(BackupError::NotEmpty(format!(
                    "the data folder {}",
                    data_dir.display()
                )));
            }
            // Check and migrate the snapshot where it lies.
            let staged = Store::open_sqlite(&staging.join("database")).await?;
            let prepared = async {
                check_staged(&staged, &manifest).await?;
                staged.migrate().await?;
                Ok::<_, BackupError>(())
            }
            .await;
            staged.close().await;
            prepared?;
            add_media(&staging, media).await?;
            if db.exists() {
                settle_sqlite(data_dir).await?;
            }
            // The commit: one atomic rename.
            let source = staging.join("database/masthead.db");
            std::fs::rename(&source, &db).map_err(io(&db))?;
            // No write-ahead log exists beside either file (both were closed
            // cleanly); an index file left by the old one would be rebuilt.
            let shm = data_dir.join("masthead.db-shm");
            if shm.exists() && !data_dir.join("masthead.db-wal").exists() {
                std::fs::remove_file(&shm).map_err(io(&shm))?;
            }
            remove_other_media(&manifest, media).await?;
        }
        Some(url) => {
            let store = Store::open(Some(url), data_dir).await?;
            let result = async {
                let known = store.known_migration_version();
                if manifest.migration_version > known {
                    return Err(BackupError::NewerBackup {
                        version: manifest.migration_version,
                        known,
                    });
                }
                if (store.postgres_has_data().await? || media_in_use) && !target.force {
                    return Err(BackupError::NotEmpty("the database".into()));
                }
                add_media(&staging, media).await?;
                // The commit: one transaction.
                store
                    .postgres_restore(
                        &staging.join("database/tables"),
                        &manifest.tables,
                        manifest.migration_version,
                    )
                    .await?;
                remove_other_media(&manifest, media).await
            }
            .await;
            store.close().await;
            result?;
        }
    }
    Ok(manifest)
}

/// Staging folders are `<data_dir>/.restore-<pid>`.
const STAGING_PREFIX: &str = ".restore-";

fn remove_stale_staging(data_dir: &Path) -> Result<(), BackupError> {
    for entry in std::fs::read_dir(data_dir).map_err(io(data_dir))? {
        let entry = entry.map_err(io(data_dir))?;
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(STAGING_PREFIX)
        {
            let path = entry.path();
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
        }
    }
    Ok(())
}

/// Opens and closes the live SQLite database so that its write-ahead log is
/// checkpointed into it and removed: a log left beside `masthead.db` would
/// otherwise be replayed into the restored file. Refuses while another
/// process holds the database open.
async fn settle_sqlite(data_dir: &Path) -> Result<(), BackupError> {
    let live = Store::open_sqlite(data_dir).await?;
    let settled = live.checkpoint_sqlite().await;
    live.close().await;
    settled?;
    let wal = data_dir.join("masthead.db-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(BackupError::Invalid(format!(
            "{} is still in use by another process; stop it and restore again",
            data_dir.join("masthead.db").display()
        )));
    }
    Ok(())
}

fn media_error(media: &MediaFiles) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: media.describe(),
        source,
    }
}

/// Adds the backup's media files to the media store: into a folder each
/// file by one rename, into a bucket each by one PUT, so a reader never sees
/// half of one; files already there stay.
async fn add_media(staging: &Path, media: &MediaFiles) -> Result<(), BackupError> {
    let staged = staging.join("media");
    for file in walk(&staged)? {
        let relative = file.strip_prefix(&staged).expect("walk stays inside");
        match media.folder_root() {
            Some(root) => {
                let target = root.join(relative);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(io(parent))?;
                }
                std::fs::rename(&file, &target).map_err(io(&target))?;
            }
            None => {
                let relative = super::slash_path(relative);
                if crate::media::FileName::parse_relative(&relative).is_none() {
                    // Not a media file (a temporary file a folder held).
                    tracing::warn!(file = %relative, "not restored: not a media file name");
                    continue;
                }
                let bytes = std::fs::read(&file).map_err(io(&file))?;
                media
                    .put_relative(&relative, bytes.into())
                    .await
                    .map_err(|source| BackupError::Io {
                        path: media.location_of(&relative),
                        source,
                    })?;
            }
        }
    }
    Ok(())
}

/// After the commit: removes the media files the restored site does not
/// have (the replaced site's own), and the folders they leave empty.
async fn remove_other_media(manifest: &Manifest, media: &MediaFiles) -> Result<(), BackupError> {
    let kept: std::collections::HashSet<&str> = manifest
        .files
        .iter()
        .filter_map(|f| f.path.strip_prefix("media/"))
        .collect();
    if let Some(root) = media.folder_root() {
        for file in walk(root)? {
            let relative = file.strip_prefix(root).expect("walk stays inside");
            let name = super::slash_path(relative);
            if !kept.contains(name.as_str()) {
                std::fs::remove_file(&file).map_err(io(&file))?;
                if let Some(parent) = file.parent() {
                    // Only succeeds when the folder is now empty.
                    let _ = std::fs::remove_dir(parent);
                }
            }
        }
        return Ok(());
    }
    for relative in media.list_relative().await.map_err(media_error(media))? {
        if !kept.contains(relative.as_str()) {
            media
                .delete_relative(&relative)
                .await
                .map_err(|source| BackupError::Io {
                    path: media.location_of(&relative),
                    source,
                })?;
        }
    }
    Ok(())
}

/// Unpacks the archive into `staging` and checks every file against the
/// manifest; returns the manifest.
fn unpack(archive: &Path, staging: &Path) -> Result<Manifest, BackupError> {
    std::fs::create_dir_all(staging).map_err(io(staging))?;
    let file = std::fs::File::open(archive).map_err(io(archive))?;
    let mut tar = tar::Archive::new(std::io::BufReader::new(file));
    for entry in tar.entries().map_err(io(archive))? {
        let mut entry = entry.map_err(|e| BackupError::Invalid(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| BackupError::Invalid(e.to_string()))?
            .into_owned();
        let name = path.to_string_lossy().into_owned();
        let expected =
            name == "manifest.json" || name.starts_with("database/") || name.starts_with("media/");
        if !expected || entry.header().entry_type() != tar::EntryType::Regular {
            return Err(BackupError::Invalid(format!("unexpected entry {name}")));
        }
        let unpacked = entry
            .unpack_in(staging)
            .map_err(|e| BackupError::Invalid(format!("{name}: {e}")))?;
        if !unpacked {
            return Err(BackupError::Invalid(format!(
                "entry {name} leaves the archive"
            )));
        }
    }
    let manifest_path = staging.join("manifest.json");
    let text = std::fs::read(&manifest_path)
        .map_err(|_| BackupError::Invalid("it has no manifest.json".into()))?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| BackupError::Invalid(e.to_string()))?;
    if manifest.format != FORMAT || manifest.format_version != super::FORMAT_VERSION {
        return Err(BackupError::Invalid(format!(
            "format {} version {}",
            manifest.format, manifest.format_version
        )));
    }
    let mut listed = 0;
    for file in &manifest.files {
        let path = staging.join(&file.path);
        let (size, sha256) = checksum(&path)
            .map_err(|_| BackupError::Invalid(format!("{} is listed but missing", file.path)))?;
        if size != file.size || sha256 != file.sha256 {
            return Err(BackupError::Checksum {
                path: file.path.clone(),
            });
        }
        listed += 1;
    }
    if walk(staging)?.len() != listed + 1 {
        return Err(BackupError::Invalid(
            "it holds files its manifest does not list".into(),
        ));
    }
    Ok(manifest)
}

/// A staged SQLite snapshot must pass its integrity check and not come from
/// a newer masthead.
async fn check_staged(store: &Store, manifest: &Manifest) -> Result<(), BackupError> {
    let known = store.known_migration_version();
    let version = store.applied_migration_version().await?;
    if version > known || manifest.migration_version > known {
        return Err(BackupError::NewerBackup { version, known });
    }
    let problems = store.integrity_problems().await?;
    if let Some(problem) = problems.first() {
        return Err(BackupError::Invalid(format!(
            "the database snapshot fails its integrity check: {problem}"
        )));
    }
    Ok(())
}
