//! `masthead import wordpress`: a WordPress export (WXR 1.0-1.2) into
//! masthead, streamed through [`crate::imports::wxr`] in three passes over
//! the file: the first reads it whole (so a malformed file is refused with
//! its line and column before anything is stored) and keeps only authors
//! and terms; the second stores attachments as media; the third stores
//! posts as stories, then pages (kept from that pass) parents first, so a
//! featured image or gallery finds its images and a page its parent
//! whatever their order in the file. Every item goes through the shared machinery: one transaction
//! with its ledger row, counted in the report.

mod catalog;
mod comments;
pub mod content;
mod library;
mod pages;
mod posts;

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::progress::Progress;
use super::report::{ItemName, Place, Report};
use super::run::Run;
use super::wxr::{Author, Item, Position, SiteInfo, Term, WxrError, WxrEvent, WxrReader};
use crate::media::MediaFiles;
use crate::site::Site;
use crate::storage::{StorageError, Store};

/// Bumped when the mapping changes, so a re-run updates every item once.
pub const MAPPING_VERSION: &str = "wordpress-1";

/// What one import reads and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The export.
    pub file: PathBuf,
    /// The site's `wp-content/uploads` folder.
    pub uploads: Option<PathBuf>,
    /// Read and map everything, write nothing.
    pub dry_run: bool,
    /// Where media files go (the data folder's media store).
    pub media: MediaFiles,
    /// `--fetch-media`: download an attachment missing from `uploads` from
    /// its URL, through the guarded outbound client (http and https only,
    /// special addresses refused unless its policy allows them, a size cap
    /// and timeouts).
    pub fetch: Option<crate::outbound::Outbound>,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum WordPressError {
    #[error("{file}: cannot read it: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    /// Not a readable export: nothing was stored.
    #[error("{file}: {source}")]
    Export { file: String, source: WxrError },
    #[error("the import stopped (what was stored is kept; run it again to go on): {0}")]
    Storage(#[from] StorageError),
}

impl WordPressError {
    /// Whether the input is at fault (the command exits with code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            WordPressError::Export { .. } | WordPressError::Read { .. }
        )
    }
}

/// What the first pass keeps: the header, authors and terms, and how many
/// items there are.
#[derive(Debug, Default)]
pub(super) struct Catalog {
    pub site: SiteInfo,
    pub authors: Vec<Author>,
    /// (kind: `category`, `tag` or `term`, the term, where it is).
    pub terms: Vec<(&'static str, Term)>,
    /// Authors named only by items (`dc:creator`, WXR 1.0).
    pub creators: Vec<String>,
    pub items: u64,
}

/// The import source name: `wordpress:<blog address>`.
fn source_name(site: &SiteInfo, file: &Path) -> String {
    let url = site
        .base_blog_url
        .as_deref()
        .or(site.link.as_deref())
        .or(site.base_site_url.as_deref())
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty());
    format!(
        "wordpress:{}",
        url.unwrap_or_else(|| file.display().to_string())
    )
}

/// Imports the export `options.file` into `store`.
pub async fn import(
    store: &Store,
    site: &Site,
    options: &Options,
    show_progress: bool,
    now: i64,
) -> Result<Report, WordPressError> {
    let catalog = read_catalog(&options.file)?;
    let source = source_name(&catalog.site, &options.file);
    let total = catalog.items + catalog.authors.len() as u64 + catalog.terms.len() as u64;
    let progress = if show_progress {
        Progress::new("wordpress", total)
    } else {
        Progress::hidden()
    };
    let mut run = Run::start(store, &source, options.dry_run, progress, now).await?;
    let people = catalog::import_people(store, site, &mut run, &catalog).await?;
    catalog::import_terms(store, &mut run, &catalog).await?;
    // Attachments first: posts name them as featured images, in galleries
    // and by URL, wherever they are in the file.
    // Items are written in batches (see `storage::ImportBatch`), each pass's
    // committed before the next reads what it stored.
    let mut batch = store.import_batch();
    let mut uploads = HashMap::new();
    for_each_item(&options.file, async |item| {
        if item.post_type.as_deref() == Some("attachment")
            && let Some(file) =
                library::import_attachment(&mut batch, &mut run, options, &item).await?
            && let Some(id) = value(&item.post_id)
        {
            uploads.insert(file, id.to_owned());
        }
        batch.commit_if_due().await?;
        Ok(())
    })
    .await?;
    batch.commit().await?;
    let mut posts = posts::Posts::new(site, &catalog, people, uploads);
    for_each_item(&options.file, async |item| {
        if item.post_type.as_deref() != Some("attachment") {
            posts.import(store, &mut batch, &mut run, &item).await?;
        }
        if batch.due() {
            posts.flush(&mut batch, &mut run).await?;
        }
        batch.commit_if_due().await?;
        Ok(())
    })
    .await?;
    posts.flush(&mut batch, &mut run).await?;
    batch.commit().await?;
    let pages = std::mem::take(&mut posts.pages);
    pages::import_pages(store, &mut run, &posts, pages).await?;
    Ok(run.finish())
}

