//! Stores on a fresh database per test: SQLite in a temp folder, or a fresh
//! PostgreSQL schema cloned from a template migrated once per run.
//!
//! Why a template: `sqlx` migrations take one advisory lock per database, so
//! migrating a schema per test made every PostgreSQL test wait in line
//! behind the others' migrations. Now the first PostgreSQL test of the run
//! migrates `tmpl_<pid>_<secs>` with masthead's own migrator; every test then
//! gets `t_<id>` in one round trip: the same migration SQL replayed into the
//! new schema (checked against the template's `_sqlx_migrations` rows, so it
//! is exactly what masthead applied) and those rows copied, so masthead sees
//! a normally migrated schema and `Store::migrate` is a no-op.

use std::sync::OnceLock;

use sqlx::Connection;

use masthead::site::{Settings, Site};
use masthead::storage::Store;

use super::NOW;

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

/// Whether this run is CI (`CI=true`), where nothing may skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The URL of `schema` on the test server (its `search_path`).
pub fn schema_url(schema: &str) -> String {
    let separator = if postgres_url().contains('?') {
        '&'
    } else {
        '?'
    };
    format!(
        "{}{separator}options=-c%20search_path%3D{schema}",
        postgres_url()
    )
}

/// A fresh, migrated SQLite store in a folder made inside `parent` (a small
/// filesystem mounted for a disk test).
pub async fn sqlite_store_in(parent: &std::path::Path) -> TestStore {
    masthead::outbound::install_tls_provider();
    let dir = tempfile::tempdir_in(parent).expect("temp dir");
    let store = Store::open_sqlite(dir.path()).await.expect("open sqlite");
    store.migrate().await.expect("migrate");
    TestStore {
        store,
        dir,
        database_url: None,
    }
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
            if let Err(error) = clone_template(&schema).await {
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
            let url = schema_url(&schema);
            (
                Store::open_postgres(&url).await.expect("open postgres"),
                Some(url),
            )
        }
    };
    // SQLite migrates here; a cloned PostgreSQL schema is already at the
    // newest version, so this only checks that masthead agrees.
    store.migrate().await.expect("migrate");
    Some(TestStore {
        store,
        dir,
        database_url,
    })
}

/// A store on a fresh PostgreSQL schema with nothing in it, not even
/// migrations (what nodes find on a new database), opened but not
/// migrated; `None` (loudly) when PostgreSQL is unreachable off CI.
pub async fn empty_postgres() -> Option<TestStore> {
    masthead::outbound::install_tls_provider();
    let schema = format!("e_{}", uuid_like());
    let created = async {
        let mut admin = sqlx::PgConnection::connect(&postgres_url()).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await?;
        admin.close().await
    }
    .await;
    if let Err(error) = created {
        if in_ci() {
            panic!(
                "PostgreSQL is required in CI but unreachable at {}: {error}",
                postgres_url()
            );
        }
        eprintln!(
            "SKIPPED: PostgreSQL unreachable at {} ({error})",
            postgres_url()
        );
        return None;
    }
    let url = schema_url(&schema);
    Some(TestStore {
        store: Store::open_postgres(&url).await.expect("open postgres"),
        dir: tempfile::tempdir().expect("temp dir"),
        database_url: Some(url),
    })
}

/// The migrations masthead embeds, read from the same files.
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The template of this run: its name, or why it could not be made.
static TEMPLATE: OnceLock<Result<String, String>> = OnceLock::new();

/// The template schema's name, migrating it on first use. Each
/// `#[tokio::test]` has its own runtime, so the one-time work runs on a
/// thread of its own with a short-lived runtime; other tests wait for it.
fn template() -> Result<&'static str, String> {
    TEMPLATE
        .get_or_init(|| {
            std::thread::spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(create_template())
            })
            .join()
            .unwrap_or_else(|_| Err("creating the template panicked".into()))
        })
        .as_ref()
        .map(String::as_str)
        .map_err(Clone::clone)
}

/// Migrates a new template schema with masthead's own migrator; drops the
/// templates of runs older than a day.
async fn create_template() -> Result<String, String> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let name = format!("tmpl_{}_{secs}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&postgres_url())
        .await
        .map_err(|e| e.to_string())?;
    let stale: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'tmpl\\_%'")
            .fetch_all(&mut admin)
            .await
            .map_err(|e| e.to_string())?;
    for schema in stale {
        let created = schema
            .rsplit('_')
            .next()
            .and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|created| created + 86_400 < secs) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(&mut admin)
            .await;
        }
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
        .execute(&mut admin)
        .await
        .map_err(|e| e.to_string())?;
    let store = Store::open_postgres(&schema_url(&name))
        .await
        .map_err(|e| e.to_string())?;
    store.migrate().await.expect("migrate the template");
    store.close().await;
    // The replay below must be exactly what masthead applied.
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT version, checksum FROM {name}._sqlx_migrations WHERE success ORDER BY version"
    )))
    .fetch_all(&mut admin)
    .await
    .map_err(|e| e.to_string())?;
    let replayed: Vec<(i64, Vec<u8>)> = POSTGRES_MIGRATIONS
        .iter()
        .map(|m| (m.version, m.checksum.to_vec()))
        .collect();
    assert_eq!(
        applied, replayed,
        "the test suite's migrations differ from masthead's"
    );
    admin.close().await.map_err(|e| e.to_string())?;
    Ok(name)
}

/// Creates `schema` as a copy of the template, in one transaction and one
/// round trip on a connection of its own.
async fn clone_template(schema: &str) -> Result<(), String> {
    let template = template()?;
    let mut script =
        format!("BEGIN;\nCREATE SCHEMA {schema};\nSET LOCAL search_path TO {schema};\n");
    for migration in POSTGRES_MIGRATIONS.iter() {
        script.push_str(migration.sql.as_str());
        script.push_str("\n;\n");
    }
    script.push_str(&format!(
        "CREATE TABLE {schema}._sqlx_migrations (LIKE {template}._sqlx_migrations INCLUDING ALL);\n\
         INSERT INTO {schema}._sqlx_migrations SELECT * FROM {template}._sqlx_migrations;\n\
         COMMIT;\n"
    ));
    let mut connection = sqlx::PgConnection::connect(&postgres_url())
        .await
        .map_err(|e| e.to_string())?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(script))
        .execute(&mut connection)
        .await
        .map_err(|e| format!("cloning {template} into {schema}: {e}"))?;
    connection.close().await.map_err(|e| e.to_string())
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

/// A site with the demo settings.
pub async fn demo_site(store: &Store) -> Site {
    masthead::site::save(store, &Settings::demo("http://news.example"), NOW)
        .await
        .expect("save site")
}
