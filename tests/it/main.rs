//! The integration test binary: storage contract suite on both backends,
//! reader pages over real HTTP, imports and the command line.

mod helpers;

mod cache;
mod cache_props;
mod cli;
mod imports;
mod reader;
mod storage;
