//! A cluster for the tests: N `masthead serve` processes on one fresh
//! PostgreSQL schema, media in the S3 store (Garage, [`super::s3`]), and a
//! real load balancer in front: nginx from Debian (`nginx-light`), with a
//! config of its own in a temporary folder. Every node is given the
//! balancer's address as `--base-url`, and nginx passes the client's `Host`
//! on, as a production proxy does.
//!
//! nginx is found on `PATH` or at `/usr/sbin/nginx`; when it is missing,
//! [`Cluster::start`] answers `None` with a loud message on a developer
//! machine and panics in CI (`CI=true`), like PostgreSQL and Garage.
//!
//! The balancer marks no node down (`max_fails=0`): a refused connection on
//! loopback costs nothing, and a node that is back is used at once, so a
//! rolling restart never finds every node marked down at the same time.
//! `proxy_next_upstream error timeout http_502 http_503` sends a request to
//! another node when one is gone or stopping; nginx never sends a request
//! that reached a node (a non-idempotent one) twice.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use masthead::site::Settings;

use super::db::{TestStore, in_ci};
use super::procs::{Server, free_port};
use super::s3;
use super::{Backend, NOW};

/// How long a node may take to start.
const START_LIMIT: Duration = Duration::from_secs(30);

/// How a cluster starts.
pub struct Options {
    pub nodes: usize,
    /// The schema holds nothing at all (not even migrations): the nodes
    /// migrate it and create the site themselves (with the demo newsroom
    /// when `demo`). Otherwise the schema is migrated and the test process
    /// saves the site (the balancer as its base URL) before any node starts.
    pub empty_database: bool,
    pub demo: bool,
    /// The WebSub hub the site names.
    pub websub_hub: Option<String>,
    /// Every node's `--purge-webhook`.
    pub purge_webhook: Option<String>,
    /// The database every node uses instead of a fresh schema on the shared
    /// PostgreSQL (a private server the test may stop).
    pub database: Option<TestStore>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            nodes: 3,
            empty_database: false,
            demo: false,
            websub_hub: None,
            purge_webhook: None,
            database: None,
        }
    }
}

/// One `masthead serve` node: its port stays its own across restarts, since
/// the balancer's config names it.
pub struct Node {
    pub port: u16,
    server: Option<Server>,
    /// Its data folder (nothing of the site's should land there).
    pub dir: PathBuf,
    starts: usize,
}

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// The logs of every start of this node.
    pub fn logs(&self) -> String {
        (0..self.starts)
            .map(|n| std::fs::read_to_string(self.dir.join(format!("serve-{n}.log"))))
            .filter_map(Result::ok)
            .collect::<Vec<_>>()
            .join("\n--- restarted ---\n")
    }
}

/// The cluster: nodes, the balancer, the database and the media store.
pub struct Cluster {
    pub nodes: Vec<Node>,
    /// The test's own handle on the cluster's database.
    pub db: TestStore,
    /// `http://127.0.0.1:<port>`: the balancer, and the site's base URL.
    pub base: String,
    /// The media store every node shares (`s3://bucket/prefix`).
    pub media_store: String,
    balancer: Child,
    dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

/// The nginx binary: on `PATH`, or Debian's `/usr/sbin/nginx`.
pub fn nginx() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nginx"))
            .collect::<Vec<_>>()
    });
    let found = on_path
        .chain(std::iter::once(PathBuf::from("/usr/sbin/nginx")))
        .find(|path| path.is_file());
    if found.is_none() {
        if in_ci() {
            panic!("nginx is required in CI for the cluster tests (apt-get install nginx-light)");
        }
        eprintln!("SKIPPED: nginx is not installed (apt-get install nginx-light)");
    }
    found
}

impl Cluster {
    /// Three nodes on a migrated schema with the site saved.
    pub async fn start() -> Option<Cluster> {
        Cluster::start_with(Options::default()).await
    }

