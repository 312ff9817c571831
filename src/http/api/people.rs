//! `GET /api/v1/people` and `/api/v1/people/{slug}`: the people readers can
//! browse (those a story they may see credits, or whose profile an editor
//! wrote), as the person pages show them. Their stories are
//! `/api/v1/stories?person=<slug>`. Account links stay in the newsroom.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;

use super::json_with_etag;
use super::read::Page;
use crate::app::App;
use crate::http::Problem;
use crate::people::{self, Person};
use crate::site::Site;

#[derive(Debug, Serialize)]
struct PersonJson {
    slug: String,
    name: String,
    bio: String,
    url: String,
    /// The photo's original file, absolute.
    photo: Option<String>,
}

async fn person_json(app: &App, site: &Site, person: &Person) -> Result<PersonJson, Problem> {
    let photo = match person
        .photo
        .as_deref()
        .and_then(crate::media::parse_reference)
    {
        Some(id) => crate::media::find(app.store(), id)
            .await?
            .map(|m| format!("{}{}", site.base_url, m.original_url())),
        None => None,
    };
    Ok(PersonJson {
        slug: person.slug.clone(),
        name: person.name.clone(),
        bio: person.bio.clone(),
        url: format!("{}{}", site.base_url, people::path(&person.slug)),
        photo,
    })
}

/// `GET /api/v1/people`: the people readers can browse, by name.
pub(super) async fn person_list(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let in_view: std::collections::HashSet<String> = people::in_view(app.store(), app.now())
        .await?
        .into_iter()
        .collect();
    let mut data = Vec::new();
    for person in people::list(app.store()).await? {
        if people::is_shown(&person, in_view.contains(&person.slug)) {
            data.push(person_json(&app, &site, &person).await?);
        }
    }
    Ok(json_with_etag(
        &headers,
        &Page {
            data,
            next_cursor: None,
        },
    ))
}

/// `GET /api/v1/people/{slug}`: one person readers can browse.
pub(super) async fn person(
    State(app): State<App>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    let not_found = || Problem::not_found(format!("there is no person {slug:?}"));
    let person = people::find(app.store(), &slug)
        .await?
        .ok_or_else(not_found)?;
    let visible = people::in_view(app.store(), app.now())
        .await?
        .contains(&person.slug);
    if !people::is_shown(&person, visible) {
        return Err(not_found());
    }
    let site = Site::load(app.store()).await?;
    Ok(json_with_etag(
        &headers,
        &person_json(&app, &site, &person).await?,
    ))
}
