//! PHP `date()` formats (a site setting an operator types) and the date
//! parser the importer reads pages with: any format and any time format
//! without a panic, any text parses or is refused, and a date written with
//! a numeric format reads back as the same wall time.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use masthead::text::dates::{self, Language};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    format: &'a str,
    text: &'a str,
    seconds: i64,
    zone: u8,
    language: u8,
    numeric: Vec<u8>,
}

const ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
];
const LANGUAGES: &[&str] = &["en", "fr", "de-AT", "zh-Hant", "pt_BR", "ar"];

fuzz_target!(|input: Input<'_>| {
    // jiff's range is about years -9999..=9999.
    let seconds = input.seconds % 253_000_000_000;
    let tz = dates::time_zone(ZONES[usize::from(input.zone) % ZONES.len()]).expect("known zone");
    let lang = Language::parse(LANGUAGES[usize::from(input.language) % LANGUAGES.len()]);
    let _ = dates::format_php(input.format, seconds, &tz, lang);
    let _ = dates::parse_php(input.format, input.text);

    // Round trip: a format built only of numeric fields, with separators.
    let fields = ['d', 'm', 'Y', 'H', 'i', 's'];
    let mut format = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            let sep = input.numeric.get(i).copied().unwrap_or(b'/');
            format.push(match sep % 4 {
                0 => '/',
                1 => '-',
                2 => ' ',
                _ => ':',
            });
        }
        format.push(*field);
    }
    let seconds = seconds.rem_euclid(4_102_444_800); // 1970..2100: four-digit years
    let shown = dates::format_php(&format, seconds, &tz, Language::english());
    let parsed = dates::parse_php(&format, &shown)
        .unwrap_or_else(|e| panic!("{shown:?} written with {format:?} does not read back: {e}"));
    let wall = tz.to_datetime(jiff::Timestamp::from_second(seconds).expect("in range"));
    assert_eq!(parsed, wall, "{shown:?} read back as another time");
});
