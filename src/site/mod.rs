//! Site settings: name, base URL, language, time zone, named date formats and
//! teaser length, and how dates are shown to readers.

use std::collections::BTreeMap;

use crate::storage::{NewEvent, SiteRow, StorageError, Store};
use crate::text::dates::{self, Language};
use crate::text::teasers::DEFAULT_TEASER_LENGTH;

/// What can go wrong loading or saving settings.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("the site is not set up yet")]
    NotSetUp,
    #[error("invalid setting: {0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The site's settings, parsed.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    pub base_url: String,
    pub language: String,
    pub time_zone_name: String,
    pub time_zone: jiff::tz::TimeZone,
    /// Named PHP date() formats: `short`, `medium`, `long` and any custom ones.
    pub date_formats: BTreeMap<String, String>,
    pub teaser_length: usize,
    /// Feeds carry the full body (true) or the teaser only.
    pub feed_full_text: bool,
    /// The WebSub hub feeds name and publishing pings, if any.
    pub websub_hub: Option<String>,
    /// Approved comments show under stories.
    pub comments_shown: bool,
    /// Readers may post comments, held for moderation.
    pub comments_posting: bool,
    /// Which pre-publish checks warn and which block publishing.
    pub checks: crate::publishing::checks::Severities,
    lang: Language,
    /// Dates already formatted with these settings.
    dates: DateMemo,
}

/// Dates formatted with one site's settings, by Unix seconds and PHP
/// pattern: a listing shows the same stories' dates request after request,
/// and formatting one (time zone conversion, names, padding) costs more
/// than the rest of its list item. Emptied when it holds [`DATE_MEMO`]
/// dates; a clone of the site starts empty (it may be changed).
#[derive(Debug, Default)]
struct DateMemo(std::sync::Mutex<std::collections::HashMap<i64, Formatted>>);

/// The texts of one instant, by the PHP pattern that made each.
type Formatted = Vec<(Box<str>, String)>;

/// How many instants [`DateMemo`] holds at most (a few hundred kilobytes).
const DATE_MEMO: usize = 8192;

impl Clone for DateMemo {
    fn clone(&self) -> DateMemo {
        DateMemo::default()
    }
}

impl DateMemo {
    fn get_or(&self, unix_seconds: i64, pattern: &str, format: impl FnOnce() -> String) -> String {
        let lock = || {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(done) = lock()
            .get(&unix_seconds)
            .and_then(|known| known.iter().find(|(p, _)| &**p == pattern))
        {
            return done.1.clone();
        }
        let text = format();
        let mut memo = lock();
        if memo.len() >= DATE_MEMO {
            memo.clear();
        }
        memo.entry(unix_seconds)
            .or_default()
            .push((pattern.into(), text.clone()));
        text
    }
}

/// The settings an operator or editor chooses.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub name: String,
    pub base_url: String,
    pub language: String,
    pub time_zone: String,
    pub date_formats: BTreeMap<String, String>,
    pub teaser_length: usize,
    /// Feeds carry the full body (true) or the teaser only.
    #[serde(default)]
    pub feed_full_text: bool,
    /// The WebSub hub feeds name and publishing pings (`https://...`), if any.
    #[serde(default)]
    pub websub_hub: Option<String>,
    /// Approved comments show under stories (on unless switched off).
    #[serde(default = "shown_by_default")]
    pub comments_shown: bool,
    /// Readers may post comments, held for moderation (off unless switched on).
    #[serde(default)]
    pub comments_posting: bool,
    /// The pre-publish checks' severities (defaults where not named).
    #[serde(default)]
    pub check_severities: crate::publishing::checks::Severities,
}

fn shown_by_default() -> bool {
    true
}

impl Settings {
    /// The demo newsroom's settings: the seed page's formats and teaser length.
    pub fn demo(base_url: &str) -> Settings {
        Settings {
            name: "The Daily Masthead".into(),
            base_url: base_url.trim_end_matches('/').into(),
            language: "en".into(),
            time_zone: "Europe/Berlin".into(),
            date_formats: default_date_formats(),
            teaser_length: DEFAULT_TEASER_LENGTH,
            feed_full_text: false,
            websub_hub: None,
            comments_shown: true,
            comments_posting: false,
            check_severities: Default::default(),
        }
    }

    /// Checks every field, naming the first that is wrong.
    pub fn validate(&self) -> Result<(), SiteError> {
        if self.name.trim().is_empty() {
            return Err(SiteError::Invalid("the site name is empty".into()));
        }
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(SiteError::Invalid(format!(
                "the base URL {:?} must start with http:// or https://",
                self.base_url
            )));
        }
        dates::time_zone(&self.time_zone).map_err(|e| SiteError::Invalid(e.to_string()))?;
        for required in ["short", "medium", "long"] {
            if !self.date_formats.contains_key(required) {
                return Err(SiteError::Invalid(format!(
                    "the {required} date format is missing"
                )));
            }
        }
        if !(1..=10_000).contains(&self.teaser_length) {
            return Err(SiteError::Invalid(
                "the teaser length must be between 1 and 10000 characters".into(),
            ));
        }
        if let Some(hub) = &self.websub_hub
            && !(hub.starts_with("http://") || hub.starts_with("https://"))
        {
            return Err(SiteError::Invalid(format!(
                "the WebSub hub {hub:?} must start with http:// or https://"
            )));
        }
        Ok(())
    }
}

