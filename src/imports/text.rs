//! Parser of the seed's plain-text page format (see
//! `shared/fixtures/seed-page.txt`): a story page as an old Drupal site
//! showed it, copied out as text.
//!
//! ```text
//! US to send 560 additional troops to Iraq          <- headline
//!
//! US Secretary of Defence Ashton Carter said ...    <- body paragraphs,
//!                                                      blank-line separated
//! The new troops will be stationed in ...
//!
//! Last update: Mon, 11/07/2016 - 23:09              <- ends the body
//!
//! More from World                                   <- section name
//!
//! Trump vows to return power to the people ...      <- related story title
//!
//! US President Donald Trump on Friday vowed ...     <- its teaser
//! ```
//!
//! This module owns the reading of that format into a [`TextPage`] and the
//! reading of the displayed date through the PHP `date()` format the site
//! used. It is pure: no database, no files. It tolerates `\r\n` line ends,
//! a byte order mark, whitespace around lines, several blank lines in a
//! row and a missing final newline; anything else that does not fit is a
//! [`ParseError`] naming the 1-based line of the file.

use jiff::civil::DateTime;

use crate::text::dates::{self, DateProblem};

/// One page in the seed's text format, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPage {
    /// The first line of the page.
    pub headline: String,
    /// Body paragraphs, kept exactly as written (no quote conversion),
    /// trimmed of surrounding whitespace. A paragraph written over several
    /// consecutive lines is joined with single spaces.
    pub paragraphs: Vec<String>,
    /// The `Last update:` date: local wall time as shown.
    pub last_update: DateTime,
    /// The section named by the `More from <Section>` line, e.g. "World".
    pub section: String,
    /// Related stories, in page order (newest first).
    pub related: Vec<RelatedStory>,
}

/// A story listed under `More from <Section>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedStory {
    pub title: String,
    pub teaser: String,
}

/// Why a page could not be read, and where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number in the file.
    pub line: usize,
    /// What was expected and what was found, in an editor's words.
    pub message: String,
}

/// What starts the line that ends the body and carries the date.
const LAST_UPDATE: &str = "Last update:";
/// What starts the line naming the section of the related stories.
const MORE_FROM: &str = "More from";

