//! The `masthead` binary, run as a user runs it.

use std::process::Command;

fn masthead() -> Command {
    Command::new(env!("CARGO_BIN_EXE_masthead"))
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["init", "--help"],
        &["import", "text", "--help"],
        &["migrate", "--help"],
        &["user", "add", "--help"],
        &["user", "reset-password", "--help"],
    ] {
        let output = masthead().args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn importing_a_malformed_file_names_the_line_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.txt");
    std::fs::write(&file, "Headline\n\nBody paragraph.\n\nMore from World\n").unwrap();
    let output = masthead()
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["import", "text"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("page.txt: line 5:"), "{stderr}");
    let ok = masthead()
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["import", "text"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/seed-page.txt"
        ))
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("into World with 5 related stories"));
}

#[test]
fn the_shipped_seed_is_the_shared_fixture() {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/seed-page.txt"
    );
    if let Ok(original) = std::fs::read_to_string(shared) {
        assert_eq!(original, include_str!("../../fixtures/seed-page.txt"));
    }
}
