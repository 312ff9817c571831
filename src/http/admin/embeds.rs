//! `POST /admin/embeds/resolve`: the rich editor's paste of a provider link
//! asks what it becomes (`media::oembed`). Editors and administrators only
//! (the server fetches an address someone typed); JSON in, JSON out, always
//! an answer the editor can insert (a failure degrades to the link).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::CurrentUser;
use crate::app::App;
use crate::http::problem::Problem;
use crate::media::oembed::{self, Resolved};

/// Longest link accepted, in bytes.
const MAX_LINK_BYTES: usize = 2048;

pub(super) fn routes() -> Router<App> {
    Router::new().route("/admin/embeds/resolve", post(resolve))
}

#[derive(Debug, Deserialize)]
struct ResolveRequest {
    url: String,
}

async fn resolve(
    State(app): State<App>,
    user: CurrentUser,
    Json(request): Json<ResolveRequest>,
) -> Result<Json<Resolved>, Problem> {
    if !user.role.can_edit_any() {
        return Err(Problem::forbidden(
            "only editors and administrators may turn links into embeds; the link stays a link",
        ));
    }
    let link = request.url.trim();
    if link.is_empty() || link.len() > MAX_LINK_BYTES {
        return Err(Problem::invalid(format!(
            "the link must be between 1 and {MAX_LINK_BYTES} bytes long"
        )));
    }
    let endpoint = app.config().oembed_endpoint.as_deref();
    Ok(Json(
        oembed::resolve_with(app.outbound(), link, endpoint).await,
    ))
}
