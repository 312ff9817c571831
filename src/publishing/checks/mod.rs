//! The pre-publish check: before a story is published or scheduled it is
//! checked against news standards (headline lengths, a standfirst, image
//! alt text and credits, the lead image's width, internal links, a byline,
//! a section, the scheduled time, the embargo, a recent story with the same
//! headline, and the `NewsArticle` structured data Google News reads). Each
//! check is a warning or blocking, as the site settings say; publishing
//! with a blocking failure is refused with the list.
//!
//! The rules here are pure, over [`Facts`] gathered by [`run`] (see
//! `facts`), so each is tested on its own.

mod facts;

pub use facts::{CheckError, run};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::articles::{Article, Status};

/// Google's `NewsArticle` allows headlines of at most this many characters.
pub const NEWS_ARTICLE_HEADLINE: usize = 110;
/// About what a search results page shows of a title.
pub const SEARCH_HEADLINE: usize = 70;
/// The width large link previews and Google Discover ask for.
pub const LEAD_IMAGE_MIN_WIDTH: u32 = 1200;
/// How far back another story with the same headline counts.
pub const DUPLICATE_WINDOW_SECONDS: i64 = 30 * 24 * 3600;

/// One check a story goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    HeadlineLength,
    HeadlineSearchLength,
    Description,
    ImageText,
    LeadImageSize,
    InternalLinks,
    Byline,
    Section,
    ScheduledTime,
    Embargo,
    DuplicateHeadline,
    StructuredData,
}

/// What a failed check does to publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Shown; publishing goes ahead.
    Warning,
    /// Publishing and scheduling are refused until it passes.
    Blocking,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim() {
            "warning" => Some(Severity::Warning),
            "blocking" => Some(Severity::Blocking),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Blocking => "blocking",
        }
    }
}

impl Check {
    /// Every check, in the order the editor lists them.
    pub const ALL: [Check; 12] = [
        Check::HeadlineLength,
        Check::HeadlineSearchLength,
        Check::Description,
        Check::ImageText,
        Check::LeadImageSize,
        Check::InternalLinks,
        Check::Byline,
        Check::Section,
        Check::ScheduledTime,
        Check::Embargo,
        Check::DuplicateHeadline,
        Check::StructuredData,
    ];

    /// The stable name settings and the API use.
    pub fn key(self) -> &'static str {
        match self {
            Check::HeadlineLength => "headline_length",
            Check::HeadlineSearchLength => "headline_search_length",
            Check::Description => "description",
            Check::ImageText => "image_text",
            Check::LeadImageSize => "lead_image_size",
            Check::InternalLinks => "internal_links",
            Check::Byline => "byline",
            Check::Section => "section",
            Check::ScheduledTime => "scheduled_time",
            Check::Embargo => "embargo",
            Check::DuplicateHeadline => "duplicate_headline",
            Check::StructuredData => "structured_data",
        }
    }

    pub fn parse(key: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.key() == key.trim())
    }

    /// What it checks, as the editor and the settings page say it.
    pub fn label(self) -> &'static str {
        match self {
            Check::HeadlineLength => "Headline at most 110 characters (Google NewsArticle)",
            Check::HeadlineSearchLength => "Headline fits search results (about 70 characters)",
            Check::Description => "A standfirst (the description)",
            Check::ImageText => "Every image has alt text and a credit",
            Check::LeadImageSize => "A lead image at least 1200 pixels wide",
            Check::InternalLinks => "Links in the text lead to published stories",
            Check::Byline => "A byline",
            Check::Section => "A section",
            Check::ScheduledTime => "The scheduled time is not in the past",
            Check::Embargo => "An embargo is later than now",
            Check::DuplicateHeadline => "No other story with this headline in the last 30 days",
            Check::StructuredData => "Structured data complete for Google News",
        }
    }

    /// The severity a new site gives it: blocking where publishing anyway
    /// breaks a standard outright (Google drops a `NewsArticle` with a
    /// longer headline; a time in the past is a mistake), a warning where an
    /// editor may knowingly go ahead (a breaking story without a photo yet).
    pub fn default_severity(self) -> Severity {
        match self {
            Check::HeadlineLength | Check::Section | Check::ScheduledTime => Severity::Blocking,
            _ => Severity::Warning,
        }
    }
}

/// The site's choice of severity per check; a check it does not name has
/// its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Severities(BTreeMap<Check, Severity>);

