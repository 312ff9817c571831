//! Reader-side distribution routes: feeds (`/feeds/...`), sitemaps
//! (`/sitemap.xml`, `/sitemaps/...`), `robots.txt` and the search page
//! (words, section, topic, dates, byline).
//! Each handler returns the bytes and their content type, so a page cache
//! can wrap it; the article sitemap files stream.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::{Problem, cached};
use crate::app::App;
use crate::cache::Page;
use crate::feeds::{self, Format, sitemaps};
use crate::rendering::views;
use crate::search::{self, SearchError, SearchParams};
use crate::sections;
use crate::site::Site;
use crate::topics;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/feeds/{file}", get(site_feed))
        .route("/feeds/{section}/{file}", get(section_feed))
        .route("/feeds/topics/{topic}/{file}", get(topic_feed))
        .route("/feeds/people/{person}/{file}", get(person_feed))
        .route("/sitemap.xml", get(sitemap_index))
        .route("/sitemaps/sections.xml", get(sitemap_sections))
        .route("/sitemaps/news.xml", get(sitemap_news))
        .route("/sitemaps/{file}", get(sitemap_articles))
        .route("/robots.txt", get(robots))
        .route("/search", get(search_page))
}

/// Bytes with their content type.
fn bytes(content_type: &'static str, body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A feed as a page for the page cache: it shows the newest visible
/// stories (`feed`; a section's also `section:<slug>`), site settings and
/// the text of each uploaded lead image it carries (`media:<id>`).
async fn feed_page(app: &App, section: Option<&str>, file: &str) -> Result<Page, Problem> {
    let format = Format::from_file_name(file).ok_or_else(Problem::no_page)?;
    let site = app.site().await?;
    let feed = feeds::feed_bytes(app.store(), &site, section, format, app.now())
        .await?
        .ok_or_else(Problem::no_page)?;
    let body = String::from_utf8(feed.body)
        .map_err(|e| Problem::internal(format!("the feed is not UTF-8: {e}")))?;
    let mut tags = vec!["feed".to_owned(), "site".to_owned(), "sections".to_owned()];
    tags.extend(section.map(|s| format!("section:{s}")));
    tags.extend(feed.media.iter().map(|id| format!("media:{id}")));
    Ok(Page {
        body,
        content_type: feed.content_type,
        tags,
        csp: None,
    })
}

async fn site_feed(
    State(app): State<App>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/feeds/{file}");
    cached(&app, &headers, &key, || async {
        feed_page(&app, None, &file)
            .await
            .map_err(IntoResponse::into_response)
    })
    .await
}

async fn section_feed(
    State(app): State<App>,
    Path((section, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/feeds/{section}/{file}");
    cached(&app, &headers, &key, || async {
        feed_page(&app, Some(&section), &file)
            .await
            .map_err(IntoResponse::into_response)
    })
    .await
}

/// A topic's feed as a page for the page cache: it shows the newest
/// visible stories filed under the topic (`topic:<slug>`), site settings
/// and the text of each uploaded lead image it carries. The feed of a
/// renamed or merged topic's old slug answers 301 to the topic's feed, so
/// subscribers follow it (`Ok(Err(_))`, never cached).
async fn topic_feed_page(
    app: &App,
    topic: &str,
    file: &str,
) -> Result<Result<Page, Response>, Problem> {
    let format = Format::from_file_name(file).ok_or_else(Problem::no_page)?;
    let site = app.site().await?;
    let Some(feed) = feeds::topic_feed_bytes(app.store(), &site, topic, format, app.now()).await?
    else {
        return match topics::find_or_redirected(app.store(), topic).await? {
            Some(current) if current.slug != topic => {
                let target = feeds::topic_feed_path(&current.slug, format);
                Ok(Err(super::site::moved(&target)))
            }
            _ => Err(Problem::no_page()),
        };
    };
    let body = String::from_utf8(feed.body)
        .map_err(|e| Problem::internal(format!("the feed is not UTF-8: {e}")))?;
    let mut tags = vec![
        format!("topic:{topic}"),
        "site".to_owned(),
        "feed".to_owned(),
    ];
    tags.extend(feed.media.iter().map(|id| format!("media:{id}")));
    Ok(Ok(Page {
        body,
        content_type: feed.content_type,
        tags,
        csp: None,
    }))
}

async fn topic_feed(
    State(app): State<App>,
    Path((topic, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/feeds/topics/{topic}/{file}");
    cached(&app, &headers, &key, || async {
        match topic_feed_page(&app, &topic, &file).await {
            Ok(outcome) => outcome,
            Err(problem) => Err(problem.into_response()),
        }
    })
    .await
}

/// A person's feed as a page for the page cache: it shows the newest
/// visible stories crediting them (`person:<slug>`), site settings and the
/// text of each uploaded lead image it carries.
async fn person_feed_page(app: &App, person: &str, file: &str) -> Result<Page, Problem> {
    let format = Format::from_file_name(file).ok_or_else(Problem::no_page)?;
    let site = app.site().await?;
    let feed = feeds::person_feed_bytes(app.store(), &site, person, format, app.now())
        .await?
        .ok_or_else(Problem::no_page)?;
    let body = String::from_utf8(feed.body)
        .map_err(|e| Problem::internal(format!("the feed is not UTF-8: {e}")))?;
    let mut tags = vec![
        format!("person:{person}"),
        "site".to_owned(),
        "feed".to_owned(),
    ];
    tags.extend(feed.media.iter().map(|id| format!("media:{id}")));
    Ok(Page {
        body,
        content_type: feed.content_type,
        tags,
        csp: None,
    })
}

async fn person_feed(
    State(app): State<App>,
    Path((person, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/feeds/people/{person}/{file}");
    cached(&app, &headers, &key, || async {
        person_feed_page(&app, &person, &file)
            .await
            .map_err(IntoResponse::into_response)
    })
    .await
}

async fn sitemap_index(State(app): State<App>) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let body = sitemaps::index(app.store(), &site, app.now(), sitemaps::SITEMAP_SIZE).await?;
    Ok(bytes(sitemaps::CONTENT_TYPE, body))
}

async fn sitemap_sections(State(app): State<App>) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    Ok(bytes(
        sitemaps::CONTENT_TYPE,
        sitemaps::sections(app.store(), &site, app.now()).await?,
    ))
}

async fn sitemap_news(State(app): State<App>) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    Ok(bytes(
        sitemaps::CONTENT_TYPE,
        sitemaps::news(app.store(), &site, app.now()).await?,
    ))
}

async fn sitemap_articles(
    State(app): State<App>,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let number: i64 = file
        .strip_prefix("articles-")
        .and_then(|f| f.strip_suffix(".xml"))
        .and_then(|n| n.parse().ok())
        .ok_or_else(Problem::no_page)?;
    let site = Site::load(app.store()).await?;
    let stream = sitemaps::articles(
        app.store(),
        &site,
        number,
        app.now(),
        sitemaps::SITEMAP_SIZE,
    )
    .await?
    .ok_or_else(Problem::no_page)?;
    Ok((
        [(header::CONTENT_TYPE, sitemaps::CONTENT_TYPE)],
        Body::from_stream(stream),
    )
        .into_response())
}

async fn robots(State(app): State<App>) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    Ok(bytes(
        "text/plain; charset=utf-8",
        sitemaps::robots(&site).into_bytes(),
    ))
}

/// The search page's query string.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    pub q: String,
    pub section: Option<String>,
    /// A topic slug (from a topic page's search link or a typed address).
    pub topic: Option<String>,
    /// A person's slug (from a person page's search box).
    pub person: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
    pub page: Option<u32>,
}

#[derive(Serialize)]
struct HitView {
    headline_html: String,
    snippet_html: String,
    path: String,
    published: String,
    published_iso: String,
    section: String,
}

#[derive(Serialize)]
struct SearchPage<'a> {
    site: views::SiteView<'a>,
    nav: Vec<views::NavItem<'a>>,
    sections: &'a [sections::Section],
    query: &'a SearchQuery,
    /// The name of the topic the search is filtered by.
    topic: Option<String>,
    /// The name of the person the search is filtered by.
    person: Option<String>,
    searched: bool,
    error: Option<String>,
    hits: Vec<HitView>,
    page: u32,
    newer: Option<String>,
    older: Option<String>,
}

fn page_link(query: &SearchQuery, page: u32) -> String {
    let mut query = serde_json::to_value(query).unwrap_or_default();
    if let Some(map) = query.as_object_mut() {
        map.insert("page".into(), page.into());
        map.retain(|_, v| !v.is_null() && v.as_str() != Some(""));
    }
    let pairs: Vec<String> = query
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            format!(
                "{k}={}",
                crate::rendering::structured_data::encode_component(&v)
            )
        })
        .collect();
    format!("/search?{}", pairs.join("&"))
}

