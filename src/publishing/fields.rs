//! What the story editor's form holds, parsed into a story: the written
//! fields, and times as the newsroom writes them (in the site's time zone).

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::WorkflowError;
use crate::articles::{Article, ArticleError, NewArticle, SectionRef, Slug, fields};

/// The fields an editor writes, as text from the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoryFields {
    pub headline: String,
    pub standfirst: String,
    /// A hand-written teaser; empty means the automatic one.
    pub teaser: String,
    /// The body source, in `body_format`.
    pub body: String,
    /// How `body` is written: `None` keeps the story's (Markdown for a new
    /// story). The rich editor sends HTML.
    #[serde(default)]
    pub body_format: Option<crate::articles::BodyFormat>,
    pub section_id: i64,
    /// The address; empty means one made from the headline.
    pub slug: String,
    pub dateline: String,
    /// One byline per line (commas also separate).
    pub bylines: String,
    /// Comma-separated.
    pub tags: String,
    /// A media id or image URL.
    pub lead_image: String,
    /// When the embargo lifts (Unix seconds); `None` for no embargo.
    pub embargo_until: Option<i64>,
    /// Caption, credit and alt text typed for the lead image, saved onto the
    /// image with the story (`None` leaves the image's text as it is).
    pub lead_image_text: Option<crate::media::MediaText>,
    /// Kept fields as the editor writes them (see `articles::fields`).
    #[serde(default)]
    pub fields: String,
    /// The story's language tag; empty keeps the story's (a new story
    /// takes the site's).
    #[serde(default)]
    pub language: String,
    /// The story this one translates (its number or address): `None` keeps
    /// the story's translations as they are, an empty text unlinks it.
    #[serde(default)]
    pub translation_of: Option<String>,
    /// A custom canonical path (a moved site's address): `None` keeps the
    /// story's, an empty text goes back to `/<section>/<slug>`.
    #[serde(default)]
    pub canonical_path: Option<String>,
}

