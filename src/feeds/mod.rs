//! Feeds and sitemaps: what aggregators and search engines read. RSS 2.0,
//! Atom 1.0 and JSON Feed 1.1 for the site and each section, the sitemap
//! index and its files, the Google News sitemap, `robots.txt`, and WebSub
//! pings on publish. Every list comes from the reader queries, so only
//! stories readers may see appear.

pub(crate) mod atom;
pub(crate) mod json_feed;
pub(crate) mod rss;
pub mod sitemaps;
pub mod websub;
mod xml;

use crate::articles::{self, Article, ArticleError};
use crate::sections::{self, Section, SectionError};
use crate::site::Site;

/// Stories per feed.
pub const FEED_SIZE: i64 = 50;

/// What can go wrong building a feed or sitemap.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Article(#[from] ArticleError),
    #[error(transparent)]
    Section(#[from] SectionError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error("cannot write XML: {0}")]
    Xml(#[from] std::io::Error),
    #[error(transparent)]
    Media(#[from] crate::media::MediaError),
    #[error(transparent)]
    Topic(#[from] crate::topics::TopicError),
    #[error(transparent)]
    Person(#[from] crate::people::PersonError),
    #[error(transparent)]
    Page(#[from] crate::pages::PageError),
}

/// The three feed formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    /// The file name under a feed folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Rss => "rss.xml",
            Format::Atom => "atom.xml",
            Format::Json => "feed.json",
        }
    }

    pub fn from_file_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.file_name() == name)
    }

    /// The media type a client sees.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// The media type in `<link rel="alternate" type>`.
    pub fn link_type(self) -> &'static str {
        self.content_type()
            .split(';')
            .next()
            .unwrap_or("application/xml")
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Rss => "RSS",
            Format::Atom => "Atom",
            Format::Json => "JSON Feed",
        }
    }
}

/// The path of a feed: the site's (`/feeds/rss.xml`) or a section's
/// (`/feeds/world/rss.xml`).
pub fn feed_path(section: Option<&str>, format: Format) -> String {
    match section {
        Some(slug) => format!("/feeds/{slug}/{}", format.file_name()),
        None => format!("/feeds/{}", format.file_name()),
    }
}

/// The path of a topic's feed (`/feeds/topics/climate/rss.xml`).
pub fn topic_feed_path(slug: &str, format: Format) -> String {
    format!("/feeds/topics/{slug}/{}", format.file_name())
}

/// The path of a person's feed (`/feeds/people/ann-reporter/rss.xml`).
pub fn person_feed_path(slug: &str, format: Format) -> String {
    format!("/feeds/people/{slug}/{}", format.file_name())
}

/// A feed, format-neutral.
#[derive(Debug, Clone)]
pub struct Feed {
    pub title: String,
    pub description: String,
    pub language: String,
    /// The HTML page the feed mirrors.
    pub home_url: String,
    pub base_url: String,
    /// The section whose feed this is (none: the site's or a topic's).
    pub section_slug: Option<String>,
    /// The topic whose feed this is.
    pub topic_slug: Option<String>,
    /// The person whose feed this is.
    pub person_slug: Option<String>,
    /// The folder of a feed of another kind (`/feeds/corrections`).
    pub folder: Option<String>,
    /// The newest editorial update among the entries (`now` when empty).
    pub updated: i64,
    pub hub: Option<String>,
    pub full_text: bool,
    pub entries: Vec<Entry>,
}

impl Feed {
    /// The absolute URL of this feed in `format`.
    pub fn url(&self, format: Format) -> String {
        if let Some(folder) = &self.folder {
            return format!("{}{folder}/{}", self.base_url, format.file_name());
        }
        let path = match (&self.topic_slug, &self.person_slug) {
            (Some(topic), _) => topic_feed_path(topic, format),
            (None, Some(person)) => person_feed_path(person, format),
            (None, None) => feed_path(self.section_slug.as_deref(), format),
        };
        format!("{}{path}", self.base_url)
    }
}

