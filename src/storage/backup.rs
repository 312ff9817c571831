//! Consistent copies of the database while the site serves, and loading
//! them back. SQLite: `VACUUM INTO` a file (one read transaction, the exact
//! database). PostgreSQL: every table as JSON lines, read in one
//! REPEATABLE READ transaction, and loaded back into a schema built by this
//! binary's own migrations (no `pg_dump` version to match, nothing to install
//! next to masthead, and a restore never depends on object owners or roles).

use std::io::{BufRead, Write};
use std::path::Path;

use futures_util::TryStreamExt;

use super::ops::quote_ident;
use super::{Db, POSTGRES_MIGRATIONS, Result, StorageError, Store, newer_database};

/// One table written by [`Store::export_tables`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableDump {
    pub table: String,
    pub rows: u64,
}

/// Rows inserted per statement on restore.
const BATCH: usize = 500;

impl Store {
    /// SQLite: writes a consistent copy of the whole database to `target`
    /// (which must not exist) while others keep reading and writing.
    pub async fn sqlite_snapshot(&self, target: &Path) -> Result<()> {
        let Db::Sqlite(pool) = &self.db else {
            return Err(StorageError::Corrupt(
                "a SQLite snapshot needs a SQLite database".into(),
            ));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(target.to_string_lossy().into_owned())
            .execute(pool)
            .await?;
        Ok(())
    }

    /// SQLite: moves the write-ahead log into the database file and empties
    /// it (closing the last connection then removes it).
    pub async fn checkpoint_sqlite(&self) -> Result<()> {
        let Db::Sqlite(pool) = &self.db else {
            return Ok(());
        };
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await?;
        Ok(())
    }

    /// PostgreSQL: writes every table of the current schema (except the
    /// migrations table) to `<dir>/<table>.jsonl`, one JSON object per row,
    /// all read from one snapshot. Returns the tables and the migration
    /// version the snapshot has.
    pub async fn export_tables(&self, dir: &Path) -> Result<(Vec<TableDump>, i64)> {
        let Db::Postgres(pool) = &self.db else {
            return Err(StorageError::Corrupt(
                "a table export needs a PostgreSQL database".into(),
            ));
        };
        let mut tx = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut *tx)
                .await?;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY table_name",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut dumps = Vec::with_capacity(tables.len());
        for table in tables {
            let file = std::fs::File::create(dir.join(format!("{table}.jsonl")))
                .map_err(|e| io_error(&table, e))?;
            let mut out = std::io::BufWriter::new(file);
            let sql = format!(
                "SELECT row_to_json(t)::text FROM {} t ORDER BY 1",
                quote_ident(&table)
            );
            let mut rows =
                sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
            let mut count = 0u64;
            while let Some(line) = rows.try_next().await? {
                writeln!(out, "{line}").map_err(|e| io_error(&table, e))?;
                count += 1;
            }
            drop(rows);
            out.flush().map_err(|e| io_error(&table, e))?;
            dumps.push(TableDump { table, rows: count });
        }
        tx.commit().await?;
        Ok((dumps, version.unwrap_or(0)))
    }

    /// PostgreSQL: whether the current schema holds any row of any table
    /// (bookkeeping aside: the migrations table and the scheduler's single
    /// state row that migrations create).
    pub async fn postgres_has_data(&self) -> Result<bool> {
        let Db::Postgres(pool) = &self.db else {
            return Ok(false);
        };
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name NOT IN ('_sqlx_migrations', 'scheduler_state')",
        )
        .fetch_all(pool)
        .await?;
        for table in tables {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", quote_ident(&table));
            if sqlx::query_scalar::<_, bool>(sqlx::AssertSqlSafe(sql))
                .fetch_one(pool)
                .await?
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// PostgreSQL: replaces the whole current schema with the tables that
    /// [`Store::export_tables`] wrote to `dir`, in **one transaction**: every
    /// object of the schema is dropped, this binary's migrations rebuild it
    /// up to `version` (the backup's), the rows are loaded, and the newer
    /// migrations run. PostgreSQL's DDL is transactional, so a failure or a
    /// killed process at any moment leaves the schema exactly as it was.
    pub async fn postgres_restore(
        &self,
        dir: &Path,
        dumps: &[TableDump],
        version: i64,
    ) -> Result<()> {
        let Db::Postgres(pool) = &self.db else {
            return Err(StorageError::Corrupt(
                "a table import needs a PostgreSQL database".into(),
            ));
        };
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(CLEAR_SCHEMA).execute(&mut *tx).await?;
        // Each migration runs in a savepoint of this transaction.
        POSTGRES_MIGRATIONS
            .run_to(version, &mut *tx)
            .await
            .map_err(newer_database)?;
        load_tables(&mut tx, dir, dumps).await?;
        POSTGRES_MIGRATIONS
            .run(&mut *tx)
            .await
            .map_err(newer_database)?;
        tx.commit().await?;
        Ok(())
    }
}

/// Drops every table, view, sequence, function and type of the current
/// schema, so migrations can build it afresh.
const CLEAR_SCHEMA: &str = "DO $$ DECLARE r record; BEGIN
   FOR r IN SELECT viewname FROM pg_views WHERE schemaname = current_schema() LOOP
     EXECUTE format('DROP VIEW IF EXISTS %I CASCADE', r.viewname); END LOOP;
   FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
     EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename); END LOOP;
   FOR r IN SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema() LOOP
     EXECUTE format('DROP SEQUENCE IF EXISTS %I CASCADE', r.sequence_name); END LOOP;
   FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
            WHERE p.pronamespace = current_schema()::regnamespace LOOP
     EXECUTE 'DROP ROUTINE IF EXISTS ' || r.f || ' CASCADE'; END LOOP;
   FOR r IN SELECT t.typname FROM pg_type t WHERE t.typnamespace = current_schema()::regnamespace
            AND t.typtype IN ('e', 'd', 'c') AND NOT EXISTS
            (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid) LOOP
     EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname); END LOOP;
 END $$";