/// Parses the text. `date_format` is the PHP date() format the page shows its dates in ("D, d/m/Y - H:i" for the seed).
pub fn parse(text: &str, date_format: &str) -> Result<TextPage, ParseError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let lines: Vec<Line<'_>> = text
        .lines()
        .enumerate()
        .map(|(index, text)| Line {
            number: index + 1,
            text: text.trim(),
        })
        .collect();
    let mut lines = Lines {
        end_line: lines.len().max(1),
        lines,
        next: 0,
    };

    // The headline.
    let Some(headline) = lines.next_non_blank() else {
        return Err(error(
            1,
            "the file is empty; expected a headline on the first line",
        ));
    };
    if headline.text.starts_with(LAST_UPDATE) {
        return Err(error(
            headline.number,
            format!("expected a headline, found the \"{LAST_UPDATE}\" line first"),
        ));
    }
    if let Some(next) = lines.peek()
        && !next.text.is_empty()
        && !next.text.starts_with(LAST_UPDATE)
    {
        return Err(error(
            next.number,
            format!(
                "expected a blank line after the headline, found \"{}\"",
                next.text
            ),
        ));
    }

    // The body, up to the "Last update:" line.
    let mut paragraphs: Vec<String> = Vec::new();
    let mut paragraph: Option<String> = None;
    let mut more_from_in_body = None;
    let mut last_update_line = None;
    for line in lines.by_ref() {
        if line.text.is_empty() {
            paragraphs.extend(paragraph.take());
        } else if line.text.starts_with(LAST_UPDATE) {
            last_update_line = Some(line);
            break;
        } else {
            if section_name(line.text).is_some() {
                more_from_in_body = Some(line);
            }
            match paragraph.as_mut() {
                Some(paragraph) => {
                    paragraph.push(' ');
                    paragraph.push_str(line.text);
                }
                None => paragraph = Some(line.text.to_owned()),
            }
        }
    }
    paragraphs.extend(paragraph.take());

    if paragraphs.is_empty() {
        return Err(match last_update_line {
            Some(line) => error(
                line.number,
                format!(
                    "expected at least one body paragraph between the headline and \
                     \"{LAST_UPDATE}\", found none"
                ),
            ),
            None => error(
                lines.end_line,
                "expected body paragraphs after the headline, found the end of the file",
            ),
        });
    }
    let Some(last_update_line) = last_update_line else {
        return Err(match more_from_in_body {
            Some(line) => error(
                line.number,
                format!(
                    "expected a \"{LAST_UPDATE} <date>\" line before \"{}\", found none",
                    line.text
                ),
            ),
            None => error(
                lines.end_line,
                format!(
                    "expected a \"{LAST_UPDATE} <date>\" line after the body, \
                     found the end of the file"
                ),
            ),
        });
    };

    // The date.
    let shown = last_update_line.text[LAST_UPDATE.len()..].trim();
    let last_update = dates::parse_php(date_format, shown).map_err(|problem| {
        let message = match problem {
            DateProblem::Unreadable(reason) => format!(
                "cannot read the date \"{shown}\" after \"{LAST_UPDATE}\": expected the \
                 format \"{date_format}\", as in \"{}\"; {reason}",
                example(date_format)
            ),
            DateProblem::WrongWeekday { written, date } => format!(
                "Last update says {written} but {} is a {}",
                dates::english_date(date),
                date.strftime("%A")
            ),
        };
        error(last_update_line.number, message)
    })?;

    // The section.
    let section = match lines.next_non_blank() {
        None => {
            return Err(error(
                lines.end_line,
                format!(
                    "expected a \"{MORE_FROM} <section>\" line after \"{LAST_UPDATE}\", \
                     found the end of the file"
                ),
            ));
        }
        Some(line) => match section_name(line.text) {
            None => {
                return Err(error(
                    line.number,
                    format!(
                        "expected a \"{MORE_FROM} <section>\" line after \"{LAST_UPDATE}\", \
                         found \"{}\"",
                        line.text
                    ),
                ));
            }
            Some("") => {
                return Err(error(
                    line.number,
                    format!(
                        "the \"{MORE_FROM}\" line names no section; expected e.g. \
                         \"{MORE_FROM} World\""
                    ),
                ));
            }
            Some(name) => name.to_owned(),
        },
    };

    // Related stories: title line, teaser line, title line, ...
    let mut related = Vec::new();
    while let Some(title) = lines.next_non_blank() {
        if let Some(problem) = misplaced(title.text) {
            return Err(error(
                title.number,
                format!("expected the title of a related story, found {problem}"),
            ));
        }
        let Some(teaser) = lines.next_non_blank() else {
            return Err(error(
                title.number,
                format!(
                    "the related story \"{}\" has no teaser; expected its teaser on a \
                     following line, found the end of the file",
                    title.text
                ),
            ));
        };
        if teaser.text.starts_with(LAST_UPDATE) {
            return Err(error(
                teaser.number,
                format!(
                    "expected the teaser of \"{}\", found another \"{LAST_UPDATE}\" line",
                    title.text
                ),
            ));
        }
        related.push(RelatedStory {
            title: title.text.to_owned(),
            teaser: teaser.text.to_owned(),
        });
    }

    Ok(TextPage {
        headline: headline.text.to_owned(),
        paragraphs,
        last_update,
        section,
        related,
    })
}

/// A line of the file, trimmed, with its 1-based number.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    number: usize,
    text: &'a str,
}

/// The lines of the file and how far they have been read.
struct Lines<'a> {
    lines: Vec<Line<'a>>,
    next: usize,
    /// The line to name when something is missing at the end of the file.
    end_line: usize,
}

