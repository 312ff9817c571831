//! The rich-text body editor's built files (`static/editor.js`, bundled
//! from `editor/` by `scripts/build-editor`, and `static/editor.css`),
//! embedded in the binary so serving needs no Node.js, and their addresses:
//! `/static/editor-<hash>.js` and `.css`, named after their content so they
//! can be cached forever (`immutable`) and a new build gets a new address.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// The minified bundle.
pub const SCRIPT: &[u8] = include_bytes!("../static/editor.js");
/// The editor's stylesheet.
pub const STYLESHEET: &[u8] = include_bytes!("../static/editor.css");

/// `/static/<stem>-<first 16 hex digits of the SHA-256 of bytes>.<ext>`.
fn hashed(stem: &str, ext: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("/static/{stem}-{hex}.{ext}")
}

static SCRIPT_PATH: LazyLock<String> = LazyLock::new(|| hashed("editor", "js", SCRIPT));
static STYLESHEET_PATH: LazyLock<String> = LazyLock::new(|| hashed("editor", "css", STYLESHEET));

/// Where the bundle is served.
pub fn script_path() -> &'static str {
    &SCRIPT_PATH
}

/// Where the stylesheet is served.
pub fn stylesheet_path() -> &'static str {
    &STYLESHEET_PATH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_change_with_the_content() {
        assert!(script_path().starts_with("/static/editor-"));
        assert!(script_path().ends_with(".js"));
        assert_eq!(script_path().len(), "/static/editor-".len() + 16 + 3);
        assert_ne!(hashed("editor", "js", b"a"), hashed("editor", "js", b"b"));
    }
}