/// One story in a feed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// A permanent id that survives a change of address.
    pub id: String,
    pub url: String,
    pub title: String,
    pub summary: String,
    /// The sanitized body, when the site publishes full text.
    pub content_html: Option<String>,
    pub published: i64,
    /// The editorial update time.
    pub updated: i64,
    pub authors: Vec<String>,
    /// The page of each of `authors` (same order), when a person has it.
    pub author_urls: Vec<Option<String>>,
    /// The primary section's name, then the tags.
    pub categories: Vec<String>,
    /// The lead image's absolute URL.
    pub image: Option<String>,
    /// The lead image's caption and credit (RSS `media:description` and
    /// `media:credit`), empty when it has none.
    pub image_caption: String,
    pub image_credit: String,
    /// The uploaded image shown, whose text changes must purge the feed.
    pub image_media: Option<i64>,
}

/// A permanent id for a story (RFC 4151 tag URI): the site's host, the
/// year of first publication and the story id.
pub fn story_id(site: &Site, article: &Article) -> String {
    let host = site
        .base_url
        .split_once("://")
        .map_or(site.base_url.as_str(), |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost");
    let published = article.first_published_at.unwrap_or(article.created_at);
    let year = jiff::Timestamp::from_second(published)
        .map_or(1970, |t| jiff::tz::TimeZone::UTC.to_datetime(t).year());
    format!("tag:{host},{year}:article:{}", article.id)
}

/// The absolute URL of an image given as a URL or a site path.
pub fn absolute_url(site: &Site, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_owned()
    } else {
        format!("{}/{}", site.base_url, url.trim_start_matches('/'))
    }
}

/// The absolute URL of a lead image written as a URL or a site path;
/// `None` for an uploaded image (`media:<id>`), which [`image_url`] resolves.
pub fn direct_image_url(site: &Site, lead_image: Option<&str>) -> Option<String> {
    let raw = lead_image?.trim();
    if raw.is_empty() || crate::media::parse_reference(raw).is_some() {
        return None;
    }
    Some(absolute_url(site, raw))
}

/// The absolute URL of a story's lead image: for an uploaded image the
/// widest JPEG derivative up to 1200 pixels (or the original), else the
/// URL as written.
pub async fn image_url(
    store: &crate::storage::Store,
    site: &Site,
    article: &Article,
) -> Result<Option<String>, FeedError> {
    Ok(lead_image(store, site, article)
        .await?
        .map(|image| image.url))
}

/// A story's lead image as feeds show it.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadImage {
    /// Absolute URL (see [`image_url`]).
    pub url: String,
    pub caption: String,
    pub credit: String,
    /// The uploaded image, `None` for an image given as a URL.
    pub media: Option<i64>,
}

/// A story's lead image with its text: an uploaded image's caption and
/// credit, nothing for an image given as a URL.
pub async fn lead_image(
    store: &crate::storage::Store,
    site: &Site,
    article: &Article,
) -> Result<Option<LeadImage>, FeedError> {
    let media = match article.lead_image.as_deref() {
        Some(raw) if crate::media::parse_reference(raw).is_some() => {
            match crate::media::lead_image(store, article).await? {
                Some(media) => Some(media),
                None => return Ok(None),
            }
        }
        _ => None,
    };
    Ok(lead_image_with(site, article, media.as_ref()))
}

