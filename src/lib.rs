//! masthead: a news publishing platform. See `docs/ARCHITECTURE.md` for the
//! map; calls go one way: `http` and `cli` → domain modules → `storage`.

pub mod accounts;
pub mod actor;
pub mod api_tokens;
pub mod app;
pub mod articles;
pub mod audit;
pub mod cache;
pub mod cli;
pub mod config;
pub mod dates;
pub mod feeds;
pub mod http;
pub mod imports;
pub mod media;
pub mod publishing;
pub mod rendering;
pub mod search;
pub mod sections;
pub mod site;
pub mod storage;
pub mod story_writes;
pub mod structured_data;
pub mod teasers;
// operations (issue 6)
pub mod backup;
pub mod checks;
pub mod health;
pub mod metrics;
// issue 10: who the client is behind reverse proxies
pub mod outbound;
pub mod proxies;
