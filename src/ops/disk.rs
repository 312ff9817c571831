//! Free space of the folders masthead writes to (the data folder with the
//! SQLite database, and the media folder), for `/metrics` and `/readyz`.
//! A full disk refuses writes but not reads, so low space is reported as a
//! warning on `/readyz`, which stays ready: taking the node out of a load
//! balancer would stop its readers too.

use std::path::{Path, PathBuf};

/// Below this many free bytes a folder is reported as low on space.
pub const LOW_BYTES: u64 = 100 * 1024 * 1024;

/// The space of the filesystem a folder is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    /// Bytes an unprivileged writer may still use.
    pub free: u64,
    pub total: u64,
}

impl Space {
    pub fn is_low(&self) -> bool {
        self.free < LOW_BYTES
    }
}

/// The space of the filesystem `path` is on.
pub fn space(path: &Path) -> std::io::Result<Space> {
    let stat = rustix::fs::statvfs(path)?;
    Ok(Space {
        free: stat.f_bavail.saturating_mul(stat.f_frsize),
        total: stat.f_blocks.saturating_mul(stat.f_frsize),
    })
}

/// The folders watched, by name: `data` and `media` (the media folder is
/// measured where it will be, the data folder, until it exists).
pub fn folders(data_dir: &Path) -> [(&'static str, PathBuf); 2] {
    let media = data_dir.join("media");
    let media = if media.is_dir() {
        media
    } else {
        data_dir.to_owned()
    };
    [("data", data_dir.to_owned()), ("media", media)]
}

/// Bytes as an operator reads them (`12.5 MiB`).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_space_of_a_real_folder_is_measured() {
        let dir = tempfile::tempdir().unwrap();
        let measured = space(dir.path()).unwrap();
        assert!(
            measured.total > 0 && measured.free <= measured.total,
            "{measured:?}"
        );
        assert!(space(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn sizes_read_as_an_operator_writes_them() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(100 * 1024 * 1024), "100.0 MiB");
    }
}
