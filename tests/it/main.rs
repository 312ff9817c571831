//! The integration test binary: storage contract suite on both backends,
//! reader pages over real HTTP, imports and the command line.

mod helpers;
// accounts
mod accounts;
mod auth_helpers;
mod browser;
mod permissions;

mod cli;
mod imports;
mod media;
mod reader;
mod storage;
