//! Reading a date back from text shown with a PHP `date()` format: the one
//! parser that display code, the seed-page importer and the site importers
//! share. It says why a text does not fit, in words an editor can act on.

use jiff::civil::{Date, DateTime, Weekday};

use super::{EN, FORMAT_CHARS};

/// Why a shown date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateProblem {
    /// The text does not fit the format, or names a day that does not exist.
    #[error("{0}")]
    Unreadable(String),
    /// An English day name that does not agree with the date.
    #[error("it says {written} but {} is a {}", english_date(*date), EN::DAY[date.weekday().to_sunday_zero_offset() as usize])]
    WrongWeekday { written: String, date: Date },
}

/// `11 July 2016`.
pub fn english_date(date: Date) -> String {
    format!(
        "{} {} {}",
        date.day(),
        EN::MON[month_index(date.month())],
        date.year()
    )
}

/// Index into `EN::MON` of a month number 1..=12.
fn month_index(month: i8) -> usize {
    usize::try_from(month - 1).unwrap_or(0).min(11)
}

/// Parses text shown with PHP `date()` format `format` into a civil
/// datetime.
///
/// Understood tokens: `D` `l` (a day name: an English one must agree with
/// the date, another language's is skipped with its abbreviation dot), `d`
/// `j` (day), `m` `n` (month number), `F` `M` (an English month name sets
/// the month; another language's is skipped, and then the format needs `m`
/// or `n` too), `Y` (4-digit year), `y` (2-digit year, PHP's window: 70-99
/// are 19xx, 00-69 are 20xx), `H` `G` (hour), `g` `h` (hour on a 12-hour
/// clock) followed later by `a` `A` (am/pm, as in PHP the meridian adjusts
/// the 12-hour reading before it), `i` (minute), `s` (second), `S` (an
/// ordinal suffix); `\` makes the next character literal, a trailing one
/// stands for nothing (as `format_php` writes it). Whitespace in the format
/// matches any run of whitespace. Other PHP format characters (`T`, `O`,
/// `U`, ...) are refused rather than guessed. Year, month and day are
/// required; missing time fields are 0.
pub fn parse_php(format: &str, text: &str) -> Result<DateTime, DateProblem> {
    let mut input = Input { rest: text };
    let mut fields = Fields::default();
    let mut tokens = format.chars().peekable();
    while let Some(token) = tokens.next() {
        match token {
            'D' | 'l' => {
                let written = input.word();
                if written.is_empty() {
                    return Err(input.expected("a day name"));
                }
                match english_name(EN::DAY, written) {
                    Some(index) => {
                        let weekday = Weekday::from_sunday_zero_offset(index as i8)
                            .unwrap_or(Weekday::Sunday);
                        fields.weekday = Some((written.to_owned(), weekday));
                    }
                    None => input.abbreviation_dot(tokens.peek().copied()),
                }
            }
            'd' | 'j' => fields.day = Some(input.small_number("a day of the month")?),
            'm' | 'n' => fields.month = Some(input.small_number("a month number")?),
            'F' | 'M' => {
                let before = input.rest;
                let written = input.word();
                if written.is_empty() {
                    return Err(input.expected("a month name"));
                }
                match english_name(EN::MON, written) {
                    Some(index) => fields.month_name = Some(index as i8 + 1),
                    None => {
                        fields.foreign_month.get_or_insert(before);
                        input.abbreviation_dot(tokens.peek().copied());
                    }
                }
            }
            // At most four digits: always fits.
            'Y' => fields.year = Some(input.number(4, 4, "a 4-digit year")? as i16),
            'y' => {
                let year = input.number(2, 2, "a 2-digit year")? as i16;
                fields.year = Some(if year >= 70 { 1900 + year } else { 2000 + year });
            }
            'H' | 'G' => fields.hour = Some(input.small_number("an hour")?),
            'g' | 'h' => fields.hour12 = Some(input.small_number("an hour")?),
            // Two digits, with a leading zero, as PHP writes and reads them.
            'i' => fields.minute = Some(input.number(2, 2, "two-digit minutes")? as i8),
            's' => fields.second = Some(input.number(2, 2, "two-digit seconds")? as i8),
            'a' | 'A' => {
                if fields.hour12.is_none() {
                    return Err(DateProblem::Unreadable(
                        "am or pm must come after the hour of a 12-hour clock (g or h)".into(),
                    ));
                }
                let before = input.rest;
                let written = input.word();
                fields.pm = Some(match written.to_ascii_lowercase().as_str() {
                    "am" => false,
                    "pm" => true,
                    _ => {
                        input.rest = before;
                        return Err(input.expected("am or pm"));
                    }
                });
            }
            'S' => {
                let suffix = input.rest.get(..2).unwrap_or("");
                if ["st", "nd", "rd", "th"]
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(suffix))
                {
                    input.rest = &input.rest[2..];
                } else if input.word().is_empty() {
                    return Err(input.expected("st, nd, rd or th"));
                }
            }
            '\\' => {
                if let Some(literal) = tokens.next() {
                    input.literal(literal)?;
                }
            }
            c if FORMAT_CHARS.contains(c) => {
                return Err(DateProblem::Unreadable(format!(
                    "the format character {c} cannot be read back from a shown date"
                )));
            }
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

/// An English name (full, or its first three letters) of a weekday or
/// month, looked up case-insensitively; the index into `names`.
fn english_name(names: &[&str], written: &str) -> Option<usize> {
    names.iter().position(|name| {
        name.eq_ignore_ascii_case(written) || name[..3].eq_ignore_ascii_case(written)
    })
}

/// What the format's tokens read from the text.
#[derive(Debug, Default)]
struct Fields<'a> {
    year: Option<i16>,
    month: Option<i8>,
    /// From an English month name.
    month_name: Option<i8>,
    /// Where a month name in another language was skipped.
    foreign_month: Option<&'a str>,
    day: Option<i8>,
    hour: Option<i8>,
    hour12: Option<i8>,
    pm: Option<bool>,
    minute: Option<i8>,
    second: Option<i8>,
    weekday: Option<(String, Weekday)>,
}

/// The unread rest of a shown date.
struct Input<'a> {
    rest: &'a str,
}

