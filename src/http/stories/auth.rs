//! Who is at the story desk: the signed-in account (from the accounts
//! session) as the domain's [`Actor`]. Publishing steps write their own
//! audit entries (`publishing`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;

use crate::app::App;
use crate::http::admin::CurrentUser;
use crate::publishing::Actor;

/// The signed-in newsroom member: as the workflow rules see them, and as the
/// admin shell and the audit log do. Anonymous visitors are sent to sign in.
#[derive(Debug, Clone)]
pub(crate) struct Newsroom(pub Actor, pub CurrentUser);

impl FromRequestParts<App> for Newsroom {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let current = CurrentUser::from_request_parts(parts, app).await?;
        Ok(Newsroom(actor_of(&current), current))
    }
}

/// The account as the workflow rules see it.
pub(super) fn actor_of(current: &CurrentUser) -> Actor {
    current.actor()
}
