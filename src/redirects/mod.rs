//! Old addresses: every path a story, section or topic was known by keeps
//! answering with a 301 to where it is now. A story's change of address adds
//! one by itself; editors add more (a moved site's `/node/123` or
//! `/2016/07/11/slug`) and remove them, each in the audit log. A redirect to
//! a story follows the story and answers only while readers may see it; one
//! to a path follows that path. An old address another thing lives at, or
//! one that would lead round in a loop, is refused with the other owner
//! named. Hits are counted, so an editor sees which old links still bring
//! readers.

pub use crate::storage::RedirectRow as Redirect;

use crate::actor::Actor;
use crate::audit;
use crate::storage::{RedirectTarget, StorageError, Store};

/// Longest path, in bytes.
pub const PATH_BYTES: usize = 2_000;

/// First parts of paths the site answers itself, never old addresses.
const RESERVED: &[&str] = &[
    "admin",
    "api",
    "feeds",
    "sitemaps",
    "static",
    "media",
    "search",
    "healthz",
    "readyz",
    "metrics",
    "sitemap.xml",
    "robots.txt",
];

/// What can go wrong with a redirect.
#[derive(Debug, thiserror::Error)]
pub enum RedirectError {
    #[error(
        "{0:?} is not a path of this site: write it as it follows the site's address, starting with /"
    )]
    NotAPath(String),
    #[error("{0} is an address of the site itself and cannot be an old address")]
    Reserved(String),
    #[error("an old address cannot redirect to itself")]
    ToItself,
    #[error("{0} already exists")]
    Taken(String),
    #[error("{0}")]
    Refused(String),
    #[error("there is no redirect from {0}")]
    NotFound(String),
    #[error("only editors and administrators manage redirects")]
    Forbidden,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for RedirectError {
    fn from(error: StorageError) -> RedirectError {
        match error {
            StorageError::Conflict(what) => RedirectError::Taken(what),
            StorageError::Refused(why) => RedirectError::Refused(why),
            other => RedirectError::Storage(other),
        }
    }
}

/// A path as redirects store it: what follows the site's address, from its
/// `/`, percent-decoded, without a query, a fragment or a trailing slash.
/// An editor may paste the whole old URL (`https://old.example/node/12?x`).
pub fn normalize(text: &str) -> Result<String, RedirectError> {
    let not_a_path = || RedirectError::NotAPath(text.to_owned());
    let mut path = text.trim();
    if let Some(rest) = path
        .strip_prefix("https://")
        .or_else(|| path.strip_prefix("http://"))
    {
        path = rest.find('/').map_or("/", |at| &rest[at..]);
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if !path.starts_with('/') || path.starts_with("//") || path.len() > PATH_BYTES {
        return Err(not_a_path());
    }
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| not_a_path())?;
    if decoded.chars().any(|c| c.is_control()) {
        return Err(not_a_path());
    }
    let trimmed = decoded.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    })
}

/// Whether `actor` may manage redirects: editors and administrators, and
/// the operator at the command line.
fn may_manage(actor: &Actor) -> bool {
    match actor.role {
        Some(role) => role.can_edit_any(),
        None => actor.id.is_none(),
    }
}

/// Where a request for `path` (as it came, percent-encoded) goes now, if it
/// is an old address readers may follow at `now`: a story's current address
/// while readers may see the story, or the path an editor gave. Counts the
/// hit.
pub async fn resolve(store: &Store, path: &str, now: i64) -> Result<Option<String>, RedirectError> {
    let Ok(path) = normalize(path) else {
        return Ok(None);
    };
    resolve_exact(store, &path, now).await
}

/// The old address a query on the home page is: WordPress's default
/// permalinks `/?p=12` and `/?page_id=2`, stored with their query by an
/// import. Other queries are no address.
pub fn query_path(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        let numeric = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        (matches!(key, "p" | "page_id") && numeric).then(|| format!("/?{key}={value}"))
    })
}

