//! A PostgreSQL server of the test's own, which it may stop and start
//! again (the shared server at 127.0.0.1:5432 serves other tests at the same
//! time and must never be restarted). Debian's binaries
//! (`/usr/lib/postgresql/<version>/bin/initdb` and `pg_ctl`) make a cluster
//! in a temporary folder on a free port, trust auth, without fsync. They
//! refuse to run as root: as root they run as the `postgres` user
//! (`runuser`), who owns the folder.
//!
//! When the binaries are missing, [`PgServer::start`] answers `None` with a
//! loud message on a developer machine and panics in CI (`CI=true`).

use std::path::PathBuf;
use std::process::Command;

use super::db::in_ci;
use super::procs::free_port;

/// A running (or stopped) private PostgreSQL server.
pub struct PgServer {
    pub port: u16,
    bin: PathBuf,
    dir: tempfile::TempDir,
    /// Run the binaries as `postgres` (the test runs as root).
    as_postgres: bool,
}

/// The newest `/usr/lib/postgresql/*/bin` holding `initdb` and `pg_ctl`.
fn binaries() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    found.sort();
    found.pop()
}

impl PgServer {
    /// A fresh server, started; `None` when PostgreSQL's binaries are not
    /// installed off CI.
    pub fn start() -> Option<PgServer> {
        let Some(bin) = binaries() else {
            if in_ci() {
                panic!(
                    "PostgreSQL's server binaries are required in CI (apt-get install postgresql)"
                );
            }
            eprintln!("SKIPPED: no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let as_postgres = is_root();
        if as_postgres {
            let chown = Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(chown.success(), "cannot give the folder to postgres");
        }
        let server = PgServer {
            port: free_port(),
            bin,
            dir,
            as_postgres,
        };
        let data = server.data();
        server.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        server.resume();
        Some(server)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// `postgres://` URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs one of the binaries; panics with its output when it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
        );
    }

    /// Starts the server (again) on its port and data folder, waiting until
    /// it accepts connections.
    pub fn resume(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    /// Stops the server at once (`-m immediate`: no checkpoint, connections
    /// cut), waiting until it is gone.
    pub fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let pid = self.dir.path().join("data/postmaster.pid");
        if pid.exists() {
            let path = self.bin.join("pg_ctl");
            let data = self.data();
            let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
            let _ = if self.as_postgres {
                Command::new("runuser")
                    .args(["-u", "postgres", "--"])
                    .arg(&path)
                    .args(args)
                    .output()
            } else {
                Command::new(&path).args(args).output()
            };
        }
    }
}

/// Whether the test runs as root (PostgreSQL refuses to).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