/// Drupal 7's date formats, with the seed page's `D, d/m/Y - H:i` as medium.
pub fn default_date_formats() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("short".to_owned(), "d/m/Y - H:i".to_owned()),
        ("medium".to_owned(), "D, d/m/Y - H:i".to_owned()),
        ("long".to_owned(), "l, F j, Y - H:i".to_owned()),
    ])
}

impl Site {
    /// Parses stored settings.
    pub fn from_row(row: SiteRow) -> Result<Site, SiteError> {
        let time_zone =
            dates::time_zone(&row.time_zone).map_err(|e| SiteError::Invalid(e.to_string()))?;
        let date_formats = serde_json::from_str(&row.date_formats)
            .map_err(|e| SiteError::Invalid(format!("stored date formats: {e}")))?;
        Ok(Site {
            lang: Language::parse(&row.language),
            name: row.name,
            base_url: row.base_url,
            language: row.language,
            time_zone_name: row.time_zone,
            time_zone,
            date_formats,
            teaser_length: usize::try_from(row.teaser_length).unwrap_or(DEFAULT_TEASER_LENGTH),
            feed_full_text: row.feed_full_text,
            websub_hub: row.websub_hub,
            comments_shown: row.comments_shown,
            comments_posting: row.comments_posting,
            checks: crate::publishing::checks::Severities::from_json(&row.check_severities)
                .map_err(SiteError::Invalid)?,
            dates: DateMemo::default(),
        })
    }

    /// Loads the site's settings.
    pub async fn load(store: &Store) -> Result<Site, SiteError> {
        Site::from_row(store.site().await?.ok_or(SiteError::NotSetUp)?)
    }

    /// Formats Unix seconds with a named format (`medium`), or with the
    /// string itself as a PHP format when no format has that name.
    pub fn format_date(&self, unix_seconds: i64, format: &str) -> String {
        let format = self
            .date_formats
            .get(format)
            .map(String::as_str)
            .unwrap_or(format);
        self.dates.get_or(unix_seconds, format, || {
            dates::format_php(format, unix_seconds, &self.time_zone, self.lang)
        })
    }

    /// The settings as an editor sees them.
    pub fn settings(&self) -> Settings {
        Settings {
            name: self.name.clone(),
            base_url: self.base_url.clone(),
            language: self.language.clone(),
            time_zone: self.time_zone_name.clone(),
            date_formats: self.date_formats.clone(),
            teaser_length: self.teaser_length,
            feed_full_text: self.feed_full_text,
            websub_hub: self.websub_hub.clone(),
            comments_shown: self.comments_shown,
            comments_posting: self.comments_posting,
            check_severities: self.checks.clone(),
        }
    }
}

/// Validates and stores settings, announcing the change on the changes feed
/// (every page shows the site name, so every page depends on it).
pub async fn save(store: &Store, settings: &Settings, now: i64) -> Result<Site, SiteError> {
    settings.validate()?;
    let created_at = store.site().await?.map_or(now, |s| s.created_at);
    let row = row_of(settings, created_at, now);
    let event = NewEvent {
        kind: "site.updated".into(),
        subject: "site".into(),
        tags: vec!["site".into()],
        payload: serde_json::json!({ "name": row.name }),
    };
    store.save_site(&row, &[event]).await?;
    Site::from_row(row)
}

/// The site `settings` describe, not stored (a dry run on a database
/// without a site).
pub fn unsaved(settings: &Settings, now: i64) -> Result<Site, SiteError> {
    settings.validate()?;
    Site::from_row(row_of(settings, now, now))
}

fn row_of(settings: &Settings, created_at: i64, now: i64) -> SiteRow {
    SiteRow {
        name: settings.name.trim().to_owned(),
        base_url: settings.base_url.trim_end_matches('/').to_owned(),
        language: settings.language.clone(),
        time_zone: settings.time_zone.clone(),
        date_formats: serde_json::to_string(&settings.date_formats).expect("formats serialize"),
        teaser_length: settings.teaser_length as i64,
        feed_full_text: settings.feed_full_text,
        websub_hub: settings
            .websub_hub
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned),
        comments_shown: settings.comments_shown,
        comments_posting: settings.comments_posting,
        check_severities: settings.check_severities.to_json(),
        created_at,
        updated_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(time_zone: &str) -> Site {
        Site::from_row(SiteRow {
            name: "The Daily Masthead".into(),
            base_url: "https://news.example".into(),
            language: "en".into(),
            time_zone: time_zone.into(),
            date_formats: r#"{"medium": "D, m/d/Y - H:i"}"#.into(),
            teaser_length: 200,
            feed_full_text: false,
            websub_hub: None,
            comments_shown: true,
            comments_posting: false,
            check_severities: "{}".into(),
            created_at: 0,
            updated_at: 0,
        })
        .unwrap()
    }

    #[test]
    fn a_remembered_date_is_the_one_formatting_gives_and_a_changed_clone_forgets() {
        // Mon, 07 Nov 2016 23:09 in New York (the seed page's date).
        let at = 1_478_578_140;
        let site = site("America/New_York");
        let first = site.format_date(at, "medium");
        assert_eq!(first, "Mon, 11/07/2016 - 23:09");
        assert_eq!(site.format_date(at, "medium"), first);
        assert_eq!(site.format_date(at, "Y"), "2016");
        assert_eq!(site.format_date(at, "c"), "2016-11-07T23:09:00-05:00");
        let mut moved = site.clone();
        moved.time_zone = dates::time_zone("UTC").unwrap();
        assert_eq!(moved.format_date(at, "medium"), "Tue, 11/08/2016 - 04:09");
        assert_eq!(site.format_date(at, "medium"), first);
    }
}
