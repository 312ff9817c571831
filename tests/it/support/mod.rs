//! The integration tests' support: a fresh database per test ([`db`]: SQLite
//! in a temp folder or a PostgreSQL schema cloned from a template migrated
//! once per run), the app served over HTTP ([`app`]), typed visitors
//! ([`session`]: `get`, `post_form`, `api`, `sign_in`, `audit_log`
//! answering a [`Page`], for the app or for a server of its own), page
//! selections ([`html`]), the real binary ([`procs`]), a real
//! S3-compatible server ([`s3`]) and several nodes behind nginx ([`cluster`]).
//!
//! Tests import from here: `use crate::support::{Backend, spawn, ...}`.

#![allow(
    dead_code,
    unused_imports,
    reason = "shared support; not every suite uses each piece"
)]

pub mod app;
pub mod cluster;
pub mod db;
pub mod html;
pub mod pg_server;
pub mod procs;
pub mod s3;
pub mod session;

pub use app::{TestApp, serve, serve_with_media, spawn, spawn_with};
pub use db::{Backend, TestStore, demo_site, in_ci, postgres_url, sqlite_store_in, store};
pub use html::{select, text_blocks, text_of};
pub use session::{PASSWORD, Page, Session, cookie_client, create_user, link_path};

/// The seed page, as shipped in the repository.
pub const SEED: &str = include_str!("../../../fixtures/seed-page.txt");

/// 2026-11-24T12:00:00Z: "now" in tests with a fixed clock.
pub const NOW: i64 = 1_795_521_600;

/// Runs one async test body on both backends: `both!(name, body_fn)` makes
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        }
    )*};
}
