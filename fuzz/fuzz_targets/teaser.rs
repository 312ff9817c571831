//! The Drupal 7 teaser rule on any text and any length: the teaser is the
//! whole text when it fits, else a prefix cut back to a word boundary with
//! `...`, never longer than asked; teasers from HTML never panic.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use masthead::text::teasers;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    text: &'a str,
    max_length: u16,
}

fuzz_target!(|input: Input<'_>| {
    let max = usize::from(input.max_length % 600);
    let teaser = teasers::trim(input.text, max);
    if input.text.chars().count() <= max {
        assert_eq!(teaser, input.text, "a text that fits was changed");
    } else {
        let kept = teaser
            .strip_suffix("...")
            .unwrap_or_else(|| panic!("a cut teaser without an ellipsis: {teaser:?}"));
        assert!(
            kept.chars().count() <= max,
            "teaser longer than {max}: {teaser:?}"
        );
        assert!(
            input.text.starts_with(kept),
            "teaser is not a prefix: {teaser:?}"
        );
    }
    let _ = teasers::from_html(input.text, max);
});
