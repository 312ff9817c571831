//! View models of the corrections pages: `/corrections` (every correction,
//! newest first) and a story's history (`<story address>/changes`).

use serde::Serialize;

use super::views::{NavItem, SiteView, iso};
use crate::articles::Article;
use crate::corrections::history::{Entry, EntryKind, FieldChange};
use crate::corrections::{self, Listed};
use crate::site::Site;

/// One correction in the list.
#[derive(Debug, Serialize)]
pub(crate) struct ListedView {
    pub headline: String,
    pub path: String,
    pub changes: String,
    pub date: String,
    pub iso: String,
    pub note: String,
}

pub(crate) fn listed_view(site: &Site, listed: &Listed) -> ListedView {
    ListedView {
        headline: listed.article.headline.clone(),
        path: listed.article.path(),
        changes: format!(
            "{}#{}",
            corrections::changes_path(&listed.article),
            listed.anchor()
        ),
        date: site.format_date(listed.correction.at, "medium"),
        iso: iso(site, listed.correction.at),
        note: listed.correction.note.clone(),
    }
}

/// `/corrections`.
#[derive(Debug, Serialize)]
pub(crate) struct CorrectionsPage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub url: String,
    pub page: usize,
    pub corrections: Vec<ListedView>,
    pub older: Option<String>,
    pub newer: Option<String>,
    pub feeds: Vec<crate::feeds::FeedLink>,
}

/// One entry of a story's history.
#[derive(Debug, Serialize)]
pub(crate) struct EntryView {
    pub kind: EntryKind,
    pub anchor: String,
    pub date: String,
    pub iso: String,
    pub note: String,
    pub changes: Vec<FieldChange>,
}

/// `<story address>/changes`.
#[derive(Debug, Serialize)]
pub(crate) struct ChangesPage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub url: String,
    pub headline: &'a str,
    pub story_path: String,
    pub entries: Vec<EntryView>,
}

pub(crate) fn entry_view(site: &Site, entry: &Entry) -> EntryView {
    EntryView {
        kind: entry.kind,
        anchor: match entry.kind {
            EntryKind::FirstPublished => "first-published".into(),
            EntryKind::Update => format!("update-{}", entry.at),
            EntryKind::Correction => format!("correction-{}", entry.number),
        },
        date: site.format_date(entry.at, "medium"),
        iso: iso(site, entry.at),
        note: entry.note.clone(),
        changes: entry.changes.clone(),
    }
}

/// The history page's view of `article`.
pub(crate) fn changes_page<'a>(
    site: SiteView<'a>,
    nav: Vec<NavItem<'a>>,
    base: &Site,
    article: &'a Article,
    entries: &[Entry],
) -> ChangesPage<'a> {
    ChangesPage {
        site,
        nav,
        url: format!("{}{}", base.base_url, corrections::changes_path(article)),
        headline: &article.headline,
        story_path: article.path(),
        entries: entries.iter().map(|e| entry_view(base, e)).collect(),
    }
}
