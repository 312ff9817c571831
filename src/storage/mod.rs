//! Storage: the one place SQL lives. A [`Store`] wraps either an embedded SQLite
//! database (WAL, one file in the data folder) or a PostgreSQL pool, runs the
//! embedded migrations of its backend, and exposes typed operations to the
//! domain modules. Every write runs in one transaction and appends its events to
//! the changes feed in that same transaction.

mod api_tokens;
mod articles;
mod audit;
mod autosaves;
mod backend;
mod backup;
#[cfg(feature = "bench")]
mod bench;
mod checks;
mod comments;
mod corrections;
mod distribution;
mod drupal7;
mod editorial;
mod embargoes;
mod events;
mod fronts;
mod import_batches;
mod import_bulk;
mod imports;
mod live;
mod media;
mod notify;
mod ops;
mod pages;
mod people;
mod reads;
mod redirects;
mod search;
mod sections;
mod sign_in;
mod site;
mod topics;
mod translations;
mod users;

pub use api_tokens::ApiTokenRow;
pub use articles::{ArticleRow, Columns, ImportedArticle, ListCursor, RevisionRow};
pub use articles::{MediaTextUpdate, NewRevision, TranslationLink, WriteExtras};
pub use audit::{AuditRow, NewAuditEntry};
pub use autosaves::{AutosaveRow, PresenceRow};
pub use backup::TableDump;
pub use comments::{CommentLimit, CommentRow, NewComment};
pub use distribution::{ConsumerClaim, SitemapChunk, SitemapEntry};
pub use drupal7::LaterRevision;
pub use editorial::{DuePublication, StoryFilter};
pub use events::{EventRow, NewEvent};
pub use fronts::{BannerRow, NewPin, PinRow};
pub use import_batches::{BATCH_ITEMS, BATCH_TIME, ImportBatch};
pub use imports::{
    ImportRevision, ImportedAccount, ImportedComment, ImportedPage, ImportedPerson, ImportedStory,
    ImportedTopic, LedgerKey, LedgerRow, StoredPerson,
};
pub use live::{LiveBlogRow, LivePostFields, LivePostRow};
pub use media::MediaRow;
pub use notify::ChangeListener;
pub use ops::{PoolStats, RevisionMismatch, StoredBody};
pub use pages::{MenuItemRow, NewMenuItem, PageFields, PageRevisionRow, PageRow, PageSave};
pub use people::{CreditRow, PersonFields, PersonName, PersonRow};
pub use redirects::{RedirectRow, RedirectTarget};
pub use search::{SearchFilter, SearchHitRow};
pub use sections::SectionRow;
pub use sign_in::{Claim, WaitRule};
pub use site::{SetupLock, SiteRow};
pub use topics::{TopicFields, TopicName, TopicRow};
pub use translations::TranslationRow;
pub use users::{NewSession, NewToken, NewUser, UserRow};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// Runs the same SQL text on whichever backend the store holds. Inside the
/// body, `$pool` is a `&SqlitePool` or a `&PgPool`; both arms must return the
/// same type.
macro_rules! with_db {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::storage::Db::Sqlite($pool) => $body,
            $crate::storage::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_db;

/// Runs a body inside one transaction on either backend; `$tx` is the open
/// transaction. The body is an async block returning `Result<T, StorageError>`;
/// it commits when the body succeeds and rolls back otherwise.
macro_rules! in_transaction {
    ($store:expr, $tx:ident => $body:expr) => {
        match &$store.db {
            $crate::storage::Db::Sqlite(pool) => {
                // IMMEDIATE takes the write lock up front, waiting (busy_timeout)
                // for another writer; a deferred transaction that reads first
                // fails at once with "database is locked" when it must upgrade.
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                $store.count_commit();
                out
            }
            $crate::storage::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                // Serialise writers so event ids become visible in commit order:
                // a changes-feed consumer must never skip an id that commits late.
                sqlx::query("SELECT pg_advisory_xact_lock(7261)")
                    .execute(&mut *$tx)
                    .await?;
                let out = $body;
                // Wakes changes-feed consumers on every node at commit.
                sqlx::query("NOTIFY masthead_changes")
                    .execute(&mut *$tx)
                    .await?;
                $tx.commit().await?;
                $store.count_commit();
                out
            }
        }
    };
}
pub(crate) use in_transaction;

