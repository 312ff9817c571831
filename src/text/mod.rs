//! The pure text rules, with no storage and no I/O: PHP `date()` formats
//! (display and parsing, shared by the pages and the importers), the teaser
//! rule, and Markdown to sanitized HTML.

pub mod dates;
pub mod markdown;
pub mod teasers;
