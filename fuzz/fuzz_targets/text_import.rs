//! The seed text format (`masthead import text`): any file is either a page
//! or an error that names a line of the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead::imports::text;

fuzz_target!(|file: &str| {
    match text::parse(file, "D, d/m/Y - H:i") {
        Ok(page) => {
            assert!(
                !page.headline.trim().is_empty(),
                "a page without a headline"
            );
        }
        Err(error) => {
            let lines = file.lines().count().max(1);
            assert!(
                error.line >= 1 && error.line <= lines + 1,
                "error names line {} of a {lines}-line file",
                error.line
            );
            assert!(!error.message.is_empty(), "an error without a message");
        }
    }
});
