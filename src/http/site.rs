//! Reader pages: home, section fronts, topic and person pages, article
//! pages, the stylesheet, and the fallback that answers retired addresses
//! with 301 and others with 404.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::cached;
use super::problem::{Problem, Surface};
use crate::app::App;
use crate::articles::{self, ListCursor};
use crate::cache::Page;
use crate::comments::{self, CommentInput, Posted};
use crate::http::admin::auth::ClientAddress;
use crate::media;
use crate::redirects;
use crate::rendering::SITE_CSS;
use crate::rendering::views::{
    self, ArticlePage, CommentPage, CommentsView, HomePage, PageLink, PersonPage, SectionGroup,
    SectionPage, StandalonePage, TopicLink, TopicPage,
};
use crate::{fronts, pages, people, topics};

/// Stories per section front page.
const FRONT_PAGE_SIZE: i64 = 20;
/// Stories per section on the home page.
const HOME_PER_SECTION: i64 = 5;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/static/site.css", get(stylesheet))
        .route("/static/embeds.js", get(embeds_script))
        .route("/topics/{slug}", get(topic_front))
        .route("/people/{slug}", get(person_front))
        .route("/{section}", get(section_front))
        .route("/{section}/", get(trailing_slash))
        .route("/{section}/{slug}", get(article))
        .route("/{section}/{slug}/comments", post(post_comment))
}

/// A reader page's problem is shown on the reader's themed page, also at
/// an address under `/admin/` (which `/{section}/{slug}` matches too).
fn reader(problem: Problem) -> Problem {
    problem.on(Surface::Reader)
}

/// A reader page's problem as the response the page cache serves once,
/// uncached.
pub(super) fn reader_response(problem: Problem) -> Response {
    reader(problem).into_response()
}

/// The tags every reader page carries: it shows the site's name, the
/// section navigation, the site menu and the breaking-news banner.
pub(super) fn tags(first: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut tags: Vec<String> = first.into_iter().collect();
    tags.extend([
        "site".to_owned(),
        "sections".to_owned(),
        "menu".to_owned(),
        "banner".to_owned(),
    ]);
    tags
}

async fn home(State(app): State<App>, headers: HeaderMap, uri: Uri) -> Response {
    // `/?p=12`: an imported WordPress site's default permalink.
    if let Some(query) = uri.query() {
        match redirects::resolve_query(app.store(), query, app.now()).await {
            Ok(Some(target)) => return moved(&target),
            Ok(None) => {}
            Err(e) => return reader_response(e.into()),
        }
    }
    cached(&app, &headers, "/", || async {
        home_page(&app).await.map_err(reader_response)
    })
    .await
}

async fn home_page(app: &App) -> Result<Page, Problem> {
    let pinned = fronts::shown(app.store(), &fronts::Front::Home, app.now()).await?;
    render_home(app, &pinned).await
}

/// The lead and top stories of `pinned` as readers see them, and the cache
/// tags of the stories (a change to one of them purges the front even when
/// it lives in another section).
fn pinned_items(
    site: &crate::site::Site,
    pinned: &[articles::Article],
) -> (Option<views::StoryItem>, Vec<views::StoryItem>, Vec<String>) {
    let mut items = pinned.iter().map(|a| views::story_item(site, a));
    let lead = items.next();
    let top = items.collect();
    let tags = pinned.iter().map(|a| format!("article:{}", a.id)).collect();
    (lead, top, tags)
}

