//! The integration test binary: storage contract suite on both backends,
//! reader pages over real HTTP, imports and the command line.

mod helpers;

mod api;
mod cli;
mod distribution;
mod imports;
mod leaks;
mod newsroom;
mod reader;
mod search;
mod storage;
mod validators;
