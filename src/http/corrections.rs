//! Corrections readers can follow: `/corrections` (paginated, newest
//! first), its feeds (`/feeds/corrections/{rss.xml,atom.xml,feed.json}`)
//! and each published story's history (`<story address>/changes`). All are
//! cached pages, purged with the stories they show.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::problem::{Problem, Surface};
use super::{cached, site};
use crate::app::App;
use crate::articles::{self, Article};
use crate::cache::Page;
use crate::corrections::{self, history};
use crate::feeds::Format;
use crate::rendering::corrections::{CorrectionsPage, changes_page, listed_view};
use crate::rendering::views;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/corrections", get(list))
        .route("/feeds/corrections/{file}", get(feed))
        .route("/{section}/{slug}/changes", get(story_changes))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    page: Option<String>,
}

/// `/corrections?page=<n>`: a page number that is not one is no page.
async fn list(
    State(app): State<App>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let number = match query.page.as_deref() {
        None => 1,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| Problem::no_page().on(Surface::Reader))?,
    };
    let key = page_path(number);
    Ok(cached(&app, &headers, &key, || async {
        list_page(&app, number)
            .await
            .map_err(|p| p.on(Surface::Reader).into_response())
    })
    .await)
}

fn page_path(number: usize) -> String {
    match number {
        1 => "/corrections".to_owned(),
        n => format!("/corrections?page={n}"),
    }
}

async fn list_page(app: &App, number: usize) -> Result<Page, Problem> {
    let site = app.site().await?;
    let menu = app.menu().await?;
    let banner = app.banner().await?;
    let sections = app.sections().await?;
    let all = corrections::all(app.store(), app.now()).await?;
    let (shown, older) = corrections::page(&all, number).ok_or_else(Problem::no_page)?;
    let page = CorrectionsPage {
        site: views::SiteView::new(&site)
            .with_menu(&menu)
            .with_banner(banner.as_ref()),
        nav: views::nav(&sections, None),
        url: format!("{}{}", site.base_url, page_path(number)),
        page: number,
        corrections: shown.iter().map(|l| listed_view(&site, l)).collect(),
        older: older.then(|| page_path(number + 1)),
        newer: (number > 1).then(|| page_path(number - 1)),
        feeds: corrections::feed_links(&site),
    };
    let html = app.renderer().render("corrections.html", &page)?;
    Ok(Page::html(html, tags(shown.iter().map(|l| l.article.id))))
}

/// A corrections page's tags: any change readers see (`feed`: a
/// correction, an unpublished story, a lifted embargo) and the headlines
/// it shows.
fn tags(stories: impl Iterator<Item = i64>) -> Vec<String> {
    let mut tags = vec!["feed".to_owned(), "corrections".to_owned()];
    for id in stories {
        let tag = format!("article:{id}");
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    site::tags(tags)
}

async fn feed(State(app): State<App>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("{}/{file}", corrections::FEED_FOLDER);
    cached(&app, &headers, &key, || async {
        feed_page(&app, &file)
            .await
            .map_err(IntoResponse::into_response)
    })
    .await
}

async fn feed_page(app: &App, file: &str) -> Result<Page, Problem> {
    let format = Format::from_file_name(file).ok_or_else(Problem::no_page)?;
    let site = app.site().await?;
    let all = corrections::all(app.store(), app.now()).await?;
    let feed = corrections::feed(&site, &all, app.now());
    let (body, content_type) = crate::feeds::render(&feed, format)?;
    let body = String::from_utf8(body)
        .map_err(|e| Problem::internal(format!("the feed is not UTF-8: {e}")))?;
    let shown = all.iter().take(corrections::FEED_SIZE);
    Ok(Page {
        body,
        content_type,
        tags: tags(shown.map(|l| l.article.id)),
        csp: None,
    })
}

/// `/<section>/<slug>/changes`, or the history of a story keeping a
/// two-part custom address.
async fn story_changes(
    State(app): State<App>,
    Path((section, slug)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let key = uri.path().to_owned();
    cached(&app, &headers, &key, || async {
        let found = match articles::visible_by_path(app.store(), &section, &slug, app.now()).await {
            Ok(Some(article)) if article.canonical_path.is_some() => {
                // Its address is the custom one: so is its history's.
                return Err(site::moved(&crate::pages::url_path(
                    &corrections::changes_path(&article),
                )));
            }
            Ok(Some(article)) => Some(article),
            Ok(None) => {
                let story_path = uri.path().trim_end_matches("/changes");
                articles::visible_at_canonical(app.store(), story_path, app.now())
                    .await
                    .map_err(|e| site::reader_response(e.into()))?
            }
            Err(e) => return Err(site::reader_response(e.into())),
        };
        match found {
            Some(article) => changes(&app, &article).await.map_err(site::reader_response),
            None => Err(site::reader_response(Problem::no_page())),
        }
    })
    .await
}

/// The history page of `article`, which readers may see.
pub(super) async fn changes(app: &App, article: &Article) -> Result<Page, Problem> {
    let site = app.site().await?;
    let menu = app.menu().await?;
    let banner = app.banner().await?;
    let sections = app.sections().await?;
    let entries = history::of_story(app.store(), article).await?;
    let page = changes_page(
        views::SiteView::in_language(&site, &article.language)
            .with_menu(&menu)
            .with_banner(banner.as_ref()),
        views::nav(&sections, Some(&article.section.slug)),
        &site,
        article,
        &entries,
    );
    let html = app.renderer().render("changes.html", &page)?;
    Ok(Page::html(
        html,
        site::tags([format!("article:{}", article.id)]),
    ))
}
