//! Standalone pages (About, Contact, Terms): a title and a body at an
//! address of their own (`/about`, `/about/team`), optionally under a parent
//! page, with a status and full revisions like stories. Readers see
//! published pages at their address and in the sitemap, never in feeds or
//! fronts. Editors and administrators write them; every save is one
//! revision, in one transaction with its audit entry, and a change of
//! address keeps the old one answering with a 301.

pub mod menu;

pub use crate::storage::{PageRevisionRow as PageRevision, PageRow as Page};

use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::articles::BodyFormat;
use crate::articles::fields::{self, FieldError, KeptFields};
use crate::audit;
use crate::storage::{PageFields, PageSave, StorageError, Store};
use crate::text::markdown;

/// Longest title, in characters.
pub const TITLE_CHARS: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_CHARS: usize = 2_000;
/// Longest body source, in bytes.
pub const BODY_BYTES: usize = 1_000_000;
/// Longest revision message, in characters.
pub const MESSAGE_CHARS: usize = 500;

/// First parts of addresses the site answers itself, which no page takes.
const RESERVED: &[&str] = &["sitemap.xml", "robots.txt", "favicon.ico"];

/// Where a page stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being written; readers never see it.
    Draft,
    /// Readers see it.
    Published,
    /// Was published, taken down.
    Unpublished,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Unpublished => "unpublished",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "draft" => Some(Status::Draft),
            "published" => Some(Status::Published),
            "unpublished" => Some(Status::Unpublished),
            _ => None,
        }
    }
}

/// What can go wrong with a page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("the title is empty")]
    EmptyTitle,
    #[error("the title is longer than {TITLE_CHARS} characters")]
    TitleTooLong,
    #[error("the description is longer than {DESCRIPTION_CHARS} characters")]
    DescriptionTooLong,
    #[error("the body is longer than {BODY_BYTES} bytes")]
    BodyTooLong,
    #[error("the revision message is longer than {MESSAGE_CHARS} characters")]
    MessageTooLong,
    #[error(
        "{0:?} is not an address for a page: write it as a path such as /about or /about/team, without spaces"
    )]
    InvalidPath(String),
    #[error("{0} is an address the site answers itself; choose another address for this page")]
    Reserved(String),
    #[error("{0:?} is not a page status (draft, published or unpublished)")]
    InvalidStatus(String),
    #[error("{0:?} is not a language tag such as en, fr or pt-BR")]
    InvalidLanguage(String),
    #[error(transparent)]
    Fields(#[from] FieldError),
    #[error("{0}")]
    Refused(String),
    #[error(
        "not saved: this page was saved by someone else since you opened it (it is at revision {current}, you started from revision {based_on}); your text is kept below: copy what you need, reload the page and apply it again"
    )]
    Stale { current: i64, based_on: i64 },
    #[error("there is no such page")]
    NotFound,
    #[error("there is no revision {0} of this page")]
    NoRevision(i64),
    #[error("only editors and administrators manage pages")]
    Forbidden,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for PageError {
    fn from(error: StorageError) -> PageError {
        match error {
            StorageError::Refused(why) => PageError::Refused(why),
            StorageError::Conflict(what) => PageError::Refused(format!("{what} already exists")),
            other => PageError::Storage(other),
        }
    }
}

/// What an editor sends to save a page.
#[derive(Debug, Clone, Default)]
pub struct PageInput {
    pub title: String,
    pub path: String,
    pub parent_id: Option<i64>,
    pub description: String,
    pub body_source: String,
    /// `None`: Markdown.
    pub body_format: Option<BodyFormat>,
    /// Empty: the site's language.
    pub language: String,
    /// Kept fields, one per line as the editor shows them.
    pub fields: String,
    pub status: String,
    pub message: String,
    /// The revision the editor started from; `None` for a new page.
    pub base_revision: Option<i64>,
}

/// The address of a page as stored: a path from `/`, percent-decoded,
/// without a query or a trailing slash; never the home page, an address the
/// site answers itself, or one with spaces or control characters.
pub fn normalize_path(text: &str) -> Result<String, PageError> {
    let invalid = || PageError::InvalidPath(text.to_owned());
    let path = crate::redirects::normalize(text).map_err(|_| invalid())?;
    if path == "/"
        || path.chars().any(char::is_whitespace)
        || path.contains("//")
        || path.split('/').any(|part| part == "." || part == "..")
    {
        return Err(invalid());
    }
    let first = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    if crate::sections::RESERVED.contains(&first) || RESERVED.contains(&first) {
        return Err(PageError::Reserved(path));
    }
    Ok(path)
}

/// Characters a path keeps as they are in a URL; the rest is
/// percent-encoded (RFC 3986 `pchar` and `/`).
const PATH_KEEPS: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// A stored page path as it goes into a URL (`/über-uns` →
/// `/%C3%BCber-uns`), for sitemaps and canonical links.
pub fn url_path(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, PATH_KEEPS).to_string()
}

