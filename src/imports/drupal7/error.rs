//! Why a Drupal 7 database could not be read: unreachable, not Drupal 7
//! (with what it looks like instead), or a query that failed, naming what
//! was being read. Each renders as one line for the command's exit 2.

/// A source that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum Drupal7Error {
    /// The `--source` is not a `mysql://` URL.
    #[error("the source {0:?} is not a mysql://USER@HOST/DATABASE URL")]
    BadUrl(String),
    /// No connection (host down, refused, wrong credentials, no database).
    #[error("cannot reach the Drupal database {target}: {reason}")]
    Unreachable { target: String, reason: String },
    /// The database is reachable but holds no Drupal 7 site.
    #[error("the database {target} is not a Drupal 7 site: {why}")]
    NotDrupal7 { target: String, why: String },
    /// A query failed while reading.
    #[error("reading {what} from the Drupal database failed: {source}")]
    Query {
        what: String,
        #[source]
        source: sqlx::Error,
    },
}

impl Drupal7Error {
    pub(super) fn query(what: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Drupal7Error {
        let what = what.into();
        move |source| Drupal7Error::Query { what, source }
    }
}
