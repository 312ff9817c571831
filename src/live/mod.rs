//! Live blogs: a story covered minute by minute. An editor (or the writer
//! whose story it is) makes a story a live blog, adds short posts (sanitized
//! rich text like the body, an optional headline, image from the media
//! library or embed link, the author shown and the time), edits, pins as key
//! events and deletes them, and ends (or reopens) the coverage. Every step
//! writes its audit entry and an event tagged `live:<story>` in its own
//! transaction: the story's page, its `live.json` and its posts feed carry
//! that tag, so a post purges exactly those. Readers see posts only while
//! the story itself is visible (the reader routes check it).

pub mod feed;

use crate::actor::Actor;
use crate::articles::{self, Article, ArticleError};
use crate::storage::{
    LiveBlogRow, LivePostFields, LivePostRow, NewAuditEntry, NewEvent, StorageError, Store,
};

/// A post as stored and shown.
pub type Post = LivePostRow;
/// A story's live coverage.
pub type LiveBlog = LiveBlogRow;

/// Longest post headline, in characters.
pub const HEADLINE_CHARS: usize = 200;
/// Longest post text, in bytes of HTML: a post is short.
pub const BODY_BYTES: usize = 20_000;
/// Longest embed link.
pub const EMBED_CHARS: usize = 2_000;
/// Longest author name.
pub const AUTHOR_CHARS: usize = 200;

