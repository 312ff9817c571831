//! A real S3-compatible server for the tests: one Garage node
//! (<https://garagehq.deuxfleurs.fr>, `cargo install garage --locked`; the
//! binary is found on `PATH`, in `~/.cargo/bin`, or at
//! `MASTHEAD_TEST_GARAGE`), started once per test process on free ports in
//! a temporary folder, with one bucket and one key that may read and write
//! it. A watchdog shell kills the server and removes its folder when the
//! test process exits, however it exits.
//!
//! [`server`] answers `None` (with a loud message) when Garage is not
//! installed on a developer machine; in CI (`CI=true`) it panics instead.
//! Tests give each run its own key prefix ([`S3::fresh_store_url`]), so they
//! share the bucket without seeing each other's objects; a suite that needs
//! a bucket of its own makes one with [`S3::create_bucket`].

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use masthead::media::MediaFiles;

use super::db::in_ci;
use super::procs::free_port;

/// The running server and how to reach it.
#[derive(Debug)]
pub struct S3 {
    /// `http://127.0.0.1:<port>`, path-style addressing.
    pub endpoint: String,
    /// The region SigV4 signs for (Garage's `s3_region`).
    pub region: String,
    /// A bucket the key may read and write.
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    garage: PathBuf,
    config: PathBuf,
}

/// The process's server: started on first use.
static SERVER: OnceLock<Result<S3, String>> = OnceLock::new();

/// The S3 server of this test process, or `None` when Garage is not
/// installed and this is not CI.
pub fn server() -> Option<&'static S3> {
    match SERVER.get_or_init(start) {
        Ok(server) => Some(server),
        Err(error) if in_ci() => panic!("an S3 server (Garage) is required in CI: {error}"),
        Err(error) => {
            eprintln!(
                "SKIPPED: no S3 server ({error}); install it with `cargo install garage --locked`"
            );
            None
        }
    }
}

impl S3 {
    /// The `AWS_*` settings that reach this server, as a masthead process
    /// (or any S3 client) reads them from its environment.
    pub fn aws_env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL".into(), self.endpoint.clone()),
            ("AWS_REGION".into(), self.region.clone()),
            ("AWS_ACCESS_KEY_ID".into(), self.access_key_id.clone()),
            (
                "AWS_SECRET_ACCESS_KEY".into(),
                self.secret_access_key.clone(),
            ),
            ("AWS_ALLOW_HTTP".into(), "true".into()),
        ]
    }

    /// `s3://<bucket>/<a prefix no other test uses>`: an empty media store.
    pub fn fresh_store_url(&self) -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        format!(
            "s3://{}/t-{}-{}-{nanos}",
            self.bucket,
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// masthead's media store at `url` (an `s3://` URL on this server).
    pub fn media(&self, url: &str) -> MediaFiles {
        MediaFiles::open_with(Some(url), Path::new("/nonexistent"), Some(&self.aws_env()))
            .unwrap_or_else(|e| panic!("open {url}: {e}"))
    }

    /// A new bucket `name` the key may read and write.
    pub fn create_bucket(&self, name: &str) {
        self.garage(&["bucket", "create", name])
            .unwrap_or_else(|e| panic!("{e}"));
        self.garage(&[
            "bucket",
            "allow",
            "--read",
            "--write",
            "--owner",
            name,
            "--key",
            &self.access_key_id,
        ])
        .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Runs `garage -c <config> ARGS`, answering its standard output.
    fn garage(&self, args: &[&str]) -> Result<String, String> {
        garage_command(&self.garage, &self.config, args)
    }
}

fn garage_command(garage: &Path, config: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(garage)
        .arg("-c")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", garage.display()))?;
    if !output.status.success() {
        return Err(format!(
            "garage {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The Garage binary, if installed.
fn find_garage() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("MASTHEAD_TEST_GARAGE") {
        return Some(PathBuf::from(path)).filter(|path| path.is_file());
    }
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("garage"))
            .collect::<Vec<_>>()
    });
    let cargo_bin =
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo/bin/garage"));
    on_path.chain(cargo_bin).find(|path| path.is_file())
}

/// A fixed, valid Garage key: `GK` and 24 hex digits, a 64-hex secret.
const KEY_ID: &str = "GK31c2f218a2e44f485b94239e";
const SECRET: &str = "b892c0665f0ada8a4755dae98baa3b133590e11dae3bcc1f9d769d67f16c3835";
const BUCKET: &str = "masthead-tests";

fn start() -> Result<S3, String> {
    let garage = find_garage().ok_or("garage is not installed")?;
    let dir = tempfile::Builder::new()
        .prefix("masthead-garage-")
        .tempdir()
        .map_err(|e| e.to_string())?
        // Removed by the watchdog when the test process is gone.
        .keep();
    let (rpc, s3) = (free_port(), free_port());
    let secret: String = (0..32)
        .map(|i| format!("{:02x}", (i * 37 + 11) % 256))
        .collect();
    let config = dir.join("garage.toml");
    std::fs::write(
        &config,
        format!(
            r#"metadata_dir = "{meta}"
data_dir = "{data}"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc}"
rpc_public_addr = "127.0.0.1:{rpc}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:{s3}"
root_domain = ".s3.garage.localhost"
"#,
            meta = dir.join("meta").display(),
            data = dir.join("data").display(),
        ),
    )
    .map_err(|e| e.to_string())?;
    let log = dir.join("garage.log");
    // The watchdog: runs the server, and when the test process (or the
    // server) is gone, stops the server and removes its folder.
    Command::new("sh")
        .arg("-c")
        .arg(
            r#"RUST_LOG=warn "$1" -c "$2" server >"$3" 2>&1 & g=$!
while kill -0 "$4" 2>/dev/null && kill -0 "$g" 2>/dev/null; do sleep 0.5; done
kill "$g" 2>/dev/null; wait "$g"; rm -rf "$5""#,
        )
        .args([
            "sh".as_ref(),
            garage.as_os_str(),
            config.as_os_str(),
            log.as_os_str(),
        ])
        .arg(std::process::id().to_string())
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start garage: {e}"))?;

    // Ready when its RPC answers.
    let started = Instant::now();
    let node = loop {
        match garage_command(&garage, &config, &["node", "id", "-q"]) {
            Ok(id) if !id.trim().is_empty() => break id,
            Ok(_) | Err(_) if started.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok(_) | Err(_) => {
                return Err(format!(
                    "garage did not start within 30 s: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                ));
            }
        }
    };
    let node = node.trim().split('@').next().unwrap_or_default().to_owned();
    let run = |args: &[&str]| garage_command(&garage, &config, args);
    run(&["layout", "assign", "-z", "dc1", "-c", "1G", &node])?;
    run(&["layout", "apply", "--version", "1"])?;
    run(&[
        "key",
        "import",
        "--yes",
        "-n",
        "masthead-tests",
        KEY_ID,
        SECRET,
    ])?;
    let server = S3 {
        endpoint: format!("http://127.0.0.1:{s3}"),
        region: "garage".into(),
        bucket: BUCKET.into(),
        access_key_id: KEY_ID.into(),
        secret_access_key: SECRET.into(),
        garage,
        config,
    };
    // The layout takes a moment to reach the API: retry the first bucket.
    let started = Instant::now();
    loop {
        match server.garage(&["bucket", "create", BUCKET]) {
            Ok(_) => break,
            Err(e) if started.elapsed() > Duration::from_secs(30) => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    server.garage(&[
        "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", KEY_ID,
    ])?;
    Ok(server)
}
