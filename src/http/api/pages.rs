//! `GET /api/v1/pages` and `/api/v1/pages/{id}`: the published standalone
//! pages (About, Contact) as readers see them, with their kept fields.
//! Drafts and unpublished pages answer as pages that do not exist.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;

use super::json_with_etag;
use super::read::Page;
use crate::app::App;
use crate::articles::fields;
use crate::http::Problem;
use crate::pages;
use crate::site::Site;

#[derive(Debug, Serialize)]
struct PageJson {
    id: i64,
    path: String,
    url: String,
    title: String,
    description: String,
    parent_id: Option<i64>,
    language: String,
    /// RFC 3339.
    modified: String,
    /// Only on `/pages/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    body_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<serde_json::Map<String, serde_json::Value>>,
}

fn page_json(site: &Site, page: &pages::Page, full: bool) -> Result<PageJson, Problem> {
    let kept = if full {
        Some(fields::plain(&pages::kept_fields(page)?))
    } else {
        None
    };
    Ok(PageJson {
        id: page.id,
        path: page.path.clone(),
        url: format!("{}{}", site.base_url, pages::url_path(&page.path)),
        title: page.title.clone(),
        description: page.description.clone(),
        parent_id: page.parent_id,
        language: page
            .language
            .clone()
            .unwrap_or_else(|| site.language.clone()),
        modified: super::read::rfc3339(page.modified_at),
        body_html: full.then(|| page.body_html.clone()),
        fields: kept,
    })
}

/// `GET /api/v1/pages`: every published page, by address.
pub(super) async fn page_list(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let data = pages::list(app.store())
        .await?
        .iter()
        .filter(|p| pages::is_visible(p))
        .map(|p| page_json(&site, p, false))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json_with_etag(
        &headers,
        &Page {
            data,
            next_cursor: None,
        },
    ))
}

/// `GET /api/v1/pages/{id}`: one published page with its body.
pub(super) async fn page(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let page = pages::get(app.store(), id)
        .await?
        .filter(pages::is_visible)
        .ok_or_else(|| Problem::not_found(format!("there is no page {id}")))?;
    let site = Site::load(app.store()).await?;
    Ok(json_with_etag(&headers, &page_json(&site, &page, true)?))
}
