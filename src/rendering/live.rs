//! View models of a live blog on its story's page (posts newest first, key
//! events at the top, the coverage's state) and of `live.json`, and the
//! schema.org `LiveBlogPosting` JSON-LD with each post a `BlogPosting`.

use serde::Serialize;
use serde_json::{Value, json};

use super::views::{ImageView, iso};
use crate::articles::Article;
use crate::live::{self, LiveBlog, Post};
use crate::site::Site;

/// How often a reader's page asks for new posts, in milliseconds (the
/// answer comes from the page cache; a post purges it).
pub(crate) const POLL_MS: u64 = 1000;

/// One post as readers see it.
#[derive(Debug, Serialize)]
pub(crate) struct PostView {
    pub id: i64,
    pub anchor: String,
    pub headline: String,
    pub body_html: String,
    pub image: Option<ImageView>,
    pub embed_url: Option<String>,
    pub author: String,
    pub date: String,
    pub iso: String,
    pub key_event: bool,
    /// The permalink, which lands on the anchor.
    pub share_path: String,
    /// `<posted_at>.<id>`: the order the page's script keeps.
    pub sort: String,
    pub updated: i64,
}

/// A key event in the list at the top.
#[derive(Debug, Serialize)]
pub(crate) struct KeyEventView {
    pub anchor: String,
    pub title: String,
    pub date: String,
    pub iso: String,
}

/// The live blog part of a story's page.
#[derive(Debug, Serialize)]
pub(crate) struct LiveView {
    pub ended: bool,
    pub ended_date: String,
    pub posts: Vec<PostView>,
    pub key_events: Vec<KeyEventView>,
    /// `live.json`, polled by the page's script (first page only).
    pub updates_url: Option<String>,
    pub poll_ms: u64,
    pub older: Option<String>,
    pub newer: Option<String>,
}

pub(crate) fn post_view(
    site: &Site,
    article: &Article,
    post: &Post,
    image: Option<ImageView>,
) -> PostView {
    PostView {
        id: post.id,
        anchor: live::anchor(post.id),
        headline: post.headline.clone(),
        body_html: post.body_html.clone(),
        image,
        embed_url: post.embed_url.clone(),
        author: post.author_name.clone(),
        date: site.format_date(post.posted_at, "medium"),
        iso: iso(site, post.posted_at),
        key_event: post.key_event,
        share_path: live::permalink_path(article, post.id),
        sort: format!("{}.{}", post.posted_at, post.id),
        updated: post.updated_at,
    }
}

pub(crate) fn key_event_view(site: &Site, post: &Post) -> KeyEventView {
    KeyEventView {
        anchor: live::anchor(post.id),
        title: live::feed::title_of(post),
        date: site.format_date(post.posted_at, "medium"),
        iso: iso(site, post.posted_at),
    }
}

fn rfc3339(unix_seconds: i64) -> String {
    jiff::Timestamp::from_second(unix_seconds)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Turns a story's `NewsArticle` into a `LiveBlogPosting`: the coverage's
/// start and (once ended) end, and `posts` as `liveBlogUpdate`.
pub(crate) fn live_blog_posting(
    mut news_article: Value,
    site: &Site,
    article: &Article,
    blog: &LiveBlog,
    posts: &[Post],
) -> Value {
    let url = format!("{}{}", site.base_url, article.path());
    let object = news_article.as_object_mut().expect("an object");
    object.insert("@type".into(), json!("LiveBlogPosting"));
    object.insert("coverageStartTime".into(), json!(rfc3339(blog.started_at)));
    if let Some(ended) = blog.ended_at {
        object.insert("coverageEndTime".into(), json!(rfc3339(ended)));
    }
    if let Some(newest) = posts.iter().map(|p| p.updated_at.max(p.posted_at)).max() {
        let modified = object
            .get("dateModified")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_default();
        let newest = rfc3339(newest);
        if newest > modified {
            object.insert("dateModified".into(), json!(newest));
        }
    }
    let updates: Vec<Value> = posts
        .iter()
        .map(|p| {
            json!({
                "@type": "BlogPosting",
                "headline": live::feed::title_of(p),
                "articleBody": crate::text::teasers::from_html(&p.body_html, 5000),
                "datePublished": rfc3339(p.posted_at),
                "dateModified": rfc3339(p.updated_at.max(p.posted_at)),
                "url": format!("{url}#{}", live::anchor(p.id)),
                "author": { "@type": "Person", "name": p.author_name },
            })
        })
        .collect();
    object.insert("liveBlogUpdate".into(), json!(updates));
    news_article
}
