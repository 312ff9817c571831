//! PHP `date()` formatting for article dates.
//!
//! Drupal 7 stores its date formats (e.g. `D, d/m/Y - H:i`) as PHP `date()`
//! format strings, and imported pages show dates rendered with them. This
//! module owns rendering those formats faithfully (every PHP format
//! character, with PHP's exact padding and quirks) in a site's IANA time zone
//! and language, parsing such rendered text back into a civil datetime, and
//! looking up time zones by name.
//!
//! Deliberate choices where PHP is ambiguous or accidental:
//! - A trailing lone backslash: PHP reads the string's NUL terminator and
//!   emits a `\0` byte; we emit nothing, since a NUL byte in HTML is never
//!   wanted.
//! - `D`, `l`, `M`, `F` are localized (as Drupal's `format_date()` does);
//!   everything else that spells words (`S`, `a`, `A`, `c`, `r`) stays
//!   English, as in PHP. `F`/`M` prefer glibc's standalone (nominative)
//!   month names where a locale has them, matching Drupal's translations.
//! - Unix seconds outside jiff's range (years -9999..=9999) are clamped to
//!   that range; PHP would go further, but no article lives there.

use std::borrow::Cow;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
// English names, Sunday first: glibc's en_US tables are exactly PHP's (a
// test pins them), and the always-English `c` and `r` use them.
use pure_rust_locales::en_US::LC_TIME as EN;
use pure_rust_locales::{Locale, locale_match};

mod parse;
pub use parse::{DateProblem, english_date, parse_php};

/// Every character PHP's `date()` gives a meaning to. `parse_php` uses it to
/// refuse tokens it cannot read back rather than treating them as literals.
const FORMAT_CHARS: &str = "dDjlNSwzWFmMntLoXxYyaABgGhHisuveIOPpTZcrU";

/// Default glibc locale for bare language codes where `xx_XX` is not a
/// locale (or not the one people mean, as with `en`).
const DEFAULT_LOCALES: &str = "en_US ar_EG be_BY bn_BD bs_BA ca_ES cs_CZ cy_GB da_DK el_GR \
    et_EE eu_ES fa_IR ga_IE gl_ES he_IL hi_IN hy_AM ja_JP ka_GE kk_KZ ko_KR ms_MY nb_NO nn_NO \
    sl_SI sq_AL sr_RS sv_SE ta_IN uk_UA ur_PK vi_VN zh_CN";

/// A language for day and month names, parsed from a BCP-47-ish site
/// language tag ("en", "fr", "de-DE", "pt_BR").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language(Locale);

impl Language {
    /// Parses a site language tag. Case and `-`/`_` are not significant;
    /// a region picks a regional locale when glibc has one ("de-AT"), script
    /// subtags pick Chinese variants ("zh-Hant"), and a bare language picks
    /// its main locale ("fr" -> fr_FR). Unknown tags fall back to English.
    pub fn parse(tag: &str) -> Language {
        // Drop POSIX-style suffixes such as ".UTF-8" or "@euro".
        let tag = tag.split(['.', '@']).next().unwrap_or_default();
        let mut parts = tag.split(['-', '_']).filter(|p| !p.is_empty());
        let Some(lang) = parts.next().map(str::to_ascii_lowercase) else {
            return Language::english();
        };
        let mut candidates = Vec::new();
        for part in parts {
            match part.len() {
                2 | 3 => candidates.push(format!("{lang}_{}", part.to_ascii_uppercase())),
                4 if lang == "zh" => {
                    let region = if part.eq_ignore_ascii_case("hant") {
                        "TW"
                    } else {
                        "CN"
                    };
                    candidates.push(format!("zh_{region}"));
                }
                _ => {}
            }
        }
        // Norwegian "no" is written as Bokmål.
        let base = if lang == "no" { "nb" } else { lang.as_str() };
        let default = DEFAULT_LOCALES
            .split_whitespace()
            .find(|locale| locale.split('_').next() == Some(base));
        candidates.extend(default.map(str::to_owned));
        candidates.push(format!("{lang}_{}", lang.to_ascii_uppercase()));
        candidates
            .iter()
            .find_map(|name| Locale::try_from(name.as_str()).ok())
            .map_or_else(Language::english, Language)
    }

    /// English (en_US), whose names are exactly PHP's.
    pub fn english() -> Language {
        Language(Locale::en_US)
    }

    /// The glibc locale backing this language, e.g. for other localized output.
    pub fn locale(self) -> Locale {
        self.0
    }

