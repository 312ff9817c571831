//! Sitemaps (sitemaps.org 0.9): `sitemap.xml` is an index of the section
//! fronts' file, the article files (at most 50,000 URLs each, streamed from
//! the database in keyset batches, never built whole in memory) and the
//! Google News sitemap (stories first published in the last 48 hours).
//! Also `robots.txt`, which points crawlers at them.

use bytes::Bytes;
use futures_util::Stream;

use super::FeedError;
use super::xml::{self, Xml, clean, text_element};
use crate::articles;
use crate::site::Site;
use crate::storage::Store;

/// URLs per sitemap file: the protocol's limit.
pub const SITEMAP_SIZE: i64 = 50_000;
/// Rows fetched per database round trip while streaming a file.
const BATCH: i64 = 1_000;
/// How far back the Google News sitemap reaches.
pub const NEWS_WINDOW: i64 = 48 * 3600;
/// The most URLs a Google News sitemap may hold.
const NEWS_LIMIT: i64 = 1_000;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

pub const CONTENT_TYPE: &str = "application/xml; charset=utf-8";

fn location(w: &mut Xml, name: &str, loc: &str, lastmod: Option<i64>) -> std::io::Result<()> {
    w.create_element(name).write_inner_content(|w| {
        text_element(w, "loc", loc)?;
        if let Some(t) = lastmod {
            text_element(w, "lastmod", &xml::rfc3339(t))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The sitemap index, with `size` URLs per article file.
pub async fn index(store: &Store, site: &Site, now: i64, size: i64) -> Result<Vec<u8>, FeedError> {
    let chunks = store.sitemap_chunks(now, size).await?;
    let mut w = xml::document()?;
    w.create_element("sitemapindex")
        .with_attribute(("xmlns", SITEMAP_NS))
        .write_inner_content(|w| {
            let newest = chunks.iter().map(|c| c.lastmod).max();
            location(
                w,
                "sitemap",
                &format!("{}/sitemaps/sections.xml", site.base_url),
                newest,
            )?;
            for chunk in &chunks {
                let loc = format!(
                    "{}/sitemaps/articles-{}.xml",
                    site.base_url,
                    chunk.chunk + 1
                );
                location(w, "sitemap", &loc, Some(chunk.lastmod))?;
            }
            location(
                w,
                "sitemap",
                &format!("{}/sitemaps/news.xml", site.base_url),
                newest,
            )
        })?;
    Ok(w.into_inner())
}

/// The home page, every section front and the page of every topic and
/// person with a story readers may see at `now` (a topic or a guest only
/// embargoed or unpublished stories name is not shown: the name could tell
/// what is coming).
pub async fn sections(store: &Store, site: &Site, now: i64) -> Result<Vec<u8>, FeedError> {
    let sections = crate::sections::list(store).await?;
    let topics = crate::topics::in_view(store, now).await?;
    let people = crate::people::in_view(store, now).await?;
    let pages = crate::pages::in_view(store).await?;
    let mut w = xml::document()?;
    w.create_element("urlset")
        .with_attribute(("xmlns", SITEMAP_NS))
        .write_inner_content(|w| {
            location(w, "url", &format!("{}/", site.base_url), None)?;
            for s in &sections {
                location(w, "url", &format!("{}/{}", site.base_url, s.slug), None)?;
            }
            for slug in &topics {
                let url = format!("{}{}", site.base_url, crate::topics::path(slug));
                location(w, "url", &url, None)?;
            }
            for slug in &people {
                let url = format!("{}{}", site.base_url, crate::people::path(slug));
                location(w, "url", &url, None)?;
            }
            for (path, modified) in &pages {
                let url = format!("{}{}", site.base_url, crate::pages::url_path(path));
                location(w, "url", &url, Some(*modified))?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

enum Stage {
    Start,
    Rows { next_id: i64, left: i64 },
    Done,
}

/// Article file `number` (1-based) with `size` URLs per file, as a stream of
/// XML chunks; `None` when there is no such file.
pub async fn articles(
    store: &Store,
    site: &Site,
    number: i64,
    now: i64,
    size: i64,
) -> Result<Option<impl Stream<Item = Result<Bytes, FeedError>> + Send + 'static>, FeedError> {
    if number < 1 {
        return Ok(None);
    }
    let Some(first_id) = store.sitemap_start(now, (number - 1) * size).await? else {
        return Ok(None);
    };
    let store = store.clone();
    let base_url = site.base_url.clone();
    // `unfold` panics when polled after it ended, and a body under
    // tower-http's compression is polled once more after its last chunk
    // (issue 10): `fuse` makes every poll after the end answer `None`.
    let stream = futures_util::stream::unfold(Stage::Start, move |stage| {
        let store = store.clone();
        let base_url = base_url.clone();
        async move {
            match stage {
                Stage::Start => {
                    let head = format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"{SITEMAP_NS}\">"
                    );
                    let next = Stage::Rows {
                        next_id: first_id,
                        left: size,
                    };
                    Some((Ok(Bytes::from(head)), next))
                }
                Stage::Rows { next_id, left } if left > 0 => {
                    let rows = match store.sitemap_entries(now, next_id, left.min(BATCH)).await {
                        Ok(rows) => rows,
                        Err(e) => return Some((Err(e.into()), Stage::Done)),
                    };
                    let mut w = Xml::new(Vec::with_capacity(rows.len() * 120));
                    for row in &rows {
                        let loc = format!("{base_url}/{}/{}", row.section_slug, row.slug);
                        if let Err(e) = location(&mut w, "url", &loc, Some(row.lastmod)) {
                            return Some((Err(e.into()), Stage::Done));
                        }
                    }
                    let next = match rows.last() {
                        Some(last) if rows.len() as i64 == left.min(BATCH) => Stage::Rows {
                            next_id: last.id + 1,
                            left: left - rows.len() as i64,
                        },
                        _ => Stage::Rows { next_id, left: 0 },
                    };
                    Some((Ok(Bytes::from(w.into_inner())), next))
                }
                Stage::Rows { .. } => Some((Ok(Bytes::from_static(b"</urlset>\n")), Stage::Done)),
                Stage::Done => None,
            }
        }
    });
    Ok(Some(futures_util::StreamExt::fuse(stream)))
}

/// The Google News sitemap: stories first published in the last 48 hours.
pub async fn news(store: &Store, site: &Site, now: i64) -> Result<Vec<u8>, FeedError> {
    let since = now - NEWS_WINDOW;
    let stories = articles::visible_list(store, None, now, None, None, NEWS_LIMIT).await?;
    let mut w = xml::document()?;
    w.create_element("urlset")
        .with_attribute(("xmlns", SITEMAP_NS))
        .with_attribute(("xmlns:news", NEWS_NS))
        .write_inner_content(|w| {
            for story in &stories {
                let Some(published) = story.first_published_at.filter(|t| *t >= since) else {
                    continue;
                };
                w.create_element("url").write_inner_content(|w| {
                    text_element(w, "loc", &format!("{}{}", site.base_url, story.path()))?;
                    w.create_element("news:news").write_inner_content(|w| {
                        w.create_element("news:publication")
                            .write_inner_content(|w| {
                                text_element(w, "news:name", &site.name)?;
                                text_element(w, "news:language", &site.language)
                            })?;
                        text_element(w, "news:publication_date", &xml::rfc3339(published))?;
                        text_element(w, "news:title", &story.headline)
                    })?;
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

/// `robots.txt`: everything but the admin may be crawled; the sitemaps.
pub fn robots(site: &Site) -> String {
    format!(
        "User-agent: *\nDisallow: /admin\nAllow: /\n\nSitemap: {base}/sitemap.xml\nSitemap: {base}/sitemaps/news.xml\n",
        base = clean(&site.base_url)
    )
}
