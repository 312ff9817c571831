//! A reader's search text: whatever is typed, the query sent to SQLite FTS5
//! is valid syntax (no reader gets a 500 for a stray quote or operator) and
//! the PostgreSQL form is built without a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use masthead::search::query::Query;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

struct Engine {
    runtime: tokio::runtime::Runtime,
    pool: SqlitePool,
}

/// One in-memory FTS5 table shaped like the site's (`articles_fts`).
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let pool = runtime.block_on(async {
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with("sqlite::memory:".parse::<SqliteConnectOptions>().expect("url"))
                .await
                .expect("in-memory SQLite");
            sqlx::query("CREATE VIRTUAL TABLE articles_fts USING fts5(headline, body, tokenize = 'porter unicode61 remove_diacritics 2')")
                .execute(&pool)
                .await
                .expect("fts5 table");
            sqlx::query("INSERT INTO articles_fts (headline, body) VALUES ('Brexit vote', 'The result of the vote')")
                .execute(&pool)
                .await
                .expect("a row");
            pool
        });
        Engine { runtime, pool }
    })
}

fuzz_target!(|text: &str| {
    let query = Query::parse(text);
    let _ = query.to_websearch();
    if query.is_empty() {
        return;
    }
    let fts = query.to_fts5();
    let engine = engine();
    let result = engine.runtime.block_on(
        sqlx::query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH $1")
            .bind(&fts)
            .fetch_all(&engine.pool),
    );
    if let Err(error) = result {
        panic!("{text:?} became {fts:?}, which FTS5 refuses: {error}");
    }
});
