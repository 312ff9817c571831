//! A small newsroom for distribution tests: sections and stories in any
//! status, written through the domain (`articles::create`).

use masthead::articles::{self, Article, BodyFormat, Correction, NewArticle, SectionRef, Status};
use masthead::sections::{self, Section};
use masthead::storage::{NewRevision, Store};

use crate::support::NOW;

/// The section with this name, created when missing.
pub async fn section(store: &Store, name: &str) -> Section {
    let slug = name.to_lowercase();
    match sections::find(store, &slug).await.unwrap() {
        Some(s) => s,
        None => sections::create(
            store,
            &masthead::actor::Actor::command_line(),
            name,
            None,
            NOW,
        )
        .await
        .unwrap(),
    }
}

/// What a test story looks like.
pub struct Story<'a> {
    pub headline: &'a str,
    pub standfirst: &'a str,
    pub body: &'a str,
    pub status: Status,
    pub published_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub embargo_until: Option<i64>,
    pub scheduled_at: Option<i64>,
    pub bylines: &'a [&'a str],
    pub tags: &'a [&'a str],
    pub lead_image: Option<&'a str>,
    pub corrections: Vec<Correction>,
}

impl Default for Story<'_> {
    fn default() -> Self {
        Story {
            headline: "A story",
            standfirst: "",
            body: "Some words.",
            status: Status::Published,
            published_at: Some(NOW - 3600),
            updated_at: None,
            embargo_until: None,
            scheduled_at: None,
            bylines: &[],
            tags: &[],
            lead_image: None,
            corrections: Vec::new(),
        }
    }
}

/// Stores a story in `section` and returns it.
pub async fn story(store: &Store, section: &Section, story: Story<'_>) -> Article {
    let mut article = NewArticle {
        section: SectionRef {
            id: section.id,
            slug: section.slug.clone(),
            name: section.name.clone(),
        },
        slug: None,
        headline: story.headline.to_owned(),
        standfirst: story.standfirst.to_owned(),
        teaser: None,
        body_source: story.body.to_owned(),
        body_format: BodyFormat::Markdown,
        dateline: String::new(),
        bylines: story.bylines.iter().map(|s| s.to_string()).collect(),
        tags: story.tags.iter().map(|s| s.to_string()).collect(),
    }
    .into_draft(NOW - 7200)
    .unwrap();
    article.status = story.status;
    article.first_published_at = story.published_at;
    article.last_update_at = story.updated_at.or(story.published_at);
    article.embargo_until = story.embargo_until;
    article.scheduled_at = story.scheduled_at;
    article.lead_image = story.lead_image.map(str::to_owned);
    article.corrections = story.corrections;
    articles::create(store, article, "test", "created by a test")
        .await
        .unwrap()
}

/// Publishes a stored story now (first publication at `at`), as the
/// workflow would: status, dates and a new revision.
pub async fn publish(store: &Store, article: &Article, at: i64) -> Article {
    let mut next = articles::find(store, article.id).await.unwrap().unwrap();
    let expected = next.revision;
    next.embargo_until = None;
    next.scheduled_at = None;
    next.mark_published(at);
    next.modified_at = at;
    next.revision = expected + 1;
    let events = vec![masthead::storage::NewEvent {
        kind: "article.published".into(),
        subject: format!("article:{}", next.id),
        tags: next.tags_touched(),
        payload: serde_json::json!({}),
    }];
    let saved = store
        .update_article(
            &next.to_row(),
            expected,
            NewRevision {
                author: "test",
                message: "published by a test",
                snapshot: next.snapshot(),
            },
            &events,
            None,
        )
        .await
        .unwrap();
    assert!(saved, "no conflicting save");
    next
}