impl<'a> Input<'a> {
    /// `expected <what> where it says "<rest>"`.
    fn expected(&self, what: &str) -> DateProblem {
        DateProblem::Unreadable(if self.rest.is_empty() {
            format!("expected {what}, but the date ends before it")
        } else {
            format!("expected {what} where it says \"{}\"", self.rest)
        })
    }

    /// Between `min` and `max` ASCII digits (greedy, as PHP's timelib).
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

    /// After a skipped name ("lun."), its abbreviation dot, unless the
    /// format itself expects a dot next.
    fn abbreviation_dot(&mut self, next_format: Option<char>) {
        if next_format != Some('.')
            && let Some(after) = self.rest.strip_prefix('.')
        {
            self.rest = after;
        }
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

impl Fields<'_> {
    fn into_datetime(self) -> Result<DateTime, DateProblem> {
        let unreadable = DateProblem::Unreadable;
        let month = self.month.or(self.month_name);
        let (Some(year), Some(month), Some(day)) = (self.year, month, self.day) else {
            if let (None, Some(rest)) = (month, self.foreign_month) {
                return Err(unreadable(format!(
                    "expected an English month name where it says \"{rest}\""
                )));
            }
            return Err(unreadable(
                "the format does not show a whole date (it needs a year, a month and a day)"
                    .to_owned(),
            ));
        };
        if let (Some(number), Some(named)) = (self.month, self.month_name)
            && number != named
        {
            return Err(unreadable(format!(
                "it says month {number} and {}",
                EN::MON[month_index(named)]
            )));
        }
        if !(1..=12).contains(&month) {
            return Err(unreadable(format!("there is no month {month}")));
        }
        let first_of_month = Date::new(year, month, 1)
            .map_err(|_| unreadable(format!("the year {year} is out of range")))?;
        if !(1..=first_of_month.days_in_month()).contains(&day) {
            return Err(unreadable(format!(
                "there is no day {day} in {} {year}",
                EN::MON[month_index(month)]
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
