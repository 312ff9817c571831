//! Running the real `masthead` binary: servers on free ports with their logs
//! captured, one-shot commands, signals, and pages to import.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

/// The binary, with no `MASTHEAD_*` setting inherited from the environment.
pub fn masthead() -> Command {
    // The test's own HTTP clients need a TLS provider (see outbound.rs).
    masthead::outbound::install_tls_provider();
    let mut command = Command::new(env!("CARGO_BIN_EXE_masthead"));
    for (key, _) in std::env::vars() {
        if key.starts_with("MASTHEAD_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command
}

/// `masthead --data-dir DIR [--database-url URL] ARGS...`, run to completion.
pub fn run(data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    let mut command = masthead();
    command.arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        command.arg("--database-url").arg(url);
    }
    command.args(args).output().expect("run masthead")
}

/// Text of an output's stderr and stdout, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A free loopback port (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A `masthead serve` process.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Server {
    /// Starts `masthead serve` on a free port with `extra` arguments and
    /// environment; its stderr goes to `log`.
    pub fn start(
        data_dir: &Path,
        database_url: Option<&str>,
        extra: &[&str],
        env: &[(&str, &str)],
        log: &Path,
    ) -> Server {
        Server::start_on(free_port(), data_dir, database_url, extra, env, log)
    }

    /// [`Server::start`] on `port` (a node restarted where its load
    /// balancer expects it).
    pub fn start_on(
        port: u16,
        data_dir: &Path,
        database_url: Option<&str>,
        extra: &[&str],
        env: &[(&str, &str)],
        log: &Path,
    ) -> Server {
        let mut command = masthead();
        command.arg("--data-dir").arg(data_dir);
        if let Some(url) = database_url {
            command.arg("--database-url").arg(url);
        }
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .envs(env.iter().copied())
            // Standard output (the setup link) apart from the logs.
            .stdout(std::fs::File::create(log.with_extension("stdout")).expect("stdout file"))
            .stderr(std::fs::File::create(log).expect("log file"));
        let child = command.spawn().expect("spawn masthead serve");
        Server {
            child,
            port,
            log: log.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits until `/healthz` answers; `false` if the process exited first
    /// or it took longer than `limit`.
    pub async fn wait_ready(&mut self, limit: Duration) -> bool {
        let client = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.child.try_wait().ok().flatten().is_some() {
                return false;
            }
            if let Ok(response) = client.get(self.url("/healthz")).send().await
                && response.status().is_success()
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        false
    }

    /// Sends a signal (`TERM`, `KILL`) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the process to exit (at most `limit`), returning its exit code.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// What the process printed on standard output (not its logs).
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.log.with_extension("stdout")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A page in the seed's text format: a story `title` in `section` with
/// `related` related stories, all with titles unique to `title`.
pub fn page(title: &str, section: &str, related: usize) -> String {
    let mut text = format!(
        "{title}\n\nThe first paragraph of {title}.\n\nA second paragraph, with \u{201c}quotes\u{201d}.\n\n\
         Last update: Mon, 11/07/2016 - 23:09\n\nMore from {section}\n"
    );
    for i in 1..=related {
        text.push_str(&format!(
            "\n{title}, related story {i}\n\nThe teaser of related story {i} of {title}...\n"
        ));
    }
    text
}