impl Severities {
    /// The severity of `check` on this site.
    pub fn of(&self, check: Check) -> Severity {
        self.0
            .get(&check)
            .copied()
            .unwrap_or(check.default_severity())
    }

    /// Sets `check`'s severity (a default one is not stored).
    pub fn set(&mut self, check: Check, severity: Severity) {
        if severity == check.default_severity() {
            self.0.remove(&check);
        } else {
            self.0.insert(check, severity);
        }
    }

    /// Parses stored JSON (`{"byline": "blocking"}`); a name this version
    /// does not know is ignored, so a downgrade still reads the settings.
    pub fn from_json(text: &str) -> Result<Severities, String> {
        let map: BTreeMap<String, String> =
            serde_json::from_str(text).map_err(|e| format!("stored check severities: {e}"))?;
        let mut out = Severities::default();
        for (key, value) in map {
            let (Some(check), Some(severity)) = (Check::parse(&key), Severity::parse(&value))
            else {
                continue;
            };
            out.set(check, severity);
        }
        Ok(out)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("severities serialize")
    }
}

/// The lead image as the check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadImage {
    None,
    /// A reference no media library image answers.
    Unknown(String),
    Found {
        alt: String,
        credit: String,
        width: u32,
    },
}

/// An `<img>` in the story's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    pub src: String,
    pub alt: String,
    /// The media library's credit; `None` when the image is not from it.
    pub credit: Option<String>,
}

/// Everything the rules look at, gathered from the story and the site.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub article: &'a Article,
    pub now: i64,
    /// The time the story is being scheduled for, if it is.
    pub scheduling_at: Option<i64>,
    pub lead_image: LeadImage,
    pub inline_images: Vec<InlineImage>,
    /// Internal links (as written) that lead to no published story.
    pub broken_links: Vec<String>,
    /// Other stories with the same headline in the window: id and status.
    pub duplicates: Vec<(i64, String)>,
    /// The `NewsArticle` JSON-LD the story's page would carry.
    pub structured_data: serde_json::Value,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub check: Check,
    pub label: &'static str,
    pub severity: Severity,
    pub passed: bool,
    /// What is wrong, one sentence each; empty when it passed.
    pub problems: Vec<String>,
}

/// Every check's result for one story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub results: Vec<Outcome>,
}

impl Report {
    /// The failed checks that refuse publishing.
    pub fn blocking(&self) -> Vec<Outcome> {
        self.results
            .iter()
            .filter(|o| !o.passed && o.severity == Severity::Blocking)
            .cloned()
            .collect()
    }

    /// The failed checks, blocking or not.
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.results.iter().filter(|o| !o.passed)
    }
}

