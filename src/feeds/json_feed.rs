//! JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>).

use serde::Serialize;

use super::{Feed, Format, xml::rfc3339};

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: String,
    description: &'a str,
    language: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    /// The author's page on the site.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

pub(crate) fn render(feed: &Feed) -> Vec<u8> {
    let document = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: &feed.home_url,
        feed_url: feed.url(Format::Json),
        description: &feed.description,
        language: &feed.language,
        hubs: feed
            .hub
            .iter()
            .map(|url| Hub {
                kind: "WebSub",
                url,
            })
            .collect(),
        items: feed
            .entries
            .iter()
            .map(|e| Item {
                id: &e.id,
                url: &e.url,
                title: &e.title,
                summary: &e.summary,
                content_html: e.content_html.as_deref(),
                // An item needs content: the teaser when the site keeps full text back.
                content_text: e.content_html.is_none().then_some(e.summary.as_str()),
                image: e.image.as_deref(),
                date_published: rfc3339(e.published),
                date_modified: rfc3339(e.updated),
                authors: e
                    .authors
                    .iter()
                    .enumerate()
                    .map(|(n, name)| Author {
                        name,
                        url: e.author_urls.get(n).and_then(Option::as_deref),
                    })
                    .collect(),
                tags: e.categories.iter().map(String::as_str).collect(),
            })
            .collect(),
    };
    serde_json::to_vec_pretty(&document).expect("a feed serializes")
}
