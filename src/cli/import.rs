//! `masthead import text FILE...`.

use std::path::PathBuf;

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