/// The home page with `pinned` (readers may see each) leading it: the
/// arrangement, or the pending one an editor previews.
pub(crate) async fn render_home(app: &App, pinned: &[articles::Article]) -> Result<Page, Problem> {
    let site = app.site().await?;
    let menu = app.menu().await?;
    let banner = app.banner().await?;
    let sections = app.sections().await?;
    let now = app.now();
    let mut groups = Vec::new();
    for section in sections.iter() {
        let mut stories = articles::visible_items(
            app.store(),
            Some(section.id),
            now,
            None,
            None,
            HOME_PER_SECTION + pinned.len() as i64,
        )
        .await?;
        // No story twice: a pinned one is not listed again below.
        stories.retain(|a| !pinned.iter().any(|p| p.id == a.id));
        stories.truncate(HOME_PER_SECTION as usize);
        if !stories.is_empty() {
            groups.push(SectionGroup {
                section,
                stories: stories
                    .iter()
                    .map(|a| views::story_item(&site, a))
                    .collect(),
            });
        }
    }
    let (lead, top, mut page_tags) = pinned_items(&site, pinned);
    let page = HomePage {
        site: views::SiteView::new(&site)
            .with_menu(&menu)
            .with_banner(banner.as_ref()),
        nav: views::nav(&sections, None),
        url: format!("{}/", site.base_url),
        lead,
        top,
        groups,
        feeds: crate::feeds::links(&site, None),
    };
    let html = app.renderer().render("home.html", &page)?;
    page_tags.push("home".to_owned());
    Ok(Page::html(html, tags(page_tags)))
}

#[derive(Debug, Deserialize)]
struct FrontQuery {
    after: Option<String>,
    page: Option<u32>,
}

/// Parses `<published_at>.<id>`.
fn parse_cursor(text: &str) -> Option<ListCursor> {
    let (published_at, id) = text.split_once('.')?;
    Some(ListCursor {
        published_at: published_at.parse().ok()?,
        id: id.parse().ok()?,
    })
}

/// Where a reader is in a newest-first list (a section front, a topic's
/// or a person's page): after which story, and the page's number, from
/// `?after=<published_at>.<id>&page=<n>`.
#[derive(Debug, Clone, Copy)]
struct ListAt {
    cursor: Option<ListCursor>,
    number: u32,
}

impl ListAt {
    /// The place the query names; an unreadable cursor is no page.
    fn from_query(query: &FrontQuery) -> Result<ListAt, Problem> {
        let cursor = match query.after.as_deref() {
            Some(text) => Some(parse_cursor(text).ok_or_else(|| reader(Problem::no_page()))?),
            None => None,
        };
        let number = match cursor {
            Some(_) => query.page.unwrap_or(2).max(2),
            None => 1,
        };
        Ok(ListAt { cursor, number })
    }

    /// The page's canonical address under `path`, its cache key: other query
    /// parameters do not make new pages.
    fn key(&self, path: &str) -> String {
        match self.cursor {
            Some(c) => format!(
                "{path}?after={}.{}&page={}",
                c.published_at, c.id, self.number
            ),
            None => path.to_owned(),
        }
    }

    /// Cuts `stories` (fetched one more than a page, which tells whether an
    /// older page exists) to a page; returns the older page's address under
    /// `path`, if there is one. A page past the end is no page.
    fn page(
        &self,
        path: &str,
        stories: &mut Vec<articles::Article>,
    ) -> Result<Option<String>, Problem> {
        let has_older = stories.len() as i64 > FRONT_PAGE_SIZE;
        stories.truncate(FRONT_PAGE_SIZE as usize);
        if self.cursor.is_some() && stories.is_empty() {
            return Err(Problem::no_page());
        }
        Ok(has_older.then(|| {
            let last = stories.last().expect("a full page").cursor();
            ListAt {
                cursor: Some(last),
                number: self.number + 1,
            }
            .key(path)
        }))
    }

    /// The newer page's address under `path`: the first page (the newest).
    fn newer(&self, path: &str) -> Option<String> {
        self.cursor.is_some().then(|| path.to_owned())
    }
}

async fn section_front(
    State(app): State<App>,
    Path(slug): Path<String>,
    Query(query): Query<FrontQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let at = ListAt::from_query(&query)?;
    let key = at.key(&format!("/{slug}"));
    Ok(cached(&app, &headers, &key, || async {
        match front_page(&app, &slug, uri.path(), at, None).await {
            Ok(outcome) => outcome,
            Err(problem) => Err(reader_response(problem)),
        }
    })
    .await)
}

/// Section `slug`'s first page with `pinned` (readers may see each)
/// leading it: the pending arrangement an editor previews.
pub(crate) async fn render_section_preview(
    app: &App,
    slug: &str,
    pinned: &[articles::Article],
) -> Result<Page, Problem> {
    let at = ListAt {
        cursor: None,
        number: 1,
    };
    match front_page(app, slug, &format!("/{slug}"), at, Some(pinned)).await? {
        Ok(page) => Ok(page),
        Err(_) => Err(Problem::not_found("There is no such section.")),
    }
}

