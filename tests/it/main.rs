//! The integration test binary: storage contract suite on both backends,
//! reader pages over real HTTP, imports and the command line.

// One binary: `pub` in its modules only shares helpers between them.
#![allow(unreachable_pub)]

mod support;
// accounts
mod accounts;
// issue 13: autosave and presence
mod autosave;
mod autosave_browser;
mod browser;
mod permissions;
mod sign_in_throttle;
// editorial
mod comments_browser;
mod editor_browser;
mod embeds;
mod embeds_browser;
mod newsroom_browser;
mod stories;
mod story_images;
mod story_limits;
mod topics;
// issue 11: people
mod people;
mod topics_browser;

mod api;
mod api_write;
mod cache;
mod cache_hits;
mod cache_props;
mod cli;
// several nodes behind nginx (issue 15)
mod cluster;
mod comments;
mod connections;
mod corrections;
mod distribution;
mod drupal7;
mod encodings;
mod fronts;
mod fronts_browser;
mod html_validity;
mod imports;
mod kept_fields;
mod languages;
mod leaks;
mod live;
mod live_browser;
mod login_next;
mod media;
// media in object storage (issue 15)
mod media_store;
mod newsroom;
mod one_way;
mod outbound;
mod pages;
mod publishing;
mod raw_http;
mod read_path;
mod reader;
mod redirects;
mod rich_body;
mod search;
mod storage;
mod validators;
mod websub;
mod wordpress;
// operations (issue 6)
mod backup;
mod crash;
mod desk_checks;
mod desk_writer;
mod ops;
// when the machine runs out (issue 17)
mod machine;
mod machine_browser;
