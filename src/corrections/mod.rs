//! Corrections readers can follow: every correction of every story readers
//! may see, newest first (the `/corrections` page and its feeds), and each
//! story's public history (`<story address>/changes`, see [`history`]).
//! Only what readers were told is shown: corrections and editorial updates,
//! never silent fixes, drafts, or anything of a story readers cannot see.

pub mod history;

use crate::articles::{Article, ArticleError, Correction};
use crate::feeds::{Entry, Feed};
use crate::site::Site;
use crate::storage::Store;

/// Corrections per page of `/corrections`.
pub const PAGE_SIZE: usize = 20;
/// Corrections in the corrections feeds.
pub const FEED_SIZE: usize = 50;

/// One correction with its story.
#[derive(Debug, Clone)]
pub struct Listed {
    pub article: Article,
    pub correction: Correction,
    /// Its place among the story's corrections (1 for the first), which
    /// names its anchor on the story's history page.
    pub number: usize,
}

impl Listed {
    /// The anchor of this correction on the story's history page.
    pub fn anchor(&self) -> String {
        format!("correction-{}", self.number)
    }
}

/// Every correction of the stories readers may see at `now`, newest first
/// (ties: the newer story first, then the later correction).
pub async fn all(store: &Store, now: i64) -> Result<Vec<Listed>, ArticleError> {
    let mut listed = Vec::new();
    for row in store.corrected_articles(now).await? {
        let article = Article::from_row(row)?;
        for (n, correction) in article.corrections.iter().enumerate() {
            listed.push(Listed {
                article: article.clone(),
                correction: correction.clone(),
                number: n + 1,
            });
        }
    }
    sort_newest_first(&mut listed);
    Ok(listed)
}

fn sort_newest_first(listed: &mut [Listed]) {
    listed.sort_by(|a, b| {
        (b.correction.at, b.article.id, b.number).cmp(&(a.correction.at, a.article.id, a.number))
    });
}

/// Page `number` (from 1) of `listed`, and whether an older page follows;
/// `None` past the end (page 1 always exists, empty or not).
pub fn page(listed: &[Listed], number: usize) -> Option<(&[Listed], bool)> {
    let start = number.checked_sub(1)?.checked_mul(PAGE_SIZE)?;
    if number > 1 && start >= listed.len() {
        return None;
    }
    let end = (start + PAGE_SIZE).min(listed.len());
    Some((&listed[start.min(end)..end], end < listed.len()))
}

/// The folder of the corrections feeds (`/feeds/corrections/rss.xml`...).
pub const FEED_FOLDER: &str = "/feeds/corrections";

/// The corrections feed: the newest [`FEED_SIZE`] corrections, each an
/// entry linking to the correction on the story's history page.
pub fn feed(site: &Site, listed: &[Listed], now: i64) -> Feed {
    let labels = crate::languages::for_language(&site.language);
    let entries: Vec<Entry> = listed
        .iter()
        .take(FEED_SIZE)
        .map(|l| {
            let url = format!(
                "{}{}#{}",
                site.base_url,
                changes_path(&l.article),
                l.anchor()
            );
            Entry {
                id: format!(
                    "{}:correction:{}",
                    crate::feeds::story_id(site, &l.article),
                    l.number
                ),
                url,
                title: labels
                    .correction_to
                    .replace("{headline}", &l.article.headline),
                summary: l.correction.note.clone(),
                content_html: None,
                published: l.correction.at,
                updated: l.correction.at,
                authors: Vec::new(),
                author_urls: Vec::new(),
                categories: vec![l.article.section.name.clone()],
                image: None,
                image_caption: String::new(),
                image_credit: String::new(),
                image_media: None,
            }
        })
        .collect();
    Feed {
        title: format!("{}: {}", site.name, labels.corrections),
        description: labels.corrections_intro.to_owned(),
        language: site.language.clone(),
        home_url: format!("{}/corrections", site.base_url),
        base_url: site.base_url.clone(),
        section_slug: None,
        topic_slug: None,
        person_slug: None,
        folder: Some(FEED_FOLDER.to_owned()),
        updated: entries.first().map_or(now, |e| e.updated),
        hub: None,
        full_text: false,
        entries,
    }
}

/// The `<link rel="alternate">` entries of the corrections feeds.
pub fn feed_links(site: &Site) -> Vec<crate::feeds::FeedLink> {
    let labels = crate::languages::for_language(&site.language);
    crate::feeds::Format::ALL
        .into_iter()
        .map(|format| crate::feeds::FeedLink {
            href: format!("{FEED_FOLDER}/{}", format.file_name()),
            kind: format.link_type(),
            title: format!("{}: {} ({})", site.name, labels.corrections, format.label()),
        })
        .collect()
}

/// The path of a story's public history.
pub fn changes_path(article: &Article) -> String {
    format!("{}/changes", article.path())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::articles::{BodyFormat, NewArticle, SectionRef};

    fn listed(id: i64, at: i64, number: usize) -> Listed {
        let mut article = NewArticle {
            section: SectionRef {
                id: 1,
                slug: "world".into(),
                name: "World".into(),
            },
            slug: None,
            headline: format!("Story {id}"),
            standfirst: String::new(),
            teaser: None,
            body_source: "Text".into(),
            body_format: BodyFormat::Markdown,
            dateline: String::new(),
            bylines: Vec::new(),
            tags: Vec::new(),
        }
        .into_draft(0)
        .unwrap();
        article.id = id;
        Listed {
            article,
            correction: Correction {
                at,
                note: format!("note {id}.{number}"),
            },
            number,
        }
    }

    #[test]
    fn corrections_are_listed_newest_first_across_stories() {
        let mut all = vec![listed(1, 100, 1), listed(2, 300, 1), listed(1, 200, 2)];
        sort_newest_first(&mut all);
        let order: Vec<_> = all.iter().map(|l| l.correction.note.as_str()).collect();
        assert_eq!(order, ["note 2.1", "note 1.2", "note 1.1"]);
        assert_eq!(all[1].anchor(), "correction-2");
    }

    #[test]
    fn pages_hold_twenty_and_a_page_past_the_end_is_none() {
        let all: Vec<_> = (0..45).map(|n| listed(n, n, 1)).collect();
        assert_eq!(
            page(&all, 1).map(|(p, more)| (p.len(), more)),
            Some((20, true))
        );
        assert_eq!(
            page(&all, 3).map(|(p, more)| (p.len(), more)),
            Some((5, false))
        );
        assert!(page(&all, 4).is_none());
        assert!(page(&all, 0).is_none());
        assert_eq!(
            page(&[], 1).map(|(p, more)| (p.len(), more)),
            Some((0, false))
        );
    }
}
