//! masthead: a news publishing platform. See `docs/ARCHITECTURE.md` for the
//! map; calls go one way: `http` and `cli` → domain modules → `storage`.

pub mod app;
pub mod articles;
pub mod cache;
pub mod cli;
pub mod config;
pub mod dates;
pub mod http;
pub mod imports;
pub mod rendering;
pub mod sections;
pub mod site;
pub mod storage;
pub mod teasers;
