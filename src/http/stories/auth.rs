//! Who is at the story desk: the signed-in account (from the accounts
//! session) as a publishing [`Actor`], and the audit trail of publishing
//! steps.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;

use crate::app::App;
use crate::articles::Article;
use crate::http::admin::CurrentUser;
use crate::publishing::{Actor, WorkflowError};

/// The signed-in newsroom member: as the workflow rules see them, and as the
/// admin shell and the audit log do. Anonymous visitors are sent to sign in.
#[derive(Debug, Clone)]
pub struct Newsroom(pub Actor, pub CurrentUser);

impl FromRequestParts<App> for Newsroom {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let current = CurrentUser::from_request_parts(parts, app).await?;
        Ok(Newsroom(actor_of(&current), current))
    }
}

/// The account as the workflow rules see it.
pub fn actor_of(current: &CurrentUser) -> Actor {
    current.actor()
}

/// Records a publishing step that happened in the audit log (refusals are
/// only logged: nothing changed).
pub(super) async fn audit(
    app: &App,
    current: &CurrentUser,
    action: &str,
    story: i64,
    result: &Result<Article, WorkflowError>,
) {
    match result {
        Ok(article) => {
            let details = serde_json::json!({
                "headline": article.headline,
                "path": article.path(),
                "revision": article.revision,
                "scheduled_at": article.scheduled_at,
            });
            let recorded = crate::audit::record(
                app.store(),
                &current.actor(),
                action,
                &format!("article:{story}"),
                details,
                app.now(),
            )
            .await;
            if let Err(error) = recorded {
                tracing::error!(%error, action, story, "cannot write the audit log");
            }
        }
        Err(error) => {
            tracing::info!(user = current.user.id, story, refused = %error, "{action} refused");
        }
    }
}
