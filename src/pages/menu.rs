//! The site menu: ordered links the theme shows on every reader page, to
//! pages (followed by id, so a moved page stays linked, and hidden while it
//! is not published), sections, topics, people, any address of the site, or
//! another site. Editors write it one link per line, `Label | target`; the
//! whole menu is checked before it replaces the old one, in one transaction
//! with its audit entry.

use serde::Serialize;

use crate::actor::Actor;
use crate::audit;
use crate::storage::{MenuItemRow, NewMenuItem, Store};

use super::PageError;

/// Most links in the menu.
pub const MAX_LINKS: usize = 30;
/// Longest label, in characters.
pub const LABEL_CHARS: usize = 80;
/// Longest link to another site, in bytes.
pub const URL_BYTES: usize = 2_000;

/// A link as readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MenuLink {
    pub label: String,
    pub href: String,
}

/// What is wrong with a menu an editor wrote.
#[derive(Debug, thiserror::Error)]
pub enum MenuError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("the menu has more than {MAX_LINKS} links")]
    TooMany,
    #[error("only editors and administrators change the site menu")]
    Forbidden,
    #[error(transparent)]
    Page(#[from] PageError),
}

impl From<crate::storage::StorageError> for MenuError {
    fn from(error: crate::storage::StorageError) -> MenuError {
        MenuError::Page(error.into())
    }
}

/// The menu's links readers see now, in order.
pub async fn links(store: &Store) -> Result<Vec<MenuLink>, PageError> {
    Ok(store
        .menu_items()
        .await?
        .into_iter()
        .filter_map(|row| {
            let href = match (row.page_id, row.href) {
                (Some(_), _) => row
                    .page_path
                    .filter(|_| row.page_status.as_deref() == Some("published"))?,
                (None, Some(href)) => href,
                (None, None) => return None,
            };
            Some(MenuLink {
                label: row.label,
                href,
            })
        })
        .collect())
}

/// The menu as an editor writes it: one `Label | target` per line.
pub async fn text(store: &Store) -> Result<String, PageError> {
    Ok(to_text(&store.menu_items().await?))
}

fn to_text(rows: &[MenuItemRow]) -> String {
    rows.iter()
        .map(|row| {
            let target = row
                .page_path
                .as_deref()
                .or(row.href.as_deref())
                .unwrap_or_default();
            format!("{} | {}\n", row.label, target)
        })
        .collect()
}

/// One line of an editor's menu, split: (label, target).
fn split_line(line: &str) -> Option<(&str, &str)> {
    let (label, target) = line.rsplit_once('|')?;
    Some((label.trim(), target.trim()))
}

/// Replaces the menu by `text` (one `Label | target` per line; blank lines
/// skipped) for `actor`. Every line is checked first: a target must be
/// another site's `http(s)` address or an address of this site that
/// answers (a page, section, topic, person, story, the home page or the
/// search page).
pub async fn save(
    store: &Store,
    actor: &Actor,
    text: &str,
    now: i64,
) -> Result<Vec<MenuLink>, MenuError> {
    if !super::may_manage(actor) {
        return Err(MenuError::Forbidden);
    }
    let mut items = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let bad = |reason: String| MenuError::Line {
            line: line_number,
            reason,
        };
        if line.trim().is_empty() {
            continue;
        }
        let (label, target) = split_line(line).ok_or_else(|| {
            bad("write a link as `Label | /address` (a label, a bar, where it goes)".into())
        })?;
        if label.is_empty() {
            return Err(bad("the label is empty".into()));
        }
        if label.chars().count() > LABEL_CHARS {
            return Err(bad(format!(
                "the label is longer than {LABEL_CHARS} characters"
            )));
        }
        items.push(item(store, label, target).await.map_err(bad)?);
        if items.len() > MAX_LINKS {
            return Err(MenuError::TooMany);
        }
    }
    let entry = audit::entry(
        actor,
        "menu.updated",
        "menu",
        serde_json::json!({ "links": items.iter().map(|i| &i.label).collect::<Vec<_>>() }),
    );
    store.replace_menu(&items, now, &entry).await?;
    Ok(links(store).await?)
}

/// The stored link for `label` and `target`, or why it cannot be one.
async fn item(store: &Store, label: &str, target: &str) -> Result<NewMenuItem, String> {
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let url = reqwest::Url::parse(target)
            .map_err(|e| format!("{target:?} is not a web address: {e}"))?;
        if url.host_str().is_none() || target.len() > URL_BYTES {
            return Err(format!("{target:?} is not a web address"));
        }
        return Ok(NewMenuItem {
            label: label.to_owned(),
            page_id: None,
            href: Some(url.to_string()),
        });
    }
    let path = crate::redirects::normalize(target).map_err(|_| {
        format!("{target:?} is neither an address of this site (starting with /) nor a web address (https://...)")
    })?;
    let stored = |e: crate::storage::StorageError| format!("could not check {path}: {e}");
    if let Some(page) = store.page_at(&path).await.map_err(stored)? {
        return Ok(NewMenuItem {
            label: label.to_owned(),
            page_id: Some(page.id),
            href: None,
        });
    }
    let answers = path == "/"
        || path == "/search"
        || store.path_owner(&path).await.map_err(stored)?.is_some()
        || store
            .redirect_target(&path)
            .await
            .map_err(stored)?
            .is_some();
    if !answers {
        return Err(format!(
            "nothing answers at {path}: link a page, a section, a topic, a person, a story or another site"
        ));
    }
    Ok(NewMenuItem {
        label: label.to_owned(),
        page_id: None,
        href: Some(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_a_label_and_a_target() {
        assert_eq!(
            split_line("About us | /about"),
            Some(("About us", "/about"))
        );
        assert_eq!(split_line("A | B | /x"), Some(("A | B", "/x")));
        assert_eq!(split_line("no target"), None);
    }
}
