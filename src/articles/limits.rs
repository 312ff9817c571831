//! How large a story's fields may be, and how deeply its Markdown body may
//! nest, checked before anything renders it.
//!
//! Why: pulldown-cmark and the sanitizer after it take time that grows
//! faster than the text for deeply nested input (`> > > > ...`, `- - - ...`,
//! `[[[[...`), so 100 KB of nesting could hold a request for 30 CPU-seconds.
//! The depth scan here is one linear pass over the bytes and refuses such a
//! body before it is parsed. The size limits are newsroom-generous: no real
//! story comes near them.

/// Longest headline, in characters.
pub const HEADLINE_CHARS: usize = 300;
/// Longest standfirst and hand-written teaser, in characters.
pub const STANDFIRST_CHARS: usize = 1_000;
/// Longest dateline, in characters.
pub const DATELINE_CHARS: usize = 200;
/// Longest bylines or tags, all of them together, in characters.
pub const LIST_CHARS: usize = 2_000;
/// Longest address (slug), in characters.
pub const SLUG_CHARS: usize = 200;
/// Largest body, in bytes of Markdown (or imported HTML).
pub const BODY_BYTES: usize = 1 << 20;
/// Deepest nesting of blocks (quotes, lists) or of brackets and emphasis.
pub const NESTING: usize = 32;

/// A field over its limit; the message says which and by how much.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("the {field} is {length} characters long; the limit is {limit}")]
    TooLong {
        field: &'static str,
        length: usize,
        limit: usize,
    },
    #[error("the body is {length} bytes; the limit is {limit} bytes (1 MiB)")]
    BodyTooLarge { length: usize, limit: usize },
    #[error(
        "the body nests {what} {depth} levels deep on line {line}; the limit is {limit} levels"
    )]
    TooDeep {
        what: &'static str,
        depth: usize,
        line: usize,
        limit: usize,
    },
}

/// Checks one text field's length in characters.
pub fn check_chars(field: &'static str, text: &str, limit: usize) -> Result<(), LimitError> {
    // Bytes bound characters from above: skip counting short text.
    if text.len() <= limit {
        return Ok(());
    }
    let length = text.chars().count();
    if length > limit {
        return Err(LimitError::TooLong {
            field,
            length,
            limit,
        });
    }
    Ok(())
}

/// Checks a body's size and nesting depth, in one pass over its bytes.
pub fn check_body(body: &str) -> Result<(), LimitError> {
    if body.len() > BODY_BYTES {
        return Err(LimitError::BodyTooLarge {
            length: body.len(),
            limit: BODY_BYTES,
        });
    }
    let too_deep = |what, depth, line| LimitError::TooDeep {
        what,
        depth,
        line,
        limit: NESTING,
    };
    // Inline depth (brackets, emphasis openers) runs across the lines of a
    // paragraph and starts again after a blank line.
    let mut inline = 0usize;
    for (index, line) in body.split('\n').enumerate() {
        let number = index + 1;
        let bytes = line.as_bytes();
        if line.trim().is_empty() {
            inline = 0;
            continue;
        }
        let depth = block_depth(bytes);
        if depth > NESTING {
            return Err(too_deep("quotes or lists", depth, number));
        }
        let mut previous = b' ';
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match b {
                b'\\' => {
                    // An escaped character opens nothing.
                    i += 2;
                    previous = b'a';
                    continue;
                }
                b'[' => inline += 1,
                b']' => inline = inline.saturating_sub(1),
                b'*' | b'_' | b'~' => {
                    let run_end = bytes[i..]
                        .iter()
                        .position(|&c| c != b)
                        .map_or(bytes.len(), |n| i + n);
                    let next = bytes.get(run_end).copied().unwrap_or(b' ');
                    let opens = !next.is_ascii_whitespace()
                        && (previous.is_ascii_whitespace() || previous.is_ascii_punctuation());
                    let closes = !previous.is_ascii_whitespace()
                        && (next.is_ascii_whitespace() || next.is_ascii_punctuation());
                    if opens && !closes {
                        inline += 1;
                    } else if closes && !opens {
                        inline = inline.saturating_sub(1);
                    }
                    previous = b;
                    i = run_end;
                    continue;
                }
                _ => {}
            }
            if inline > NESTING {
                return Err(too_deep("brackets or emphasis", inline, number));
            }
            previous = b;
            i += 1;
        }
        if inline > NESTING {
            return Err(too_deep("brackets or emphasis", inline, number));
        }
    }
    Ok(())
}