/// Splits a list field on new lines and commas, trimming and dropping blanks.
fn list(text: &str, separators: &[char]) -> Vec<String> {
    text.split(separators)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl StoryFields {
    /// The form as it shows a stored story.
    pub fn of(article: &Article) -> StoryFields {
        StoryFields {
            headline: article.headline.clone(),
            standfirst: article.standfirst.clone(),
            teaser: article.teaser.clone().unwrap_or_default(),
            body: article.body_source.clone(),
            body_format: Some(article.body_format),
            section_id: article.section.id,
            slug: article.slug.to_string(),
            dateline: article.dateline.clone(),
            bylines: article.bylines.join("\n"),
            tags: article.tags.join(", "),
            lead_image: article.lead_image.clone().unwrap_or_default(),
            embargo_until: article.embargo_until,
            lead_image_text: None,
            fields: fields::to_text(&article.fields),
            language: article.language.clone(),
            translation_of: None,
            canonical_path: Some(article.canonical_path.clone().unwrap_or_default()),
        }
    }

    /// The custom address typed: `None` keeps the story's, `Some(None)`
    /// clears it.
    fn canonical_path(&self) -> Result<Option<Option<String>>, WorkflowError> {
        match self.canonical_path.as_deref().map(str::trim) {
            None => Ok(None),
            Some("") => Ok(Some(None)),
            Some(text) => crate::pages::normalize_path(text)
                .map(|path| Some(Some(path)))
                .map_err(|e| {
                    WorkflowError::Invalid(
                        e.to_string()
                            .replace("for a page", "for a story")
                            .replace("this page", "this story"),
                    )
                }),
        }
    }

    /// The language typed, in its usual spelling (`None` when empty).
    fn language(&self) -> Result<Option<String>, WorkflowError> {
        match self.language.trim() {
            "" => Ok(None),
            text => crate::languages::parse(text)
                .map(Some)
                .map_err(|e| WorkflowError::Invalid(e.to_string())),
        }
    }

    fn kept_fields(&self) -> Result<fields::KeptFields, WorkflowError> {
        fields::parse_text(&self.fields).map_err(|e| WorkflowError::Invalid(e.to_string()))
    }

    fn slug(&self) -> Result<Option<Slug>, WorkflowError> {
        use crate::articles::limits;
        limits::check_chars("address", self.slug.trim(), limits::SLUG_CHARS)
            .map_err(|e| WorkflowError::Invalid(e.to_string()))?;
        match self.slug.trim() {
            "" => Ok(None),
            text => Slug::parse(text)
                .map(Some)
                .map_err(|e| WorkflowError::Invalid(e.to_string())),
        }
    }

    /// A new draft in `section` at `now` from these fields.
    pub fn new_draft(&self, section: SectionRef, now: i64) -> Result<Article, WorkflowError> {
        let mut article = NewArticle {
            section,
            slug: self.slug()?,
            headline: self.headline.clone(),
            standfirst: self.standfirst.trim().to_owned(),
            teaser: optional(&self.teaser),
            body_source: self.body.clone(),
            body_format: self
                .body_format
                .unwrap_or(crate::articles::BodyFormat::Markdown),
            dateline: self.dateline.trim().to_owned(),
            bylines: list(&self.bylines, &['\n', ',']),
            tags: list(&self.tags, &[',', '\n']),
        }
        .into_draft(now)?;
        article.lead_image = optional(&self.lead_image);
        article.embargo_until = self.embargo_until;
        article.fields = self.kept_fields()?;
        article.language = self.language()?.unwrap_or_default();
        if let Some(path) = self.canonical_path()? {
            article.canonical_path = path;
        }
        Ok(article)
    }

    /// `base` with these fields written over it (status, times and
    /// corrections stay). An empty address keeps the current one.
    pub fn apply(&self, base: &Article, section: SectionRef) -> Result<Article, WorkflowError> {
        let headline = self.headline.trim();
        if headline.is_empty() {
            return Err(WorkflowError::Invalid("the headline is empty".into()));
        }
        let mut article = base.clone();
        article.headline = headline.to_owned();
        article.standfirst = self.standfirst.trim().to_owned();
        article.teaser = optional(&self.teaser);
        article.body_source = self.body.clone();
        if let Some(format) = self.body_format {
            article.body_format = format;
        }
        article.section = section;
        if let Some(slug) = self.slug()? {
            article.slug = slug;
        }
        article.dateline = self.dateline.trim().to_owned();
        article.bylines = list(&self.bylines, &['\n', ',']);
        article.tags = list(&self.tags, &[',', '\n']);
        article.lead_image = optional(&self.lead_image);
        article.embargo_until = self.embargo_until;
        article.fields = self.kept_fields()?;
        if let Some(language) = self.language()? {
            article.language = language;
        }
        if let Some(path) = self.canonical_path()? {
            article.canonical_path = path;
        }
        article.check_limits().map_err(ArticleError::from)?;
        article.render_body();
        Ok(article)
    }
}

/// Parses a time as a `datetime-local` field sends it (`2026-11-24T14:30`,
/// seconds optional) in the time zone `tz`. Empty text is `None`.
pub fn parse_local_time(text: &str, tz: &TimeZone) -> Result<Option<i64>, WorkflowError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        WorkflowError::Invalid(format!(
            "{text:?} is not a date and time like 2026-11-24T14:30"
        ))
    };
    let civil: DateTime = text.replace(' ', "T").parse().map_err(|_| invalid())?;
    let timestamp = tz.to_timestamp(civil).map_err(|_| invalid())?;
    Ok(Some(timestamp.as_second()))
}

/// Unix seconds as a `datetime-local` value in the time zone `tz`.
pub fn format_local_time(unix_seconds: i64, tz: &TimeZone) -> String {
    match Timestamp::from_second(unix_seconds) {
        Ok(ts) => tz.to_datetime(ts).strftime("%Y-%m-%dT%H:%M").to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_time_round_trips_through_the_site_time_zone() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let t = parse_local_time("2016-07-11T23:09", &tz).unwrap().unwrap();
        assert_eq!(t, 1_468_271_340);
        assert_eq!(format_local_time(t, &tz), "2016-07-11T23:09");
        assert_eq!(parse_local_time(" ", &tz).unwrap(), None);
        assert!(parse_local_time("tomorrow", &tz).is_err());
    }

    #[test]
    fn bylines_and_tags_split_on_lines_and_commas() {
        assert_eq!(
            list("Ann Lee\n Bo Chu , \n", &['\n', ',']),
            vec!["Ann Lee", "Bo Chu"]
        );
    }
}