    /// Looks up the four name tables once per formatting call.
    fn names(self) -> Names {
        let l = self.0;
        Names {
            abday: locale_match!(l => LC_TIME::ABDAY),
            day: locale_match!(l => LC_TIME::DAY),
            abmon: locale_match!(l => LC_TIME::AB_ALT_MON)
                .unwrap_or(locale_match!(l => LC_TIME::ABMON)),
            mon: locale_match!(l => LC_TIME::ALT_MON).unwrap_or(locale_match!(l => LC_TIME::MON)),
        }
    }
}

impl Default for Language {
    fn default() -> Self {
        Language::english()
    }
}

/// A locale's day (Sunday first) and month name tables.
struct Names {
    abday: &'static [&'static str],
    day: &'static [&'static str],
    abmon: &'static [&'static str],
    mon: &'static [&'static str],
}

/// Picks entry `i`, falling back to English if a locale's table is short
/// (glibc data is uniform, but a panic on a page render is not worth it).
fn pick(table: &[&'static str], i: usize, english: &'static str) -> &'static str {
    table.get(i).copied().unwrap_or(english)
}

/// An instant as PHP's `date_format()` sees it: local civil fields plus the
/// zone offset, abbreviation and DST flag in force at that instant.
struct Moment<'a> {
    dt: DateTime,
    unix: i64,
    offset: i32,
    abbr: &'a str,
    dst: bool,
    zone: Option<&'a str>,
}

/// Formats Unix seconds with a PHP date() format string in the given IANA time zone.
pub fn format_php(format: &str, unix_seconds: i64, tz: &TimeZone, lang: Language) -> String {
    let ts = Timestamp::from_second(unix_seconds).unwrap_or(if unix_seconds < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    });
    let info = tz.to_offset_info(ts);
    let moment = Moment {
        dt: info.offset().to_datetime(ts),
        unix: ts.as_second(),
        offset: info.offset().seconds(),
        abbr: info.abbreviation(),
        dst: info.dst().is_dst(),
        zone: tz.iana_name(),
    };
    let names = lang.names();
    let mut out = String::with_capacity(format.len() * 3);
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            // The escaped character is copied verbatim; see the module docs
            // for why a trailing backslash yields nothing.
            out.extend(chars.next());
            continue;
        }
        match token(c, &moment, &names) {
            Some(text) => out.push_str(&text),
            None => out.push(c),
        }
    }
    out
}

/// Renders one format character, or `None` if PHP copies it literally.
/// Padding mirrors PHP's printf formats (`%02d`, `%04lld`, ...), including
/// how they treat negative numbers.
fn token<'a>(c: char, m: &Moment<'a>, names: &Names) -> Option<Cow<'a, str>> {
    let dt = m.dt;
    let (year, month, day) = (dt.year(), dt.month(), dt.day());
    let (hour, minute, second) = (dt.hour(), dt.minute(), dt.second());
    let sunday0 = usize::from(dt.weekday().to_sunday_zero_offset().unsigned_abs());
    let month0 = usize::from(month.unsigned_abs() - 1);
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let text: Cow<'a, str> = match c {
        // Day.
        'd' => format!("{day:02}").into(),
        'D' => pick(names.abday, sunday0, EN::ABDAY[sunday0]).into(),
        'j' => day.to_string().into(),
        'l' => pick(names.day, sunday0, EN::DAY[sunday0]).into(),
        'N' => dt.weekday().to_monday_one_offset().to_string().into(),
        'S' => english_suffix(day).into(),
        'w' => sunday0.to_string().into(),
        'z' => (dt.day_of_year() - 1).to_string().into(),
        // ISO-8601 week and week-numbering year.
        'W' => format!("{:02}", dt.iso_week_date().week()).into(),
        'o' => dt.iso_week_date().year().to_string().into(),
        // Month.
        'F' => pick(names.mon, month0, EN::MON[month0]).into(),
        'm' => format!("{month:02}").into(),
        'M' => pick(names.abmon, month0, EN::ABMON[month0]).into(),
        'n' => month.to_string().into(),
        't' => dt.days_in_month().to_string().into(),
        // Year.
        'L' => u8::from(dt.in_leap_year()).to_string().into(),
        'X' => signed_year(year, if year < 0 { "-" } else { "+" }).into(),
        'x' => {
            let sign = match year {
                ..0 => "-",
                10000.. => "+",
                _ => "",
            };
            signed_year(year, sign).into()
        }
        'Y' => signed_year(year, if year < 0 { "-" } else { "" }).into(),
        'y' => format!("{:02}", year % 100).into(),
        // Time.
        'a' => if hour >= 12 { "pm" } else { "am" }.into(),
        'A' => if hour >= 12 { "PM" } else { "AM" }.into(),
        'B' => format!("{:03}", swatch_beat(m.unix)).into(),
        'g' => hour12.to_string().into(),
        'G' => hour.to_string().into(),
        'h' => format!("{hour12:02}").into(),
        'H' => format!("{hour:02}").into(),
        'i' => format!("{minute:02}").into(),
        's' => format!("{second:02}").into(),
        // Input is whole seconds, so sub-second fields are always zero.
        'u' => "000000".into(),
        'v' => "000".into(),
        // Time zone. PHP's date() always has a named zone; for jiff's fixed
        // offset zones `e` falls back to "+HH:MM" like PHP's offset zones.
        'e' => m
            .zone
            .map_or_else(|| offset_text(m.offset, true).into(), Cow::Borrowed),
        'I' => u8::from(m.dst).to_string().into(),
        'O' => offset_text(m.offset, false).into(),
        'P' => offset_text(m.offset, true).into(),
        // PHP decides "Z" by abbreviation, not offset: Europe/London in
        // winter (GMT) still prints "+00:00".
        'p' if matches!(m.abbr, "UTC" | "Z" | "GMT+0000") => "Z".into(),
        'p' => offset_text(m.offset, true).into(),
        'T' => m.abbr.into(),
        'Z' => m.offset.to_string().into(),
        // Full date/time, always English.
        'c' => format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{}",
            offset_text(m.offset, true)
        )
        .into(),
        'r' => format!(
            "{}, {day:02} {} {year:04} {hour:02}:{minute:02}:{second:02} {}",
            EN::ABDAY[sunday0],
            EN::ABMON[month0],
            offset_text(m.offset, false)
        )
        .into(),
        'U' => m.unix.to_string().into(),
        _ => return None,
    };
    Some(text)
}

