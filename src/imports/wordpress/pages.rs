//! WordPress pages as masthead pages: each at the address its slugs make
//! under its parents (`/about/team`), parents stored before their children,
//! the body converted like a post's, the excerpt as description, postmeta
//! as kept fields, and the permalink (`/?page_id=2` or a pretty one) as an
//! old address answering 301. Statuses: publish → published, draft, pending
//! and future → draft, private and password-protected → unpublished
//! (reported).

use std::collections::HashMap;

use super::catalog::topic_slug;
use super::content;
use super::posts::{Posts, kept_fields, moved_to_library, with_alt};
use super::{MAPPING_VERSION, WordPressError, item_name, value};
use crate::articles::BodyFormat;
use crate::imports::cleaning;
use crate::imports::ledger::{Decision, digest};
use crate::imports::run::Run;
use crate::imports::wxr::Item;
use crate::storage::{ImportedPage, PageFields, StorageError, Store};

/// Stores the export's pages, parents first; a page whose parent is not
/// among them is top-level.
pub(super) async fn import_pages(
    store: &Store,
    run: &mut Run,
    posts: &Posts,
    pages: Vec<Item>,
) -> Result<(), WordPressError> {
    let id_of = |item: &Item| value(&item.post_id).unwrap_or_default().to_owned();
    let ids: Vec<String> = pages.iter().map(id_of).collect();
    let parent_of = |item: &Item| {
        value(&item.post_parent)
            .filter(|p| *p != "0" && ids.iter().any(|id| id == p))
            .map(str::to_owned)
    };
    // The address of each page: its parents' slugs, then its own.
    let slugs: HashMap<String, (String, Option<String>)> = pages
        .iter()
        .map(|item| {
            let title = value(&item.title).unwrap_or("page");
            let slug = value(&item.post_name)
                .map(|s| topic_slug(s, title))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| crate::articles::Slug::from_title(title).as_str().to_owned());
            (id_of(item), (slug, parent_of(item)))
        })
        .collect();
    let path_of = |id: &str| {
        let mut parts = Vec::new();
        let mut at = Some(id.to_owned());
        while let Some(current) = at {
            let Some((slug, parent)) = slugs.get(&current) else {
                break;
            };
            if parts.len() > 32 || parts.contains(slug) && parent.is_some() {
                break;
            }
            parts.push(slug.clone());
            at = parent.clone();
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    };
    let mut pending = pages;
    let mut done: Vec<String> = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting = Vec::new();
        for item in pending {
            match parent_of(&item) {
                Some(parent) if !done.contains(&parent) => waiting.push(item),
                parent => {
                    import_page(store, run, posts, &item, &path_of(&id_of(&item)), parent).await?;
                    done.push(id_of(&item));
                }
            }
        }
        if waiting.len() == before {
            // A loop of parents: the rest as they come.
            for item in waiting {
                import_page(store, run, posts, &item, &path_of(&id_of(&item)), None).await?;
            }
            break;
        }
        pending = waiting;
    }
    Ok(())
}

async fn import_page(
    store: &Store,
    run: &mut Run,
    posts: &Posts,
    item: &Item,
    path: &str,
    parent: Option<String>,
) -> Result<(), WordPressError> {
    let id = value(&item.post_id).unwrap_or_default().to_owned();
    let name = item_name("page", &id, item.position);
    if id.is_empty() {
        run.fail(name, "a page without a post id");
        return Ok(());
    }
    let status = match value(&item.status).unwrap_or("draft") {
        "publish" => "published",
        "draft" | "pending" | "future" => "draft",
        "private" => "unpublished",
        other => {
            run.skip(name, format!("the status {other:?} is not imported"));
            return Ok(());
        }
    };
    let status = if value(&item.post_password).is_some() {
        run.report
            .note(&name, "password-protected: imported unpublished");
        "unpublished"
    } else {
        status
    };
    let path = match crate::pages::normalize_path(path) {
        Ok(path) => path,
        Err(e) => {
            run.fail(name, e.to_string());
            return Ok(());
        }
    };
    let images = posts.images(store, run, item).await?;
    let moved = posts.moved_files(store, run, item).await?;
    let mut positionless = item.clone();
    positionless.position = crate::imports::wxr::Position { line: 0, column: 0 };
    let context = format!("{positionless:?}|{path}|{images:?}|{moved:?}");
    let item_digest = digest(MAPPING_VERSION, context.as_bytes());
    let key = run.key("page", &id);
    let decision = run.decide("page", &id, &item_digest);
    if let Decision::Unchanged { .. } = decision {
        run.unchanged("page");
        return Ok(());
    }
    let converted = content::convert(value(&item.content).unwrap_or_default(), &images);
    for code in &converted.unknown {
        run.report
            .note(&name, format!("unknown shortcode {code} kept as text"));
    }
    let (html, removed) = cleaning::sanitize(&converted.html);
    run.report.cleaned(&name, removed);
    let source = moved_to_library(&with_alt(&html), &moved);
    let title = value(&item.title).unwrap_or("Untitled");
    let title: String = title.chars().take(crate::pages::TITLE_CHARS).collect();
    let description: String = value(&item.excerpt)
        .unwrap_or_default()
        .chars()
        .take(crate::pages::DESCRIPTION_CHARS)
        .collect();
    let mut kept = kept_fields(item);
    if let Err(e) = crate::articles::fields::check(&kept) {
        run.report.note(&name, format!("postmeta not kept: {e}"));
        kept.clear();
    }
    let fields = PageFields {
        path: path.clone(),
        parent_id: None,
        title,
        description,
        body_html: crate::pages::body_html(&source, BodyFormat::Html),
        body_source: source,
        body_format: "html".into(),
        language: None,
        fields: serde_json::to_string(&kept).expect("kept fields serialize"),
        status: status.into(),
    };
    let mut old_paths = Vec::new();
    if let Some(link) = value(&item.link) {
        let query = link
            .split_once('?')
            .and_then(|(_, q)| crate::redirects::query_path(q));
        let pretty = crate::redirects::normalize(link)
            .ok()
            .filter(|p| p != "/" && *p != path);
        old_paths.extend(query.or(pretty));
    }
    old_paths.push(format!("/?page_id={id}"));
    old_paths.dedup();
    let page = ImportedPage {
        key: key.clone(),
        digest: item_digest.clone(),
        fields,
        parent: parent.map(|p| run.key("page", &p)),
        old_paths,
        message: format!("Imported from WordPress page {id}"),
    };
    if run.dry_run {
        run.stored(&key, decision, "page", 0, &item_digest);
        return Ok(());
    }
    match store.import_page(&page, run.now).await {
        Ok(page_id) => run.stored(&key, decision, "page", page_id, &item_digest),
        Err(StorageError::Refused(reason) | StorageError::Conflict(reason)) => {
            run.fail(name, reason);
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
