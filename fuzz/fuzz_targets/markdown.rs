//! Markdown from an editor (or an API client) through the renderer and the
//! sanitizer: never a panic, and never an element or attribute that could
//! run script in a reader's browser, also for text escaped as plain text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead::text::markdown;

#[path = "../html_check.rs"]
mod html_check;

fuzz_target!(|source: &str| {
    html_check::assert_safe(&markdown::to_html(source));
    html_check::assert_safe(&markdown::to_html(&markdown::escape_plain_text(source)));
});