/// [`lead_image`] for a caller that already loaded the story's uploaded
/// lead image (`media`; `None` when it has none or names a URL).
pub fn lead_image_with(
    site: &Site,
    article: &Article,
    media: Option<&crate::media::Media>,
) -> Option<LeadImage> {
    let raw = article.lead_image.as_deref()?;
    let Some(media) = media else {
        if crate::media::parse_reference(raw).is_some() {
            return None;
        }
        return direct_image_url(site, Some(raw)).map(|url| LeadImage {
            url,
            caption: String::new(),
            credit: String::new(),
            media: None,
        });
    };
    let jpegs = media.derivatives_of(crate::media::DerivativeFormat::Jpeg);
    let path = jpegs
        .iter()
        .rev()
        .find(|d| d.width <= 1200)
        .or(jpegs.first())
        .map_or_else(|| media.original_url(), |d| media.url(d));
    Some(LeadImage {
        url: absolute_url(site, &path),
        caption: media.caption.clone(),
        credit: media.credit.clone(),
        media: Some(media.id),
    })
}

/// The media type of an image, guessed from its extension.
pub fn image_type(url: &str) -> &'static str {
    let lower = url.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or("");
    match path.rsplit('.').next() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("svg") => "image/svg+xml",
        _ => "image/jpeg",
    }
}

/// A story as a feed entry, with its lead image's resolved URL.
pub fn entry(site: &Site, article: &Article, image: Option<LeadImage>) -> Entry {
    let published = article.first_published_at.unwrap_or(article.created_at);
    let mut categories = vec![article.section.name.clone()];
    categories.extend(article.tags.iter().cloned());
    Entry {
        id: story_id(site, article),
        url: format!("{}{}", site.base_url, article.path()),
        title: article.headline.clone(),
        summary: article.teaser_text(site.teaser_length),
        content_html: site.feed_full_text.then(|| article.body_html.clone()),
        published,
        updated: article.last_update_at.unwrap_or(published).max(published),
        authors: article.bylines.clone(),
        author_urls: vec![None; article.bylines.len()],
        categories,
        image_caption: image
            .as_ref()
            .map(|i| i.caption.clone())
            .unwrap_or_default(),
        image_credit: image.as_ref().map(|i| i.credit.clone()).unwrap_or_default(),
        image_media: image.as_ref().and_then(|i| i.media),
        image: image.map(|i| i.url),
    }
}

/// Stories as feed entries with their lead images and their authors'
/// pages: two reads for the whole list, not two per story.
async fn credited_entries(
    store: &crate::storage::Store,
    site: &Site,
    stories: &[Article],
) -> Result<Vec<Entry>, FeedError> {
    let image_ids: Vec<i64> = stories
        .iter()
        .filter_map(|s| {
            s.lead_image
                .as_deref()
                .and_then(crate::media::parse_reference)
        })
        .collect();
    let images = crate::media::find_many(store, &image_ids).await?;
    let ids: Vec<i64> = stories.iter().map(|s| s.id).collect();
    let credits = crate::people::of_stories(store, &ids).await?;
    let none = Vec::new();
    Ok(stories
        .iter()
        .map(|story| {
            let media = story
                .lead_image
                .as_deref()
                .and_then(crate::media::parse_reference)
                .and_then(|id| images.get(&id));
            let mut entry = entry(site, story, lead_image_with(site, story, media));
            let people = credits.get(&story.id).unwrap_or(&none);
            entry.author_urls = story
                .bylines
                .iter()
                .map(|name| {
                    people
                        .iter()
                        .find(|p| p.name.to_lowercase() == name.to_lowercase())
                        .map(|p| format!("{}{}", site.base_url, crate::people::path(&p.slug)))
                })
                .collect();
            entry
        })
        .collect())
}

/// The feed of the site (no section) or of one section, at `now`.
pub async fn load(
    store: &crate::storage::Store,
    site: &Site,
    section: Option<&Section>,
    now: i64,
) -> Result<Feed, FeedError> {
    let stories =
        articles::visible_list(store, section.map(|s| s.id), now, None, None, FEED_SIZE).await?;
    let entries = credited_entries(store, site, &stories).await?;
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(now);
    let (title, home_url) = match section {
        Some(s) => (
            format!("{}: {}", site.name, s.name),
            format!("{}/{}", site.base_url, s.slug),
        ),
        None => (site.name.clone(), format!("{}/", site.base_url)),
    };
    Ok(Feed {
        description: match section {
            Some(s) => format!("The latest {} stories from {}", s.name, site.name),
            None => format!("The latest stories from {}", site.name),
        },
        title,
        language: site.language.clone(),
        home_url,
        base_url: site.base_url.clone(),
        section_slug: section.map(|s| s.slug.clone()),
        topic_slug: None,
        person_slug: None,
        folder: None,
        updated,
        hub: site.websub_hub.clone(),
        full_text: site.feed_full_text,
        entries,
    })
}

