//! RSS 2.0, with `content:encoded` for full text, `dc:creator` for bylines
//! (RSS's own `author` must be an e-mail address), `media:content` for the
//! lead image and `atom:link` for the feed's own address and WebSub hub.

use quick_xml::events::BytesText;

use super::xml::{self, Xml, clean, text_element};
use super::{Feed, FeedError, Format};

pub(crate) fn render(feed: &Feed) -> Result<Vec<u8>, FeedError> {
    let mut w = xml::document()?;
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:atom", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xmlns:content", "http://purl.org/rss/1.0/modules/content/"))
        .with_attribute(("xmlns:dc", "http://purl.org/dc/elements/1.1/"))
        .with_attribute(("xmlns:media", "http://search.yahoo.com/mrss/"))
        .write_inner_content(|w| {
            w.create_element("channel")
                .write_inner_content(|w| channel(w, feed))?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn channel(w: &mut Xml, feed: &Feed) -> std::io::Result<()> {
    text_element(w, "title", &feed.title)?;
    text_element(w, "link", &feed.home_url)?;
    text_element(w, "description", &feed.description)?;
    text_element(w, "language", &feed.language)?;
    text_element(w, "lastBuildDate", &xml::rfc2822(feed.updated))?;
    text_element(w, "generator", "masthead")?;
    let self_url = feed.url(Format::Rss);
    w.create_element("atom:link")
        .with_attribute(("href", clean(&self_url).as_ref()))
        .with_attribute(("rel", "self"))
        .with_attribute(("type", Format::Rss.link_type()))
        .write_empty()?;
    if let Some(hub) = &feed.hub {
        w.create_element("atom:link")
            .with_attribute(("href", clean(hub).as_ref()))
            .with_attribute(("rel", "hub"))
            .write_empty()?;
    }
    for entry in &feed.entries {
        w.create_element("item").write_inner_content(|w| {
            text_element(w, "title", &entry.title)?;
            text_element(w, "link", &entry.url)?;
            w.create_element("guid")
                .with_attribute(("isPermaLink", "false"))
                .write_text_content(BytesText::new(&clean(&entry.id)))?;
            text_element(w, "pubDate", &xml::rfc2822(entry.published))?;
            text_element(w, "description", &entry.summary)?;
            if let Some(html) = &entry.content_html {
                text_element(w, "content:encoded", html)?;
            }
            for author in &entry.authors {
                text_element(w, "dc:creator", author)?;
            }
            for category in &entry.categories {
                text_element(w, "category", category)?;
            }
            if let Some(image) = &entry.image {
                let content = w
                    .create_element("media:content")
                    .with_attribute(("url", clean(image).as_ref()))
                    .with_attribute(("medium", "image"))
                    .with_attribute(("type", super::image_type(image)));
                if entry.image_caption.is_empty() && entry.image_credit.is_empty() {
                    content.write_empty()?;
                } else {
                    // Media RSS: the caption as plain text, the credit as
                    // the photographer's.
                    content.write_inner_content(|w| {
                        if !entry.image_caption.is_empty() {
                            w.create_element("media:description")
                                .with_attribute(("type", "plain"))
                                .write_text_content(BytesText::new(&clean(&entry.image_caption)))?;
                        }
                        if !entry.image_credit.is_empty() {
                            w.create_element("media:credit")
                                .with_attribute(("role", "photographer"))
                                .write_text_content(BytesText::new(&clean(&entry.image_credit)))?;
                        }
                        Ok(())
                    })?;
                }
            }
            Ok(())
        })?;
    }
    Ok(())
}
