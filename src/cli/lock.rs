//! The data-folder lock: one `masthead serve` per SQLite data folder. An OS
//! lock on `<data_dir>/masthead.lock`, held for the life of the process (the
//! OS releases it when the process dies, even by SIGKILL), with the holder's
//! pid written inside so the refusal can name it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use anyhow::{Context, bail};

/// Holds the lock until dropped.
#[derive(Debug)]
pub(super) struct DataDirLock {
    _file: File,
}

/// Takes the lock on `data_dir` for `what` (e.g. "serving"), or explains
/// who holds it.
pub(super) fn lock(data_dir: &Path, what: &str) -> anyhow::Result<DataDirLock> {
    let path = data_dir.join("masthead.lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            bail!(
                "another masthead process{} is using the data folder {}; stop it before {what}, \
                 or give this one its own --data-dir",
                if holder.is_empty() {
                    String::new()
                } else {
                    format!(" (pid {holder})")
                },
                data_dir.display()
            );
        }
        Err(TryLockError::Error(error)) => {
            return Err(error).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    file.set_len(0)?;
    file.rewind()?;
    write!(file, "{}", std::process::id())?;
    file.flush()?;
    Ok(DataDirLock { _file: file })
}