/// The feed of the stories filed under `topic`, at `now`.
pub async fn load_topic(
    store: &crate::storage::Store,
    site: &Site,
    topic: &crate::topics::Topic,
    now: i64,
) -> Result<Feed, FeedError> {
    let stories = articles::visible_topic_list(store, topic.id, now, None, FEED_SIZE).await?;
    let entries = credited_entries(store, site, &stories).await?;
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(now);
    Ok(Feed {
        title: format!("{}: {}", site.name, topic.name),
        description: format!("The latest stories about {} from {}", topic.name, site.name),
        language: site.language.clone(),
        home_url: format!("{}{}", site.base_url, crate::topics::path(&topic.slug)),
        base_url: site.base_url.clone(),
        section_slug: None,
        topic_slug: Some(topic.slug.clone()),
        person_slug: None,
        folder: None,
        updated,
        hub: site.websub_hub.clone(),
        full_text: site.feed_full_text,
        entries,
    })
}

/// The feed of topic `slug` in `format`, rendered; `None` when there is no
/// such topic, or readers may not see it yet (only hidden stories name it
/// and no editor described it: its name would tell what is coming).
pub async fn topic_feed_bytes(
    store: &crate::storage::Store,
    site: &Site,
    slug: &str,
    format: Format,
    now: i64,
) -> Result<Option<Rendered>, FeedError> {
    let Some(topic) = crate::topics::shown(store, slug, now).await? else {
        return Ok(None);
    };
    let feed = load_topic(store, site, &topic, now).await?;
    let (body, content_type) = render(&feed, format)?;
    Ok(Some(Rendered {
        body,
        content_type,
        media: feed.entries.iter().filter_map(|e| e.image_media).collect(),
    }))
}

/// The feed of the stories crediting `person` that readers may see at
/// `now`.
pub async fn load_person(
    store: &crate::storage::Store,
    site: &Site,
    person: &crate::people::Person,
    stories: &[Article],
    now: i64,
) -> Result<Feed, FeedError> {
    let entries = credited_entries(store, site, stories).await?;
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(now);
    Ok(Feed {
        title: format!("{}: {}", site.name, person.name),
        description: format!("The latest stories by {} in {}", person.name, site.name),
        language: site.language.clone(),
        home_url: format!("{}{}", site.base_url, crate::people::path(&person.slug)),
        base_url: site.base_url.clone(),
        section_slug: None,
        topic_slug: None,
        person_slug: Some(person.slug.clone()),
        folder: None,
        updated,
        hub: site.websub_hub.clone(),
        full_text: site.feed_full_text,
        entries,
    })
}

/// The feed of person `slug` in `format`, rendered; `None` when there is
/// no such person or readers may not see their page (see
/// [`crate::people::is_shown`]).
pub async fn person_feed_bytes(
    store: &crate::storage::Store,
    site: &Site,
    slug: &str,
    format: Format,
    now: i64,
) -> Result<Option<Rendered>, FeedError> {
    let Some(person) = crate::people::find(store, slug).await? else {
        return Ok(None);
    };
    let stories = articles::visible_person_list(store, person.id, now, None, FEED_SIZE).await?;
    if !crate::people::is_shown(&person, !stories.is_empty()) {
        return Ok(None);
    }
    let feed = load_person(store, site, &person, &stories, now).await?;
    let (body, content_type) = render(&feed, format)?;
    Ok(Some(Rendered {
        body,
        content_type,
        media: feed.entries.iter().filter_map(|e| e.image_media).collect(),
    }))
}

