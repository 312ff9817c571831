//! The integration test binary: storage contract suite on both backends,
//! reader pages over real HTTP, imports and the command line.

mod helpers;
// accounts
mod accounts;
mod auth_helpers;
mod browser;
mod permissions;
// editorial
mod newsroom_browser;
mod stories;
mod story_images;
mod story_limits;

mod api;
mod api_write;
mod cache;
mod cache_props;
mod cli;
mod distribution;
mod html_validity;
mod imports;
mod leaks;
mod media;
mod newsroom;
mod outbound;
mod publishing;
mod reader;
mod search;
mod storage;
mod validators;
mod websub;
// operations (issue 6)
mod backup;
mod crash;
mod desk_writer;
mod ops;
mod procs;
