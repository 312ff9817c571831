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

use jiff::civil::{Date, DateTime, Weekday};

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
    let last_update = parse_php_date(shown, date_format).map_err(|problem| {
        let message = match problem {
            DateProblem::Unreadable(reason) => format!(
                "cannot read the date \"{shown}\" after \"{LAST_UPDATE}\": expected the \
                 format \"{date_format}\", as in \"{}\"; {reason}",
                format_php_date(example_date(), date_format)
            ),
            DateProblem::WrongWeekday { written, date } => format!(
                "Last update says {written} but {} {} {} is a {}",
                date.day(),
                MONTHS[month_index(date.month())],
                date.year(),
                WEEKDAYS[date.weekday().to_monday_zero_offset() as usize]
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

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Index into [`MONTHS`] of a month number 1..=12.
fn month_index(month: i8) -> usize {
    usize::try_from(month - 1).unwrap_or(0).min(11)
}

/// The date used to show an editor what the format looks like.
fn example_date() -> DateTime {
    jiff::civil::datetime(2016, 7, 11, 23, 9, 5, 0)
}

/// An English name (full, or its first three letters) of a weekday or
/// month, looked up case-insensitively; the index into `names`.
fn english_name(names: &[&str], written: &str) -> Option<usize> {
    names.iter().position(|name| {
        name.eq_ignore_ascii_case(written) || name[..3].eq_ignore_ascii_case(written)
    })
}

/// Why a displayed date could not be read.
#[derive(Debug, PartialEq, Eq)]
enum DateProblem {
    /// The text does not fit the format, or names a day that does not exist.
    Unreadable(String),
    /// An English day name that does not agree with the date.
    WrongWeekday { written: String, date: Date },
}

/// What the format's tokens read from the text.
#[derive(Debug, Default)]
struct DateFields {
    year: Option<i16>,
    month: Option<i8>,
    day: Option<i8>,
    hour: Option<i8>,
    hour12: Option<i8>,
    pm: Option<bool>,
    minute: Option<i8>,
    second: Option<i8>,
    weekday: Option<(String, Weekday)>,
}

/// The unread rest of a displayed date.
struct DateText<'a> {
    rest: &'a str,
}

impl<'a> DateText<'a> {
    /// `expected <what> where it says "<rest>"`.
    fn expected(&self, what: &str) -> DateProblem {
        DateProblem::Unreadable(if self.rest.is_empty() {
            format!("expected {what}, but the date ends before it")
        } else {
            format!("expected {what} where it says \"{}\"", self.rest)
        })
    }

    /// Between `min` and `max` ASCII digits.
    fn number(&mut self, min: usize, max: usize, what: &str) -> Result<u16, DateProblem> {
        let digits = self
            .rest
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        if digits < min {
            return Err(self.expected(what));
        }
        let (number, rest) = self.rest.split_at(digits);
        self.rest = rest;
        number.parse().map_err(|_| self.expected(what))
    }

    /// A one- or two-digit number.
    fn small_number(&mut self, what: &str) -> Result<i8, DateProblem> {
        // At most two digits: always fits.
        Ok(self.number(1, 2, what)? as i8)
    }

    /// A run of letters.
    fn word(&mut self) -> &'a str {
        let end = self
            .rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(self.rest.len());
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        word
    }

    /// Exactly the character `c`; whitespace in the format matches any
    /// run of whitespace.
    fn literal(&mut self, c: char) -> Result<(), DateProblem> {
        if c.is_whitespace() {
            let trimmed = self.rest.trim_start();
            if trimmed.len() == self.rest.len() {
                return Err(self.expected("a space"));
            }
            self.rest = trimmed;
        } else {
            self.rest = self
                .rest
                .strip_prefix(c)
                .ok_or_else(|| self.expected(&format!("\"{c}\"")))?;
        }
        Ok(())
    }
}

/// Reads a date shown with PHP `date()` format `format`.
///
/// Understood tokens: `D` `l` (a day name: skipped, but when it is an
/// English one it must agree with the date), `d` `j` (day), `m` `n`
/// (month number), `F` `M` (English month name), `Y` (4-digit year), `y`
/// (2-digit year: 70-99 are 19xx, else 20xx), `H` `G` (hour), `g` `h` (hour
/// on a 12-hour clock) with `a` `A` (am/pm), `i` (minute), `s` (second) and
/// `S` (English ordinal suffix); `\` makes the next character literal. Any
/// other character must appear as is. Hour, minute and second default to 0.
fn parse_php_date(text: &str, format: &str) -> Result<DateTime, DateProblem> {
    let mut input = DateText { rest: text };
    let mut fields = DateFields::default();
    let mut tokens = format.chars();
    while let Some(token) = tokens.next() {
        match token {
            'D' | 'l' => {
                let written = input.word();
                if written.is_empty() {
                    return Err(input.expected("a day name"));
                }
                if let Some(index) = english_name(&WEEKDAYS, written) {
                    let weekday =
                        Weekday::from_monday_zero_offset(index as i8).unwrap_or(Weekday::Monday);
                    fields.weekday = Some((written.to_owned(), weekday));
                }
            }
            'd' | 'j' => fields.day = Some(input.small_number("a day of the month")?),
            'm' | 'n' => fields.month = Some(input.small_number("a month number")?),
            'F' | 'M' => {
                let before = input.rest;
                let written = input.word();
                let Some(index) = english_name(&MONTHS, written) else {
                    input.rest = before;
                    return Err(input.expected("an English month name"));
                };
                fields.month = Some(index as i8 + 1);
            }
            // At most four digits: always fits.
            'Y' => fields.year = Some(input.number(4, 4, "a 4-digit year")? as i16),
            'y' => {
                let year = input.number(2, 2, "a 2-digit year")? as i16;
                fields.year = Some(if year >= 70 { 1900 + year } else { 2000 + year });
            }
            'H' | 'G' => fields.hour = Some(input.small_number("an hour")?),
            'g' | 'h' => fields.hour12 = Some(input.small_number("an hour")?),
            'i' => fields.minute = Some(input.small_number("minutes")?),
            's' => fields.second = Some(input.small_number("seconds")?),
            'a' | 'A' => {
                let before = input.rest;
                let written = input.word();
                fields.pm = match written.to_ascii_lowercase().as_str() {
                    "am" => Some(false),
                    "pm" => Some(true),
                    _ => {
                        input.rest = before;
                        return Err(input.expected("am or pm"));
                    }
                };
            }
            'S' => {
                let suffix = input.rest.get(..2).unwrap_or("");
                if !["st", "nd", "rd", "th"]
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(suffix))
                {
                    return Err(input.expected("st, nd, rd or th"));
                }
                input.rest = &input.rest[2..];
            }
            '\\' => input.literal(tokens.next().unwrap_or('\\'))?,
            literal => input.literal(literal)?,
        }
    }
    if !input.rest.is_empty() {
        return Err(DateProblem::Unreadable(format!(
            "there is unexpected text \"{}\" after the date",
            input.rest
        )));
    }
    fields.into_datetime()
}

impl DateFields {
    fn into_datetime(self) -> Result<DateTime, DateProblem> {
        let unreadable = DateProblem::Unreadable;
        let (Some(year), Some(month), Some(day)) = (self.year, self.month, self.day) else {
            return Err(unreadable(
                "the format does not show a whole date (it needs a year, a month and a day)"
                    .to_owned(),
            ));
        };
        if !(1..=12).contains(&month) {
            return Err(unreadable(format!("there is no month {month}")));
        }
        let first_of_month = Date::new(year, month, 1)
            .map_err(|_| unreadable(format!("the year {year} is out of range")))?;
        if !(1..=first_of_month.days_in_month()).contains(&day) {
            return Err(unreadable(format!(
                "there is no day {day} in {} {year}",
                MONTHS[month_index(month)]
            )));
        }
        let hour = match (self.hour, self.hour12) {
            (Some(hour), _) => hour,
            (None, Some(hour12)) => {
                if !(1..=12).contains(&hour12) {
                    return Err(unreadable(format!(
                        "there is no hour {hour12} on a 12-hour clock"
                    )));
                }
                match self.pm {
                    Some(true) => hour12 % 12 + 12,
                    Some(false) => hour12 % 12,
                    None => hour12,
                }
            }
            (None, None) => 0,
        };
        if !(0..=23).contains(&hour) {
            return Err(unreadable(format!("there is no hour {hour}")));
        }
        let minute = self.minute.unwrap_or(0);
        if !(0..=59).contains(&minute) {
            return Err(unreadable(format!("there is no minute {minute}")));
        }
        let second = self.second.unwrap_or(0);
        if !(0..=59).contains(&second) {
            return Err(unreadable(format!("there is no second {second}")));
        }
        let datetime = DateTime::new(year, month, day, hour, minute, second, 0)
            .map_err(|e| unreadable(e.to_string()))?;
        if let Some((written, weekday)) = self.weekday
            && datetime.weekday() != weekday
        {
            return Err(DateProblem::WrongWeekday {
                written,
                date: datetime.date(),
            });
        }
        Ok(datetime)
    }
}

/// Shows `datetime` with PHP `date()` format `format`, for the tokens
/// [`parse_php_date`] understands (others are copied as they are).
fn format_php_date(datetime: DateTime, format: &str) -> String {
    let weekday = WEEKDAYS[datetime.weekday().to_monday_zero_offset() as usize];
    let month = MONTHS[month_index(datetime.month())];
    let hour12 = match datetime.hour() % 12 {
        0 => 12,
        hour => hour,
    };
    let pm = datetime.hour() >= 12;
    let mut shown = String::new();
    let mut tokens = format.chars();
    while let Some(token) = tokens.next() {
        let piece = match token {
            'D' => weekday[..3].to_owned(),
            'l' => weekday.to_owned(),
            'd' => format!("{:02}", datetime.day()),
            'j' => datetime.day().to_string(),
            'm' => format!("{:02}", datetime.month()),
            'n' => datetime.month().to_string(),
            'F' => month.to_owned(),
            'M' => month[..3].to_owned(),
            'Y' => format!("{:04}", datetime.year()),
            'y' => format!("{:02}", datetime.year().rem_euclid(100)),
            'H' => format!("{:02}", datetime.hour()),
            'G' => datetime.hour().to_string(),
            'h' => format!("{hour12:02}"),
            'g' => hour12.to_string(),
            'i' => format!("{:02}", datetime.minute()),
            's' => format!("{:02}", datetime.second()),
            'a' => (if pm { "pm" } else { "am" }).to_owned(),
            'A' => (if pm { "PM" } else { "AM" }).to_owned(),
            'S' => match datetime.day() {
                1 | 21 | 31 => "st",
                2 | 22 => "nd",
                3 | 23 => "rd",
                _ => "th",
            }
            .to_owned(),
            '\\' => tokens.next().unwrap_or('\\').to_string(),
            literal => literal.to_string(),
        };
        shown.push_str(&piece);
    }
    shown
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
        let read = |text, format| parse_php_date(text, format);
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
            parse_php_date("23:09", "H:i"),
            Err(DateProblem::Unreadable(reason)) if reason.contains("whole date")
        ));
    }

    #[test]
    fn a_wrong_english_month_name_is_unreadable() {
        assert_eq!(
            parse_php_date("11 Juli 2016", "j F Y"),
            Err(DateProblem::Unreadable(
                "expected an English month name where it says \"Juli 2016\"".into()
            ))
        );
    }

    #[test]
    fn the_format_example_shows_the_seed_date() {
        assert_eq!(
            format_php_date(example_date(), SEED_FORMAT),
            "Mon, 11/07/2016 - 23:09"
        );
        assert_eq!(
            format_php_date(example_date(), "l jS F y, g:i:s A \\a\\t G"),
            "Monday 11th July 16, 11:09:05 PM at 23"
        );
    }
}
