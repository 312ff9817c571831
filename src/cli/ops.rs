//! `masthead backup`, `masthead restore` and `masthead check`.

use std::path::Path;

use anyhow::{Context, bail};

use crate::config::Config;
use crate::ops::backup::{self, restore};
use crate::storage::Store;

/// Opens the existing database as it is (no migration: a backup or a check
/// must not change what it looks at).
async fn open_existing(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.is_none() && !config.data_dir.join("masthead.db").exists() {
        bail!(
            "there is no site in the data folder {} (no masthead.db); pass --data-dir or --database-url",
            config.data_dir.display()
        );
    }
    Store::open(config.database_url.as_deref(), &config.data_dir)
        .await
        .context("cannot open the database")
}

pub(super) async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let store = open_existing(config).await?;
    let media = super::media_store(config).await?;
    let now = jiff::Timestamp::now().as_second();
    let result = backup::create(&store, &media, file, now).await;
    store.close().await;
    let manifest = result.with_context(|| format!("backup to {} failed", file.display()))?;
    let bytes: u64 = manifest.files.iter().map(|f| f.size).sum();
    println!(
        "backed up the {} site (migration {}) to {}: {} files, {bytes} bytes",
        manifest.backend,
        manifest.migration_version,
        file.display(),
        manifest.files.len(),
    );
    Ok(())
}

pub(super) async fn restore(config: &Config, file: &Path, force: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    // A server on this folder would keep the old database open.
    let _lock = super::lock::lock(&config.data_dir, "restoring")?;
    let media = super::media_store(config).await?;
    let target = restore::Target {
        data_dir: &config.data_dir,
        database_url: config.database_url.as_deref(),
        media: &media,
        force,
    };
    let manifest = restore::restore(file, &target)
        .await
        .with_context(|| format!("restore from {} failed", file.display()))?;
    println!(
        "restored the {} site backed up at {} (migration {}): {} files checked",
        manifest.backend,
        jiff::Timestamp::from_second(manifest.created_at)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        manifest.migration_version,
        manifest.files.len()
    );
    Ok(())
}

pub(super) async fn check(config: &Config) -> anyhow::Result<()> {
    let store = open_existing(config).await?;
    let media = super::media_store(config).await?;
    let result = crate::ops::checks::run_with_media(&store, &media).await;
    store.close().await;
    let report = result.context("the check could not finish")?;
    for line in &report.checked {
        println!("checked {line}");
    }
    for finding in &report.findings {
        println!("{finding}");
    }
    match report.findings.len() {
        0 => {
            println!("everything is in order");
            Ok(())
        }
        n => bail!("{n} problem{} found", if n == 1 { "" } else { "s" }),
    }
}