/// A section's front (with `preview` as its pins instead of the
/// arrangement, when an editor previews one), or what else lives at `/<slug>`: a standalone page,
/// or (`Ok(Err(_))`) the redirect of an old address.
async fn front_page(
    app: &App,
    slug: &str,
    uri_path: &str,
    at: ListAt,
    preview: Option<&[articles::Article]>,
) -> Result<Result<Page, Response>, Problem> {
    {
        let site = app.site().await?;
        let menu = app.menu().await?;
        let banner = app.banner().await?;
        let sections = app.sections().await?;
        let Some(section) = sections.iter().find(|s| s.slug == slug) else {
            // No section there: a standalone page may live at /<slug>, or
            // it is an old address.
            return deep_page(app, uri_path).await;
        };
        let front = fronts::Front::Section {
            slug: section.slug.clone(),
            name: section.name.clone(),
        };
        let pinned = match preview {
            Some(pinned) => pinned.to_vec(),
            None => fronts::shown(app.store(), &front, app.now()).await?,
        };
        let mut stories = articles::visible_items(
            app.store(),
            Some(section.id),
            app.now(),
            at.cursor,
            None,
            FRONT_PAGE_SIZE + 1,
        )
        .await?;
        let path = format!("/{}", section.slug);
        let older = at.page(&path, &mut stories)?;
        // No story twice: a pinned one is not listed again below, on any
        // page; the pins themselves lead the first page only.
        stories.retain(|a| !pinned.iter().any(|p| p.id == a.id));
        let (lead, top, mut page_tags) = if at.number == 1 {
            pinned_items(&site, &pinned)
        } else {
            (
                None,
                Vec::new(),
                pinned.iter().map(|a| format!("article:{}", a.id)).collect(),
            )
        };
        let page = SectionPage {
            site: views::SiteView::new(&site)
                .with_menu(&menu)
                .with_banner(banner.as_ref()),
            nav: views::nav(&sections, Some(&section.slug)),
            url: format!("{}{}", site.base_url, path),
            section,
            page: at.number,
            lead,
            top,
            stories: stories
                .iter()
                .map(|a| views::story_item(&site, a))
                .collect(),
            older,
            newer: at.newer(&path),
            feeds: crate::feeds::links(&site, Some((&section.slug, &section.name))),
        };
        let html = app.renderer().render("section.html", &page)?;
        page_tags.push(front.key());
        Ok(Ok(Page::html(html, tags(page_tags))))
    }
}

async fn topic_front(
    State(app): State<App>,
    Path(slug): Path<String>,
    Query(query): Query<FrontQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let at = ListAt::from_query(&query)?;
    let key = at.key(&topics::path(&slug));
    Ok(cached(&app, &headers, &key, || async {
        match topic_page(&app, &slug, at).await {
            Ok(outcome) => outcome,
            Err(problem) => Err(reader_response(problem)),
        }
    })
    .await)
}

/// A topic's page, or (`Ok(Err(_))`) the redirect an old slug of a renamed
/// or merged topic gets.
async fn topic_page(app: &App, slug: &str, at: ListAt) -> Result<Result<Page, Response>, Problem> {
    let Some(topic) = topics::find(app.store(), slug).await? else {
        return match topics::redirect(app.store(), slug).await? {
            Some(target) => Ok(Err(moved(&target))),
            None => Err(Problem::no_page()),
        };
    };
    let site = app.site().await?;
    let menu = app.menu().await?;
    let banner = app.banner().await?;
    let sections = app.sections().await?;
    let path = topics::path(&topic.slug);
    let mut stories = articles::visible_topic_items(
        app.store(),
        topic.id,
        app.now(),
        at.cursor,
        FRONT_PAGE_SIZE + 1,
    )
    .await?;
    let older = at.page(&path, &mut stories)?;
    // A topic only embargoed or unpublished stories name is not shown (its
    // name could tell what is coming), unless an editor described it.
    if stories.is_empty() && topic.description.is_empty() {
        return Err(Problem::no_page());
    }
    let parent = match topic.parent_id {
        Some(id) => topics::get(app.store(), id).await?,
        None => None,
    };
    let page = TopicPage {
        site: views::SiteView::new(&site)
            .with_menu(&menu)
            .with_banner(banner.as_ref()),
        nav: views::nav(&sections, None),
        url: format!("{}{}", site.base_url, path),
        topic: &topic,
        parent: parent.as_ref().map(TopicLink::from),
        page: at.number,
        stories: stories
            .iter()
            .map(|a| views::story_item(&site, a))
            .collect(),
        older,
        newer: at.newer(&path),
        feeds: crate::feeds::topic_links(&site, &topic),
    };
    let html = app.renderer().render("topic.html", &page)?;
    let mut page_tags = vec![format!("topic:{}", topic.slug)];
    // The parent's name shows too: its rename purges this page.
    page_tags.extend(parent.map(|p| format!("topic:{}", p.slug)));
    page_tags.extend(stories.iter().map(|a| format!("article:{}", a.id)));
    Ok(Ok(Page::html(html, tags(page_tags))))
}