/// The database behind a [`Store`].
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// What went wrong in storage. Callers branch on `NotFound` and `Conflict`;
/// the rest are failures to report.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} already exists")]
    Conflict(String),
    /// A write refused by a rule checked inside its transaction (a loop of
    /// parents); nothing was written.
    #[error("{0}")]
    Refused(String),
    /// A read on the SQLite read path failed (see `reads`).
    #[error("database error: {0}")]
    Read(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error(
        "this database was migrated by a newer masthead (it has migration {version}, which this \
         binary does not know); upgrade masthead to at least the version that wrote it"
    )]
    NewerDatabase { version: i64 },
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    /// Write transactions committed through this handle (and its clones):
    /// the page cache compares it with what it has seen to purge this
    /// process's own writes before the next read, with no query.
    pub(crate) commits: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The reader pages' SQLite read connections (`None` on PostgreSQL).
    pub(crate) reads: Option<std::sync::Arc<reads::ReadPool>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens (creating if needed) the SQLite database `masthead.db` in `data_dir`.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Store> {
        let path = data_dir.join("masthead.db");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before it is acknowledged, so a power
            // cut never loses a write the newsroom was told had been saved.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Savepoints (one per imported item) keep their undo pages in a
            // statement journal, a temporary file by default: in memory it
            // costs no write system call per page (a tenth of an import's time).
            .pragma("temp_store", "memory")
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            // A ping before every query is one more round trip to the
            // connection's worker thread, and a local file cannot drop a
            // connection the way a server can.
            .test_before_acquire(false)
            // SQLite rolls a transaction back by itself when a write fails
            // with a full disk or an I/O error; sqlx still counts it open,
            // and the ROLLBACK it queues on release then fails, so the
            // connection would refuse every later BEGIN. One in that state
            // is closed here (the pool opens a fresh one), so writes work
            // again once space returns. The query runs only after a
            // transaction was dropped uncommitted.
            .after_release(|conn, _| {
                Box::pin(async move {
                    use sqlx::Connection as _;
                    if !conn.is_in_transaction() {
                        return Ok(true);
                    }
                    // Runs the queued ROLLBACK first.
                    sqlx::query("SELECT 1").execute(&mut *conn).await?;
                    Ok(!conn.is_in_transaction())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store {
            db: Db::Sqlite(pool),
            commits: Default::default(),
            reads: Some(reads::ReadPool::new(&path)),
        })
    }

    /// Connects to PostgreSQL at `url` (`postgres://...`).
    pub async fn open_postgres(url: &str) -> Result<Store> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Ok(Store {
            db: Db::Postgres(pool),
            commits: Default::default(),
            reads: None,
        })
    }

    /// Opens the backend a database URL names: `postgres://` or
    /// `postgresql://` is PostgreSQL; anything else is an error. With no URL,
    /// the embedded SQLite database in `data_dir`.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Store> {
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Store::open_postgres(url).await
            }
            Some(url) => Err(StorageError::Database(sqlx::Error::Configuration(
                format!("unsupported database URL {url:?}: use postgres://... or leave it unset for SQLite").into(),
            ))),
            None => Store::open_sqlite(data_dir).await,
        }
    }

    /// Applies the embedded migrations of this backend. A database migrated by
    /// a newer masthead is refused.
    pub async fn migrate(&self) -> Result<()> {
        let result = match &self.db {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(newer_database)
    }

    /// How many write transactions this process committed so far.
    pub fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn count_commit(&self) {
        self.commits
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Which backend this is, for logs and health output.
    pub fn backend(&self) -> &'static str {
        match &self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        if let Some(reads) = &self.reads {
            reads.close();
        }
        with_db!(self, pool => pool.close().await)
    }
}

/// An applied migration this binary does not know means a newer masthead
/// migrated the database.
fn newer_database(error: sqlx::migrate::MigrateError) -> StorageError {
    match error {
        sqlx::migrate::MigrateError::VersionMissing(version) => {
            StorageError::NewerDatabase { version }
        }
        other => StorageError::Migrate(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_and_postgres_migrations_have_the_same_versions() {
        let versions =
            |m: &sqlx::migrate::Migrator| m.iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
        assert!(SQLITE_MIGRATIONS.iter().next().is_some());
    }
}