/// A page's body as readers see it: Markdown rendered, HTML sanitized.
pub fn body_html(source: &str, format: BodyFormat) -> String {
    match format {
        BodyFormat::Markdown => markdown::to_html(source),
        BodyFormat::Html => markdown::sanitize(source),
    }
}

/// Whether `actor` may manage pages: editors and administrators, and the
/// operator at the command line (or an import).
pub fn may_manage(actor: &Actor) -> bool {
    match actor.role {
        Some(role) => role.can_edit_any(),
        None => actor.id.is_none(),
    }
}

/// A page's kept fields.
pub fn kept_fields(page: &Page) -> Result<KeptFields, PageError> {
    serde_json::from_str(&page.fields)
        .map_err(|e| PageError::Storage(StorageError::Corrupt(format!("a page's fields: {e}"))))
}

/// Whether readers may see `page`.
pub fn is_visible(page: &Page) -> bool {
    page.status == Status::Published.as_str()
}

/// Every page, by address.
pub async fn list(store: &Store) -> Result<Vec<Page>, PageError> {
    Ok(store.pages().await?)
}

/// The page with this id, in any status.
pub async fn get(store: &Store, id: i64) -> Result<Option<Page>, PageError> {
    Ok(store.page(id).await?)
}

/// The page readers see at `path` (as it came, percent-encoded): published
/// pages only.
pub async fn shown_at(store: &Store, path: &str) -> Result<Option<Page>, PageError> {
    let Ok(path) = crate::redirects::normalize(path) else {
        return Ok(None);
    };
    Ok(store.page_at(&path).await?.filter(is_visible))
}

/// The published pages under page `id`, by title.
pub async fn children(store: &Store, id: i64) -> Result<Vec<Page>, PageError> {
    Ok(store.published_children(id).await?)
}

/// The published ancestors of `page`, the top one first; stops at an
/// unpublished one (readers cannot follow it).
pub async fn ancestors(store: &Store, page: &Page) -> Result<Vec<Page>, PageError> {
    let mut out: Vec<Page> = Vec::new();
    let mut at = page.parent_id;
    while let Some(id) = at {
        if out.len() >= 64 || out.iter().any(|p| p.id == id) {
            break;
        }
        match store.page(id).await?.filter(is_visible) {
            Some(parent) => {
                at = parent.parent_id;
                out.push(parent);
            }
            None => break,
        }
    }
    out.reverse();
    Ok(out)
}

/// The addresses and last changes of the published pages (the sitemap's).
pub async fn in_view(store: &Store) -> Result<Vec<(String, i64)>, PageError> {
    Ok(store.published_pages().await?)
}

/// A page's revisions, newest first.
pub async fn revisions(store: &Store, id: i64) -> Result<Vec<PageRevision>, PageError> {
    Ok(store.page_revisions(id).await?)
}

/// Revision `number` of page `id`, with the fields it recorded.
pub async fn revision(
    store: &Store,
    id: i64,
    number: i64,
) -> Result<(PageRevision, PageFields), PageError> {
    let revision = store
        .page_revision(id, number)
        .await?
        .ok_or(PageError::NoRevision(number))?;
    let fields: PageFields = serde_json::from_str(&revision.snapshot)
        .map_err(|e| PageError::Storage(StorageError::Corrupt(format!("a page revision: {e}"))))?;
    Ok((revision, fields))
}

/// Checks `input` and makes the fields a revision records.
fn fields_of(input: &PageInput) -> Result<PageFields, PageError> {
    let title = input.title.trim();
    if title.is_empty() {
        return Err(PageError::EmptyTitle);
    }
    if title.chars().count() > TITLE_CHARS {
        return Err(PageError::TitleTooLong);
    }
    let description = input.description.trim();
    if description.chars().count() > DESCRIPTION_CHARS {
        return Err(PageError::DescriptionTooLong);
    }
    if input.body_source.len() > BODY_BYTES {
        return Err(PageError::BodyTooLong);
    }
    if input.message.chars().count() > MESSAGE_CHARS {
        return Err(PageError::MessageTooLong);
    }
    let status =
        Status::parse(input.status.trim()).ok_or(PageError::InvalidStatus(input.status.clone()))?;
    let language = input.language.trim();
    let language = if language.is_empty() {
        None
    } else if is_language_tag(language) {
        Some(language.to_owned())
    } else {
        return Err(PageError::InvalidLanguage(language.to_owned()));
    };
    let kept = fields::parse_text(&input.fields)?;
    fields::check(&kept)?;
    let format = input.body_format.unwrap_or(BodyFormat::Markdown);
    Ok(PageFields {
        path: normalize_path(&input.path)?,
        parent_id: input.parent_id,
        title: title.to_owned(),
        description: description.to_owned(),
        body_html: body_html(&input.body_source, format),
        body_source: input.body_source.clone(),
        body_format: match format {
            BodyFormat::Markdown => "markdown",
            BodyFormat::Html => "html",
        }
        .to_owned(),
        language,
        fields: serde_json::to_string(&kept).expect("kept fields serialize"),
        status: status.as_str().to_owned(),
    })
}