async fn person_front(
    State(app): State<App>,
    Path(slug): Path<String>,
    Query(query): Query<FrontQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let at = ListAt::from_query(&query)?;
    let key = at.key(&people::path(&slug));
    Ok(cached(&app, &headers, &key, || async {
        match person_page(&app, &slug, at).await {
            Ok(outcome) => outcome,
            Err(problem) => Err(reader_response(problem)),
        }
    })
    .await)
}

/// A person's page, or (`Ok(Err(_))`) the redirect an old slug of a
/// renamed or merged person gets.
async fn person_page(app: &App, slug: &str, at: ListAt) -> Result<Result<Page, Response>, Problem> {
    let Some(person) = people::find(app.store(), slug).await? else {
        // A renamed or merged person's old slug, else an editor's redirect.
        let target = match people::redirect(app.store(), slug).await? {
            Some(target) => Some(target),
            None => redirects::resolve(app.store(), &people::path(slug), app.now()).await?,
        };
        return match target {
            Some(target) => Ok(Err(moved(&target))),
            None => Err(Problem::no_page()),
        };
    };
    let site = app.site().await?;
    let menu = app.menu().await?;
    let banner = app.banner().await?;
    let sections = app.sections().await?;
    let path = people::path(&person.slug);
    let mut stories = articles::visible_person_items(
        app.store(),
        person.id,
        app.now(),
        at.cursor,
        FRONT_PAGE_SIZE + 1,
    )
    .await?;
    let older = at.page(&path, &mut stories)?;
    if !people::is_shown(&person, !stories.is_empty() || at.cursor.is_some()) {
        return Err(Problem::no_page());
    }
    let photo_id = person.photo.as_deref().and_then(media::parse_reference);
    let photo = match photo_id {
        Some(id) => media::find(app.store(), id).await?.map(|m| {
            let mut view = views::image_view(&m);
            view.sizes = views::PHOTO_SIZES;
            view
        }),
        None => None,
    };
    let page = PersonPage {
        site: views::SiteView::new(&site)
            .with_menu(&menu)
            .with_banner(banner.as_ref()),
        nav: views::nav(&sections, None),
        url: format!("{}{}", site.base_url, path),
        person: &person,
        photo,
        page: at.number,
        stories: stories
            .iter()
            .map(|a| views::story_item(&site, a))
            .collect(),
        older,
        newer: at.newer(&path),
        feeds: crate::feeds::person_links(&site, &person),
    };
    let html = app.renderer().render("person.html", &page)?;
    let mut page_tags = vec![format!("person:{}", person.slug)];
    page_tags.extend(photo_id.map(|id| format!("media:{id}")));
    page_tags.extend(stories.iter().map(|a| format!("article:{}", a.id)));
    Ok(Ok(Page::html(html, tags(page_tags))))
}

async fn trailing_slash(Path(section): Path<String>) -> Redirect {
    Redirect::permanent(&format!("/{section}"))
}

#[derive(Debug, Deserialize)]
struct ArticleQuery {
    /// A live blog's page of older posts.
    page: Option<String>,
}

