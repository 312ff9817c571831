//! A live blog for readers: its part of the story's page (posts newest
//! first, 50 a page, key events at the top), `<story>/live.json` (the
//! newest posts as rendered HTML, polled by `static/live.js`; a cached page
//! purged by `live:<story>`, so thousands of readers cost one render per
//! change), the posts feeds (`<story>/live/{rss.xml,atom.xml,feed.json}`)
//! and each post's permalink (`<story>/posts/<id>`, answered with the way to
//! `<story>#post-<id>` on the page that shows it). Nothing answers while the
//! story is not visible.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::problem::Problem;
use super::{cached, site};
use crate::app::App;
use crate::articles::{self, Article};
use crate::cache::Page;
use crate::live::{self, LiveBlog, Post};
use crate::rendering::live::{LiveView, POLL_MS, key_event_view, post_view};
use crate::rendering::views::{self, SiteView};
use crate::site::Site;

/// Posts per page of a live blog.
pub(super) const PAGE_SIZE: i64 = 50;

/// The reader page's script.
const LIVE_JS: &str = include_str!("../../static/live.js");

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/static/live.js", get(script))
        .route("/{section}/{slug}/live.json", get(updates))
        .route("/{section}/{slug}/live/{file}", get(feed))
        .route("/{section}/{slug}/posts/{post}", get(permalink))
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        LIVE_JS,
    )
        .into_response()
}

/// A live blog's part of its story's page, with what it adds to the page's
/// tags and the posts its JSON-LD lists; `None` for a story that is no live
/// blog. `page` counts from 1; a page past the end is no page.
pub(super) async fn part(
    app: &App,
    site: &Site,
    article: &Article,
    page: i64,
) -> Result<Option<(LiveView, LiveBlog, Vec<Post>, Vec<String>)>, Problem> {
    // Most stories are not live blogs: the flag read with the story spares
    // their pages the query below.
    let blog = match article.live_blog {
        true => live::of_story(app.store(), article.id).await?,
        false => None,
    };
    let Some(blog) = blog else {
        return match page {
            1 => Ok(None),
            _ => Err(Problem::no_page()),
        };
    };
    let offset = (page - 1) * PAGE_SIZE;
    let mut posts = live::posts(app.store(), article.id, offset, PAGE_SIZE + 1).await?;
    let has_older = posts.len() as i64 > PAGE_SIZE;
    posts.truncate(PAGE_SIZE as usize);
    if page > 1 && posts.is_empty() {
        return Err(Problem::no_page());
    }
    let key_events = live::key_events(app.store(), article.id).await?;
    let (views, mut tags) = post_views(app, site, article, &posts).await?;
    tags.push(live::tag(article.id));
    let path = article.path();
    let page_path = |n: i64| match n {
        1 => path.clone(),
        n => format!("{path}?page={n}"),
    };
    let view = LiveView {
        ended: blog.ended_at.is_some(),
        ended_date: blog
            .ended_at
            .map(|t| site.format_date(t, "medium"))
            .unwrap_or_default(),
        posts: views,
        key_events: key_events.iter().map(|p| key_event_view(site, p)).collect(),
        updates_url: (page == 1).then(|| live::updates_path(article)),
        poll_ms: POLL_MS,
        older: has_older.then(|| page_path(page + 1)),
        newer: (page > 1).then(|| page_path(page - 1)),
    };
    Ok(Some((view, blog, posts, tags)))
}

/// The views of `posts` with their images, and the `media:<id>` tags of
/// the images they show.
async fn post_views(
    app: &App,
    site: &Site,
    article: &Article,
    posts: &[Post],
) -> Result<(Vec<crate::rendering::live::PostView>, Vec<String>), Problem> {
    let mut out = Vec::with_capacity(posts.len());
    let mut tags = Vec::new();
    for post in posts {
        let image = match post
            .image
            .as_deref()
            .and_then(crate::media::parse_reference)
        {
            Some(id) => {
                tags.push(format!("media:{id}"));
                crate::media::find(app.store(), id).await?.map(|m| {
                    let mut view = views::image_view(&m);
                    view.sizes = views::ARTICLE_IMAGE_SIZES;
                    view
                })
            }
            None => None,
        };
        out.push(post_view(site, article, post, image));
    }
    Ok((out, tags))
}

/// The visible story at `/<section>/<slug>`, or the one keeping it as its
/// custom address.
async fn story(app: &App, section: &str, slug: &str) -> Result<Article, Problem> {
    let now = app.now();
    if let Some(article) = articles::visible_by_path(app.store(), section, slug, now).await? {
        return Ok(article);
    }
    articles::visible_at_canonical(app.store(), &format!("/{section}/{slug}"), now)
        .await?
        .ok_or_else(Problem::no_page)
}

#[derive(Debug, Deserialize)]
struct UpdatesQuery {
    since: Option<String>,
}

/// `<story>/live.json[?since=<post id>]`: the state of the coverage, the
/// key events and the newest posts (or those after `since`), each as the
/// HTML the page shows.
async fn updates(
    State(app): State<App>,
    Path((section, slug)): Path<(String, String)>,
    Query(query): Query<UpdatesQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let since = match query.since.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| Problem::bad_request("since must be a post number"))?,
        ),
    };
    let key = match since {
        Some(n) => format!("{}?since={n}", uri.path()),
        None => uri.path().to_owned(),
    };
    Ok(cached(&app, &headers, &key, || async {
        updates_page(&app, &section, &slug, since)
            .await
            .map_err(IntoResponse::into_response)
    })
    .await)
}