/// A BCP 47 language tag in its common shape: a 2–3 letter language,
/// then subtags of 2–8 letters or digits (`en`, `pt-BR`, `zh-Hant`).
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or_default();
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Creates a page (`id` `None`) or saves page `id` for `actor`, as one new
/// revision with its audit entry.
pub async fn save(
    store: &Store,
    actor: &Actor,
    id: Option<i64>,
    input: &PageInput,
    now: i64,
) -> Result<Page, PageError> {
    if !may_manage(actor) {
        return Err(PageError::Forbidden);
    }
    let fields = fields_of(input)?;
    let message = input.message.trim();
    write(store, actor, id, &fields, input.base_revision, message, now).await
}

/// Restores revision `number` of page `id` for `actor` as a new revision,
/// based on `base_revision` (what the editor saw).
pub async fn restore(
    store: &Store,
    actor: &Actor,
    id: i64,
    number: i64,
    base_revision: i64,
    now: i64,
) -> Result<Page, PageError> {
    if !may_manage(actor) {
        return Err(PageError::Forbidden);
    }
    let (_, fields) = revision(store, id, number).await?;
    let message = format!("Restored revision {number}");
    write(
        store,
        actor,
        Some(id),
        &fields,
        Some(base_revision),
        &message,
        now,
    )
    .await
}

async fn write(
    store: &Store,
    actor: &Actor,
    id: Option<i64>,
    fields: &PageFields,
    base_revision: Option<i64>,
    message: &str,
    now: i64,
) -> Result<Page, PageError> {
    if let Some(id) = id {
        let page = store.page(id).await?.ok_or(PageError::NotFound)?;
        if base_revision != Some(page.revision) {
            return Err(PageError::Stale {
                current: page.revision,
                based_on: base_revision.unwrap_or(0),
            });
        }
    }
    let save = PageSave {
        fields,
        base_revision,
        author: &actor.name,
        message,
    };
    let entry = |before: Option<&Page>, after: &Page| {
        let mut details = serde_json::json!({
            "path": after.path, "title": after.title, "status": after.status, "revision": after.revision,
        });
        if let Some(before) = before.filter(|b| b.path != after.path) {
            details["old_path"] = before.path.clone().into();
        }
        let action = if before.is_some() {
            "page.updated"
        } else {
            "page.created"
        };
        audit::entry(actor, action, &format!("page:{}", after.id), details)
    };
    store
        .save_page(id, &save, now, entry)
        .await?
        .ok_or(PageError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_addresses_are_paths_no_one_else_answers() {
        assert_eq!(normalize_path("/about").unwrap(), "/about");
        assert_eq!(normalize_path(" /about/team/ ").unwrap(), "/about/team");
        assert_eq!(
            normalize_path("https://old.example/content/über-uns?x=1").unwrap(),
            "/content/über-uns"
        );
        for bad in ["about", "/", "/a b", "/a/../b", "//x", ""] {
            assert!(
                matches!(normalize_path(bad), Err(PageError::InvalidPath(_))),
                "{bad:?}"
            );
        }
        for reserved in ["/admin/x", "/feeds", "/topics/a", "/robots.txt", "/search"] {
            assert!(
                matches!(normalize_path(reserved), Err(PageError::Reserved(_))),
                "{reserved:?}"
            );
        }
    }

    #[test]
    fn page_urls_are_percent_encoded() {
        assert_eq!(url_path("/about/team"), "/about/team");
        assert_eq!(url_path("/content/über uns"), "/content/%C3%BCber%20uns");
        assert_eq!(url_path("/a%b?c#d"), "/a%25b%3Fc%23d");
    }

    #[test]
    fn language_tags_have_the_common_shape() {
        for good in ["en", "fr", "pt-BR", "zh-Hant", "ast"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in ["e", "english", "en_GB", "en-", "fr-x", "<b>"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn a_page_input_is_checked_before_anything_is_stored() {
        let ok = PageInput {
            title: " About us ".into(),
            path: "/about".into(),
            body_source: "We <script>x</script>report.".into(),
            status: "published".into(),
            ..PageInput::default()
        };
        let fields = fields_of(&ok).unwrap();
        assert_eq!(fields.title, "About us");
        assert!(!fields.body_html.contains("script"), "{}", fields.body_html);
        let empty = PageInput {
            title: " ".into(),
            ..ok.clone()
        };
        assert!(matches!(fields_of(&empty), Err(PageError::EmptyTitle)));
        let status = PageInput {
            status: "live".into(),
            ..ok.clone()
        };
        assert!(matches!(
            fields_of(&status),
            Err(PageError::InvalidStatus(_))
        ));
    }
}
