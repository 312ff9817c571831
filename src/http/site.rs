//! Reader pages: home, section fronts, article pages, the stylesheet, and
//! the fallback that answers retired addresses with 301 and others with 404.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::Error;
use crate::app::App;
use crate::articles::{self, ListCursor};
use crate::media;
use crate::rendering::SITE_CSS;
use crate::rendering::views::{self, ArticlePage, HomePage, SectionGroup, SectionPage};
use crate::sections;
use crate::site::Site;

/// Stories per section front page.
const FRONT_PAGE_SIZE: i64 = 20;
/// Stories per section on the home page.
const HOME_PER_SECTION: i64 = 5;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/static/site.css", get(stylesheet))
        .route("/{section}", get(section_front))
        .route("/{section}/", get(trailing_slash))
        .route("/{section}/{slug}", get(article))
}

/// Turns a handler's result into a response, rendering errors as pages.
async fn respond(app: &App, result: Result<Response, Error>) -> Response {
    match result {
        Ok(response) => response,
        Err(error) => error.into_page(app).await,
    }
}

async fn home(State(app): State<App>) -> Response {
    let result = async {
        let site = Site::load(app.store()).await?;
        let sections = sections::list(app.store()).await?;
        let now = app.now();
        let mut groups = Vec::new();
        for section in &sections {
            let stories = articles::visible_list(
                app.store(),
                Some(section.id),
                now,
                None,
                None,
                HOME_PER_SECTION,
            )
            .await?;
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
        let page = HomePage {
            site: views::SiteView::new(&site),
            nav: views::nav(&sections, None),
            url: format!("{}/", site.base_url),
            groups,
            feeds: crate::feeds::links(&site, None),
        };
        Ok(Html(app.renderer().render("home.html", &page)?).into_response())
    };
    respond(&app, result.await).await
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

async fn section_front(
    State(app): State<App>,
    Path(slug): Path<String>,
    Query(query): Query<FrontQuery>,
) -> Response {
    let result = async {
        let cursor = match query.after.as_deref() {
            Some(text) => Some(parse_cursor(text).ok_or(Error::NotFound)?),
            None => None,
        };
        let site = Site::load(app.store()).await?;
        let sections = sections::list(app.store()).await?;
        let section = sections
            .iter()
            .find(|s| s.slug == slug)
            .ok_or(Error::NotFound)?;
        // One more than a page tells whether an older page exists.
        let mut stories = articles::visible_list(
            app.store(),
            Some(section.id),
            app.now(),
            cursor,
            None,
            FRONT_PAGE_SIZE + 1,
        )
        .await?;
        let has_older = stories.len() as i64 > FRONT_PAGE_SIZE;
        stories.truncate(FRONT_PAGE_SIZE as usize);
        if cursor.is_some() && stories.is_empty() {
            return Err(Error::NotFound);
        }
        let page_number = if cursor.is_some() {
            query.page.unwrap_or(2).max(2)
        } else {
            1
        };
        let path = format!("/{}", section.slug);
        let older = has_older.then(|| {
            let c = stories.last().expect("a full page").cursor();
            format!(
                "{path}?after={}.{}&page={}",
                c.published_at,
                c.id,
                page_number + 1
            )
        });
        let page = SectionPage {
            site: views::SiteView::new(&site),
            nav: views::nav(&sections, Some(&section.slug)),
            url: format!("{}{}", site.base_url, path),
            section,
            page: page_number,
            stories: stories
                .iter()
                .map(|a| views::story_item(&site, a))
                .collect(),
            older,
            newer: cursor.is_some().then(|| path.clone()),
            feeds: crate::feeds::links(&site, Some((&section.slug, &section.name))),
        };
        Ok(Html(app.renderer().render("section.html", &page)?).into_response())
    };
    respond(&app, result.await).await
}

async fn trailing_slash(Path(section): Path<String>) -> Redirect {
    Redirect::permanent(&format!("/{section}"))
}

async fn article(
    State(app): State<App>,
    Path((section, slug)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let result = async {
        let now = app.now();
        let Some(article) = articles::visible_by_path(app.store(), &section, &slug, now).await?
        else {
            return match articles::redirect_target(app.store(), uri.path(), now).await? {
                Some(target) => Ok(Redirect::permanent(&target).into_response()),
                None => Err(Error::NotFound),
            };
        };
        let site = Site::load(app.store()).await?;
        let sections = sections::list(app.store()).await?;
        let more = articles::more_from(app.store(), &article, now).await?;
        let mut page = ArticlePage {
            site: views::SiteView::new(&site),
            nav: views::nav(&sections, Some(&article.section.slug)),
            article: views::article_view(&site, &article),
            more: more.iter().map(|a| views::story_item(&site, a)).collect(),
            feeds: crate::feeds::links(&site, Some((&article.section.slug, &article.section.name))),
        };
        page.article.lead_image = media::lead_image(app.store(), &article)
            .await?
            .map(|m| views::image_view(&m));
        let image = crate::feeds::image_url(app.store(), &site, &article).await?;
        (page.article.json_ld, page.article.meta) =
            crate::structured_data::page_data(&site, &article, image.as_deref());
        Ok(Html(app.renderer().render("article.html", &page)?).into_response())
    };
    respond(&app, result.await).await
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

/// Any other address: a retired story path answers 301, the rest 404.
pub async fn fallback(State(app): State<App>, uri: Uri) -> Response {
    let result = async {
        match articles::redirect_target(app.store(), uri.path(), app.now()).await? {
            Some(target) => Ok(Redirect::permanent(&target).into_response()),
            None => Err(Error::NotFound),
        }
    };
    let response = respond(&app, result.await).await;
    debug_assert!(response.status() != StatusCode::OK);
    response
}
