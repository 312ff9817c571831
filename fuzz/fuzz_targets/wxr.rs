//! The WordPress export reader (`imports::wxr`): any bytes give events and
//! then the end or an error, never a panic and never an endless loop; every
//! position (an item's, an error's) is a real place in the input; and the
//! same input read through a tiny buffer gives the same events and errors
//! (positions are counted as the bytes stream by, whatever the chunks).
#![no_main]

use std::io::{BufRead, BufReader};

use libfuzzer_sys::fuzz_target;
use masthead::imports::wxr::{Limits, Position, WxrError, WxrEvent, WxrReader};

/// Characters per line, lines broken as the reader breaks them (`\n`,
/// `\r\n`, a lone `\r`), characters counted as UTF-8 lead bytes.
fn line_lengths(input: &[u8]) -> Vec<u64> {
    let mut lines = vec![0];
    let mut after_cr = false;
    for &b in input {
        match b {
            b'\n' if after_cr => after_cr = false,
            b'\n' | b'\r' => {
                lines.push(0);
                after_cr = b == b'\r';
            }
            _ => {
                after_cr = false;
                if b & 0xC0 != 0x80 {
                    *lines.last_mut().unwrap() += 1;
                }
            }
        }
    }
    lines
}

fn check_position(position: Position, lines: &[u64], what: &str) {
    assert!(
        position.line >= 1 && position.column >= 1,
        "{what} at {position}"
    );
    let length = lines.get(position.line as usize - 1).unwrap_or_else(|| {
        panic!("{what} at {position}, in a file of {} lines", lines.len())
    });
    assert!(
        position.column <= length + 1,
        "{what} at {position}, on a line of {length} characters"
    );
}

/// Every event, then the error if reading stopped at one.
fn read_all(
    reader: impl BufRead,
    limits: Limits,
    input_len: usize,
) -> (Vec<WxrEvent>, Option<WxrError>) {
    let mut reader = WxrReader::with_limits(reader, limits);
    let mut events = Vec::new();
    loop {
        // Each event consumes at least one element of the input.
        assert!(events.len() <= input_len + 1, "more events than bytes");
        match reader.next_event() {
            Ok(Some(event)) => events.push(event),
            Ok(None) => return (events, None),
            Err(error) => {
                assert!(reader.next_event().unwrap().is_none(), "events after an error");
                return (events, Some(error));
            }
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let lines = line_lengths(input);
    let small = Limits {
        value_bytes: 256,
        item_bytes: 1024,
        depth: 8,
    };
    for limits in [Limits::default(), small] {
        let (events, error) = read_all(input, limits, input.len());
        if let Some(WxrEvent::Site(site)) = events.first() {
            assert!(site.wxr_version.starts_with("1."), "{site:?}");
        }
        for (i, event) in events.iter().enumerate() {
            assert_eq!(i == 0, matches!(event, WxrEvent::Site(_)), "the site first, once");
            if let WxrEvent::Item(item) = event {
                check_position(item.position, &lines, "an item");
            }
        }
        if let Some(error) = &error {
            check_position(error.position, &lines, "an error");
            for item in error.in_item.iter().chain(&error.after_item) {
                check_position(item.position, &lines, "an item named in an error");
            }
            assert!(!error.to_string().is_empty());
        }

        if limits == Limits::default() {
            let tiny = BufReader::with_capacity(3, input);
            let (tiny_events, tiny_error) = read_all(tiny, limits, input.len());
            assert_eq!(events, tiny_events, "events differ with a tiny buffer");
            assert_eq!(
                error.map(|e| e.to_string()),
                tiny_error.map(|e| e.to_string()),
                "errors differ with a tiny buffer"
            );
        }
    }
});
