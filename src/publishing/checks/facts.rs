//! Gathering what the pre-publish rules look at: the lead image's and the
//! inline images' library records, where the text's internal links lead,
//! recent stories with the same headline, and the structured data the
//! story's page would carry.

use super::{DUPLICATE_WINDOW_SECONDS, Facts, InlineImage, LeadImage, Report};
use crate::articles::{self, Article};
use crate::site::Site;
use crate::storage::Store;

/// The check could not read what it needs (a failure of ours).
#[derive(Debug, thiserror::Error)]
#[error("the pre-publish check could not read the story's data")]
pub struct CheckError(#[source] Box<dyn std::error::Error + Send + Sync>);

fn failed(error: impl std::error::Error + Send + Sync + 'static) -> CheckError {
    CheckError(Box::new(error))
}

/// Checks `article` as it would be published (or, with `scheduling_at`,
/// scheduled) at `now` on `site`.
pub async fn run(
    store: &Store,
    site: &Site,
    article: &Article,
    scheduling_at: Option<i64>,
    now: i64,
) -> Result<Report, CheckError> {
    let lead = crate::media::lead_image(store, article)
        .await
        .map_err(failed)?;
    let lead_image = match (&article.lead_image, lead) {
        (_, Some(media)) => LeadImage::Found {
            alt: media.alt,
            credit: media.credit,
            width: media.width,
        },
        (Some(reference), None) if !reference.trim().is_empty() => {
            if crate::media::parse_reference(reference).is_some() {
                LeadImage::Unknown(reference.clone())
            } else {
                // An image given as a URL: no library record, so no credit
                // or alt text on file, and no known width.
                LeadImage::Found {
                    alt: String::new(),
                    credit: String::new(),
                    width: 0,
                }
            }
        }
        _ => LeadImage::None,
    };
    let mut inline_images = Vec::new();
    for tag in start_tags(&article.body_html, "img") {
        let src = attribute(&tag, "src").unwrap_or_default();
        let credit = match media_hash(&src, &site.base_url) {
            Some(hash) => store
                .media_by_hash(&hash)
                .await
                .map_err(failed)?
                .map(|row| row.credit),
            None => None,
        };
        inline_images.push(InlineImage {
            alt: attribute(&tag, "alt").unwrap_or_default(),
            src,
            credit,
        });
    }
    let mut broken_links = Vec::new();
    for tag in start_tags(&article.body_html, "a") {
        let Some(href) = attribute(&tag, "href") else {
            continue;
        };
        let Some(path) = internal_path(&href, &site.base_url) else {
            continue;
        };
        if !leads_somewhere(store, &path, now).await? && !broken_links.contains(&href) {
            broken_links.push(href);
        }
    }
    let duplicates = store
        .same_headline(
            article.id,
            article.headline.trim(),
            now - DUPLICATE_WINDOW_SECONDS,
        )
        .await
        .map_err(failed)?
        .into_iter()
        .map(|(id, _, status)| (id, status))
        .collect();
    let image = crate::feeds::image_url(store, site, article)
        .await
        .map_err(failed)?;
    let topics = crate::topics::of_story(store, article.id)
        .await
        .map_err(failed)?;
    let people = crate::people::of_story(store, article.id)
        .await
        .map_err(failed)?;
    let mut published = article.clone();
    if published.first_published_at.is_none() {
        published.first_published_at = Some(scheduling_at.unwrap_or(now));
    }
    let structured_data = crate::rendering::structured_data::news_article(
        site,
        &published,
        image.as_deref(),
        &topics,
        &people,
    );
    let facts = Facts {
        article,
        now,
        scheduling_at,
        lead_image,
        inline_images,
        broken_links,
        duplicates,
        structured_data,
    };
    Ok(super::evaluate(&facts, &site.checks))
}

/// Whether an internal `path` leads readers to something they may see: a
/// published story, a section front or a page. Addresses of other kinds
/// (media, topics, people, search, feeds) are not story links.
async fn leads_somewhere(store: &Store, path: &str, now: i64) -> Result<bool, CheckError> {
    const NOT_STORIES: [&str; 7] = [
        "/media/", "/static/", "/topics/", "/people/", "/search", "/feeds", "/api/",
    ];
    if path == "/" || NOT_STORIES.iter().any(|p| path.starts_with(p)) {
        return Ok(true);
    }
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let [section, slug] = parts.as_slice()
        && articles::visible_by_path(store, section, slug, now)
            .await
            .map_err(failed)?
            .is_some()
    {
        return Ok(true);
    }
    if articles::visible_at_canonical(store, path, now)
        .await
        .map_err(failed)?
        .is_some()
    {
        return Ok(true);
    }
    if let [one] = parts.as_slice()
        && crate::sections::list(store)
            .await
            .map_err(failed)?
            .iter()
            .any(|s| s.slug == *one)
    {
        return Ok(true);
    }
    Ok(crate::pages::shown_at(store, path)
        .await
        .map_err(failed)?
        .is_some())
}

/// The site path of an internal link (`/world/a-story` or
/// `<base URL>/world/a-story`), without query or fragment; `None` for an
/// external link, an anchor on the page, `mailto:` and the like.
pub(super) fn internal_path(href: &str, base_url: &str) -> Option<String> {
    let href = href.trim();
    let rest = if let Some(rest) = href.strip_prefix(base_url.trim_end_matches('/')) {
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        rest
    } else if href.starts_with('/') && !href.starts_with("//") {
        href
    } else {
        return None;
    };
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    Some(if path.is_empty() {
        "/".into()
    } else {
        path.into()
    })
}

/// The content hash of an image served from the media library
/// (`/media/<hash>-<width>.<ext>`), by site path or absolute URL.
pub(super) fn media_hash(src: &str, base_url: &str) -> Option<String> {
    let path = internal_path(src, base_url)?;
    let name = path.strip_prefix(crate::media::URL_PREFIX)?;
    let hash = name.split(['-', '.']).next()?;
    (hash.len() >= 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hash.to_owned())
}

/// The start tags `<name ...>` in sanitized HTML (the sanitizer's output:
/// attribute values double-quoted, `<` in text escaped).
pub(super) fn start_tags(html: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        if !after.starts_with([' ', '>', '/', '\n', '\t']) {
            rest = after;
            continue;
        }
        let mut quoted = false;
        let end = after
            .char_indices()
            .find_map(|(i, c)| match c {
                '"' => {
                    quoted = !quoted;
                    None
                }
                '>' if !quoted => Some(i),
                _ => None,
            })
            .unwrap_or(after.len());
        out.push(after[..end].to_owned());
        rest = &after[end..];
    }
    out
}

/// An attribute's value in a start tag's text, entities decoded.
pub(super) fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let at = tag.find(&needle)? + needle.len();
    let value = &tag[at..];
    let value = &value[..value.find('"')?];
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}
