//! `http::Error`: the reader pages' failures (not found, not set up, ours),
//! kept as a short name for handlers not yet returning
//! [`Problem`](super::Problem); each becomes a `Problem` on the reader
//! surface, which renders, logs and hides causes.

use axum::response::{IntoResponse, Response};

use super::problem::{Problem, Surface};
use crate::app::App;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("the site is not set up yet")]
    NotSetUp,
    #[error(transparent)]
    Internal(Problem),
}

macro_rules! via_problem {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(error: $t) -> Error {
                Error::Internal(Problem::from(error))
            }
        }
    )*};
}
via_problem!(
    crate::articles::ArticleError,
    crate::sections::SectionError,
    crate::storage::StorageError,
    crate::rendering::RenderError,
    crate::media::MediaError,
    crate::site::SiteError,
    Problem
);

impl Error {
    /// A failure of ours described by `cause` (logged, never shown).
    pub fn internal(cause: impl Into<String>) -> Error {
        Error::Internal(Problem::internal(cause.into()))
    }
}

impl From<Error> for Problem {
    fn from(error: Error) -> Problem {
        match error {
            Error::NotFound => Problem::not_found("There is no page at this address."),
            Error::NotSetUp => Problem::unavailable("This site has no content yet."),
            Error::Internal(problem) => problem,
        }
    }
}

impl Error {
    /// The error as the themed reader page (rendered by
    /// `problem::render` from the settings kept in
    /// memory).
    pub async fn into_page(self, _app: &App) -> Response {
        Problem::from(self).on(Surface::Reader).into_response()
    }
}