/// Where a request for the home page with `query` goes, if the query is an
/// old address (see [`query_path`]) readers may follow at `now`.
pub async fn resolve_query(
    store: &Store,
    query: &str,
    now: i64,
) -> Result<Option<String>, RedirectError> {
    match query_path(query) {
        Some(path) => resolve_exact(store, &path, now).await,
        None => Ok(None),
    }
}

async fn resolve_exact(
    store: &Store,
    path: &str,
    now: i64,
) -> Result<Option<String>, RedirectError> {
    let path = path.to_owned();
    let Some(row) = store.redirect_target(&path).await? else {
        return Ok(None);
    };
    let target = match row {
        (Some(id), _) => {
            let story = crate::articles::find(store, id)
                .await
                .map_err(|e| match e {
                    crate::articles::ArticleError::Storage(e) => RedirectError::Storage(e),
                    other => RedirectError::Refused(other.to_string()),
                })?;
            match story.filter(|s| s.is_visible(now)) {
                Some(story) => story.path(),
                None => return Ok(None),
            }
        }
        (None, Some(target)) => target,
        (None, None) => return Ok(None),
    };
    store.count_redirect_hit(&path, now).await?;
    Ok(Some(target))
}

/// A page of redirects by old path, after `after`.
pub async fn list(store: &Store, after: &str, limit: i64) -> Result<Vec<Redirect>, RedirectError> {
    Ok(store.redirects(after, limit).await?)
}

/// How many redirects there are.
pub async fn count(store: &Store) -> Result<i64, RedirectError> {
    Ok(store.redirect_count().await?)
}

/// Adds a redirect from `old` to `target` for `actor`. A target that is a
/// story's current address points at the story, so the redirect follows it
/// when it moves again.
pub async fn add(
    store: &Store,
    actor: &Actor,
    old: &str,
    target: &str,
    now: i64,
) -> Result<Redirect, RedirectError> {
    if !may_manage(actor) {
        return Err(RedirectError::Forbidden);
    }
    let old = normalize(old)?;
    let target = normalize(target)?;
    let first = old
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    if RESERVED.contains(&first) {
        return Err(RedirectError::Reserved(old));
    }
    if old == target {
        return Err(RedirectError::ToItself);
    }
    let target = match store.article_at_path(&target).await? {
        Some(id) => RedirectTarget::Story(id),
        None => RedirectTarget::Path(target),
    };
    let details = match &target {
        RedirectTarget::Story(id) => serde_json::json!({ "article": id }),
        RedirectTarget::Path(path) => serde_json::json!({ "path": path }),
    };
    let entry = audit::entry(actor, "redirect.added", &format!("redirect:{old}"), details);
    Ok(store.add_redirect(&old, &target, now, &entry).await?)
}

/// Removes the redirect from `old` for `actor`.
pub async fn remove(
    store: &Store,
    actor: &Actor,
    old: &str,
    now: i64,
) -> Result<Redirect, RedirectError> {
    if !may_manage(actor) {
        return Err(RedirectError::Forbidden);
    }
    let old = normalize(old)?;
    let entry = audit::entry(
        actor,
        "redirect.removed",
        &format!("redirect:{old}"),
        serde_json::json!({}),
    );
    store
        .remove_redirect(&old, now, &entry)
        .await?
        .ok_or(RedirectError::NotFound(old))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_kept_as_the_site_answers_them() {
        assert_eq!(normalize("/node/123").unwrap(), "/node/123");
        assert_eq!(normalize(" /node/123/ ").unwrap(), "/node/123");
        assert_eq!(
            normalize("https://old.example/2016/07/11/story?page=2#top").unwrap(),
            "/2016/07/11/story"
        );
        assert_eq!(normalize("http://old.example").unwrap(), "/");
        assert_eq!(normalize("/caf%C3%A9").unwrap(), "/café");
        for bad in ["node/123", "//evil.example/x", "/a%0Ab", "/%FF", ""] {
            assert!(normalize(bad).is_err(), "{bad:?}");
        }
    }
}