impl<'a> Lines<'a> {
    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.next).copied()
    }

    fn next_non_blank(&mut self) -> Option<Line<'a>> {
        self.by_ref().find(|line| !line.text.is_empty())
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        let line = self.peek()?;
        self.next += 1;
        Some(line)
    }
}

fn error(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

/// The section of a `More from <Section>` line (empty when it names none),
/// or `None` when the line is something else.
fn section_name(line: &str) -> Option<&str> {
    let rest = line.strip_prefix(MORE_FROM)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| rest.trim())
}

/// Describes a line that cannot be a related story's title.
fn misplaced(line: &str) -> Option<String> {
    if line.starts_with(LAST_UPDATE) {
        Some(format!("another \"{LAST_UPDATE}\" line"))
    } else if section_name(line).is_some() {
        Some(format!(
            "a second \"{MORE_FROM}\" line (\"{line}\"); a page has one section of \
             related stories"
        ))
    } else {
        None
    }
}

/// The seed's date (Mon 11 July 2016, 23:09:05) shown with `format`, to
/// show an editor what the format looks like.
fn example(format: &str) -> String {
    let shown = jiff::tz::TimeZone::UTC
        .to_timestamp(jiff::civil::datetime(2016, 7, 11, 23, 9, 5, 0))
        .map(|at| at.as_second())
        .unwrap_or(0);
    dates::format_php(
        format,
        shown,
        &jiff::tz::TimeZone::UTC,
        dates::Language::english(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::datetime;

    const SEED: &str = include_str!("../../fixtures/seed-page.txt");
    const SEED_FORMAT: &str = "D, d/m/Y - H:i";

    fn seed() -> TextPage {
        parse(SEED, SEED_FORMAT).expect("the seed page parses")
    }

    /// Parses `text` with the seed's date format and returns the error.
    fn error_of(text: &str) -> ParseError {
        parse(text, SEED_FORMAT).expect_err("the text should not parse")
    }

    /// A small valid page; line numbers: headline 1, body 3, date 5,
    /// section 7, title 9, teaser 11.
    const SMALL: &str = "Headline\n\nBody.\n\nLast update: Mon, 11/07/2016 - 23:09\n\n\
                         More from World\n\nTitle\n\nTeaser...\n";

    #[test]
    fn the_seed_page_parses_with_its_headline_and_section() {
        let page = seed();
        assert_eq!(page.headline, "US to send 560 additional troops to Iraq");
        assert_eq!(page.section, "World");
        assert_eq!(page.last_update, datetime(2016, 7, 11, 23, 9, 0, 0));
    }

    #[test]
    fn the_seed_page_has_thirteen_body_paragraphs_kept_as_written() {
        let page = seed();
        assert_eq!(page.paragraphs.len(), 13);
        assert_eq!(
            page.paragraphs[0],
            "US Secretary of Defence Ashton Carter said Monday that the US will deploy an \
             additional 560 forces to Iraq as part of its campaign against the Islamic State \
             extremist militia."
        );
        assert_eq!(
            page.paragraphs[1],
            "The new troops will be stationed in Qayyarah airbase, 50 kilometres south of \
             Mosul, Iraq’s second largest city."
        );
        assert_eq!(
            page.paragraphs[5],
            "“The preparations reached an advanced stage to retake Mosul,” al-Obeidi said."
        );
        assert!(page.paragraphs[10].starts_with("\"This is entirely consistent"));
        assert_eq!(
            page.paragraphs[12],
            "However, the al-Qaeda splinter group last week\u{a0}claimed responsibility for two \
             attacks inside and north of Baghdad, leaving more than 300 people dead."
        );
    }

    #[test]
    fn the_seed_page_has_five_related_stories_in_page_order() {
        let page = seed();
        assert_eq!(page.related.len(), 5);
        assert_eq!(
            page.related[0],
            RelatedStory {
                title: "Trump vows to return power to the people in inaugural speech".into(),
                teaser: "US President Donald Trump on Friday vowed to take power away from \
                         Washington bureaucrats and politicians and give..."
                    .into(),
            }
        );
        assert_eq!(
            page.related[1].teaser,
            "Donald Trump takes the oath of office and is sworn in as the 45th US\u{a0}president \
             in a ceremony at the US\u{a0}Capitol."
        );
        assert_eq!(
            page.related[4],
            RelatedStory {
                title: "Donald Trump prepares to take office, as thousands flock to Mall".into(),
                teaser: "Donald Trump arrived at the White House Friday as he prepares to take \
                         the oath of office and become the 45th..."
                    .into(),
            }
        );
    }

    #[test]
    fn windows_line_ends_a_bom_trailing_whitespace_and_extra_blank_lines_are_tolerated() {
        let messy = format!(
            "\u{FEFF}\r\n\r\n{}\r\n",
            SEED.replace('\n', "  \t\r\n")
                .replace("\r\n  \t\r\n", "\r\n\r\n \r\n\r\n")
        );
        assert_eq!(parse(&messy, SEED_FORMAT), Ok(seed()));
    }

    #[test]
    fn a_missing_final_newline_and_a_present_one_parse_alike() {
        assert_eq!(
            parse(SMALL, SEED_FORMAT),
            parse(SMALL.trim_end(), SEED_FORMAT)
        );
        assert!(!SEED.ends_with('\n'));
    }

    #[test]
    fn a_paragraph_written_over_several_lines_is_joined_with_spaces() {
        let text = SMALL.replace("Body.", "First line\n  second line.");
        let page = parse(&text, SEED_FORMAT).unwrap();
        assert_eq!(page.paragraphs, ["First line second line."]);
    }

    #[test]
    fn a_body_paragraph_starting_with_more_from_is_body() {
        let text = SMALL.replace("Body.", "Body.\n\nMore from our correspondent in Baghdad.");
        let page = parse(&text, SEED_FORMAT).unwrap();
        assert_eq!(
            page.paragraphs,
            ["Body.", "More from our correspondent in Baghdad."]
        );
        assert_eq!(page.section, "World");
    }

    #[test]
    fn related_titles_and_teasers_may_be_on_consecutive_lines() {
        let text = SMALL.replace(
            "Title\n\nTeaser...",
            "Title\nTeaser...\nOther\nOther teaser",
        );
        let page = parse(&text, SEED_FORMAT).unwrap();
        assert_eq!(page.related.len(), 2);
        assert_eq!(page.related[1].title, "Other");
    }

    #[test]
    fn a_page_without_related_stories_parses() {
        let text = SMALL.replace("Title\n\nTeaser...\n", "");
        assert_eq!(parse(&text, SEED_FORMAT).unwrap().related, []);
    }

    #[test]
    fn the_last_update_line_may_follow_the_body_without_a_blank_line() {
        let text = SMALL.replace("Body.\n\n", "Body.\n");
        assert_eq!(parse(&text, SEED_FORMAT).unwrap().paragraphs, ["Body."]);
    }

    #[test]
    fn an_empty_file_is_an_error_on_line_one() {
        for text in ["", "\u{FEFF}", "\n\n  \r\n"] {
            let error = error_of(text);
            assert_eq!(error.line, 1, "{text:?}");
            assert!(error.message.contains("empty"), "{error}");
        }
    }

    #[test]
    fn a_page_starting_with_last_update_has_no_headline() {
        let error = error_of("\nLast update: Mon, 11/07/2016 - 23:09\n");
        assert_eq!(error.line, 2);
        assert_eq!(
            error.to_string(),
            "line 2: expected a headline, found the \"Last update:\" line first"
        );
    }

    #[test]
    fn text_right_under_the_headline_is_an_error() {
        let error = error_of(&SMALL.replace("Headline\n", "Headline\nSubheading\n"));
        assert_eq!(error.line, 2);
        assert_eq!(
            error.message,
            "expected a blank line after the headline, found \"Subheading\""
        );
    }

    #[test]
    fn a_page_without_body_paragraphs_is_an_error_at_last_update() {
        let error = error_of(&SMALL.replace("Body.\n\n", ""));
        assert_eq!(error.line, 3);
        assert!(error.message.contains("body paragraph"), "{error}");
    }

    #[test]
    fn a_page_with_only_a_headline_lacks_a_body_at_the_end_of_the_file() {
        let error = error_of("Headline\n\n");
        assert_eq!(error.line, 2);
        assert!(
            error.message.contains("found the end of the file"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_last_update_line_is_reported_where_more_from_begins() {
        let text = SEED.replace("Last update: Mon, 11/07/2016 - 23:09\n\n", "");
        let error = error_of(&text);
        assert_eq!(error.line, 29);
        assert_eq!(
            error.message,
            "expected a \"Last update: <date>\" line before \"More from World\", found none"
        );
    }

    #[test]
    fn a_missing_last_update_line_without_more_from_is_reported_at_the_end() {
        let error = error_of("Headline\n\nBody.\n\nMore body.\n");
        assert_eq!(error.line, 5);
        assert!(error.message.contains("Last update"), "{error}");
    }

    #[test]
    fn an_unreadable_date_quotes_the_text_and_the_expected_format() {
        let text = SEED.replace("Mon, 11/07/2016 - 23:09", "Mon, 11 July 2016 - 23:09");
        let error = error_of(&text);
        assert_eq!(error.line, 29);
        assert_eq!(
            error.message,
            "cannot read the date \"Mon, 11 July 2016 - 23:09\" after \"Last update:\": \
             expected the format \"D, d/m/Y - H:i\", as in \"Mon, 11/07/2016 - 23:09\"; \
             expected \"/\" where it says \" July 2016 - 23:09\""
        );
    }

    #[test]
    fn an_empty_date_is_unreadable() {
        let error = error_of(&SMALL.replace("Mon, 11/07/2016 - 23:09", ""));
        assert_eq!(error.line, 5);
        assert!(error.message.contains("the date ends before it"), "{error}");
    }

    #[test]
    fn a_day_that_does_not_exist_is_unreadable() {
        let error = error_of(&SMALL.replace("Mon, 11/07/2016", "Mon, 31/02/2016"));
        assert_eq!(error.line, 5);
        assert!(
            error
                .message
                .ends_with("there is no day 31 in February 2016"),
            "{error}"
        );
        let error = error_of(&SMALL.replace("11/07/2016", "07/13/2016"));
        assert!(error.message.ends_with("there is no month 13"), "{error}");
        let error = error_of(&SMALL.replace("23:09", "24:00"));
        assert!(error.message.ends_with("there is no hour 24"), "{error}");
    }

    #[test]
    fn an_english_day_name_that_disagrees_with_the_date_is_an_error() {
        let text = SEED.replace("Mon, 11/07/2016", "Tue, 11/07/2016");
        assert_eq!(
            error_of(&text).to_string(),
            "line 29: Last update says Tue but 11 July 2016 is a Monday"
        );
    }

    #[test]
    fn a_day_name_in_another_language_is_skipped() {
        let text = SMALL.replace("Mon, 11/07/2016", "الإثنين, 11/07/2016");
        let page = parse(&text, SEED_FORMAT).unwrap();
        assert_eq!(page.last_update, datetime(2016, 7, 11, 23, 9, 0, 0));
    }

    #[test]
    fn text_after_the_date_is_an_error() {
        let error = error_of(&SMALL.replace("23:09", "23:09 GMT"));
        assert_eq!(error.line, 5);
        assert!(
            error
                .message
                .ends_with("there is unexpected text \" GMT\" after the date"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_more_from_line_at_the_end_is_an_error() {
        let error = error_of("Headline\n\nBody.\n\nLast update: Mon, 11/07/2016 - 23:09\n\n");
        assert_eq!(error.line, 6);
        assert!(
            error.message.contains("found the end of the file"),
            "{error}"
        );
    }

    #[test]
    fn other_text_where_more_from_belongs_is_an_error() {
        let text = SEED.replace("More from World", "Related stories");
        let error = error_of(&text);
        assert_eq!(error.line, 31);
        assert_eq!(
            error.message,
            "expected a \"More from <section>\" line after \"Last update:\", found \
             \"Related stories\""
        );
    }

    #[test]
    fn a_more_from_line_without_a_section_name_is_an_error() {
        for replacement in ["More from", "More from   "] {
            let error = error_of(&SMALL.replace("More from World", replacement));
            assert_eq!(error.line, 7);
            assert!(error.message.contains("names no section"), "{error}");
        }
    }

    #[test]
    fn a_related_title_without_a_teaser_is_an_error_on_the_title_line() {
        let text = SEED.replace(
            "\n\nDonald Trump arrived at the White House Friday as he prepares to take the \
             oath of office and become the 45th...",
            "",
        );
        let error = error_of(&text);
        assert_eq!(error.line, 49);
        assert_eq!(
            error.message,
            "the related story \"Donald Trump prepares to take office, as thousands flock to \
             Mall\" has no teaser; expected its teaser on a following line, found the end of \
             the file"
        );
    }

    #[test]
    fn a_second_more_from_line_among_related_stories_is_an_error() {
        let text = format!("{SMALL}\nMore from Sport\n\nTitle\n\nTeaser\n");
        let error = error_of(&text);
        assert_eq!(error.line, 13);
        assert!(
            error.message.contains("second \"More from\" line"),
            "{error}"
        );
    }

    #[test]
    fn another_last_update_line_among_related_stories_is_an_error() {
        let text = SMALL.replace("Teaser...", "Last update: Tue, 12/07/2016 - 10:00");
        let error = error_of(&text);
        assert_eq!(error.line, 11);
        assert!(
            error.message.contains("another \"Last update:\" line"),
            "{error}"
        );
        let text = SMALL.replace("Title", "Last update: Tue, 12/07/2016 - 10:00");
        assert_eq!(error_of(&text).line, 9);
    }

    #[test]
    fn dates_read_with_other_php_formats() {
        let read = |text, format| dates::parse_php(format, text);
        assert_eq!(
            read("07/11/2016 - 23:09", "m/d/Y - H:i"),
            Ok(datetime(2016, 7, 11, 23, 9, 0, 0))
        );
        assert_eq!(
            read("Monday, July 11, 2016 - 11:09pm", "l, F j, Y - g:ia"),
            Ok(datetime(2016, 7, 11, 23, 9, 0, 0))
        );
        assert_eq!(
            read("Mon 11th Jul 16, 12:05:59 AM", "D jS M y, h:i:s A"),
            Ok(datetime(2016, 7, 11, 0, 5, 59, 0))
        );
        assert_eq!(
            read("2016-07-11T23:09:05", "Y-m-d\\TH:i:s"),
            Ok(datetime(2016, 7, 11, 23, 9, 5, 0))
        );
        assert_eq!(
            read("1.2.99", "j.n.y"),
            Ok(datetime(1999, 2, 1, 0, 0, 0, 0))
        );
        assert_eq!(
            read("Mon,   11/07/2016 - 23:09", SEED_FORMAT),
            Ok(datetime(2016, 7, 11, 23, 9, 0, 0))
        );
    }

    #[test]
    fn a_format_without_a_whole_date_cannot_read_one() {
        assert!(matches!(
            dates::parse_php("H:i", "23:09"),
            Err(DateProblem::Unreadable(reason)) if reason.contains("whole date")
        ));
    }

    #[test]
    fn a_wrong_english_month_name_is_unreadable() {
        assert_eq!(
            dates::parse_php("j F Y", "11 Juli 2016"),
            Err(DateProblem::Unreadable(
                "expected an English month name where it says \"Juli 2016\"".into()
            ))
        );
    }

    #[test]
    fn the_format_example_shows_the_seed_date() {
        assert_eq!(example(SEED_FORMAT), "Mon, 11/07/2016 - 23:09");
        assert_eq!(
            example("l jS F y, g:i:s A \\a\\t G"),
            "Monday 11th July 16, 11:09:05 PM at 23"
        );
    }
}