/// Renders a feed; the bytes and their content type.
pub fn render(feed: &Feed, format: Format) -> Result<(Vec<u8>, &'static str), FeedError> {
    let bytes = match format {
        Format::Rss => rss::render(feed)?,
        Format::Atom => atom::render(feed)?,
        Format::Json => json_feed::render(feed),
    };
    Ok((bytes, format.content_type()))
}

/// The feed at `path_section` (a section slug, or `None` for the site) in
/// `format`, rendered; `None` when the section does not exist.
pub async fn feed_bytes(
    store: &crate::storage::Store,
    site: &Site,
    section_slug: Option<&str>,
    format: Format,
    now: i64,
) -> Result<Option<Rendered>, FeedError> {
    let section = match section_slug {
        Some(slug) => match sections::find(store, slug).await? {
            Some(section) => Some(section),
            None => return Ok(None),
        },
        None => None,
    };
    let feed = load(store, site, section.as_ref(), now).await?;
    let (body, content_type) = render(&feed, format)?;
    Ok(Some(Rendered {
        body,
        content_type,
        media: feed.entries.iter().filter_map(|e| e.image_media).collect(),
    }))
}

/// A rendered feed.
#[derive(Debug)]
pub struct Rendered {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// The uploaded images whose caption or credit the feed shows: a change
    /// of their text must purge it (cache tag `media:<id>`).
    pub media: Vec<i64>,
}

/// The `<link rel="alternate">` entries a page advertises: the site's feeds,
/// and the section's when the page belongs to one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedLink {
    pub href: String,
    pub kind: &'static str,
    pub title: String,
}

pub fn links(site: &Site, section: Option<(&str, &str)>) -> Vec<FeedLink> {
    let mut links = Vec::new();
    for format in Format::ALL {
        links.push(FeedLink {
            href: feed_path(None, format),
            kind: format.link_type(),
            title: format!("{} ({})", site.name, format.label()),
        });
    }
    if let Some((slug, name)) = section {
        for format in Format::ALL {
            links.push(FeedLink {
                href: feed_path(Some(slug), format),
                kind: format.link_type(),
                title: format!("{}: {} ({})", site.name, name, format.label()),
            });
        }
    }
    links
}

/// The feed links of a topic's page: the site's and the topic's.
pub fn topic_links(site: &Site, topic: &crate::topics::Topic) -> Vec<FeedLink> {
    let mut links = links(site, None);
    for format in Format::ALL {
        links.push(FeedLink {
            href: topic_feed_path(&topic.slug, format),
            kind: format.link_type(),
            title: format!("{}: {} ({})", site.name, topic.name, format.label()),
        });
    }
    links
}

/// The feed links of a person's page: the site's and the person's.
pub fn person_links(site: &Site, person: &crate::people::Person) -> Vec<FeedLink> {
    let mut links = links(site, None);
    for format in Format::ALL {
        links.push(FeedLink {
            href: person_feed_path(&person.slug, format),
            kind: format.link_type(),
            title: format!("{}: {} ({})", site.name, person.name, format.label()),
        });
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types_follow_the_extension_and_default_to_jpeg() {
        assert_eq!(image_type("/media/a.PNG?w=800"), "image/png");
        assert_eq!(image_type("https://x.example/a.webp"), "image/webp");
        assert_eq!(image_type("/media/abc"), "image/jpeg");
    }

    #[test]
    fn feed_paths_name_the_site_or_the_section() {
        assert_eq!(feed_path(None, Format::Atom), "/feeds/atom.xml");
        assert_eq!(
            feed_path(Some("world"), Format::Json),
            "/feeds/world/feed.json"
        );
        assert_eq!(Format::from_file_name("rss.xml"), Some(Format::Rss));
    }
}