/// PHP's `"%s%04lld"` with an explicit sign: at least four digits.
fn signed_year(year: i16, sign: &str) -> String {
    format!("{sign}{:04}", year.unsigned_abs())
}

/// PHP's English ordinal suffix for a day of the month (11th, 12th, 13th).
fn english_suffix(day: i8) -> &'static str {
    match (day, day % 10) {
        (10..=19, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    }
}

/// Swatch Internet time (beats of 86.4 s on UTC+1), computed exactly as PHP
/// does: truncating `%` on the raw seconds, then wrapped into one day.
fn swatch_beat(unix: i64) -> i64 {
    let mut tenths = (unix % 86_400 + 3_600) * 10;
    if tenths < 0 {
        tenths += 864_000;
    }
    (tenths / 864) % 1_000
}

/// `+HHMM` or `+HH:MM`. PHP splits with truncating division, so offsets
/// with seconds (old LMT) drop them, and `-00:30` keeps its sign.
fn offset_text(offset: i32, colon: bool) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let hours = (offset / 3_600).abs();
    let minutes = (offset % 3_600 / 60).abs();
    let colon = if colon { ":" } else { "" };
    format!("{sign}{hours:02}{colon}{minutes:02}")
}

/// Looks up an IANA zone name; error message names the zone.
pub fn time_zone(name: &str) -> Result<TimeZone, UnknownTimeZone> {
    TimeZone::get(name).map_err(|source| UnknownTimeZone {
        name: name.to_owned(),
        source,
    })
}

/// A time zone name that the system tz database does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown time zone `{name}`")]
pub struct UnknownTimeZone {
    /// The name as given.
    pub name: String,
    #[source]
    source: jiff::Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_php_ok(format: &str, text: &str) -> Option<DateTime> {
        parse_php(format, text).ok()
    }
    use jiff::civil::date;

    /// 2016-07-11 23:09:05 in Berlin (CEST), a Monday.
    const SUMMER_EVENING: i64 = 1_468_271_345;

    fn zone(name: &str) -> TimeZone {
        time_zone(name).expect("zone in the system tz database")
    }

    /// Unix seconds of a wall-clock time in the named zone.
    fn at(tz: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8, s: i8) -> i64 {
        date(y, mo, d)
            .at(h, mi, s, 0)
            .to_zoned_datetime(zone(tz))
            .expect("valid wall-clock time")
            .timestamp()
            .as_second()
    }

    fn en(format: &str, unix: i64, tz: &str) -> String {
        format_php(format, unix, &zone(tz), Language::english())
    }