async fn article(
    State(app): State<App>,
    Path((section, slug)): Path<(String, String)>,
    Query(query): Query<ArticleQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let page = match query.page.as_deref() {
        None => 1,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 1 => n,
            _ => return reader_response(Problem::no_page()),
        },
    };
    let key = match page {
        1 => format!("/{section}/{slug}"),
        n => format!("/{section}/{slug}?page={n}"),
    };
    cached(&app, &headers, &key, || async {
        match article_page(&app, &section, &slug, &uri, page).await {
            Ok(outcome) => outcome,
            Err(problem) => Err(reader_response(problem)),
        }
    })
    .await
}

/// The article page, or (`Ok(Err(_))`) the redirect a retired address gets.
async fn article_page(
    app: &App,
    section: &str,
    slug: &str,
    uri: &Uri,
    live_page: i64,
) -> Result<Result<Page, Response>, Problem> {
    {
        let now = app.now();
        let Some(article) = articles::visible_by_path(app.store(), section, slug, now).await?
        else {
            return deep_page(app, uri.path()).await;
        };
        if article.canonical_path.is_some() {
            // It keeps its old site's address: this one leads there.
            return Ok(Err(moved(&pages::url_path(&article.path()))));
        }
        render_article(app, article, live_page).await.map(Ok)
    }
}

/// A story's page, at whichever of its addresses answers.
async fn render_article(
    app: &App,
    article: articles::Article,
    live_page: i64,
) -> Result<Page, Problem> {
    {
        let now = app.now();
        let site = app.site().await?;
        let menu = app.menu().await?;
        let banner = app.banner().await?;
        let sections = app.sections().await?;
        let more = articles::more_from(app.store(), &article, now).await?;
        let comments = if site.comments_shown {
            let threads = comments::thread(app.store(), article.id).await?;
            Some(CommentsView {
                count: count_comments(&threads),
                threads: views::comment_views(&site, &threads),
                open: comments::open_for(app.store(), &site, article.id).await?,
                // The form posts to `/<section>/<slug>/comments` even when
                // the story keeps a custom address.
                action: format!("{}/comments", article.section_path()),
            })
        } else {
            None
        };
        let mut page = ArticlePage {
            site: views::SiteView::in_language(&site, &article.language)
                .with_menu(&menu)
                .with_banner(banner.as_ref()),
            nav: views::nav(&sections, Some(&article.section.slug)),
            article: views::article_view(&site, &article),
            more: more.iter().map(|a| views::story_item(&site, a)).collect(),
            feeds: crate::feeds::links(&site, Some((&article.section.slug, &article.section.name))),
            comments,
            live: None,
        };
        let live = super::live::part(app, &site, &article, live_page).await?;
        let translations = articles::translations::visible(app.store(), &article, now).await?;
        page.article.alternates = views::alternates(&site, article.id, &translations);
        let filed = topics::of_story(app.store(), article.id).await?;
        page.article.topics = filed.iter().map(TopicLink::from).collect();
        let credited = people::of_story(app.store(), article.id).await?;
        page.article.bylines = views::bylines(&article.bylines, &credited);
        // Loaded once: the page shows it, and the structured data and
        // social tags name its widest JPEG.
        let lead = media::lead_image(app.store(), &article).await?;
        page.article.lead_image = lead.as_ref().map(views::image_view);
        // The body's library images and embeds, drawn for readers.
        let body_media = crate::rendering::body::media_ids(&article.body_html);
        let found = media::find_many(app.store(), &body_media).await?;
        let body = crate::rendering::body::render(&article.body_html, &found, app.config().embeds);
        page.article.body_html = body.html;
        page.article.embeds_script = body.deferred_embeds;
        let csp = super::reader_csp_framing(&body.frame_hosts);
        let image =
            crate::feeds::lead_image_with(&site, &article, lead.as_ref()).map(|image| image.url);
        let data = crate::rendering::structured_data::news_article(
            &site,
            &article,
            image.as_deref(),
            &filed,
            &credited,
        );
        page.article.meta =
            crate::rendering::structured_data::social_tags(&site, &article, image.as_deref());
        let mut live_tags = Vec::new();
        let data = match live {
            Some((view, blog, posts, tags)) => {
                page.feeds.extend(crate::live::feed::links(&site, &article));
                page.live = Some(view);
                live_tags = tags;
                crate::rendering::live::live_blog_posting(data, &site, &article, &blog, &posts)
            }
            None => data,
        };
        page.article.json_ld = crate::rendering::structured_data::script_json(&data);
        let html = app.renderer().render("article.html", &page)?;
        let mut page_tags = vec![
            format!("article:{}", article.id),
            format!("section:{}", article.section.slug),
            // Its comments: an approval purges this page alone.
            format!("comments:{}", article.id),
        ];
        page_tags.extend(filed.iter().map(|t| format!("topic:{}", t.slug)));
        // The bylines link their people, and the JSON-LD has their bios.
        page_tags.extend(credited.iter().map(|p| format!("person:{}", p.slug)));
        // The lead image's caption, credit and alt text show on the page.
        if let Some(id) = article
            .lead_image
            .as_deref()
            .and_then(media::parse_reference)
        {
            page_tags.push(format!("media:{id}"));
        }
        // So do the body's images' (and a missing one, once uploaded again
        // under its id, is drawn at the next render).
        page_tags.extend(body_media.iter().map(|id| format!("media:{id}")));
        page_tags.extend(live_tags);
        let mut page = Page::html(html, tags(page_tags));
        page.csp = csp;
        Ok(page)
    }
}