/// The failures' problems as one sentence list, for a refusal's message.
pub fn describe(failures: &[Outcome]) -> String {
    failures
        .iter()
        .flat_map(|o| o.problems.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs every rule over `facts`.
pub fn evaluate(facts: &Facts<'_>, severities: &Severities) -> Report {
    let results = Check::ALL
        .into_iter()
        .map(|check| {
            let problems = problems(check, facts);
            Outcome {
                check,
                label: check.label(),
                severity: severities.of(check),
                passed: problems.is_empty(),
                problems,
            }
        })
        .collect();
    Report { results }
}

fn problems(check: Check, facts: &Facts<'_>) -> Vec<String> {
    let article = facts.article;
    let headline_chars = article.headline.trim().chars().count();
    let mut out = Vec::new();
    match check {
        Check::HeadlineLength => {
            if headline_chars > NEWS_ARTICLE_HEADLINE {
                out.push(format!(
                    "the headline is {headline_chars} characters long; Google's NewsArticle allows at most {NEWS_ARTICLE_HEADLINE}"
                ));
            }
        }
        Check::HeadlineSearchLength => {
            if headline_chars > SEARCH_HEADLINE {
                out.push(format!(
                    "the headline is {headline_chars} characters long; search results show about the first {SEARCH_HEADLINE}"
                ));
            }
        }
        Check::Description => {
            if article.standfirst.trim().is_empty() {
                out.push(
                    "there is no standfirst: search results and link previews show it as the description"
                        .into(),
                );
            }
        }
        Check::ImageText => image_text(facts, &mut out),
        Check::LeadImageSize => match &facts.lead_image {
            LeadImage::None => out.push(format!(
                "there is no lead image: large previews need one at least {LEAD_IMAGE_MIN_WIDTH} pixels wide"
            )),
            LeadImage::Unknown(_) => {}
            LeadImage::Found { width, .. } if *width < LEAD_IMAGE_MIN_WIDTH => out.push(format!(
                "the lead image is {width} pixels wide; large previews need at least {LEAD_IMAGE_MIN_WIDTH}"
            )),
            LeadImage::Found { .. } => {}
        },
        Check::InternalLinks => {
            for href in &facts.broken_links {
                out.push(format!(
                    "the link to {href} does not lead to a published story"
                ));
            }
        }
        Check::Byline => {
            if article.bylines.iter().all(|b| b.trim().is_empty()) {
                out.push("there is no byline".into());
            }
        }
        Check::Section => {
            if article.section.id <= 0 || article.section.name.trim().is_empty() {
                out.push("there is no section".into());
            }
        }
        Check::ScheduledTime => {
            let at = facts.scheduling_at.or(match article.status {
                Status::Scheduled => article.scheduled_at,
                _ => None,
            });
            if at.is_some_and(|at| at <= facts.now) {
                out.push(
                    "the scheduled time has passed: choose a later time or publish now".into(),
                );
            }
        }
        Check::Embargo => {
            // A published story's embargo lifting is what it is for; before
            // publication one already past holds nothing back.
            if article.status != Status::Published
                && article.embargo_until.is_some_and(|t| t <= facts.now)
            {
                out.push(
                    "the embargo has already lifted: clear it, or set a later time".into(),
                );
            }
        }
        Check::DuplicateHeadline => {
            for (id, status) in &facts.duplicates {
                out.push(format!(
                    "story {id} ({status}) has the same headline, within the last 30 days"
                ));
            }
        }
        Check::StructuredData => structured_data(&facts.structured_data, &mut out),
    }
    out
}

fn image_text(facts: &Facts<'_>, out: &mut Vec<String>) {
    match &facts.lead_image {
        LeadImage::None => {}
        LeadImage::Unknown(reference) => out.push(format!(
            "the lead image {reference} is not in the media library"
        )),
        LeadImage::Found { alt, credit, .. } => {
            if alt.trim().is_empty() {
                out.push("the lead image has no alt text".into());
            }
            if credit.trim().is_empty() {
                out.push("the lead image has no credit".into());
            }
        }
    }
    for image in &facts.inline_images {
        if image.alt.trim().is_empty() {
            out.push(format!(
                "the image {} in the text has no alt text",
                image.src
            ));
        }
        match &image.credit {
            None => out.push(format!(
                "the image {} in the text is not from the media library, so it has no credit",
                image.src
            )),
            Some(credit) if credit.trim().is_empty() => out.push(format!(
                "the image {} in the text has no credit (give it one in the media library)",
                image.src
            )),
            Some(_) => {}
        }
    }
}

/// What Google News needs of the `NewsArticle` masthead emits: a headline
/// within the limit, an image, `datePublished`, an author who is a person
/// and a publisher with a name.
fn structured_data(data: &serde_json::Value, out: &mut Vec<String>) {
    let text = |key: &str| data.get(key).and_then(|v| v.as_str()).unwrap_or_default();
    let headline = text("headline").trim().chars().count();
    if headline == 0 {
        out.push("the structured data has no headline".into());
    } else if headline > NEWS_ARTICLE_HEADLINE {
        out.push(format!(
            "the structured data's headline is over {NEWS_ARTICLE_HEADLINE} characters"
        ));
    }
    let has_image = data
        .get("image")
        .and_then(|v| v.as_array())
        .is_some_and(|list| !list.is_empty());
    if !has_image {
        out.push("the structured data has no image: choose a lead image".into());
    }
    if text("datePublished").is_empty() {
        out.push("the structured data has no datePublished".into());
    }
    let people = data
        .get("author")
        .and_then(|v| v.as_array())
        .is_some_and(|list| {
            !list.is_empty()
                && list
                    .iter()
                    .all(|a| a.get("@type").and_then(|t| t.as_str()) == Some("Person"))
        });
    if !people {
        out.push(
            "the structured data's author is the publisher, not a person: add a byline".into(),
        );
    }
    let publisher = data
        .get("publisher")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or_default();
    if publisher.trim().is_empty() {
        out.push("the structured data's publisher has no name: name the site".into());
    }
}

#[cfg(test)]
mod tests;