    fn in_lang(format: &str, unix: i64, tag: &str) -> String {
        format_php(format, unix, &zone("Europe/Berlin"), Language::parse(tag))
    }

    /// Asserts each single-format case, naming the failing one.
    fn assert_formats(unix: i64, tz: &str, cases: &[(&str, &str)]) {
        for (format, want) in cases {
            assert_eq!(en(format, unix, tz), *want, "format {format:?} in {tz}");
        }
    }

    #[test]
    fn seed_medium_format_renders_monday_eleventh_of_july() {
        let seed = at("Europe/Berlin", 2016, 7, 11, 23, 9, 0);
        assert_eq!(seed, 1_468_271_340);
        assert_eq!(
            en("D, d/m/Y - H:i", seed, "Europe/Berlin"),
            "Mon, 11/07/2016 - 23:09"
        );
    }

    #[test]
    fn seed_instant_in_utc_renders_two_hours_earlier() {
        assert_eq!(
            en("D, d/m/Y - H:i", 1_468_271_340, "UTC"),
            "Mon, 11/07/2016 - 21:09"
        );
    }

    #[test]
    fn summer_evening_fixture_is_the_instant_it_claims() {
        assert_eq!(at("Europe/Berlin", 2016, 7, 11, 23, 9, 5), SUMMER_EVENING);
    }

    #[test]
    fn day_and_week_characters_match_php_on_a_berlin_summer_evening() {
        assert_formats(
            SUMMER_EVENING,
            "Europe/Berlin",
            &[
                ("d", "11"),
                ("D", "Mon"),
                ("j", "11"),
                ("l", "Monday"),
                ("N", "1"),
                ("S", "th"),
                ("w", "1"),
                ("z", "192"),
                ("W", "28"),
            ],
        );
    }

    #[test]
    fn month_and_year_characters_match_php_on_a_berlin_summer_evening() {
        assert_formats(
            SUMMER_EVENING,
            "Europe/Berlin",
            &[
                ("F", "July"),
                ("m", "07"),
                ("M", "Jul"),
                ("n", "7"),
                ("t", "31"),
                ("L", "1"),
                ("o", "2016"),
                ("X", "+2016"),
                ("x", "2016"),
                ("Y", "2016"),
                ("y", "16"),
            ],
        );
    }

    #[test]
    fn time_characters_match_php_on_a_berlin_summer_evening() {
        assert_formats(
            SUMMER_EVENING,
            "Europe/Berlin",
            &[
                ("a", "pm"),
                ("A", "PM"),
                ("B", "922"),
                ("g", "11"),
                ("G", "23"),
                ("h", "11"),
                ("H", "23"),
                ("i", "09"),
                ("s", "05"),
                ("u", "000000"),
                ("v", "000"),
            ],
        );
    }

    #[test]
    fn zone_characters_match_php_on_a_berlin_summer_evening() {
        assert_formats(
            SUMMER_EVENING,
            "Europe/Berlin",
            &[
                ("e", "Europe/Berlin"),
                ("I", "1"),
                ("O", "+0200"),
                ("P", "+02:00"),
                ("p", "+02:00"),
                ("T", "CEST"),
                ("Z", "7200"),
            ],
        );
    }

    #[test]
    fn full_date_time_characters_match_php_on_a_berlin_summer_evening() {
        assert_formats(
            SUMMER_EVENING,
            "Europe/Berlin",
            &[
                ("c", "2016-07-11T23:09:05+02:00"),
                ("r", "Mon, 11 Jul 2016 23:09:05 +0200"),
                ("U", "1468271345"),
            ],
        );
    }

    #[test]
    fn new_year_2000_in_utc_is_a_saturday_in_iso_week_52_of_1999() {
        assert_eq!(at("UTC", 2000, 1, 1, 0, 0, 0), 946_684_800);
        assert_formats(
            946_684_800,
            "UTC",
            &[
                ("d", "01"),
                ("D", "Sat"),
                ("j", "1"),
                ("l", "Saturday"),
                ("N", "6"),
                ("S", "st"),
                ("w", "6"),
                ("z", "0"),
                ("W", "52"),
                ("o", "1999"),
                ("F", "January"),
                ("m", "01"),
                ("M", "Jan"),
                ("n", "1"),
                ("t", "31"),
                ("L", "1"),
                ("Y", "2000"),
                ("y", "00"),
                ("a", "am"),
                ("A", "AM"),
                ("B", "041"),
                ("g", "12"),
                ("G", "0"),
                ("h", "12"),
                ("H", "00"),
                ("i", "00"),
                ("s", "00"),
                ("e", "UTC"),
                ("I", "0"),
                ("O", "+0000"),
                ("P", "+00:00"),
                ("p", "Z"),
                ("T", "UTC"),
                ("Z", "0"),
                ("c", "2000-01-01T00:00:00+00:00"),
                ("r", "Sat, 01 Jan 2000 00:00:00 +0000"),
                ("U", "946684800"),
            ],
        );
    }