/// How many containers (quote markers, list markers, and list levels made
/// by indentation before one) open a line.
fn block_depth(line: &[u8]) -> usize {
    let mut depth = 0;
    let mut indent = 0;
    let mut i = 0;
    loop {
        while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
            // Only the indentation before the first marker nests lists;
            // the space after a marker is part of it.
            if depth == 0 {
                indent += if line[i] == b'\t' { 4 } else { 1 };
            }
            i += 1;
        }
        let rest = &line[i..];
        let marker = match rest.first() {
            Some(b'>') => 1,
            Some(b'-' | b'*' | b'+') if rest.get(1).is_none_or(|c| *c == b' ' || *c == b'\t') => 1,
            Some(c) if c.is_ascii_digit() => {
                let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
                match rest.get(digits) {
                    Some(b'.' | b')')
                        if digits <= 9
                            && rest
                                .get(digits + 1)
                                .is_none_or(|c| *c == b' ' || *c == b'\t') =>
                    {
                        digits + 1
                    }
                    _ => 0,
                }
            }
            _ => 0,
        };
        if marker == 0 {
            break;
        }
        depth += 1;
        i += marker;
    }
    // Indentation nests lists only under a marker; each level takes at
    // least two columns.
    if depth > 0 { depth + indent / 2 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_stories_pass() {
        let body = "Intro with *emphasis*, **strong**, a [link](https://x.example) and snake_case.\n\n\
                    > A quote\n> > nested once\n\n- a list\n  - nested\n    1. numbered\n\n\
                    2016. A year starts this line.\n\n    indented code * [ _\n";
        assert_eq!(check_body(body), Ok(()));
    }

    #[test]
    fn nesting_at_the_limit_passes_and_one_more_is_refused() {
        for marker in ["> ", "- ", "1. ", "* "] {
            assert_eq!(check_body(&marker.repeat(NESTING)), Ok(()), "{marker}");
            assert_eq!(
                check_body(&format!("{}deep", marker.repeat(NESTING))),
                Ok(()),
                "{marker}"
            );
            let error = check_body(&marker.repeat(NESTING + 1)).unwrap_err();
            assert!(
                matches!(
                    error,
                    LimitError::TooDeep {
                        depth: 33,
                        line: 1,
                        ..
                    }
                ),
                "{marker}: {error}"
            );
        }
        assert_eq!(check_body(&"[".repeat(NESTING)), Ok(()));
        assert!(check_body(&"[".repeat(100_000)).is_err());
        assert!(check_body(&"*a ".repeat(50_000)).is_err());
        assert!(check_body(&"_a ".repeat(50_000)).is_err());
        // Lists nested by indentation.
        let indented: String = (0..40)
            .map(|n| format!("{}- item\n", "  ".repeat(n)))
            .collect();
        assert!(check_body(&indented).is_err());
    }

    #[test]
    fn sizes_are_counted_in_characters_with_the_limit_allowed() {
        assert_eq!(check_chars("headline", &"é".repeat(300), 300), Ok(()));
        assert_eq!(
            check_chars("headline", &"a".repeat(100_000), 300)
                .unwrap_err()
                .to_string(),
            "the headline is 100000 characters long; the limit is 300"
        );
        assert_eq!(check_body(&"a".repeat(BODY_BYTES)), Ok(()));
        assert!(check_body(&"a".repeat(BODY_BYTES + 1)).is_err());
    }
}