async fn updates_page(
    app: &App,
    section: &str,
    slug: &str,
    since: Option<i64>,
) -> Result<Page, Problem> {
    let article = story(app, section, slug).await?;
    updates_of(app, &article, since).await
}

/// `live.json` of `article`, which readers may see.
pub(super) async fn updates_of(
    app: &App,
    article: &Article,
    since: Option<i64>,
) -> Result<Page, Problem> {
    let article = article.clone();
    let blog = live::of_story(app.store(), article.id)
        .await?
        .ok_or_else(|| Problem::not_found("this story is not a live blog"))?;
    let site = app.site().await?;
    let posts = match since {
        Some(since) => {
            app.store()
                .live_posts_since(article.id, since, PAGE_SIZE)
                .await?
        }
        None => live::posts(app.store(), article.id, 0, PAGE_SIZE).await?,
    };
    let key_events = live::key_events(app.store(), article.id).await?;
    let (views, mut tags) = post_views(app, &site, &article, &posts).await?;
    let site_view = SiteView::in_language(&site, &article.language);
    let live_view = LiveView {
        ended: blog.ended_at.is_some(),
        ended_date: blog
            .ended_at
            .map(|t| site.format_date(t, "medium"))
            .unwrap_or_default(),
        posts: Vec::new(),
        key_events: key_events
            .iter()
            .map(|p| key_event_view(&site, p))
            .collect(),
        updates_url: None,
        poll_ms: POLL_MS,
        older: None,
        newer: None,
    };
    let renderer = app.renderer();
    let context = serde_json::json!({ "site": &site_view, "live": &live_view });
    let mut rendered = Vec::with_capacity(views.len());
    for (view, post) in views.iter().zip(&posts) {
        let html = renderer.render(
            "live_post.html",
            &serde_json::json!({ "site": &site_view, "post": view }),
        )?;
        rendered.push(serde_json::json!({
            "id": post.id,
            "sort": view.sort,
            "key_event": post.key_event,
            "posted_at": post.posted_at,
            "updated_at": post.updated_at,
            "url": format!("{}{}#{}", site.base_url, article.path(), view.anchor),
            "html": html,
        }));
    }
    let body = serde_json::json!({
        "story": article.id,
        "url": format!("{}{}", site.base_url, article.path()),
        "live": blog.ended_at.is_none(),
        "coverage_start": blog.started_at,
        "coverage_end": blog.ended_at,
        "count": app.store().live_post_count(article.id).await?,
        "poll_ms": POLL_MS,
        "status_html": renderer.render("live_status.html", &context)?,
        "key_events_html": renderer.render("live_key_events.html", &context)?,
        "posts": rendered,
    });
    tags.extend([
        format!("article:{}", article.id),
        live::tag(article.id),
        "site".to_owned(),
    ]);
    Ok(Page {
        body: body.to_string(),
        content_type: "application/json",
        tags,
        csp: None,
    })
}

/// `<story>/live/{rss.xml,atom.xml,feed.json}`: the newest posts.
async fn feed(
    State(app): State<App>,
    Path((section, slug, file)): Path<(String, String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let key = uri.path().to_owned();
    cached(&app, &headers, &key, || async {
        feed_page(&app, &section, &slug, &file)
            .await
            .map_err(site::reader_response)
    })
    .await
}

async fn feed_page(app: &App, section: &str, slug: &str, file: &str) -> Result<Page, Problem> {
    let format = crate::feeds::Format::from_file_name(file).ok_or_else(Problem::no_page)?;
    let article = story(app, section, slug).await?;
    feed_of(app, &article, format).await
}

/// The posts feed of `article`, which readers may see, in `format`.
pub(super) async fn feed_of(
    app: &App,
    article: &Article,
    format: crate::feeds::Format,
) -> Result<Page, Problem> {
    let article = article.clone();
    live::of_story(app.store(), article.id)
        .await?
        .ok_or_else(Problem::no_page)?;
    let site = app.site().await?;
    let posts = live::posts(app.store(), article.id, 0, live::feed::FEED_SIZE).await?;
    let feed = live::feed::feed(&site, &article, &posts, app.now());
    let (body, content_type) = crate::feeds::render(&feed, format)?;
    let body = String::from_utf8(body)
        .map_err(|e| Problem::internal(format!("the feed is not UTF-8: {e}")))?;
    Ok(Page {
        body,
        content_type,
        tags: site::tags([
            format!("article:{}", article.id),
            live::tag(article.id),
            "feed".to_owned(),
        ]),
        csp: None,
    })
}

/// `<story>/posts/<id>`: 303 to the post's anchor on the page of the
/// story that shows it.
async fn permalink(
    State(app): State<App>,
    Path((section, slug, post)): Path<(String, String, String)>,
) -> Result<Response, Problem> {
    let article = story(&app, &section, &slug).await.map_err(reader)?;
    let post = match post.parse::<i64>() {
        Ok(id) => app
            .store()
            .live_post(id)
            .await
            .map_err(|e| reader(e.into()))?,
        Err(_) => None,
    }
    .filter(|p| p.article_id == article.id)
    .ok_or_else(|| reader(Problem::no_page()))?;
    let before = app
        .store()
        .live_posts_before(&post)
        .await
        .map_err(|e| reader(e.into()))?;
    let page = before / PAGE_SIZE + 1;
    let path = article.path();
    let target = match page {
        1 => format!("{path}#{}", live::anchor(post.id)),
        n => format!("{path}?page={n}#{}", live::anchor(post.id)),
    };
    Ok((
        axum::http::StatusCode::SEE_OTHER,
        [(header::LOCATION, target)],
    )
        .into_response())
}

fn reader(problem: Problem) -> Problem {
    problem.on(super::problem::Surface::Reader)
}
