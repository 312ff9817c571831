//! HTML from anywhere (imports, the API, a paste) through the sanitizer:
//! never a panic, no element that runs script, no event handler, and
//! sanitizing twice changes nothing more (what was stored renders the same).
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead::rendering::markdown;

fuzz_target!(|html: &str| {
    let clean = markdown::sanitize(html);
    let lower = clean.to_ascii_lowercase();
    for opening in [
        "<script", "<style", "<iframe", "<object", "<embed", "<svg", "<form",
    ] {
        assert!(!lower.contains(opening), "{opening} survived in {clean:?}");
    }
    let mut inside = false;
    let mut attributes = String::new();
    for c in lower.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            _ if inside => attributes.push(c),
            _ => {}
        }
    }
    for attribute in [
        " onerror=",
        " onload=",
        " onclick=",
        " style=",
        "javascript:",
    ] {
        assert!(
            !attributes.contains(attribute),
            "{attribute} survived in {clean:?}"
        );
    }
    let again = markdown::sanitize(&clean);
    assert_eq!(
        markdown::sanitize(&again),
        again,
        "sanitizing is not stable on {html:?}"
    );
});
