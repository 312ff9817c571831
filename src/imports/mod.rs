//! Imports: pages in the seed's text format (see [`text`]) become a section,
//! a published story and its related stories, all in one transaction.
//! Whole sites come in through the shared machinery: [`ledger`] (what each
//! source item became, so a re-run updates what changed and duplicates
//! nothing), [`run`] (one run: ledger, [`report`], [`progress`], dry run)
//! and [`cleaning`] (the sanitizer, saying what it removed). [`wordpress`]
//! imports a WordPress export read by [`wxr`], a streaming reader;
//! [`drupal7`] a live Drupal 7 database.

pub mod cleaning;
pub mod drupal7;
pub mod ledger;
pub mod progress;
pub mod report;
pub mod run;
pub mod text;
pub mod wordpress;
pub mod wxr;

use std::path::Path;

use crate::articles::{Article, BodyFormat, NewArticle, SectionRef, Slug};
use crate::site::Site;
use crate::storage::{ImportedArticle, StorageError, Store};
use crate::text::markdown;

/// What can go wrong importing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: cannot read it: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {source}")]
    Parse {
        file: String,
        source: text::ParseError,
    },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: nothing was imported: {source}")]
    Storage { file: String, source: StorageError },
}

/// What one imported page added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub file: String,
    pub section: String,
    pub story: i64,
    pub related_added: usize,
    pub related_existing: usize,
}

/// Reads and checks every file first, so a malformed file stops the import
/// before anything is stored; then imports each file in its own transaction.
pub async fn import_text_files(
    store: &Store,
    site: &Site,
    files: &[impl AsRef<Path>],
    now: i64,
) -> Result<Vec<ImportReport>, ImportError> {
    let mut pages = Vec::with_capacity(files.len());
    for file in files {
        let name = file.as_ref().display().to_string();
        let content = std::fs::read_to_string(file).map_err(|source| ImportError::Read {
            file: name.clone(),
            source,
        })?;
        let page = parse_page(site, &name, &content)?;
        pages.push((name, page));
    }
    let mut reports = Vec::with_capacity(pages.len());
    for (name, page) in pages {
        reports.push(store_page(store, site, &name, page, now).await?);
    }
    Ok(reports)
}

/// Imports one page given as text; `file` names it in errors.
pub async fn import_text(
    store: &Store,
    site: &Site,
    file: &str,
    content: &str,
    now: i64,
) -> Result<ImportReport, ImportError> {
    let page = parse_page(site, file, content)?;
    store_page(store, site, file, page, now).await
}

fn parse_page(site: &Site, file: &str, content: &str) -> Result<text::TextPage, ImportError> {
    let format = site
        .date_formats
        .get("medium")
        .map(String::as_str)
        .unwrap_or("D, d/m/Y - H:i");
    text::parse(content, format).map_err(|source| ImportError::Parse {
        file: file.to_owned(),
        source,
    })
}

async fn store_page(
    store: &Store,
    site: &Site,
    file: &str,
    page: text::TextPage,
    now: i64,
) -> Result<ImportReport, ImportError> {
    let storage = |source| ImportError::Storage {
        file: file.to_owned(),
        source,
    };
    let published_at = site
        .time_zone
        .to_ambiguous_timestamp(page.last_update)
        .compatible()
        .map_err(|e| ImportError::Invalid {
            file: file.to_owned(),
            message: format!(
                "the update time does not exist in {}: {e}",
                site.time_zone_name
            ),
        })?
        .as_second();
    let section_slug = Slug::from_title(&page.section);
    let existing_section = store
        .section_by_slug(section_slug.as_str())
        .await
        .map_err(storage)?;
    let section = SectionRef {
        id: existing_section.as_ref().map_or(0, |s| s.id),
        slug: section_slug.to_string(),
        name: existing_section.map_or(page.section.clone(), |s| s.name),
    };

    let body = page
        .paragraphs
        .iter()
        .map(|p| markdown::escape_plain_text(p))
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut main = draft(&section, &page.headline, body, None, now)?;
    main.mark_published(published_at);
    if store
        .visible_article_by_path(section.slug.as_str(), main.slug.as_str(), i64::MAX)
        .await
        .map_err(storage)?
        .is_some()
    {
        return Err(ImportError::Invalid {
            file: file.to_owned(),
            message: format!("the story {} is already on the site", main.path()),
        });
    }

    let mut stories = vec![main];
    let mut related_existing = 0;
    // The related stories are newer than the main story, the first the newest.
    let count = page.related.len() as i64;
    for (i, related) in page.related.iter().enumerate() {
        let body = markdown::escape_plain_text(related.teaser.trim_end_matches("..."));
        let mut story = draft(
            &section,
            &related.title,
            body,
            Some(related.teaser.clone()),
            now,
        )?;
        if stories.iter().any(|s| s.slug == story.slug)
            || exists(store, &story).await.map_err(storage)?
        {
            related_existing += 1;
            continue;
        }
        story.mark_published(published_at + (count - i as i64) * 3600);
        stories.push(story);
    }

    // Imported stories are in the site's language, in every revision too.
    for story in &mut stories {
        story.language = site.language.clone();
    }
    let message = format!("Imported from {file}");
    let records: Vec<_> = stories
        .iter()
        .map(|s| (s.to_row(), s.creation_records("import", &message)))
        .collect();
    let imported = records
        .into_iter()
        .map(|(row, (revision, events))| ImportedArticle {
            row,
            revision,
            events,
        })
        .collect();
    let ids = store
        .import_articles(&section.slug, &section.name, now, imported)
        .await
        .map_err(storage)?;
    Ok(ImportReport {
        file: file.to_owned(),
        section: section.name,
        story: ids[0],
        related_added: ids.len() - 1,
        related_existing,
    })
}

fn draft(
    section: &SectionRef,
    headline: &str,
    body: String,
    teaser: Option<String>,
    now: i64,
) -> Result<Article, ImportError> {
    NewArticle {
        section: section.clone(),
        slug: None,
        headline: headline.to_owned(),
        standfirst: String::new(),
        teaser,
        body_source: body,
        body_format: BodyFormat::Markdown,
        dateline: String::new(),
        bylines: Vec::new(),
        tags: Vec::new(),
    }
    .into_draft(now)
    .map_err(|e| ImportError::Invalid {
        file: String::new(),
        message: e.to_string(),
    })
}

async fn exists(store: &Store, story: &Article) -> Result<bool, StorageError> {
    Ok(store
        .visible_article_by_path(&story.section.slug, story.slug.as_str(), i64::MAX)
        .await?
        .is_some())
}
