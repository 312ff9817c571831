//! `http::Error`: every way a reader request can fail, mapped to a status
//! and an HTML page. Causes are logged once; readers never see them.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::app::App;
use crate::rendering::views::{self, ErrorPage};

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("the site is not set up yet")]
    NotSetUp,
    #[error("internal error: {0}")]
    Internal(String),
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(error: $t) -> Error {
                Error::Internal(format!("{error:#}"))
            }
        }
    )*};
}
internal_from!(
    crate::articles::ArticleError,
    crate::sections::SectionError,
    crate::storage::StorageError,
    crate::rendering::RenderError,
    crate::media::MediaError
);

impl From<crate::site::SiteError> for Error {
    fn from(error: crate::site::SiteError) -> Error {
        match error {
            crate::site::SiteError::NotSetUp => Error::NotSetUp,
            other => Error::Internal(other.to_string()),
        }
    }
}

impl Error {
    fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::NotSetUp => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error as a themed HTML page, falling back to plain text when even
    /// the site settings cannot be read.
    pub async fn into_page(self, app: &App) -> Response {
        let status = self.status();
        let (title, message) = match &self {
            Error::NotFound => (
                "Page not found",
                "There is no page at this address. It may have moved or never existed.",
            ),
            Error::NotSetUp => ("Not set up yet", "This site has no content yet."),
            Error::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (
                    "Something went wrong",
                    "The page could not be shown. Please try again in a moment.",
                )
            }
        };
        let body = match (
            crate::site::Site::load(app.store()).await,
            crate::sections::list(app.store()).await,
        ) {
            (Ok(site), Ok(sections)) => app
                .renderer()
                .render(
                    "error.html",
                    &ErrorPage {
                        site: views::SiteView::new(&site),
                        nav: views::nav(&sections, None),
                        title,
                        message,
                    },
                )
                .ok(),
            _ => None,
        };
        match body {
            Some(html) => (status, Html(html)).into_response(),
            None => (status, format!("{title}\n\n{message}\n")).into_response(),
        }
    }
}
