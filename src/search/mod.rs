//! Search: ranked full-text search over headline, standfirst and body, with
//! filters by section, topic, date range and byline, highlighted snippets and
//! pages. One interface over the database's own engine (SQLite FTS5 or
//! PostgreSQL `tsvector`, see `storage/search.rs`); a story readers may not
//! see is never returned, because storage filters on the reader condition.

pub mod query;

pub use query::Query;

use crate::articles::{Article, ArticleError};
use crate::site::Site;
use crate::storage::{SearchFilter, StorageError, Store};

/// Hits per page unless the caller asks otherwise.
pub const PAGE_SIZE: i64 = 20;
/// The most hits one page may hold.
pub const MAX_PAGE_SIZE: i64 = 100;

/// What can go wrong with a search.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("there is no section {0:?}")]
    UnknownSection(String),
    /// No topic readers may see has this slug (an old slug of a renamed or
    /// merged topic names the topic it became).
    #[error("there is no topic {0:?}")]
    UnknownTopic(String),
    /// No person readers may browse has this slug (an old slug of a renamed
    /// or merged person names the person they became).
    #[error("there is no person {0:?}")]
    UnknownPerson(String),
    #[error("{field} must be a date written YYYY-MM-DD, not {value:?}")]
    InvalidDate { field: &'static str, value: String },
    #[error(transparent)]
    Article(#[from] ArticleError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A search as a reader or an API client asks for it.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    pub text: String,
    /// A section slug.
    pub section: Option<String>,
    /// A topic slug: only stories filed under it.
    pub topic: Option<String>,
    /// A person's slug: only stories that credit them.
    pub person: Option<String>,
    /// First publication on or after this day (`YYYY-MM-DD`, site time zone).
    pub from: Option<String>,
    /// First publication on or before this day.
    pub to: Option<String>,
    /// Only stories with exactly this byline.
    pub byline: Option<String>,
    /// Hits to skip.
    pub offset: i64,
    pub limit: i64,
}

/// One result: the story, its score and its headline and snippet as safe
/// HTML (text escaped, matches in `<mark>`).
#[derive(Debug, Clone)]
pub struct Hit {
    pub article: Article,
    pub score: f64,
    pub headline_html: String,
    pub snippet_html: String,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Whether another page follows.
    pub more: bool,
}

/// Runs a search at `now`. Text with no searchable word lists the filtered
/// stories newest first (or nothing, when there is no filter either).
pub async fn search(
    store: &Store,
    site: &Site,
    params: &SearchParams,
    now: i64,
) -> Result<Results, SearchError> {
    let query = Query::parse(&params.text);
    let section_id = match params.section.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => Some(
            store
                .section_by_slug(slug)
                .await?
                .ok_or_else(|| SearchError::UnknownSection(slug.to_owned()))?
                .id,
        ),
        None => None,
    };
    let topic_id = match params
        .topic
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(slug) => Some(topic_in_view(store, slug, now).await?),
        None => None,
    };
    let person_id = match params
        .person
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(slug) => Some(person_in_view(store, slug, now).await?),
        None => None,
    };
    let byline = params.byline.clone().filter(|b| !b.trim().is_empty());
    if query.is_empty()
        && byline.is_none()
        && section_id.is_none()
        && topic_id.is_none()
        && person_id.is_none()
    {
        return Ok(Results {
            hits: Vec::new(),
            more: false,
        });
    }
    let filter = SearchFilter {
        fts5: (!query.is_empty()).then(|| query.to_fts5()),
        websearch: (!query.is_empty()).then(|| query.to_websearch()),
        section_id,
        from: day_start(site, "from", params.from.as_deref(), 0)?,
        until: day_start(site, "to", params.to.as_deref(), 1)?,
        byline,
        topic_id,
        person_id,
    };
    let limit = params.limit.clamp(1, MAX_PAGE_SIZE);
    let rows = store
        .search(&filter, now, limit + 1, params.offset.max(0))
        .await?;
    let more = rows.len() as i64 > limit;
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows.into_iter().take(limit as usize) {
        // The query checked what readers may see.
        let article = Article::from_row(row.article)?;
        let snippet_html = if row.snippet.is_empty() {
            escape(&article.teaser_text(site.teaser_length))
        } else {
            marked_to_html(&row.snippet)
        };
        hits.push(Hit {
            headline_html: marked_to_html(&row.headline_marked),
            snippet_html,
            score: row.rank,
            article,
        });
    }
    Ok(Results { hits, more })
}