/// Comments in `threads`, replies included.
fn count_comments(threads: &[comments::Shown]) -> usize {
    threads.iter().map(|c| 1 + count_comments(&c.replies)).sum()
}

/// `POST /<section>/<slug>/comments`: a reader's comment, held for
/// moderation. A refusal shows why with the text kept; nothing is stored.
async fn post_comment(
    State(app): State<App>,
    Path((section, slug)): Path<(String, String)>,
    ClientAddress(address): ClientAddress,
    axum::Form(input): axum::Form<CommentInput>,
) -> Result<Response, Problem> {
    let now = app.now();
    let article = articles::visible_by_path(app.store(), &section, &slug, now)
        .await
        .map_err(|e| reader(e.into()))?
        .ok_or_else(|| reader(Problem::no_page()))?;
    let site = app.site().await.map_err(|e| reader(e.into()))?;
    let sections = app.sections().await.map_err(|e| reader(e.into()))?;
    let menu = app.menu().await.map_err(|e| reader(e.into()))?;
    let banner = app.banner().await.map_err(|e| reader(e.into()))?;
    let outcome = comments::post(app.store(), &site, &article, &input, &address, now).await;
    let labels = crate::languages::labels::for_language(if article.language.is_empty() {
        &site.language
    } else {
        &article.language
    });
    let (status, title, message, form) = match outcome {
        Ok(Posted::Held | Posted::Caught) => (
            axum::http::StatusCode::OK,
            labels.comment_thanks,
            labels.comment_held.to_owned(),
            None,
        ),
        Err(comments::CommentError::TooMany) => (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            labels.comment_wait,
            comments::too_many(labels),
            Some(input),
        ),
        Err(comments::CommentError::Invalid(reason)) => (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            labels.comment_not_posted,
            reason.explain(labels),
            Some(input),
        ),
        Err(error) => return Err(reader(error.into())),
    };
    let page = CommentPage {
        site: views::SiteView::in_language(&site, &article.language)
            .with_menu(&menu)
            .with_banner(banner.as_ref()),
        nav: views::nav(&sections, Some(&article.section.slug)),
        title,
        message,
        story_path: article.path(),
        story_headline: &article.headline,
        form,
        action: format!("{}/comments", article.section_path()),
    };
    let html = app
        .renderer()
        .render("comment.html", &page)
        .map_err(|e| reader(e.into()))?;
    let mut response = (status, axum::response::Html(html)).into_response();
    if status == axum::http::StatusCode::TOO_MANY_REQUESTS {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("600"),
        );
    }
    Ok(response)
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SITE_CSS,
    )
        .into_response()
}

/// The click-to-load embeds' script: a button swaps the placeholder for
/// the sandboxed player (no inline script anywhere).
const EMBEDS_JS: &str = include_str!("../../static/embeds.js");

async fn embeds_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        EMBEDS_JS,
    )
        .into_response()
}

