//! `masthead import text FILE...` and `masthead import wordpress FILE.xml`.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::Config;
use crate::site::{Settings, Site};

pub(super) async fn text(config: &Config, files: &[PathBuf]) -> anyhow::Result<()> {
    let store = super::open(config).await?;
    let now = jiff::Timestamp::now().as_second();
    let site = match store.site().await? {
        Some(row) => Site::from_row(row)?,
        None => crate::site::save(&store, &Settings::demo(&config.public_base_url()), now).await?,
    };
    let result = crate::imports::import_text_files(&store, &site, files, now).await;
    store.close().await;
    for report in result? {
        println!(
            "{}: imported story {} into {} with {} related stories ({} already on the site)",
            report.file,
            report.story,
            report.section,
            report.related_added,
            report.related_existing
        );
    }
    Ok(())
}

/// The arguments of `masthead import wordpress`.
pub(super) struct WordPressArgs {
    pub file: PathBuf,
    pub uploads: Option<PathBuf>,
    pub fetch_media: bool,
    pub dry_run: bool,
    pub report: Option<PathBuf>,
}

pub(super) async fn wordpress(config: &Config, args: WordPressArgs) -> anyhow::Result<()> {
    use crate::imports::wordpress;
    if let Some(dir) = &args.uploads
        && !dir.is_dir()
    {
        return Err(super::BadInput(format!("--uploads {}: not a folder", dir.display())).into());
    }
    // A dry run opens the database without migrating it (or a temporary
    // copy, see `DryRunDatabase`).
    let (store, dry) = if args.dry_run {
        let dry = super::DryRunDatabase::open(config).await?;
        (dry.store.clone(), Some(dry))
    } else {
        (super::open(config).await?, None)
    };
    let now = jiff::Timestamp::now().as_second();
    let settings = Settings::demo(&config.public_base_url());
    let site = match store.site().await? {
        Some(row) => Site::from_row(row)?,
        None if args.dry_run => crate::site::unsaved(&settings, now)?,
        None => crate::site::save(&store, &settings, now).await?,
    };
    let options = wordpress::Options {
        file: args.file,
        uploads: args.uploads,
        dry_run: args.dry_run,
        media: super::media_store(config).await?,
        fetch: args
            .fetch_media
            .then(|| crate::outbound::Outbound::new(config.outbound.clone())),
    };
    let result = wordpress::import(&store, &site, &options, true, now).await;
    match dry {
        Some(dry) => dry.close().await,
        None => store.close().await,
    }
    let report = match result {
        Ok(report) => report,
        Err(e) if e.is_bad_input() => return Err(super::BadInput(e.to_string()).into()),
        Err(e) => return Err(e.into()),
    };
    print!("{report}");
    if let Some(path) = &args.report {
        report
            .write_to(path)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    Ok(())
}
