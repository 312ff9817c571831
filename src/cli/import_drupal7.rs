//! `masthead import drupal7 --source mysql://USER@HOST/DB [--files DIR]
//! [--section-vocabulary NAME] [--dry-run] [--report FILE]`.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::Config;
use crate::imports::drupal7::{self, ImportFailure, Options};

pub(super) async fn run(
    config: &Config,
    options: Options,
    report: Option<PathBuf>,
) -> anyhow::Result<()> {
    if let Some(dir) = &options.files
        && !dir.is_dir()
    {
        return Err(super::BadInput(format!("--files {}: not a folder", dir.display())).into());
    }
    // A dry run opens the database without migrating it (or a temporary
    // copy, see `DryRunDatabase`).
    let (store, dry) = if options.dry_run {
        let dry = super::DryRunDatabase::open(config).await?;
        (dry.store.clone(), Some(dry))
    } else {
        (super::open(config).await?, None)
    };
    let now = jiff::Timestamp::now().as_second();
    let media = super::media_store(config).await?;
    let result = drupal7::import(&store, &media, &options, now).await;
    match dry {
        Some(dry) => dry.close().await,
        None => store.close().await,
    }
    let done = match result {
        Ok(done) => done,
        Err(ImportFailure::Source(e)) => return Err(super::BadInput(e.to_string()).into()),
        Err(e @ ImportFailure::NoSuchVocabulary(_)) => {
            return Err(super::BadInput(e.to_string()).into());
        }
        Err(e) => return Err(e.into()),
    };
    print!("{done}");
    if let Some(path) = &report {
        done.write_to(path)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    Ok(())
}
