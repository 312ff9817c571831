//! The pure text rules, with no storage and no I/O: PHP `date()` formats
//! (display and parsing, shared by the pages and the importers), the teaser
//! rule, Markdown to sanitized HTML, and the embeds' provider allow-list.

pub mod dates;
pub mod embeds;
pub mod markdown;
pub mod teasers;
