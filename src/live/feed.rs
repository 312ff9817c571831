//! A live blog's posts as a feed (`<story>/live/{rss.xml,atom.xml,feed.json}`):
//! the newest posts, each an entry linking to its anchor on the story's page.

use super::{Post, anchor};
use crate::articles::Article;
use crate::feeds::{Entry, Feed};
use crate::site::Site;

/// Posts in a live blog's feed.
pub const FEED_SIZE: i64 = 50;

/// What a post is called where it needs a title: its headline, or the
/// start of its text.
pub fn title_of(post: &Post) -> String {
    if post.headline.is_empty() {
        crate::text::teasers::from_html(&post.body_html, 80)
    } else {
        post.headline.clone()
    }
}

/// The feed of `article`'s `posts` (newest first).
pub fn feed(site: &Site, article: &Article, posts: &[Post], now: i64) -> Feed {
    let labels = crate::languages::for_language(if article.language.is_empty() {
        &site.language
    } else {
        &article.language
    });
    let page = format!("{}{}", site.base_url, article.path());
    let entries: Vec<Entry> = posts
        .iter()
        .map(|post| Entry {
            id: format!("{}:post:{}", crate::feeds::story_id(site, article), post.id),
            url: format!("{page}#{}", anchor(post.id)),
            title: title_of(post),
            summary: crate::text::teasers::from_html(&post.body_html, 300),
            content_html: Some(post.body_html.clone()),
            published: post.posted_at,
            updated: post.updated_at.max(post.posted_at),
            authors: vec![post.author_name.clone()],
            author_urls: vec![None],
            categories: vec![article.section.name.clone()],
            image: None,
            image_caption: String::new(),
            image_credit: String::new(),
            image_media: None,
        })
        .collect();
    Feed {
        title: format!("{}: {} ({})", site.name, article.headline, labels.live_feed),
        description: if article.standfirst.is_empty() {
            article.headline.clone()
        } else {
            article.standfirst.clone()
        },
        language: if article.language.is_empty() {
            site.language.clone()
        } else {
            article.language.clone()
        },
        home_url: page,
        base_url: site.base_url.clone(),
        section_slug: None,
        topic_slug: None,
        person_slug: None,
        folder: Some(super::feed_folder(article)),
        updated: entries.iter().map(|e| e.updated).max().unwrap_or(now),
        hub: None,
        full_text: true,
        entries,
    }
}

/// The `<link rel="alternate">` entries of a live blog's feeds.
pub fn links(site: &Site, article: &Article) -> Vec<crate::feeds::FeedLink> {
    let labels = crate::languages::for_language(&site.language);
    crate::feeds::Format::ALL
        .into_iter()
        .map(|format| crate::feeds::FeedLink {
            href: format!("{}/{}", super::feed_folder(article), format.file_name()),
            kind: format.link_type(),
            title: format!(
                "{}: {} ({})",
                article.headline,
                labels.live_feed,
                format.label()
            ),
        })
        .collect()
}