async fn search_page(
    State(app): State<App>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let menu = app.menu().await?;
    let banner = app.banner().await?;
    let all_sections = sections::list(app.store()).await?;
    let page = query.page.unwrap_or(1).max(1);
    let params = SearchParams {
        text: query.q.clone(),
        section: query.section.clone(),
        topic: query.topic.clone(),
        person: query.person.clone(),
        from: query.from.clone(),
        to: query.to.clone(),
        byline: query.by.clone(),
        offset: i64::from(page - 1) * search::PAGE_SIZE,
        limit: search::PAGE_SIZE,
    };
    let searched = !query.q.trim().is_empty()
        || query.by.is_some()
        || query.section.is_some()
        || query.topic.is_some()
        || query.person.is_some();
    let (hits, more, error) = match search::search(app.store(), &site, &params, app.now()).await {
        Ok(results) => (results.hits, results.more, None),
        Err(
            e @ (SearchError::UnknownSection(_)
            | SearchError::UnknownTopic(_)
            | SearchError::UnknownPerson(_)
            | SearchError::InvalidDate { .. }),
        ) => (Vec::new(), false, Some(e.to_string())),
        Err(SearchError::Article(e)) => return Err(e.into()),
        Err(SearchError::Storage(e)) => return Err(e.into()),
    };
    // The filter's name as readers see it (search found it, so it is shown).
    let topic = match query.topic.as_deref().filter(|_| error.is_none()) {
        Some(slug) => topics::find_or_redirected(app.store(), slug)
            .await?
            .map(|t| t.name),
        None => None,
    };
    let person = match query.person.as_deref().filter(|_| error.is_none()) {
        Some(slug) => match crate::people::find(app.store(), slug).await? {
            Some(found) => Some(found.name),
            None => match crate::people::redirect(app.store(), slug).await? {
                Some(path) => {
                    let current = path.trim_start_matches("/people/");
                    crate::people::find(app.store(), current)
                        .await?
                        .map(|p| p.name)
                }
                None => None,
            },
        },
        None => None,
    };
    let hits = hits
        .into_iter()
        .map(|hit| {
            let published = hit
                .article
                .first_published_at
                .unwrap_or(hit.article.created_at);
            HitView {
                path: hit.article.path(),
                published: site.format_date(published, "medium"),
                published_iso: views::iso(&site, published),
                section: hit.article.section.name.clone(),
                headline_html: hit.headline_html,
                snippet_html: hit.snippet_html,
            }
        })
        .collect();
    let context = SearchPage {
        site: views::SiteView::new(&site)
            .with_menu(&menu)
            .with_banner(banner.as_ref()),
        nav: views::nav(&all_sections, None),
        sections: &all_sections,
        query: &query,
        topic,
        person,
        searched,
        error,
        hits,
        page,
        newer: (page > 1).then(|| page_link(&query, page - 1)),
        older: more.then(|| page_link(&query, page + 1)),
    };
    Ok(Html(app.renderer().render("search.html", &context)?).into_response())
}