/// The id of the topic `slug` names (its slug, or an old one), when readers
/// may see it at `now`: a topic only hidden stories name is unknown, as on
/// its page, so the filter tells nothing of what is coming.
async fn topic_in_view(store: &Store, slug: &str, now: i64) -> Result<i64, SearchError> {
    let unknown = || SearchError::UnknownTopic(slug.to_owned());
    let current = match store.topic_redirect(slug).await? {
        Some(current) => current,
        None => slug.to_owned(),
    };
    let topic = store.topic_in_view(&current, now).await?;
    topic.map(|t| t.id).ok_or_else(unknown)
}

/// The id of the person `slug` names (their slug, or an old one), when
/// readers may browse them at `now` (as on their page: credited by a story
/// readers may see, or with a profile), so the filter tells nothing of what
/// is coming.
async fn person_in_view(store: &Store, slug: &str, now: i64) -> Result<i64, SearchError> {
    let unknown = || SearchError::UnknownPerson(slug.to_owned());
    let person = match store.person_by_slug(slug).await? {
        Some(person) => Some(person),
        None => match store.person_redirect(slug).await? {
            Some(current) => store.person_by_slug(&current).await?,
            None => None,
        },
    };
    let Some(person) = person else {
        return Err(unknown());
    };
    let visible = store.people_in_view(now).await?.contains(&person.slug);
    if crate::people::is_shown(&person, visible) {
        Ok(person.id)
    } else {
        Err(unknown())
    }
}

/// The start of `day` (+ `plus_days`) in the site's time zone, in Unix seconds.
fn day_start(
    site: &Site,
    field: &'static str,
    day: Option<&str>,
    plus_days: i64,
) -> Result<Option<i64>, SearchError> {
    let Some(text) = day.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let invalid = || SearchError::InvalidDate {
        field,
        value: text.to_owned(),
    };
    let date: jiff::civil::Date = text.parse().map_err(|_| invalid())?;
    let date = date
        .checked_add(jiff::Span::new().days(plus_days))
        .map_err(|_| invalid())?;
    let start = date
        .to_zoned_datetime(site.time_zone.clone())
        .map_err(|_| invalid())?;
    Ok(Some(start.timestamp().as_second()))
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Turns engine output with matches between `\u{2}` and `\u{3}` into safe
/// HTML: everything escaped, matches in `<mark>`.
pub fn marked_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut open = false;
    for part in text.split_inclusive(['\u{2}', '\u{3}']) {
        let (body, marker) = match part.chars().last() {
            Some(m @ ('\u{2}' | '\u{3}')) => (&part[..part.len() - 1], Some(m)),
            _ => (part, None),
        };
        out.push_str(&escape(body));
        match marker {
            Some('\u{2}') if !open => {
                out.push_str("<mark>");
                open = true;
            }
            Some('\u{3}') if open => {
                out.push_str("</mark>");
                open = false;
            }
            _ => {}
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_marked_and_everything_else_is_escaped() {
        assert_eq!(
            marked_to_html("<b>US</b> sends \u{2}troops\u{3} & more"),
            "&lt;b&gt;US&lt;/b&gt; sends <mark>troops</mark> &amp; more"
        );
    }

    #[test]
    fn an_unclosed_mark_is_closed_and_a_stray_close_is_dropped() {
        assert_eq!(marked_to_html("a\u{3} \u{2}b"), "a <mark>b</mark>");
    }
}
