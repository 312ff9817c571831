//! masthead: a news publishing platform. See `docs/ARCHITECTURE.md` for the
//! map; calls go one way: `http` and `cli` → domain modules → `storage`.

pub mod accounts;
pub mod actor;
pub mod app;
pub mod articles;
pub mod audit;
// issue 13: autosaves and presence of the story editor
pub mod autosaves;
pub(crate) mod cache;
pub mod cli;
pub mod comments;
pub mod config;
pub mod corrections;
pub mod editor_bundle;
pub mod feeds;
pub mod fronts;
pub mod http;
pub mod imports;
pub mod languages;
pub mod live;
pub mod media;
pub mod ops;
pub mod publishing;
pub mod redirects;
pub(crate) mod rendering;
pub mod search;
pub mod sections;
pub mod site;
pub mod storage;
pub mod text;
pub mod topics;
// issue 11: the people bylines link to
pub mod people;
// issue 10: who the client is behind reverse proxies
pub mod outbound;
pub mod pages;
pub mod proxies;