    #[test]
    fn third_of_january_2021_belongs_to_iso_week_53_of_2020() {
        let noon = at("UTC", 2021, 1, 3, 12, 0, 0);
        assert_eq!(noon, 1_609_675_200);
        assert_eq!(
            en("W o Y|D N w z S L", noon, "UTC"),
            "53 2020 2021|Sun 7 0 2 rd 0"
        );
    }

    #[test]
    fn leap_day_and_century_rules_drive_l_t_and_z() {
        assert_eq!(
            en("L t z", at("UTC", 2016, 2, 29, 12, 0, 0), "UTC"),
            "1 29 59"
        );
        assert_eq!(
            en("L t z", at("UTC", 2015, 2, 28, 12, 0, 0), "UTC"),
            "0 28 58"
        );
        assert_eq!(en("L t", at("UTC", 1900, 2, 1, 0, 0, 0), "UTC"), "0 28");
        assert_eq!(en("L t", at("UTC", 2000, 2, 1, 0, 0, 0), "UTC"), "1 29");
        assert_eq!(en("z", at("UTC", 2016, 12, 31, 0, 0, 0), "UTC"), "365");
    }

    #[test]
    fn ordinal_suffixes_follow_english_rules_including_the_teens() {
        let cases = [
            (1, "1st"),
            (2, "2nd"),
            (3, "3rd"),
            (4, "4th"),
            (11, "11th"),
            (12, "12th"),
            (13, "13th"),
            (21, "21st"),
            (22, "22nd"),
            (23, "23rd"),
            (24, "24th"),
            (30, "30th"),
            (31, "31st"),
        ];
        for (day, want) in cases {
            assert_eq!(en("jS", at("UTC", 2016, 1, day, 12, 0, 0), "UTC"), want);
        }
    }

    #[test]
    fn twelve_hour_clock_shows_twelve_at_midnight_and_noon() {
        let f = "g h a A G H";
        assert_eq!(
            en(f, at("UTC", 2016, 7, 11, 0, 30, 0), "UTC"),
            "12 12 am AM 0 00"
        );
        assert_eq!(
            en(f, at("UTC", 2016, 7, 11, 12, 0, 0), "UTC"),
            "12 12 pm PM 12 12"
        );
        assert_eq!(
            en(f, at("UTC", 2016, 7, 11, 13, 5, 0), "UTC"),
            "1 01 pm PM 13 13"
        );
    }

    #[test]
    fn years_keep_php_padding_and_signs_in_y_x_and_c() {
        let f = "Y|X|x|y";
        assert_eq!(
            en(f, at("UTC", 987, 3, 15, 12, 0, 0), "UTC"),
            "0987|+0987|0987|87"
        );
        assert_eq!(
            en(f, at("UTC", 9999, 6, 15, 0, 0, 0), "UTC"),
            "9999|+9999|9999|99"
        );
        assert_eq!(
            en(f, at("UTC", -44, 3, 15, 12, 0, 0), "UTC"),
            "-0044|-0044|-0044|-44"
        );
        // PHP's `c` uses "%04lld", whose width includes the minus sign.
        assert_eq!(
            en("c", at("UTC", -44, 3, 15, 12, 0, 0), "UTC"),
            "-044-03-15T12:00:00+00:00"
        );
    }

    #[test]
    fn swatch_beats_use_utc_plus_one_and_wrap_before_the_epoch() {
        assert_eq!(en("B", 0, "UTC"), "041");
        assert_eq!(en("B", 82_800, "UTC"), "000");
        assert_eq!(en("B", -1, "UTC"), "041");
        assert_eq!(en("B", -7_200, "UTC"), "958");
        // Beats ignore the display zone.
        assert_eq!(en("B", SUMMER_EVENING, "Asia/Kolkata"), "922");
    }