    /// A cluster as `options` say; `None` (with a loud message) when
    /// PostgreSQL, Garage or nginx is missing off CI.
    pub async fn start_with(options: Options) -> Option<Cluster> {
        let nginx = nginx()?;
        let s3 = s3::server()?;
        let db = if let Some(db) = options.database {
            db
        } else if options.empty_database {
            super::db::empty_postgres().await?
        } else {
            super::db::store(Backend::Postgres).await?
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let balancer_port = free_port();
        let base = format!("http://127.0.0.1:{balancer_port}");
        if !options.empty_database {
            let mut settings = Settings::demo(&base);
            settings.websub_hub = options.websub_hub.clone();
            masthead::site::save(&db.store, &settings, NOW)
                .await
                .expect("save the site");
        }
        let media_store = s3.fresh_store_url();
        let mut args = vec![
            "--media-store".to_owned(),
            media_store.clone(),
            "--base-url".to_owned(),
            base.clone(),
            // The test's WebSub hub listens on loopback.
            "--outbound-allow-private".to_owned(),
            "--shutdown-timeout".to_owned(),
            "5".to_owned(),
        ];
        if !options.demo {
            args.push("--no-demo".to_owned());
        }
        if let Some(url) = &options.purge_webhook {
            args.extend(["--purge-webhook".to_owned(), url.clone()]);
        }
        let nodes: Vec<Node> = (0..options.nodes)
            .map(|i| {
                let node_dir = dir.path().join(format!("node-{i}"));
                std::fs::create_dir_all(&node_dir).expect("node folder");
                Node {
                    port: free_port(),
                    server: None,
                    dir: node_dir,
                    starts: 0,
                }
            })
            .collect();
        let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
        let balancer = start_nginx(&nginx, dir.path(), balancer_port, &ports);
        let mut cluster = Cluster {
            nodes,
            db,
            base,
            media_store,
            balancer,
            dir,
            args,
            env: s3.aws_env(),
        };
        // Every node at once, as an orchestrator starts them.
        for i in 0..cluster.nodes.len() {
            cluster.spawn(i);
        }
        for i in 0..cluster.nodes.len() {
            cluster.wait_ready(i).await;
        }
        cluster.wait_balancer().await;
        Some(cluster)
    }

    /// The balancer's URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Node `i`'s own URL of `path` (past the balancer).
    pub fn node_url(&self, i: usize, path: &str) -> String {
        self.nodes[i].url(path)
    }

    /// Every node's logs and the balancer's, for assertion messages.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for (i, node) in self.nodes.iter().enumerate() {
            text.push_str(&format!("=== node {i} ===\n{}\n", node.logs()));
        }
        let errors = std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default();
        text.push_str(&format!("=== nginx ===\n{errors}"));
        text
    }

    /// Starts node `i` (again), on its port, without waiting for it.
    fn spawn(&mut self, i: usize) {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let node = &mut self.nodes[i];
        let log = node.dir.join(format!("serve-{}.log", node.starts));
        node.starts += 1;
        node.server = Some(Server::start_on(
            node.port,
            &node.dir,
            self.db.database_url.as_deref(),
            &args,
            &env,
            &log,
        ));
    }

    async fn wait_ready(&mut self, i: usize) {
        let ready = self.nodes[i]
            .server
            .as_mut()
            .expect("a started node")
            .wait_ready(START_LIMIT)
            .await;
        assert!(ready, "node {i} did not start:\n{}", self.nodes[i].logs());
    }

    /// Waits until the balancer answers `/healthz` from a node.
    async fn wait_balancer(&self) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < START_LIMIT {
            if let Ok(answer) = client.get(self.url("/healthz")).send().await
                && answer.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the balancer does not answer:\n{}", self.logs());
    }

    /// `kill -9` node `i`: no drain, no goodbye.
    pub async fn kill(&mut self, i: usize) {
        let mut server = self.nodes[i].server.take().expect("a running node");
        server.signal("KILL");
        // Killed: no exit code, only the signal.
        let _ = server.wait_exit(Duration::from_secs(10)).await;
        assert!(
            server.child.try_wait().ok().flatten().is_some(),
            "node {i} survived kill -9"
        );
    }

    /// SIGTERM node `i` and wait until it has drained and exited cleanly.
    pub async fn terminate(&mut self, i: usize) {
        let mut server = self.nodes[i].server.take().expect("a running node");
        server.signal("TERM");
        let code = server.wait_exit(Duration::from_secs(15)).await;
        assert_eq!(code, Some(0), "node {i} did not stop cleanly:\n{}", {
            drop(server);
            self.nodes[i].logs()
        });
    }

    /// Starts node `i` again on its port and waits until it answers.
    pub async fn restart(&mut self, i: usize) {
        assert!(!self.nodes[i].is_running(), "node {i} is running");
        self.spawn(i);
        self.wait_ready(i).await;
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.balancer.kill();
        let _ = self.balancer.wait();
        // The nodes stop with their `Server`s.
    }
}

/// nginx on `port`, balancing over `nodes`, in the foreground as one
/// process (so that killing it leaves no worker behind), its files in `dir`.
fn start_nginx(nginx: &Path, dir: &Path, port: u16, nodes: &[u16]) -> Child {
    let servers: String = nodes
        .iter()
        .map(|p| format!("    server 127.0.0.1:{p} max_fails=0;\n"))
        .collect();
    let d = dir.display();
    let config = format!(
        r#"daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/client_body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  client_max_body_size 64m;
  upstream masthead {{
{servers}    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://masthead;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 0;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
      proxy_buffering on;
    }}
  }}
}}
"#
    );
    let file = dir.join("nginx.conf");
    std::fs::write(&file, config).expect("write nginx.conf");
    Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("nginx.stderr")).expect("nginx stderr"))
        .spawn()
        .expect("start nginx")
}

/// A WebSub hub for a cluster: it records each ping's body and answers
/// after `delay`, so that rounds of pings from several nodes would overlap.
#[derive(Clone, Default)]
pub struct Hub {
    pub pings: Arc<Mutex<Vec<String>>>,
}

impl Hub {
    /// A hub on a free loopback port: its URL and the record.
    pub async fn start(delay: Duration) -> (String, Hub) {
        let hub = Hub::default();
        let record = hub.clone();
        let router = axum::Router::new().route(
            "/",
            axum::routing::post(move |body: String| {
                let record = record.clone();
                async move {
                    tokio::time::sleep(delay).await;
                    record.pings.lock().unwrap().push(body);
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (url, hub)
    }

    pub fn pings(&self) -> Vec<String> {
        self.pings.lock().unwrap().clone()
    }
}
