//! Who is at the story desk: the signed-in account as a publishing
//! [`Actor`], and the audit trail of publishing steps.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::articles::Article;
use crate::publishing::{Actor, WorkflowError};

/// The signed-in newsroom member.
#[derive(Debug, Clone)]
pub struct Newsroom(pub Actor);

impl FromRequestParts<App> for Newsroom {
    type Rejection = Response;

    async fn from_request_parts(_parts: &mut Parts, _app: &App) -> Result<Self, Self::Rejection> {
        // Accounts are not wired in yet: nobody is signed in.
        Err((StatusCode::UNAUTHORIZED, "Sign in to use the story desk.").into_response())
    }
}

/// Records a publishing step (or its refusal) in the audit trail.
pub(super) async fn audit(
    _app: &App,
    actor: &Actor,
    action: &str,
    story: i64,
    result: &Result<Article, WorkflowError>,
) {
    match result {
        Ok(_) => tracing::info!(target: "audit", user = actor.id, story, "{action}"),
        Err(error) => {
            tracing::info!(target: "audit", user = actor.id, story, refused = %error, "{action}")
        }
    }
}