/// Loads the tables of `dir` into a schema at the backup's migration
/// version, inside the caller's transaction. Rows the migrations themselves
/// inserted are replaced, user triggers are off while loading (the backup
/// already holds what they derive), and identity counters continue after
/// the largest id.
async fn load_tables(tx: &mut sqlx::PgConnection, dir: &Path, dumps: &[TableDump]) -> Result<()> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY table_name",
    )
    .fetch_all(&mut *tx)
    .await?;
    if let Some(dump) = dumps.iter().find(|d| !tables.contains(&d.table)) {
        return Err(StorageError::Corrupt(format!(
            "the backup has a table {} that this schema does not",
            dump.table
        )));
    }
    if !tables.is_empty() {
        let all = tables.iter().map(|t| quote_ident(t)).collect::<Vec<_>>();
        let sql = format!("TRUNCATE {} RESTART IDENTITY CASCADE", all.join(", "));
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
    }
    for table in &tables {
        let sql = format!("ALTER TABLE {} DISABLE TRIGGER USER", quote_ident(table));
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
    }
    for table in load_order(&mut *tx, &tables).await? {
        if !dumps.iter().any(|d| d.table == table) {
            continue;
        }
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position",
        )
        .bind(&table)
        .fetch_all(&mut *tx)
        .await?;
        let list = columns
            .iter()
            .map(|c| quote_ident(c))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {t} ({list}) OVERRIDING SYSTEM VALUE \
             SELECT {list} FROM json_populate_recordset(NULL::{t}, $1::json)",
            t = quote_ident(&table)
        );
        let file = std::fs::File::open(dir.join(format!("{table}.jsonl")))
            .map_err(|e| io_error(&table, e))?;
        let mut batch = Vec::with_capacity(BATCH);
        let mut lines = std::io::BufReader::new(file).lines();
        loop {
            let line = lines.next().transpose().map_err(|e| io_error(&table, e))?;
            if let Some(line) = &line {
                batch.push(line.clone());
            }
            if batch.len() == BATCH || (line.is_none() && !batch.is_empty()) {
                let json = format!("[{}]", batch.join(","));
                sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(json)
                    .execute(&mut *tx)
                    .await?;
                batch.clear();
            }
            if line.is_none() {
                break;
            }
        }
    }
    // Deferred foreign keys (a topic's parent, a comment's parent: rows a
    // table loads in id order may point forward) are checked now; their
    // pending checks would block the ALTER TABLEs below.
    sqlx::query("SET CONSTRAINTS ALL IMMEDIATE")
        .execute(&mut *tx)
        .await?;
    for table in &tables {
        let sql = format!("ALTER TABLE {} ENABLE TRIGGER USER", quote_ident(table));
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
    }
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (table, column) in identities {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({c}), 0) + 1, false) FROM {t}",
            c = quote_ident(&column),
            t = quote_ident(&table)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(quote_ident(&table))
            .bind(&column)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Tables ordered so that every table comes after the tables its foreign
/// keys point to (a table pointing to itself is loaded in id order).
async fn load_order(tx: &mut sqlx::PgConnection, tables: &[String]) -> Result<Vec<String>> {
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(tx)
    .await?;
    let unquote = |name: &str| name.trim_matches('"').replace("\"\"", "\"");
    let mut ordered: Vec<String> = Vec::with_capacity(tables.len());
    let mut left: Vec<&String> = tables.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|table| {
            let ready = edges.iter().all(|(child, parent)| {
                unquote(child) != **table
                    || unquote(parent) == **table
                    || ordered.contains(&unquote(parent))
                    || !tables.contains(&unquote(parent))
            });
            if ready {
                ordered.push((*table).clone());
            }
            !ready
        });
        if left.len() == before {
            // A cycle of foreign keys: load the rest as they come.
            ordered.extend(left.drain(..).cloned());
        }
    }
    Ok(ordered)
}

fn io_error(table: &str, error: std::io::Error) -> StorageError {
    StorageError::Corrupt(format!("table {table}: {error}"))
}
