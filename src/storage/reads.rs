//! The reader pages' read path: one SQL text for a read, run on whichever
//! backend the store holds. On SQLite it runs through a few rusqlite
//! connections of our own (read-only, on the same bundled SQLite as sqlx,
//! their prepared statements kept), called on the request's own thread: an
//! indexed read of a WAL database takes microseconds, less than the hand-off
//! to sqlx's per-connection worker thread costs (the profile in
//! bench/README.md). Reads that can take long (search at a million stories)
//! run on the blocking pool instead ([`Read::all_blocking`]). On PostgreSQL,
//! and on a SQLite store without the pool, the same text runs through sqlx.
//!
//! Writes never come here: they keep sqlx's connections, `BEGIN IMMEDIATE`
//! and `synchronous=FULL`. Every read on a pool connection starts its own
//! snapshot, so a write committed through the store is seen by the next read
//! (read-your-writes on one node).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::{Db, Result, StorageError, Store};

/// Read connections kept open when idle: one per request thread, and one
/// more for the blocking pool's searches.
const IDLE_CONNECTIONS: usize = 4;

/// Each read connection's page cache (SQLite's `cache_size`, in KiB when
/// negative): the hot pages of the story, section and media indexes.
const CACHE_KIB: i64 = 8 * 1024;

/// A few read-only connections to the SQLite database file, opened on first
/// use (after the migrations made the file) and kept with their statements.
pub(crate) struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for ReadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadPool")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ReadPool {
    pub(crate) fn new(path: &Path) -> Arc<ReadPool> {
        Arc::new(ReadPool {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        })
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // The same plan whatever the bound values: without it SQLite may
        // mark a statement to be planned again whenever a parameter is
        // bound anew (it was over a third of an uncached article page's
        // instructions, all in sqlite3Reprepare; bench/README.md, "Profile").
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        conn.set_prepared_statement_cache_capacity(128);
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        Ok(conn)
    }

    /// Runs `f` on an idle connection (or a new one), then keeps the
    /// connection for the next read.
    fn run<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let idle = self.lock().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open().map_err(|e| {
                StorageError::Read(format!(
                    "could not open a read connection to {}: {e}",
                    self.path.display()
                ))
            })?,
        };
        let out = f(&conn).map_err(|e| StorageError::Read(e.to_string()));
        let mut idle = self.lock();
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(conn);
        }
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A panic while holding the lock leaves the list itself intact.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Closes the idle connections (the store is closing).
    pub(crate) fn close(&self) {
        self.lock().clear();
    }
}

/// A value bound to a `$n` placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Arg {
        Arg::Float(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_owned))
    }
}

impl Arg {
    fn sqlite(&self) -> Value {
        match self {
            Arg::Int(Some(v)) => Value::Integer(*v),
            Arg::Float(Some(v)) => Value::Real(*v),
            Arg::Text(Some(v)) => Value::Text(v.clone()),
            Arg::Int(None) | Arg::Float(None) | Arg::Text(None) => Value::Null,
        }
    }
}

/// A row type the read path decodes from either driver: sqlx's `FromRow`
/// for PostgreSQL (and SQLite without the pool), and [`FromSqlite`] for the
/// rusqlite connections.
pub(crate) trait Readable:
    for<'r> sqlx::FromRow<'r, PgRow>
    + for<'r> sqlx::FromRow<'r, SqliteRow>
    + FromSqlite
    + Send
    + Unpin
    + 'static
{
}
impl<T> Readable for T where
    T: for<'r> sqlx::FromRow<'r, PgRow>
        + for<'r> sqlx::FromRow<'r, SqliteRow>
        + FromSqlite
        + Send
        + Unpin
        + 'static
{
}

/// Decodes one rusqlite row, by column position (the order of the type's
/// SELECT; `tests::every_read_decodes_its_columns_in_order` holds them to it).
pub(crate) trait FromSqlite: Sized {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

impl<A: rusqlite::types::FromSql> FromSqlite for (A,) {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?,))
    }
}

impl<A, B, C> FromSqlite for (A, B, C)
where
    A: rusqlite::types::FromSql,
    B: rusqlite::types::FromSql,
    C: rusqlite::types::FromSql,
{
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    }
}

