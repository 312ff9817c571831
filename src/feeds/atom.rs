//! Atom 1.0 (RFC 4287): `published` is the first publication, `updated` the
//! editorial update; the feed names the site as author so every entry has
//! one, and links to itself and to its WebSub hub.

use quick_xml::events::BytesText;

use super::xml::{self, Xml, clean, text_element};
use super::{Feed, FeedError, Format};

pub(crate) fn render(feed: &Feed) -> Result<Vec<u8>, FeedError> {
    let mut w = xml::document()?;
    w.create_element("feed")
        .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xml:lang", clean(&feed.language).as_ref()))
        .write_inner_content(|w| body(w, feed))?;
    Ok(w.into_inner())
}

fn link(w: &mut Xml, rel: &str, href: &str, kind: Option<&str>) -> std::io::Result<()> {
    let mut element = w
        .create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("href", clean(href).as_ref()));
    if let Some(kind) = kind {
        element = element.with_attribute(("type", kind));
    }
    element.write_empty()?;
    Ok(())
}

fn body(w: &mut Xml, feed: &Feed) -> std::io::Result<()> {
    let self_url = feed.url(Format::Atom);
    text_element(w, "id", &self_url)?;
    text_element(w, "title", &feed.title)?;
    text_element(w, "subtitle", &feed.description)?;
    text_element(w, "updated", &xml::rfc3339(feed.updated))?;
    link(w, "self", &self_url, Some(Format::Atom.link_type()))?;
    link(w, "alternate", &feed.home_url, Some("text/html"))?;
    if let Some(hub) = &feed.hub {
        link(w, "hub", hub, None)?;
    }
    w.create_element("author").write_inner_content(|w| {
        text_element(w, "name", &feed.title)?;
        text_element(w, "uri", &feed.home_url)
    })?;
    text_element(w, "generator", "masthead")?;
    for entry in &feed.entries {
        w.create_element("entry").write_inner_content(|w| {
            text_element(w, "id", &entry.id)?;
            text_element(w, "title", &entry.title)?;
            link(w, "alternate", &entry.url, Some("text/html"))?;
            text_element(w, "published", &xml::rfc3339(entry.published))?;
            text_element(w, "updated", &xml::rfc3339(entry.updated))?;
            for (n, author) in entry.authors.iter().enumerate() {
                w.create_element("author").write_inner_content(|w| {
                    text_element(w, "name", author)?;
                    if let Some(Some(uri)) = entry.author_urls.get(n) {
                        text_element(w, "uri", uri)?;
                    }
                    Ok(())
                })?;
            }
            for category in &entry.categories {
                w.create_element("category")
                    .with_attribute(("term", clean(category).as_ref()))
                    .write_empty()?;
            }
            if let Some(image) = &entry.image {
                link(w, "enclosure", image, Some(super::image_type(image)))?;
            }
            text_element(w, "summary", &entry.summary)?;
            if let Some(html) = &entry.content_html {
                w.create_element("content")
                    .with_attribute(("type", "html"))
                    .write_text_content(BytesText::new(&clean(html)))?;
            }
            Ok(())
        })?;
    }
    Ok(())
}
