//! Independent validators, run as external programs: xmllint (libxml2) for
//! sitemaps against the official XSDs, and Python's feedparser and
//! jsonschema for feeds, JSON Feed, JSON-LD and ninjs. `.ci/run` installs
//! them; on a laptop without them the checks skip loudly, in CI they fail.

use std::path::PathBuf;
use std::process::Command;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The vendored schema `name` (tests/fixtures/standards).
pub fn standard(name: &str) -> PathBuf {
    root().join("tests/fixtures/standards").join(name)
}

fn missing<T>(tool: &str, why: &str) -> Option<T> {
    if in_ci() {
        panic!("{tool} is required in CI ({why}); .ci/run installs it");
    }
    eprintln!("SKIPPED: {tool} unavailable ({why}); run .ci/run or install it");
    None
}

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import feedparser, jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs tests/validators/validate.py; `Some(stdout)` when valid, a panic
/// with the validator's errors when not, `None` when Python is missing
/// outside CI.
pub fn python(args: &[&str], document: &[u8]) -> Option<String> {
    if !python_ready() {
        return missing(
            "python3 with feedparser and jsonschema",
            "feed and JSON validation",
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("document");
    std::fs::write(&file, document).expect("write document");
    let mut command = Command::new("python3");
    command
        .arg(root().join("tests/validators/validate.py"))
        .args(args)
        .arg(&file);
    let output = command.output().expect("run python3");
    assert!(
        output.status.success(),
        "validate.py {args:?} found errors:\n{}\ndocument:\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(document)
    );
    Some(String::from_utf8(output.stdout).expect("utf-8"))
}

/// A feed parsed by feedparser (fails on any parse error).
pub fn feed(document: &[u8]) -> Option<serde_json::Value> {
    python(&["feed"], document).map(|out| serde_json::from_str(&out).expect("validator JSON"))
}

/// A JSON document validated against a vendored JSON Schema.
pub fn json_schema(schema: &str, document: &[u8]) -> Option<serde_json::Value> {
    let schema = standard(schema);
    python(&["jsonschema", schema.to_str().unwrap()], document)
        .map(|out| serde_json::from_str(&out).expect("validator JSON"))
}

/// Every JSON-LD block of a page, validated against a vendored schema.
pub fn json_ld(schema: &str, html: &str) -> Option<Vec<serde_json::Value>> {
    let schema = standard(schema);
    python(&["jsonld", schema.to_str().unwrap()], html.as_bytes())
        .map(|out| serde_json::from_str(&out).expect("validator JSON"))
}

/// An XML document validated by xmllint against a vendored XSD; `Some(())`
/// when valid, a panic with xmllint's errors when not.
pub fn xsd(schema: &str, document: &[u8]) -> Option<()> {
    if Command::new("xmllint").arg("--version").output().is_err() {
        return missing("xmllint (libxml2-utils)", "sitemap XSD validation");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("document.xml");
    std::fs::write(&file, document).expect("write document");
    let output = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(standard(schema))
        .arg(&file)
        .output()
        .expect("run xmllint");
    assert!(
        output.status.success(),
        "xmllint --schema {schema} found errors:\n{}\ndocument:\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(document)
    );
    Some(())
}