fn open(file: &Path) -> Result<WxrReader<BufReader<File>>, WordPressError> {
    let handle = File::open(file).map_err(|source| WordPressError::Read {
        file: file.display().to_string(),
        source,
    })?;
    Ok(WxrReader::new(BufReader::with_capacity(256 << 10, handle)))
}

fn export_error(file: &Path, source: WxrError) -> WordPressError {
    WordPressError::Export {
        file: file.display().to_string(),
        source,
    }
}

/// The first pass: the whole file read, authors and terms kept, items
/// counted.
fn read_catalog(file: &Path) -> Result<Catalog, WordPressError> {
    let mut catalog = Catalog::default();
    let mut creators: HashMap<String, ()> = HashMap::new();
    for event in open(file)? {
        match event.map_err(|e| export_error(file, e))? {
            WxrEvent::Site(site) => catalog.site = site,
            WxrEvent::Author(author) => catalog.authors.push(author),
            WxrEvent::Category(term) => catalog.terms.push(("category", term)),
            WxrEvent::Tag(term) => catalog.terms.push(("tag", term)),
            WxrEvent::Term(term) => catalog.terms.push(("term", term)),
            WxrEvent::Item(item) => {
                catalog.items += 1;
                if let Some(login) = item.creator.as_deref().map(str::trim)
                    && !login.is_empty()
                    && creators.insert(login.to_owned(), ()).is_none()
                {
                    catalog.creators.push(login.to_owned());
                }
            }
        }
    }
    Ok(catalog)
}

/// A later pass: each item of the file, in order, to `each`. The file was
/// read whole once already, so an error now means it changed meanwhile.
async fn for_each_item(
    file: &Path,
    mut each: impl AsyncFnMut(Item) -> Result<(), WordPressError>,
) -> Result<(), WordPressError> {
    for event in open(file)? {
        if let WxrEvent::Item(item) = event.map_err(|e| export_error(file, e))? {
            each(*item).await?;
        }
    }
    Ok(())
}

/// How the report names an item of the export.
pub(super) fn item_name(kind: &str, id: &str, position: Position) -> ItemName {
    ItemName {
        kind: kind.to_owned(),
        source_id: if id.is_empty() {
            "(no id)".to_owned()
        } else {
            id.to_owned()
        },
        place: Place::Xml {
            line: position.line,
            column: position.column,
        },
    }
}

/// How the report names an author or term (the channel lists them without
/// a position of their own).
pub(super) fn source_item(kind: &str, id: &str) -> ItemName {
    ItemName {
        kind: kind.to_owned(),
        source_id: id.to_owned(),
        place: Place::Source,
    }
}

/// A trimmed, non-empty value.
pub(super) fn value(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A WordPress date (`2016-07-11 23:09:00`) in `tz`, as Unix seconds; the
/// zero date WordPress writes for "never" is `None`.
pub(super) fn parse_date(text: Option<&str>, tz: &jiff::tz::TimeZone) -> Option<i64> {
    let text = text?.trim();
    if text.is_empty() || text.starts_with("0000") {
        return None;
    }
    let civil = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text).ok()?;
    Some(
        tz.to_ambiguous_timestamp(civil)
            .compatible()
            .ok()?
            .as_second(),
    )
}
