//! Test helpers: a fresh database per test (SQLite in a temp folder, or a
//! fresh PostgreSQL schema), and the app served over real HTTP on a free port.

use std::net::SocketAddr;

use masthead::app::{App, Clock};
use masthead::config::Config;
use masthead::site::{Settings, Site};
use masthead::storage::Store;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store on a fresh database, dropped with the test.
pub struct TestStore {
    pub store: Store,
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
}

/// The PostgreSQL server tests use.
pub fn postgres_url() -> String {
    std::env::var("MASTHEAD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// A fresh, migrated store, or `None` (with a loud message) when PostgreSQL
/// is not reachable on a developer machine. In CI a missing server fails.
pub async fn store(backend: Backend) -> Option<TestStore> {
    // Every test starts here; plain reqwest clients need a TLS provider.
    masthead::outbound::install_tls_provider();
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, database_url) = match backend {
        Backend::Sqlite => (
            Store::open_sqlite(dir.path()).await.expect("open sqlite"),
            None,
        ),
        Backend::Postgres => {
            let schema = format!("t_{}", uuid_like());
            let admin = match sqlx::PgPool::connect(&postgres_url()).await {
                Ok(store) => store,
                Err(error) => {
                    if in_ci() {
                        panic!(
                            "PostgreSQL is required in CI but unreachable at {}: {error}",
                            postgres_url()
                        );
                    }
                    eprintln!(
                        "SKIPPED: PostgreSQL unreachable at {} ({error}); set MASTHEAD_TEST_POSTGRES_URL",
                        postgres_url()
                    );
                    return None;
                }
            };
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .expect("create schema");
            admin.close().await;
            let separator = if postgres_url().contains('?') {
                '&'
            } else {
                '?'
            };
            let url = format!(
                "{}{separator}options=-c%20search_path%3D{schema}",
                postgres_url()
            );
            (
                Store::open_postgres(&url).await.expect("open postgres"),
                Some(url),
            )
        }
    };
    store.migrate().await.expect("migrate");
    Some(TestStore {
        store,
        dir,
        database_url,
    })
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The seed page, as shipped in the repository.
pub const SEED: &str = include_str!("../../fixtures/seed-page.txt");

/// 2026-11-24T12:00:00Z: "now" in tests with a fixed clock.
pub const NOW: i64 = 1_795_521_600;

/// A site with the demo settings.
pub async fn demo_site(store: &Store) -> Site {
    masthead::site::save(store, &Settings::demo("http://news.example"), NOW)
        .await
        .expect("save site")
}

/// The app served over HTTP on a free loopback port.
#[allow(
    dead_code,
    reason = "not every test reaches into the app or its database"
)]
pub struct TestApp {
    pub address: SocketAddr,
    pub app: App,
    pub client: reqwest::Client,
    pub db: TestStore,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves a site on a fresh database with a fixed clock at [`NOW`]; with
/// `seed`, the seed page is imported first.
pub async fn spawn(backend: Backend, seed: bool) -> Option<TestApp> {
    spawn_with(backend, seed, |_| {}).await
}

/// [`spawn`] with settings changed by `configure` (e.g. trusted proxies).
pub async fn spawn_with(
    backend: Backend,
    seed: bool,
    configure: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    let db = store(backend).await?;
    let site = demo_site(&db.store).await;
    if seed {
        masthead::imports::import_text(&db.store, &site, "seed-page.txt", SEED, NOW)
            .await
            .expect("import seed");
    }
    let mut config = Config::for_data_dir(db.dir.path());
    config.database_url = db.database_url.clone();
    configure(&mut config);
    let app = App::new(db.store.clone(), config, Clock::fixed(NOW));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(masthead::http::serve(app.clone(), listener, async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Some(TestApp {
        address,
        app,
        client,
        db,
        shutdown: Some(tx),
    })
}

/// Runs one async test body on both backends: `both!(name, body_fn)` makes
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

/// The text of every block of a page (headings, paragraphs, list items
/// without nested blocks), in document order, whitespace collapsed.
pub fn text_blocks(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector =
        scraper::Selector::parse("h1, h2, h3, h4, h5, h6, p, li, dt, dd, blockquote, figcaption")
            .unwrap();
    document
        .select(&selector)
        .filter(|element| {
            // A list item holding headings or paragraphs is not itself a block of text.
            element.select(&selector).next().is_none()
        })
        .map(|element| {
            element
                .text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|text| !text.is_empty())
        .collect()
}
