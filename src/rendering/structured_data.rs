//! What search engines and link previews read from an article page: the
//! schema.org `NewsArticle` JSON-LD block (every property Google lists as
//! required or recommended, plus corrections, `keywords` and, for each topic
//! the story is filed under, an `about` Thing with the topic page's URL),
//! Open Graph and Twitter card
//! tags. Built from a story readers may see; pages of other stories never
//! call it.

use serde::Serialize;
use serde_json::{Value, json};

use crate::articles::Article;
use crate::people::Person;
use crate::site::Site;
use crate::topics::Topic;

/// Percent-encodes a URL query value.
pub(crate) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn rfc3339(unix_seconds: i64) -> String {
    jiff::Timestamp::from_second(unix_seconds)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The page listing the stories of a byline no person has (the search
/// filtered by byline).
pub(crate) fn author_url(site: &Site, name: &str) -> String {
    format!("{}/search?by={}", site.base_url, encode_component(name))
}

/// A byline's schema.org `Person`: its `url` is the person's page, with
/// the bio as `description`; a name no person has (a deleted person's)
/// keeps the search for that byline as its `url`.
fn author(site: &Site, name: &str, people: &[Person]) -> Value {
    match people
        .iter()
        .find(|p| p.name.to_lowercase() == name.to_lowercase())
    {
        Some(person) => {
            let mut value = json!({
                "@type": "Person",
                "name": name,
                "url": format!("{}{}", site.base_url, crate::people::path(&person.slug)),
            });
            if !person.bio.is_empty() {
                value["description"] = json!(person.bio);
            }
            value
        }
        None => json!({ "@type": "Person", "name": name, "url": author_url(site, name) }),
    }
}

/// The story's language (the site's for a story stored before it had one).
fn language<'a>(site: &'a Site, article: &'a Article) -> &'a str {
    if article.language.is_empty() {
        &site.language
    } else {
        &article.language
    }
}

/// The schema.org `NewsArticle` of a story; `image` is the lead image's
/// absolute URL, `topics` the topics it is filed under, in its order,
/// `people` the people its bylines name.
pub(crate) fn news_article(
    site: &Site,
    article: &Article,
    image: Option<&str>,
    topics: &[Topic],
    people: &[Person],
) -> Value {
    let url = format!("{}{}", site.base_url, article.path());
    let published = article.first_published_at.unwrap_or(article.created_at);
    let modified = article.last_update_at.unwrap_or(published).max(published);
    let publisher = json!({
        "@type": "NewsMediaOrganization",
        "name": site.name,
        "url": format!("{}/", site.base_url),
    });
    let authors: Vec<Value> = if article.bylines.is_empty() {
        vec![publisher.clone()]
    } else {
        article
            .bylines
            .iter()
            .map(|name| author(site, name, people))
            .collect()
    };
    let description = if article.standfirst.trim().is_empty() {
        article.teaser_text(site.teaser_length)
    } else {
        article.standfirst.clone()
    };
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": { "@type": "WebPage", "@id": url },
        "url": url,
        "headline": article.headline,
        "description": description,
        "datePublished": rfc3339(published),
        "dateModified": rfc3339(modified),
        "author": authors,
        "publisher": publisher,
        "articleSection": article.section.name,
        "inLanguage": language(site, article),
        "isAccessibleForFree": true,
    });
    let object = value.as_object_mut().expect("an object");
    if let Some(image) = image {
        object.insert("image".into(), json!([image]));
    }
    if !article.tags.is_empty() {
        object.insert("keywords".into(), json!(article.tags));
    }
    if !topics.is_empty() {
        let about: Vec<Value> = topics
            .iter()
            .map(|t| json!({ "@type": "Thing", "name": t.name, "url": topic_url(site, t) }))
            .collect();
        object.insert("about".into(), json!(about));
    }
    if !article.dateline.trim().is_empty() {
        object.insert("dateline".into(), json!(article.dateline));
    }
    if !article.corrections.is_empty() {
        let corrections: Vec<Value> = article
            .corrections
            .iter()
            .map(|c| json!({ "@type": "CorrectionComment", "text": c.note, "datePublished": rfc3339(c.at) }))
            .collect();
        object.insert("correction".into(), json!(corrections));
    }
    value
}

/// The absolute URL of a topic's page.
pub(crate) fn topic_url(site: &Site, topic: &Topic) -> String {
    format!("{}{}", site.base_url, crate::topics::path(&topic.slug))
}

/// JSON for a `<script type="application/ld+json">` block: `<`, `>` and `&`
/// are written as JSON escapes, so no text can close the script element.
pub(crate) fn script_json(value: &Value) -> String {
    serde_json::to_string(value)
        .expect("JSON serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// One `<meta>` tag: `property` for Open Graph, `name` for Twitter.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct MetaTag {
    pub attribute: &'static str,
    pub key: String,
    pub content: String,
}

/// Open Graph and Twitter card tags for a story; `image` is the lead
/// image's absolute URL.
pub(crate) fn social_tags(site: &Site, article: &Article, image: Option<&str>) -> Vec<MetaTag> {
    let og = |key: &str, content: String| MetaTag {
        attribute: "property",
        key: key.to_owned(),
        content,
    };
    let twitter = |key: &str, content: String| MetaTag {
        attribute: "name",
        key: key.to_owned(),
        content,
    };
    let published = article.first_published_at.unwrap_or(article.created_at);
    let modified = article.last_update_at.unwrap_or(published).max(published);
    let description = if article.standfirst.trim().is_empty() {
        article.teaser_text(site.teaser_length)
    } else {
        article.standfirst.clone()
    };
    let image = image.map(str::to_owned);
    let mut tags = vec![
        og("og:site_name", site.name.clone()),
        og("og:type", "article".into()),
        og("og:title", article.headline.clone()),
        og("og:description", description.clone()),
        og("og:url", format!("{}{}", site.base_url, article.path())),
        og("og:locale", language(site, article).replace('-', "_")),
    ];
    if let Some(image) = &image {
        tags.push(og("og:image", image.clone()));
    }
    tags.extend([
        og("article:published_time", rfc3339(published)),
        og("article:modified_time", rfc3339(modified)),
        og("article:section", article.section.name.clone()),
    ]);
    tags.extend(article.tags.iter().map(|t| og("article:tag", t.clone())));
    let card = if image.is_some() {
        "summary_large_image"
    } else {
        "summary"
    };
    tags.extend([
        twitter("twitter:card", card.into()),
        twitter("twitter:title", article.headline.clone()),
        twitter("twitter:description", description),
    ]);
    if let Some(image) = image {
        tags.push(twitter("twitter:image", image));
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let text = script_json(&json!({ "headline": "</script><b>&" }));
        assert!(!text.contains("</script>"));
        assert!(text.contains("\\u003c/script\\u003e"));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_component("Jane Doe & co/é"),
            "Jane%20Doe%20%26%20co%2F%C3%A9"
        );
    }
}