    #[test]
    fn backslash_escapes_print_the_next_character_literally() {
        assert_eq!(en(r"\Y\e\s Y", SUMMER_EVENING, "Europe/Berlin"), "Yes 2016");
        assert_eq!(
            en(r"l \t\h\e jS", SUMMER_EVENING, "Europe/Berlin"),
            "Monday the 11th"
        );
        assert_eq!(en(r"\\Y", SUMMER_EVENING, "Europe/Berlin"), r"\2016");
        assert_eq!(en(r"\年Y", SUMMER_EVENING, "Europe/Berlin"), "年2016");
    }

    #[test]
    fn trailing_backslash_prints_nothing_instead_of_phps_nul_byte() {
        assert_eq!(en("Y\\", SUMMER_EVENING, "Europe/Berlin"), "2016");
        assert_eq!(en("\\", SUMMER_EVENING, "Europe/Berlin"), "");
    }

    #[test]
    fn unknown_characters_and_multibyte_text_pass_through() {
        assert_eq!(
            en("Y年n月j日", SUMMER_EVENING, "Europe/Berlin"),
            "2016年7月11日"
        );
        assert_eq!(
            en("[q] {k} #", SUMMER_EVENING, "Europe/Berlin"),
            "[q] {k} #"
        );
        assert_eq!(en("", SUMMER_EVENING, "Europe/Berlin"), "");
    }

    #[test]
    fn new_york_shows_negative_offsets_in_summer_and_winter() {
        let f = "H:i e T I O P p Z";
        assert_eq!(
            en(f, SUMMER_EVENING, "America/New_York"),
            "17:09 America/New_York EDT 1 -0400 -04:00 -04:00 -14400"
        );
        let winter = at("UTC", 2016, 1, 15, 12, 0, 0);
        assert_eq!(
            en(f, winter, "America/New_York"),
            "07:00 America/New_York EST 0 -0500 -05:00 -05:00 -18000"
        );
    }

    #[test]
    fn kolkata_half_hour_offset_moves_the_date_to_tuesday() {
        assert_eq!(
            en(
                "Y-m-d H:i:s D e T I O P p Z",
                SUMMER_EVENING,
                "Asia/Kolkata"
            ),
            "2016-07-12 02:39:05 Tue Asia/Kolkata IST 0 +0530 +05:30 +05:30 19800"
        );
    }

    #[test]
    fn st_johns_negative_half_hour_offset_keeps_its_minutes() {
        assert_eq!(
            en("O P Z T", SUMMER_EVENING, "America/St_Johns"),
            "-0230 -02:30 -9000 NDT"
        );
    }

    #[test]
    fn lowercase_p_is_z_only_for_the_utc_abbreviation_like_php() {
        let winter = at("UTC", 2016, 1, 15, 12, 0, 0);
        assert_eq!(en("p T", winter, "UTC"), "Z UTC");
        assert_eq!(en("p T O", winter, "Europe/London"), "+00:00 GMT +0000");
    }

    #[test]
    fn zones_without_letter_abbreviations_print_the_numeric_one() {
        let summer_2020 = at("UTC", 2020, 7, 1, 12, 0, 0);
        assert_eq!(en("T P", summer_2020, "Europe/Istanbul"), "+03 +03:00");
    }

    #[test]
    fn fixed_offset_zones_name_themselves_by_offset() {
        let tz = jiff::tz::offset(5).to_time_zone();
        let text = format_php("e O", SUMMER_EVENING, &tz, Language::english());
        assert_eq!(text, "+05:00 +0500");
    }

    #[test]
    fn berlin_spring_forward_jumps_from_cet_to_cest() {
        let f = r"H:i:s T O \I=I";
        let before = at("UTC", 2016, 3, 27, 0, 59, 59);
        assert_eq!(before, 1_459_040_399);
        assert_eq!(en(f, before, "Europe/Berlin"), "01:59:59 CET +0100 I=0");
        assert_eq!(
            en(f, before + 1, "Europe/Berlin"),
            "03:00:00 CEST +0200 I=1"
        );
    }

    #[test]
    fn berlin_fall_back_repeats_two_oclock_in_cet() {
        let f = r"H:i:s T O \I=I";
        let before = at("UTC", 2016, 10, 30, 0, 59, 59);
        assert_eq!(before, 1_477_789_199);
        assert_eq!(en(f, before, "Europe/Berlin"), "02:59:59 CEST +0200 I=1");
        assert_eq!(en(f, before + 1, "Europe/Berlin"), "02:00:00 CET +0100 I=0");
    }