/// `column IN` the ids of a JSON array bound at `$n`, in each backend's
/// words (one SQL text per list, however long).
pub(crate) fn in_ids(store: &Store, column: &str, n: usize) -> String {
    match store.db {
        Db::Sqlite(_) => format!("{column} IN (SELECT value FROM json_each(${n}))"),
        Db::Postgres(_) => {
            format!(
                "{column} IN (SELECT value::bigint FROM json_array_elements_text(CAST(${n} AS json)))"
            )
        }
    }
}

/// The JSON array of `ids`, for [`in_ids`].
pub(crate) fn id_list(ids: &[i64]) -> String {
    serde_json::to_string(ids).expect("ids serialize")
}

/// One read: its SQL (with `$1`..`$n` placeholders, as the rest of storage
/// writes it) and its arguments in order.
#[derive(Debug, Clone)]
pub(crate) struct Read {
    sql: String,
    args: Vec<Arg>,
}

/// Binds `args` to sqlx's query in order.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Int(v) => query.bind(v),
                Arg::Float(v) => query.bind(v),
                Arg::Text(v) => query.bind(v),
            };
        }
        query
    }};
}

impl Read {
    pub(crate) fn new(sql: impl Into<String>) -> Read {
        Read {
            sql: sql.into(),
            args: Vec::new(),
        }
    }

    /// Binds the next `$n`.
    pub(crate) fn bind(mut self, value: impl Into<Arg>) -> Read {
        self.args.push(value.into());
        self
    }

    /// Every row, on the request's thread.
    pub(crate) async fn all<T: Readable>(self, store: &Store) -> Result<Vec<T>> {
        if let Some(pool) = &store.reads {
            return pool.run(|conn| self.sqlite_rows(conn));
        }
        self.sqlx_all(store).await
    }

    /// At most one row, on the request's thread.
    pub(crate) async fn optional<T: Readable>(self, store: &Store) -> Result<Option<T>> {
        if let Some(pool) = &store.reads {
            return pool.run(|conn| {
                let mut rows = self.sqlite_rows::<T>(conn)?;
                Ok(if rows.is_empty() {
                    None
                } else {
                    Some(rows.swap_remove(0))
                })
            });
        }
        let sql = sqlx::AssertSqlSafe(self.sql);
        Ok(match &store.db {
            Db::Sqlite(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), self.args)
                    .fetch_optional(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), self.args)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }

    /// Every row, on tokio's blocking pool: for reads whose time grows
    /// with the archive (full-text ranking), which must not hold a request
    /// thread.
    pub(crate) async fn all_blocking<T: Readable>(self, store: &Store) -> Result<Vec<T>> {
        if let Some(pool) = &store.reads {
            let pool = pool.clone();
            return tokio::task::spawn_blocking(move || pool.run(|conn| self.sqlite_rows(conn)))
                .await
                .map_err(|e| StorageError::Read(format!("a read stopped: {e}")))?;
        }
        self.sqlx_all(store).await
    }

    async fn sqlx_all<T: Readable>(self, store: &Store) -> Result<Vec<T>> {
        let sql = sqlx::AssertSqlSafe(self.sql);
        Ok(match &store.db {
            Db::Sqlite(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), self.args)
                    .fetch_all(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), self.args)
                    .fetch_all(pool)
                    .await?
            }
        })
    }

    fn sqlite_rows<T: FromSqlite>(&self, conn: &Connection) -> rusqlite::Result<Vec<T>> {
        let mut statement = conn.prepare_cached(&self.sql)?;
        // SQLite numbers named parameters (`$1` is a name to it) in the
        // order they first appear, which need not be 1, 2, 3: bind by name.
        for (n, arg) in self.args.iter().enumerate() {
            let name = format!("${}", n + 1);
            if let Some(index) = statement.parameter_index(&name)? {
                statement.raw_bind_parameter(index, arg.sqlite())?;
            }
        }
        let mut rows = statement.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(T::from_sqlite(row)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parameters_bind_by_number_whatever_order_they_appear_in() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(dir.path()).await.unwrap();
        store.migrate().await.unwrap();
        let rows: Vec<(String,)> = Read::new("SELECT $3 || $1 || $2 || $1")
            .bind("a")
            .bind("b")
            .bind("c")
            .all(&store)
            .await
            .unwrap();
        assert_eq!(rows, vec![("caba".to_owned(),)]);
        let none: Option<(i64,)> = Read::new("SELECT 1 WHERE $1 IS NOT NULL")
            .bind(None::<i64>)
            .optional(&store)
            .await
            .unwrap();
        assert_eq!(none, None);
    }
}
