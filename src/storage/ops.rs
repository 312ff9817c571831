//! What operations ask of the database: reachability, the migration
//! version, pool use, integrity checks and the facts `masthead check`
//! compares (derived data against its source, such as stories' topic
//! filing against the topic names they keep).

use std::time::Duration;

use super::{Db, POSTGRES_MIGRATIONS, Result, SQLITE_MIGRATIONS, StorageError, Store, with_db};

/// How the connection pool is used right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// An article's body as stored: the source and the HTML derived from it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredBody {
    pub id: i64,
    pub body_format: String,
    pub body_source: String,
    pub body_html: String,
}

/// An article whose `revision` counter disagrees with its revisions.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevisionMismatch {
    pub id: i64,
    pub revision: i64,
    pub newest: Option<i64>,
}

impl Store {
    /// Runs a trivial query, giving up after `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<()> {
        let query = async {
            with_db!(self, pool => sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool).await)
        };
        match tokio::time::timeout(timeout, query).await {
            Ok(result) => result.map(|_| ()).map_err(StorageError::from),
            Err(_) => Err(StorageError::Database(sqlx::Error::PoolTimedOut)),
        }
    }

    /// The newest migration this binary knows.
    pub fn known_migration_version(&self) -> i64 {
        let migrator = match &self.db {
            Db::Sqlite(_) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        migrator.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The newest migration applied to the database (0 when none).
    pub async fn applied_migration_version(&self) -> Result<i64> {
        Ok(with_db!(self, pool => sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool).await)?
        .unwrap_or(0))
    }

    /// The database server's time (`now()`) in Unix milliseconds on
    /// PostgreSQL, the time every node shares; `None` on SQLite, whose only
    /// clock is this machine's.
    pub async fn database_now_ms(&self) -> Result<Option<i64>> {
        match &self.db {
            Db::Postgres(pool) => Ok(Some(
                sqlx::query_scalar::<_, i64>(
                    "SELECT CAST(FLOOR(EXTRACT(EPOCH FROM now()) * 1000) AS BIGINT)",
                )
                .fetch_one(pool)
                .await?,
            )),
            Db::Sqlite(_) => Ok(None),
        }
    }

    /// Connections open, idle and allowed.
    pub fn pool_stats(&self) -> PoolStats {
        with_db!(self, pool => PoolStats {
            open: pool.size(),
            idle: pool.num_idle() as u32,
            max: pool.options().get_max_connections(),
        })
    }

    /// Problems the database engine itself finds: SQLite's integrity and
    /// foreign-key checks; on PostgreSQL, identity counters behind their
    /// table's largest id (the next insert would fail).
    pub async fn integrity_problems(&self) -> Result<Vec<String>> {
        match &self.db {
            Db::Sqlite(pool) => {
                let mut problems: Vec<String> =
                    sqlx::query_scalar::<_, String>("PRAGMA integrity_check")
                        .fetch_all(pool)
                        .await?
                        .into_iter()
                        .filter(|line| line != "ok")
                        .collect();
                let orphans: Vec<(String, Option<i64>, String)> =
                    sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
                        .fetch_all(pool)
                        .await?;
                problems.extend(orphans.into_iter().map(|(table, rowid, parent)| {
                    format!(
                        "row {} of table {table} refers to a missing row of {parent}",
                        rowid.unwrap_or(0)
                    )
                }));
                Ok(problems)
            }
            Db::Postgres(pool) => {
                let columns: Vec<(String, String)> = sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND is_identity = 'YES'",
                )
                .fetch_all(pool)
                .await?;
                let mut problems = Vec::new();
                for (table, column) in columns {
                    let sql = format!(
                        "SELECT COALESCE((SELECT MAX({c}) FROM {t}), 0), \
                         (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END \
                          FROM {s})",
                        c = quote_ident(&column),
                        t = quote_ident(&table),
                        s = identity_sequence(pool, &table, &column).await?,
                    );
                    let (max, last): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_one(pool)
                        .await?;
                    if last < max {
                        problems.push(format!(
                            "the id counter of table {table} is at {last} but ids go up to {max}, \
                             so the next insert will fail"
                        ));
                    }
                }
                Ok(problems)
            }
        }
    }

    /// Whether a table of this name exists (in the current schema).
    pub async fn table_exists(&self, table: &str) -> Result<bool> {
        Ok(match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
                )
                .bind(table)
                .fetch_one(pool)
                .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = $1",
                )
                .bind(table)
                .fetch_one(pool)
                .await?
            }
        } > 0)
    }

    /// The columns of a table (empty when it does not exist).
    pub async fn table_columns(&self, table: &str) -> Result<Vec<String>> {
        Ok(match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query_scalar::<_, String>("SELECT name FROM pragma_table_info($1)")
                    .bind(table)
                    .fetch_all(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar::<_, String>(
                    "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
                )
                .bind(table)
                .fetch_all(pool)
                .await?
            }
        })
    }

    /// Every article's body source and derived HTML, by id.
    pub async fn stored_bodies(&self, after_id: i64, limit: i64) -> Result<Vec<StoredBody>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, body_format, body_source, body_html FROM articles WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after_id).bind(limit).fetch_all(pool).await?))
    }

    /// Every article's topic names as stored (its `tags`, a JSON list), by id.
    pub async fn stored_topic_names(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, tags FROM articles WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after_id).bind(limit).fetch_all(pool).await?))
    }

    /// Every filing of a story under a topic: (article id, topic id), in the
    /// story's order.
    pub async fn topic_filings(&self) -> Result<Vec<(i64, i64)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT article_id, topic_id FROM article_topics ORDER BY article_id, position")
            .fetch_all(pool).await?))
    }

    /// Every old topic slug that still answers: (old slug, topic id).
    pub async fn topic_redirect_rows(&self) -> Result<Vec<(String, i64)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT old_slug, topic_id FROM topic_redirects ORDER BY old_slug")
            .fetch_all(pool).await?))
    }

    /// Every article's bylines as stored (a JSON list), by id.
    pub async fn stored_bylines(&self, after_id: i64, limit: i64) -> Result<Vec<(i64, String)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, bylines FROM articles WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after_id).bind(limit).fetch_all(pool).await?))
    }

    /// Every crediting of a person on a story: (article id, person id), in
    /// the story's byline order.
    pub async fn person_filings(&self) -> Result<Vec<(i64, i64)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT article_id, person_id FROM article_people ORDER BY article_id, position")
            .fetch_all(pool).await?))
    }

    /// Every old person slug that still answers: (old slug, person id).
    pub async fn person_redirect_rows(&self) -> Result<Vec<(String, i64)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT old_slug, person_id FROM person_redirects ORDER BY old_slug")
            .fetch_all(pool).await?))
    }

    /// Every story in a translation set: (set, story id, language), by set.
    pub async fn translation_members(&self) -> Result<Vec<(i64, i64, String)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT translation_set, id, language FROM articles WHERE translation_set IS NOT NULL \
             ORDER BY translation_set, id")
            .fetch_all(pool).await?))
    }

    /// Articles whose revision counter is not their newest revision's number.
    pub async fn revision_mismatches(&self) -> Result<Vec<RevisionMismatch>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT a.id, a.revision, (SELECT MAX(r.number) FROM revisions r WHERE r.article_id = a.id) AS newest \
             FROM articles a \
             WHERE a.revision IS DISTINCT FROM (SELECT MAX(r.number) FROM revisions r WHERE r.article_id = a.id) \
             ORDER BY a.id")
            .fetch_all(pool).await?))
    }

    /// Event ids missing between the first and the last event: `(after,
    /// before)` pairs of ids with nothing between them.
    pub async fn event_gaps(&self) -> Result<Vec<(i64, i64)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, next_id FROM (SELECT id, LEAD(id) OVER (ORDER BY id) AS next_id FROM events) e \
             WHERE next_id IS NOT NULL AND next_id <> id + 1 ORDER BY id")
            .fetch_all(pool).await?))
    }

    /// Runs the full-text index's own integrity check on every SQLite FTS5
    /// table; PostgreSQL indexes need no such check. Returns the problems.
    pub async fn search_index_problems(&self) -> Result<Vec<String>> {
        let Db::Sqlite(pool) = &self.db else {
            return Ok(Vec::new());
        };
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'",
        )
        .fetch_all(pool)
        .await?;
        let mut problems = Vec::new();
        for table in tables {
            let sql = format!(
                "INSERT INTO {t}({t}) VALUES ('integrity-check')",
                t = quote_ident(&table)
            );
            if let Err(error) = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await {
                problems.push(format!(
                    "the search index {table} does not match its source: {error}"
                ));
            }
        }
        Ok(problems)
    }
}

/// The sequence behind an identity column, as a quoted SQL name.
async fn identity_sequence(pool: &sqlx::PgPool, table: &str, column: &str) -> Result<String> {
    let name: Option<String> = sqlx::query_scalar("SELECT pg_get_serial_sequence($1, $2)")
        .bind(quote_ident(table))
        .bind(column)
        .fetch_one(pool)
        .await?;
    name.ok_or_else(|| StorageError::Corrupt(format!("{table}.{column} has no sequence")))
}

/// Quotes an SQL identifier (table or column name from the catalog).
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