    #[test]
    fn french_names_are_localized_while_suffix_meridian_and_rfc_stay_english() {
        assert_eq!(
            in_lang("l j F Y", SUMMER_EVENING, "fr"),
            "lundi 11 juillet 2016"
        );
        assert_eq!(in_lang("D M", SUMMER_EVENING, "fr"), "lun. juil.");
        assert_eq!(in_lang("jS A", SUMMER_EVENING, "fr"), "11th PM");
        assert_eq!(
            in_lang("r", SUMMER_EVENING, "fr"),
            "Mon, 11 Jul 2016 23:09:05 +0200"
        );
    }

    #[test]
    fn german_names_are_localized_including_umlauts() {
        assert_eq!(
            in_lang("l, j. F Y", SUMMER_EVENING, "de-DE"),
            "Montag, 11. Juli 2016"
        );
        assert_eq!(in_lang("D M", SUMMER_EVENING, "de"), "Mo Jul");
        let march = at("Europe/Berlin", 2016, 3, 1, 12, 0, 0);
        assert_eq!(in_lang("D M F", march, "de"), "Di Mär März");
    }

    #[test]
    fn english_names_match_phps_for_every_day_and_month() {
        // PHP's day_full_names / mon_full_names; short names are their first three letters.
        let days = [
            "Sunday",
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
        ];
        for (offset, name) in (0..).zip(days) {
            let day = at("UTC", 2016, 7, 10 + offset, 12, 0, 0);
            assert_eq!(en("D|l", day, "UTC"), format!("{}|{name}", &name[..3]));
        }
        let months = [
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
        for (month, name) in (1..).zip(months) {
            let first = at("UTC", 2016, month, 1, 12, 0, 0);
            assert_eq!(en("M|F", first, "UTC"), format!("{}|{name}", &name[..3]));
        }
    }

    #[test]
    fn language_tags_accept_regions_underscores_case_and_scripts() {
        assert_eq!(Language::parse("de-DE"), Language::parse("de"));
        assert_eq!(Language::parse("de-at").locale(), Locale::de_AT);
        assert_eq!(Language::parse("fr_CA").locale(), Locale::fr_CA);
        assert_eq!(Language::parse("de_DE.UTF-8").locale(), Locale::de_DE);
        assert_eq!(Language::parse("zh-Hant").locale(), Locale::zh_TW);
        assert_eq!(Language::parse("zh-hans").locale(), Locale::zh_CN);
        // No es_419 in glibc: the language's main locale is used instead.
        assert_eq!(Language::parse("es-419").locale(), Locale::es_ES);
        assert_eq!(in_lang("l F", SUMMER_EVENING, "pt_BR"), "segunda julho");
    }

    #[test]
    fn english_and_unknown_language_tags_resolve_to_english() {
        for tag in ["en", "EN", "en-US", "", "xx", "tlh-Klingon", "--"] {
            assert_eq!(Language::parse(tag), Language::english(), "tag {tag:?}");
        }
        assert_eq!(Language::default(), Language::english());
        assert_eq!(in_lang("l j F", SUMMER_EVENING, "xx-YY"), "Monday 11 July");
    }

    #[test]
    fn every_default_locale_in_the_table_exists_in_glibc_data() {
        for locale in DEFAULT_LOCALES.split_whitespace() {
            assert!(Locale::try_from(locale).is_ok(), "{locale}");
            let lang = locale.split('_').next().unwrap();
            assert_eq!(Language::parse(lang).locale().to_string(), locale);
        }
        assert_eq!(Language::parse("no").locale(), Locale::nb_NO);
    }

    #[test]
    fn parse_round_trips_the_seed_format() {
        let format = "D, d/m/Y - H:i";
        let seed = date(2016, 7, 11).at(23, 9, 0, 0);
        assert_eq!(parse_php_ok(format, "Mon, 11/07/2016 - 23:09"), Some(seed));
        for unix in [0, 946_684_800, SUMMER_EVENING, 1_609_675_200] {
            let text = en(format, unix, "Europe/Berlin");
            let local = zone("Europe/Berlin").to_datetime(Timestamp::from_second(unix).unwrap());
            assert_eq!(
                parse_php_ok(format, &text),
                Some(local.with().second(0).build().unwrap())
            );
        }
    }

    #[test]
    fn parse_round_trips_every_numeric_token() {
        let format = r"j n y G g h A i s \Y\:Y d m H";
        let text = en(format, SUMMER_EVENING, "Europe/Berlin");
        assert_eq!(text, "11 7 16 23 11 11 PM 09 05 Y:2016 11 07 23");
        assert_eq!(
            parse_php_ok(format, &text),
            Some(date(2016, 7, 11).at(23, 9, 5, 0))
        );
    }

    #[test]
    fn parse_reads_twelve_hour_clocks_and_english_month_names() {
        let format = "l, F jS, Y g:i a";
        let text = "Monday, July 11th, 2016 11:09 pm";
        assert_eq!(
            parse_php_ok(format, text),
            Some(date(2016, 7, 11).at(23, 9, 0, 0))
        );
        let midnight = parse_php_ok("M j Y h:i A", "Jul 11 2016 12:05 AM");
        assert_eq!(midnight, Some(date(2016, 7, 11).at(0, 5, 0, 0)));
        let noon = parse_php_ok("M j Y h:i A", "jul 11 2016 12:05 pm");
        assert_eq!(noon, Some(date(2016, 7, 11).at(12, 5, 0, 0)));
    }

    #[test]
    fn parse_skips_localized_names_loosely() {
        let want = Some(date(2016, 7, 11).at(23, 9, 0, 0));
        assert_eq!(
            parse_php_ok("D, d/m/Y - H:i", "lun., 11/07/2016 - 23:09"),
            want
        );
        assert_eq!(
            parse_php_ok("D, d/m/Y - H:i", "Mo, 11/07/2016 - 23:09"),
            want
        );
        assert_eq!(parse_php_ok("D. d.m.Y H:i", "Mon. 11.07.2016 23:09"), want);
        assert_eq!(
            parse_php_ok("l j F Y H:i d/m", "lundi 11 juillet 2016 23:09 11/07"),
            want
        );
    }

    #[test]
    fn parse_uses_phps_two_digit_year_window() {
        assert_eq!(
            parse_php_ok("d.m.y", "01.02.69"),
            Some(date(2069, 2, 1).at(0, 0, 0, 0))
        );
        assert_eq!(
            parse_php_ok("d.m.y", "01.02.70"),
            Some(date(1970, 2, 1).at(0, 0, 0, 0))
        );
    }

    #[test]
    fn parse_rejects_malformed_text() {
        let format = "D, d/m/Y - H:i";
        for text in [
            "",
            "Mon, 11/07/2016 23:09",
            "Mon, 11/07/2016 - 23:09 extra",
            "Mon, 32/07/2016 - 23:09",
            "Mon, 11/13/2016 - 23:09",
            "Mon, 30/02/2016 - 23:09",
            "Mon, 11/07/2016 - 24:00",
            "Mon, 11/07/2016 - 23:9",
            "11/07/2016 - 23:09",
            "Mon, aa/07/2016 - 23:09",
            "Mon; 11/07/2016 - 23:09",
        ] {
            assert_eq!(parse_php_ok(format, text), None, "text {text:?}");
        }
        assert_eq!(parse_php_ok("d/m/Y g:i A", "11/07/2016 13:09 PM"), None);
        assert_eq!(parse_php_ok("d/m/Y g:i A", "11/07/2016 11:09 XM"), None);
        assert_eq!(parse_php_ok("A g:i d/m/Y", "PM 11:09 11/07/2016"), None);
    }

    #[test]
    fn parse_refuses_format_characters_it_cannot_read_back() {
        assert_eq!(parse_php_ok("Y-m-d T", "2016-07-11 CEST"), None);
        assert_eq!(parse_php_ok("U", "1468271345"), None);
    }

    #[test]
    fn parse_requires_year_month_and_day() {
        assert_eq!(parse_php_ok("H:i", "23:09"), None);
        assert_eq!(parse_php_ok("j F Y", "11 juillet 2016"), None);
        assert_eq!(
            parse_php_ok("j F Y", "11 July 2016"),
            Some(date(2016, 7, 11).at(0, 0, 0, 0))
        );
    }

    #[test]
    fn out_of_range_seconds_clamp_to_jiffs_supported_years() {
        assert_eq!(en("Y", i64::MAX, "UTC"), "9999");
        assert_eq!(en("Y", i64::MIN, "UTC"), "-9999");
        // Extreme instants stay representable even with old LMT offsets.
        assert_eq!(en("Y", i64::MIN, "America/New_York"), "-9999");
        assert_eq!(en("Y", i64::MAX, "Pacific/Kiritimati"), "9999");
    }

    #[test]
    fn unknown_time_zone_error_names_the_zone() {
        let err = time_zone("Nowhere/Nope").unwrap_err();
        assert_eq!(err.name, "Nowhere/Nope");
        assert!(err.to_string().contains("Nowhere/Nope"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
    }
}
