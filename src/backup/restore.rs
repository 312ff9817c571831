//! Restoring a backup: the whole archive is unpacked beside the target and
//! every file checked against the manifest before anything is replaced.
//! SQLite: the snapshot passes `PRAGMA integrity_check`, then takes the place
//! of `masthead.db` (stale `-wal`/`-shm` files removed). PostgreSQL: the
//! schema is built by this binary's migrations up to the backup's version,
//! the tables are loaded in one transaction, and newer migrations run after.
//! Media files go to `<data_dir>/media`.

use std::path::Path;

use super::{BackupError, FORMAT, Manifest, RemoveOnDrop, checksum, io, walk};
use crate::storage::Store;

/// Where a backup goes.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub data_dir: &'a Path,
    /// `postgres://...`, or `None` for SQLite in `data_dir`.
    pub database_url: Option<&'a str>,
    /// Replace a site that is already there.
    pub force: bool,
}

/// Restores `archive` into `target`; returns its manifest.
pub async fn restore(archive: &Path, target: &Target<'_>) -> Result<Manifest, BackupError> {
    let data_dir = target.data_dir;
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let staging = data_dir.join(format!(".restore-{}", std::process::id()));
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
    let media = data_dir.join("media");
    let media_in_use = !walk(&media)?.is_empty();

    match target.database_url {
        None => {
            let db = data_dir.join("masthead.db");
            if (db.exists() || media_in_use) && !target.force {
                return Err(BackupError::NotEmpty(format!(
                    "the data folder {}",
                    data_dir.display()
                )));
            }
            let staged = Store::open_sqlite(&staging.join("database")).await?;
            let checked = check_staged(&staged, &manifest).await;
            staged.close().await;
            checked?;
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let path = data_dir.join(format!("masthead.db{suffix}"));
                if path.exists() {
                    std::fs::remove_file(&path).map_err(io(&path))?;
                }
            }
            let source = staging.join("database/masthead.db");
            std::fs::rename(&source, &db).map_err(io(&db))?;
            replace_media(&staging, &media)?;
            let store = Store::open_sqlite(data_dir).await?;
            let migrated = store.migrate().await;
            store.close().await;
            migrated?;
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
                store.postgres_clear_schema().await?;
                store.migrate_to(manifest.migration_version).await?;
                store
                    .import_tables(&staging.join("database/tables"), &manifest.tables)
                    .await?;
                store.migrate().await?;
                replace_media(&staging, &media)
            }
            .await;
            store.close().await;
            result?;
        }
    }
    Ok(manifest)
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

fn replace_media(staging: &Path, media: &Path) -> Result<(), BackupError> {
    if media.exists() {
        std::fs::remove_dir_all(media).map_err(io(media))?;
    }
    let staged = staging.join("media");
    if staged.exists() {
        std::fs::rename(&staged, media).map_err(io(media))?;
    }
    Ok(())
}
