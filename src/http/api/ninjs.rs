//! A story as an IPTC ninjs 2.2 news item (<https://iptc.org/std/ninjs/>):
//! its section and each topic it is filed under are `subjects`, with the
//! address of their page as `uri`.

use serde_json::{Value, json};

use crate::articles::Article;
use crate::feeds::{image_type, story_id};
use crate::rendering::structured_data::topic_url;
use crate::site::Site;
use crate::topics::Topic;

fn rfc3339(unix_seconds: i64) -> String {
    jiff::Timestamp::from_second(unix_seconds)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The ninjs item of a story readers may see; `image` is its lead image's
/// absolute URL, `topics` the topics it is filed under, in its order,
/// `people` the people its bylines name (each byline's `uri` is its
/// person's page).
pub(super) fn item(
    site: &Site,
    article: &Article,
    image: Option<&str>,
    topics: &[Topic],
    people: &[crate::people::Person],
) -> Value {
    let url = format!("{}{}", site.base_url, article.path());
    let published = article.first_published_at.unwrap_or(article.created_at);
    let summary = if article.standfirst.trim().is_empty() {
        article.teaser_text(site.teaser_length)
    } else {
        article.standfirst.clone()
    };
    let mut descriptions =
        vec![json!({ "role": "summary", "contenttype": "text/plain", "value": summary })];
    descriptions.extend(article.corrections.iter().map(|c| {
        json!({ "role": "correction", "contenttype": "text/plain", "value": format!("{}: {}", rfc3339(c.at), c.note) })
    }));
    let mut value = json!({
        "standard": {
            "name": "ninjs",
            "version": "2.2",
            "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json#"
        },
        "uri": story_id(site, article),
        "type": "text",
        "representationtype": "full",
        "version": article.revision.to_string(),
        "firstcreated": rfc3339(published),
        "versioncreated": rfc3339(article.last_update_at.unwrap_or(published).max(published)),
        "pubstatus": "usable",
        "language": if article.language.is_empty() { &site.language } else { &article.language },
        "slugline": article.slug.to_string(),
        "headlines": [{ "role": "main", "contenttype": "text/plain", "value": article.headline }],
        "descriptions": descriptions,
        "bodies": [{ "role": "main", "contenttype": "text/html", "value": article.body_html }],
        "subjects": [{ "name": article.section.name, "rel": "section", "uri": format!("{}/{}", site.base_url, article.section.slug) }],
        "altids": [{ "role": "url", "value": url }],
        "copyrightholder": site.name,
    });
    let object = value.as_object_mut().expect("an object");
    if !article.bylines.is_empty() {
        object.insert("by".into(), json!(article.bylines.join(", ")));
        object.insert(
            "people".into(),
            json!(
                article
                    .bylines
                    .iter()
                    .map(|name| {
                        let mut person = json!({ "name": name, "rel": "author" });
                        if let Some(p) = people
                            .iter()
                            .find(|p| p.name.to_lowercase() == name.to_lowercase())
                        {
                            person["uri"] =
                                json!(format!("{}{}", site.base_url, crate::people::path(&p.slug)));
                        }
                        person
                    })
                    .collect::<Vec<_>>()
            ),
        );
    }
    if !article.dateline.trim().is_empty() {
        object.insert("located".into(), json!(article.dateline));
    }
    if let Some(subjects) = object.get_mut("subjects").and_then(Value::as_array_mut) {
        subjects.extend(
            topics
                .iter()
                .map(|t| json!({ "name": t.name, "rel": "tag", "uri": topic_url(site, t) })),
        );
    }
    if let Some(href) = image {
        object.insert(
            "associations".into(),
            json!([{
                "name": "leadimage",
                "uri": href,
                "type": "picture",
                "renditions": [{ "name": "original", "href": href, "contenttype": image_type(href) }]
            }]),
        );
    }
    value
}