/// Why a live blog step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("there is no such story")]
    NoStory,
    #[error("this story is not a live blog: make it one in the story editor first")]
    NotLive,
    #[error("this story is a live blog already")]
    AlreadyLive,
    #[error("there is no such post on this live blog")]
    NoPost,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Article(#[from] ArticleError),
    #[error(transparent)]
    Media(#[from] crate::media::MediaError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A post as typed in the desk or sent to the API, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostInput {
    pub headline: String,
    /// HTML (the rich editor's, or typed): sanitized like the story body.
    pub body: String,
    /// `media:<id>` of a library image; empty for none.
    pub image: String,
    /// An `http(s)://` link to embed; empty for none.
    pub embed_url: String,
    /// The author shown; empty for the person posting. Only editors may
    /// name someone else.
    pub author: String,
    pub key_event: bool,
    /// When readers see it was posted; `None` for now.
    pub posted_at: Option<i64>,
}

/// The cache tag of a live blog's pages (its story page, `live.json`, its
/// feeds): a post's change purges exactly these.
pub fn tag(article_id: i64) -> String {
    format!("live:{article_id}")
}

/// Whether `actor` may run `article`'s live blog (start and end it, post,
/// edit, pin, delete): editors and administrators on every story, writers
/// on their own.
pub fn may_run(actor: &Actor, article: &Article) -> bool {
    actor.can_edit_any() || actor.owns(article.owner_id)
}

/// Whether `actor` may show another person as a post's author.
pub fn may_name_author(actor: &Actor) -> bool {
    actor.can_edit_any()
}

/// The anchor of a post on its story's page (`<story>#post-<id>`).
pub fn anchor(post_id: i64) -> String {
    format!("post-{post_id}")
}

/// The path of a post's permalink, which lands on its anchor.
pub fn permalink_path(article: &Article, post_id: i64) -> String {
    format!("{}/posts/{post_id}", article.path())
}

/// The path of the polling endpoint of a live blog.
pub fn updates_path(article: &Article) -> String {
    format!("{}/live.json", article.path())
}

/// The folder of a live blog's posts feeds (`<story>/live/atom.xml`...).
pub fn feed_folder(article: &Article) -> String {
    format!("{}/live", article.path())
}

/// The live coverage of story `article_id`, if it is a live blog.
pub async fn of_story(store: &Store, article_id: i64) -> Result<Option<LiveBlog>, LiveError> {
    Ok(store.live_blog(article_id).await?)
}

/// A page of `article_id`'s posts, newest first.
pub async fn posts(
    store: &Store,
    article_id: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<Post>, LiveError> {
    Ok(store.live_posts(article_id, offset, limit).await?)
}

/// The key events of `article_id`, newest first.
pub async fn key_events(store: &Store, article_id: i64) -> Result<Vec<Post>, LiveError> {
    Ok(store.live_key_events(article_id, 100).await?)
}

/// The story `article_id` and its live blog, for a step by `actor`.
async fn running(
    store: &Store,
    actor: &Actor,
    article_id: i64,
) -> Result<(Article, LiveBlog), LiveError> {
    let article = articles::find(store, article_id)
        .await?
        .ok_or(LiveError::NoStory)?;
    if !may_run(actor, &article) {
        return Err(forbidden());
    }
    let blog = store
        .live_blog(article_id)
        .await?
        .ok_or(LiveError::NotLive)?;
    Ok((article, blog))
}

fn forbidden() -> LiveError {
    LiveError::Forbidden(
        "writers can post only on live blogs of their own stories: ask an editor".into(),
    )
}

fn event(kind: &str, article_id: i64, payload: serde_json::Value) -> NewEvent {
    NewEvent {
        kind: kind.to_owned(),
        subject: format!("article:{article_id}"),
        tags: vec![tag(article_id)],
        payload,
    }
}

fn audit_entry(actor: &Actor, action: &str, subject: &str, article_id: i64) -> NewAuditEntry {
    crate::audit::entry(
        actor,
        action,
        subject,
        serde_json::json!({ "story": article_id }),
    )
}

/// Makes story `article_id` a live blog, its coverage starting now.
pub async fn start(
    store: &Store,
    actor: &Actor,
    article_id: i64,
    now: i64,
) -> Result<LiveBlog, LiveError> {
    let article = articles::find(store, article_id)
        .await?
        .ok_or(LiveError::NoStory)?;
    if !may_run(actor, &article) {
        return Err(forbidden());
    }
    let subject = format!("article:{article_id}");
    let started = store
        .start_live_blog(
            article_id,
            now,
            &event("live.started", article_id, serde_json::json!({})),
            &audit_entry(actor, "live.started", &subject, article_id),
        )
        .await?;
    if !started {
        return Err(LiveError::AlreadyLive);
    }
    store.live_blog(article_id).await?.ok_or(LiveError::NotLive)
}

/// Ends (`ended`) or reopens story `article_id`'s coverage.
pub async fn set_ended(
    store: &Store,
    actor: &Actor,
    article_id: i64,
    ended: bool,
    now: i64,
) -> Result<LiveBlog, LiveError> {
    let (_, blog) = running(store, actor, article_id).await?;
    if blog.ended_at.is_some() == ended {
        return Ok(blog);
    }
    let action = if ended { "live.ended" } else { "live.reopened" };
    let subject = format!("article:{article_id}");
    store
        .set_live_blog_end(
            article_id,
            ended.then_some(now),
            now,
            &event(action, article_id, serde_json::json!({})),
            &audit_entry(actor, action, &subject, article_id),
        )
        .await?;
    store.live_blog(article_id).await?.ok_or(LiveError::NotLive)
}

/// Adds a post to story `article_id`'s live blog.
pub async fn add(
    store: &Store,
    actor: &Actor,
    article_id: i64,
    input: &PostInput,
    now: i64,
) -> Result<Post, LiveError> {
    let (_, _) = running(store, actor, article_id).await?;
    let fields = checked(store, actor, input, None, now).await?;
    store
        .insert_live_post(
            article_id,
            &fields,
            actor.id,
            now,
            &event(
                "live.post_added",
                article_id,
                serde_json::json!({ "post": "{id}" }),
            ),
            &crate::audit::entry(
                actor,
                "live.post_added",
                "live_post:{id}",
                serde_json::json!({ "story": article_id, "post": "{id}" }),
            ),
        )
        .await?
        .ok_or(LiveError::NotLive)
}

/// Post `post_id` of story `article_id`, for a step by `actor`.
async fn post_of(
    store: &Store,
    actor: &Actor,
    article_id: i64,
    post_id: i64,
) -> Result<Post, LiveError> {
    running(store, actor, article_id).await?;
    post(store, article_id, post_id).await
}

/// Post `post_id` of story `article_id` (`NoPost` when it is another
/// story's or none).
pub async fn post(store: &Store, article_id: i64, post_id: i64) -> Result<Post, LiveError> {
    store
        .live_post(post_id)
        .await?
        .filter(|p| p.article_id == article_id)
        .ok_or(LiveError::NoPost)
}

/// Replaces post `post_id`'s text, image, embed, author, time and key
/// event flag with `input`'s.
pub async fn edit(
    store: &Store,
    actor: &Actor,
    article_id: i64,
    post_id: i64,
    input: &PostInput,
    now: i64,
) -> Result<Post, LiveError> {
    let before = post_of(store, actor, article_id, post_id).await?;
    let fields = checked(store, actor, input, Some(&before), now).await?;
    save(store, actor, &before, &fields, "live.post_edited", now).await
}

/// Pins post `post_id` as a key event, or unpins it.
pub async fn set_key_event(
    store: &Store,
    actor: &Actor,
    article_id: i64,
    post_id: i64,
    key_event: bool,
    now: i64,
) -> Result<Post, LiveError> {
    let before = post_of(store, actor, article_id, post_id).await?;
    let fields = LivePostFields {
        key_event,
        ..fields_of(&before)
    };
    let action = if key_event {
        "live.post_pinned"
    } else {
        "live.post_unpinned"
    };
    save(store, actor, &before, &fields, action, now).await
}

async fn save(
    store: &Store,
    actor: &Actor,
    before: &Post,
    fields: &LivePostFields,
    action: &str,
    now: i64,
) -> Result<Post, LiveError> {
    let subject = format!("live_post:{}", before.id);
    store
        .update_live_post(
            before.id,
            fields,
            now,
            &event(
                action,
                before.article_id,
                serde_json::json!({ "post": before.id }),
            ),
            &crate::audit::entry(
                actor,
                action,
                &subject,
                serde_json::json!({ "story": before.article_id, "post": before.id }),
            ),
        )
        .await?
        .ok_or(LiveError::NoPost)
}

/// Deletes post `post_id` (the audit log keeps who did it and what it was).
pub async fn delete(
    store: &Store,
    actor: &Actor,
    article_id: i64,
    post_id: i64,
    now: i64,
) -> Result<(), LiveError> {
    let before = post_of(store, actor, article_id, post_id).await?;
    let subject = format!("live_post:{post_id}");
    let audit = crate::audit::entry(
        actor,
        "live.post_deleted",
        &subject,
        serde_json::json!({
            "story": article_id, "post": post_id, "headline": before.headline,
            "body": before.body_html, "author": before.author_name,
        }),
    );
    let deleted = store
        .delete_live_post(
            post_id,
            now,
            &event(
                "live.post_deleted",
                article_id,
                serde_json::json!({ "post": post_id }),
            ),
            &audit,
        )
        .await?;
    if deleted {
        Ok(())
    } else {
        Err(LiveError::NoPost)
    }
}

fn fields_of(post: &Post) -> LivePostFields {
    LivePostFields {
        headline: post.headline.clone(),
        body_html: post.body_html.clone(),
        image: post.image.clone(),
        embed_url: post.embed_url.clone(),
        author_name: post.author_name.clone(),
        key_event: post.key_event,
        posted_at: post.posted_at,
    }
}

/// `input` checked and sanitized into the fields to store; `before` is the
/// post being edited (its author stays unless an editor changes it).
async fn checked(
    store: &Store,
    actor: &Actor,
    input: &PostInput,
    before: Option<&Post>,
    now: i64,
) -> Result<LivePostFields, LiveError> {
    let fields = check_input(actor, input, before, now)?;
    if let Some(reference) = &fields.image {
        let id = crate::media::parse_reference(reference).ok_or_else(|| {
            LiveError::Invalid(format!(
                "the image {reference:?} is not a library image: choose one (media:<number>)"
            ))
        })?;
        if crate::media::find(store, id).await?.is_none() {
            return Err(LiveError::Invalid(format!(
                "there is no image {reference} in the library"
            )));
        }
    }
    Ok(fields)
}

/// The pure rules of a post's fields: sizes, a text, an image or an embed
/// (one is needed), an `http(s)` embed link, and who may name the author.
pub fn check_input(
    actor: &Actor,
    input: &PostInput,
    before: Option<&Post>,
    now: i64,
) -> Result<LivePostFields, LiveError> {
    let invalid = |why: String| Err(LiveError::Invalid(why));
    let headline = input
        .headline
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if headline.chars().count() > HEADLINE_CHARS {
        return invalid(format!(
            "the headline is longer than {HEADLINE_CHARS} characters"
        ));
    }
    if input.body.len() > BODY_BYTES {
        return invalid(format!(
            "the text is longer than {BODY_BYTES} bytes: a post is short; split it in several"
        ));
    }
    let body_html = crate::text::markdown::sanitize(input.body.trim());
    let has_text = !crate::text::teasers::from_html(&body_html, 10)
        .trim()
        .is_empty();
    let image = Some(input.image.trim().to_owned()).filter(|s| !s.is_empty());
    let embed_url = Some(input.embed_url.trim().to_owned()).filter(|s| !s.is_empty());
    if let Some(url) = &embed_url {
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        let clean = !url
            .chars()
            .any(|c| c.is_whitespace() || "<>\"'`".contains(c));
        if !scheme_ok || !clean || url.chars().count() > EMBED_CHARS {
            return invalid(format!(
                "the embed link {url:?} is not an http(s) address (at most {EMBED_CHARS} characters)"
            ));
        }
    }
    if !has_text && image.is_none() && embed_url.is_none() {
        return invalid("write the post's text (or choose an image or an embed link)".into());
    }
    let typed = input.author.trim();
    let author_name = if typed.is_empty() {
        before.map_or_else(|| actor.name.clone(), |p| p.author_name.clone())
    } else if may_name_author(actor) {
        if typed.chars().count() > AUTHOR_CHARS {
            return invalid(format!(
                "the author's name is longer than {AUTHOR_CHARS} characters"
            ));
        }
        typed.to_owned()
    } else if before.map_or(typed == actor.name, |p| typed == p.author_name) {
        typed.to_owned()
    } else {
        return Err(LiveError::Forbidden(
            "only an editor can show someone else as a post's author".into(),
        ));
    };
    Ok(LivePostFields {
        headline,
        body_html,
        image,
        embed_url,
        author_name,
        key_event: input.key_event,
        posted_at: input
            .posted_at
            .unwrap_or_else(|| before.map_or(now, |p| p.posted_at)),
    })
}

#[cfg(test)]
mod tests;