/// The answer of an old address (a retired story path, a renamed topic's
/// slug): 301 Moved Permanently to `target`, the status search engines and
/// every client read as "update your link".
pub(super) fn moved(target: &str) -> Response {
    (
        axum::http::StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, target.to_owned())],
    )
        .into_response()
}

/// A standalone page (About, Contact) with its breadcrumbs and children.
async fn render_standalone(app: &App, page: &pages::Page) -> Result<Page, Problem> {
    let site = app.site().await?;
    let menu = app.menu().await?;
    let banner = app.banner().await?;
    let sections = app.sections().await?;
    let ancestors = pages::ancestors(app.store(), page).await?;
    let children = pages::children(app.store(), page.id).await?;
    let view = StandalonePage {
        site: views::SiteView::in_language(&site, page.language.as_deref().unwrap_or_default())
            .with_menu(&menu)
            .with_banner(banner.as_ref()),
        nav: views::nav(&sections, None),
        url: format!("{}{}", site.base_url, pages::url_path(&page.path)),
        page,
        ancestors: ancestors.iter().map(PageLink::from).collect(),
        children: children.iter().map(PageLink::from).collect(),
    };
    let html = app.renderer().render("page.html", &view)?;
    // Its parents' and children's titles show: their changes purge it.
    let page_tags = std::iter::once(page.id)
        .chain(ancestors.iter().map(|p| p.id))
        .chain(children.iter().map(|p| p.id))
        .map(|id| format!("page:{id}"));
    Ok(Page::html(html, tags(page_tags)))
}

/// Any other address: a published page that lives deeper than two parts
/// (`/about/team/berlin`), a retired address answers 301, the rest 404.
pub(super) async fn fallback(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method == Method::GET || method == Method::HEAD {
        let key = uri.path().to_owned();
        return cached(&app, &headers, &key, || async {
            match deep_page(&app, uri.path()).await {
                Ok(outcome) => outcome,
                Err(problem) => Err(reader_response(problem)),
            }
        })
        .await;
    }
    match redirects::resolve(app.store(), uri.path(), app.now()).await {
        Ok(Some(target)) => moved(&target),
        Ok(None) => reader_response(Problem::no_page()),
        Err(error) => reader_response(error.into()),
    }
}

/// The page at `path` (as requested, percent-encoded), or (`Ok(Err(_))`)
/// the redirect an old address gets.
async fn deep_page(app: &App, path: &str) -> Result<Result<Page, Response>, Problem> {
    if let Some(page) = pages::shown_at(app.store(), path).await? {
        // One address per page: `/about/team/` answers with the way there.
        if path.ends_with('/') {
            return Ok(Err(moved(&pages::url_path(&page.path))));
        }
        return render_standalone(app, &page).await.map(Ok);
    }
    if let Some(article) = articles::visible_at_canonical(app.store(), path, app.now()).await? {
        if path.ends_with('/') {
            return Ok(Err(moved(&pages::url_path(&article.path()))));
        }
        return render_article(app, article, 1).await.map(Ok);
    }
    // The history of a story keeping a custom address of three parts or more.
    if let Some(story_path) = path.strip_suffix("/changes")
        && let Some(article) =
            articles::visible_at_canonical(app.store(), story_path, app.now()).await?
    {
        return super::corrections::changes(app, &article).await.map(Ok);
    }
    // The live blog of a story keeping a custom address of three parts or
    // more: its updates and its posts feeds.
    if let Some(story_path) = path.strip_suffix("/live.json")
        && let Some(article) =
            articles::visible_at_canonical(app.store(), story_path, app.now()).await?
    {
        return super::live::updates_of(app, &article, None).await.map(Ok);
    }
    if let Some((story_path, file)) = path.rsplit_once('/')
        && let Some(story_path) = story_path.strip_suffix("/live")
        && let Some(format) = crate::feeds::Format::from_file_name(file)
        && let Some(article) =
            articles::visible_at_canonical(app.store(), story_path, app.now()).await?
    {
        return super::live::feed_of(app, &article, format).await.map(Ok);
    }
    match redirects::resolve(app.store(), path, app.now()).await? {
        Some(target) => Ok(Err(moved(&target))),
        None => Err(Problem::no_page()),
    }
}
