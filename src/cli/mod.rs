//! The command line: `serve`, `init`, `import` and `migrate`.

mod api_tokens;
#[cfg(feature = "bench")]
mod bench;
mod import;
mod import_drupal7;
mod lock;
mod ops;
mod serve;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigArgs, LogFormat};
use crate::storage::Store;

/// masthead: a news publishing platform.
#[derive(Debug, Parser)]
#[command(name = "masthead", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site; a first start on an empty database creates the demo newsroom.
    Serve(ServeArgs),
    /// Create the site's database and settings without serving.
    Init(InitArgs),
    /// Import content.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage personal tokens for the write API.
    #[command(subcommand)]
    ApiToken(api_tokens::ApiTokenCommand),
    /// Write a consistent backup (database + media, with checksums) while the site serves.
    Backup {
        /// The archive to write (a tar file).
        file: PathBuf,
    },
    /// Restore a backup into an empty data folder or database.
    Restore {
        /// The archive written by `masthead backup`.
        file: PathBuf,
        /// Replace the site that is there.
        #[arg(long)]
        force: bool,
    },
    /// Check the database, media files and derived data; exits non-zero when something is wrong.
    Check,
    /// Benchmark helpers (see bench/README.md); only in a build with
    /// `--features bench`.
    #[cfg(feature = "bench")]
    #[command(subcommand, hide = true)]
    Bench(BenchCommand),
}

#[cfg(feature = "bench")]
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Bulk-load realistic stories across eight sections.
    Generate {
        #[arg(long, default_value_t = 1000)]
        stories: usize,
        /// A word list (one word a line, such as Debian's
        /// /usr/share/dict/words): bodies are written in its words with
        /// Zipf-distributed frequencies, as real text is. Without it, a
        /// small built-in vocabulary.
        #[arg(long)]
        words: Option<PathBuf>,
    },
    /// Time from publishing a story until the pages served at TARGET show it.
    Publish {
        /// host:port of the masthead serving this database.
        #[arg(long)]
        target: String,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "MASTHEAD_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Public base URL of the site (for canonical links) [default: http://LISTEN]
    #[arg(long, env = "MASTHEAD_BASE_URL")]
    pub base_url: Option<String>,
    /// Start with an empty site instead of the demo newsroom.
    #[arg(long)]
    pub no_demo: bool,
    /// Render every request (same as MASTHEAD_PAGE_CACHE=off).
    #[arg(long)]
    pub no_page_cache: bool,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Public base URL of the site [default: http://127.0.0.1:8080]
    #[arg(long, env = "MASTHEAD_BASE_URL")]
    pub base_url: Option<String>,
    /// Also import the demo newsroom.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a WordPress export (WXR 1.0-1.2: Tools > Export in WordPress):
    /// posts, authors, categories, tags, comments and attachments. Run it
    /// again to update what changed; an interrupted run goes on where it
    /// stopped.
    Wordpress {
        /// The export file.
        file: PathBuf,
        /// The site's wp-content/uploads folder, where attachments' files are.
        #[arg(long)]
        uploads: Option<PathBuf>,
        /// Download an attachment that is not in the uploads folder from its
        /// URL (http and https only; loopback and private addresses only with
        /// --outbound-allow-private or --outbound-allow; at most 20 MiB).
        #[arg(long)]
        fetch_media: bool,
        /// Read and check everything, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also write the report to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Import a Drupal 7 site from its MySQL/MariaDB database: nodes with
    /// every revision, users (their passwords keep working), taxonomy,
    /// comments, images, aliases and redirects. Run it again to update what
    /// changed; an interrupted run goes on where it stopped.
    Drupal7 {
        /// The Drupal database, as mysql://USER:PASSWORD@HOST:PORT/DATABASE (the password and port may be left out).
        #[arg(long)]
        source: String,
        /// The site's sites/default/files folder, where its images are.
        #[arg(long)]
        files: Option<PathBuf>,
        /// The vocabulary whose terms become sections (detected when not given).
        #[arg(long)]
        section_vocabulary: Option<String>,
        /// Keep each story's Drupal address (its alias) as its address,
        /// instead of its section address (the old address then answers 301).
        #[arg(long)]
        keep_paths: bool,
        /// Read and check everything, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also write the report to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Import pages in the seed's text format (headline, body, "Last update:", "More from SECTION").
    Text {
        /// Files to import; all are checked before anything is stored.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let (listen, base_url) = match &cli.command {
        Command::Serve(args) => (args.listen, args.base_url.clone()),
        Command::Init(args) => (None, args.base_url.clone()),
        _ => (None, None),
    };
    let mut config = Config::resolve(&cli.config, listen, base_url)?;
    if matches!(&cli.command, Command::Serve(args) if args.no_page_cache) {
        config.page_cache = false;
    }
    init_logging(config.log_format);
    match cli.command {
        Command::Serve(args) => serve::run(config, args.no_demo).await,
        Command::Init(args) => {
            let store = open(&config).await?;
            serve::ensure_site(&store, &config, args.demo).await?;
            store.close().await;
            Ok(())
        }
        Command::Import(ImportCommand::Text { files }) => import::text(&config, &files).await,
        Command::Import(ImportCommand::Drupal7 {
            source,
            files,
            section_vocabulary,
            keep_paths,
            dry_run,
            report,
        }) => {
            let options = crate::imports::drupal7::Options {
                source,
                files,
                section_vocabulary,
                dry_run,
                show_progress: true,
                keep_paths,
            };
            import_drupal7::run(&config, options, report).await
        }
        Command::Import(ImportCommand::Wordpress {
            file,
            uploads,
            fetch_media,
            dry_run,
            report,
        }) => {
            let options = import::WordPressArgs {
                file,
                uploads,
                fetch_media,
                dry_run,
                report,
            };
            import::wordpress(&config, options).await
        }
        #[cfg(feature = "bench")]
        Command::Bench(BenchCommand::Generate { stories, words }) => {
            bench::generate(&config, stories, words.as_deref()).await
        }
        #[cfg(feature = "bench")]
        Command::Bench(BenchCommand::Publish { target, runs }) => {
            bench::publish(&config, &target, runs).await
        }
        Command::User(command) => users::run(&config, command).await,
        Command::ApiToken(command) => api_tokens::run(&config, command).await,
        Command::Migrate => {
            open(&config).await?.close().await;
            println!("migrations applied");
            Ok(())
        }
        Command::Backup { file } => ops::backup(&config, &file).await,
        Command::Restore { file, force } => ops::restore(&config, &file, force).await,
        Command::Check => ops::check(&config).await,
    }
}

/// An error in what the user gave (a file that cannot be imported): the
/// binary prints it on one line and exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Opens the configured media store (`--media-store`) and checks that it
/// answers: a bucket that cannot be reached or refuses the credentials
/// stops the command here, with the store's own reason.
pub(super) async fn media_store(config: &Config) -> anyhow::Result<crate::media::MediaFiles> {
    let media = crate::media::MediaFiles::open(config.media_store.as_deref(), &config.data_dir)?;
    media
        .probe()
        .await
        .with_context(|| format!("cannot reach the media store {}", media.describe()))?;
    Ok(media)
}

/// Opens the configured database (creating the data folder for SQLite) and
/// applies migrations.
pub async fn open(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data folder {}",
                config.data_dir.display()
            )
        })?;
    }
    let store = Store::open(config.database_url.as_deref(), &config.data_dir)
        .await
        .context("cannot open the database")?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    // Stories saved before people existed: their bylines become people.
    let filed = crate::people::file_old_bylines(&store)
        .await
        .context("cannot file the stories' bylines under people")?;
    if filed > 0 {
        tracing::info!(stories = filed, "bylines filed under people");
    }
    Ok(store)
}

/// The database a `--dry-run` import reads, opened so that nothing is
/// written to the configured one: never migrated, never created. A SQLite
/// database that does not exist yet, or that this masthead would first
/// migrate, is replaced by a temporary copy (`VACUUM INTO`, then migrated),
/// removed when the run ends; a PostgreSQL database must already be
/// migrated (a dry run refuses to change its schema). The importers write
/// nothing in a dry run; this makes sure opening does not either.
pub(crate) struct DryRunDatabase {
    pub(crate) store: Store,
    /// The temporary folder of a copy, removed by [`DryRunDatabase::close`].
    temporary: Option<PathBuf>,
}

impl DryRunDatabase {
    pub(crate) async fn open(config: &Config) -> anyhow::Result<DryRunDatabase> {
        let temporary_dir = || {
            let dir = std::env::temp_dir().join(format!(
                "masthead-dry-run-{}-{}",
                std::process::id(),
                jiff::Timestamp::now().as_nanosecond()
            ));
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            anyhow::Ok(dir)
        };
        let migrated_copy = async |from: Option<&Store>| {
            let dir = temporary_dir()?;
            if let Some(from) = from {
                from.sqlite_snapshot(&dir.join("masthead.db"))
                    .await
                    .context("cannot copy the database for the dry run")?;
                from.close().await;
            }
            let store = Store::open_sqlite(&dir)
                .await
                .context("cannot open the dry run's copy of the database")?;
            store
                .migrate()
                .await
                .context("cannot migrate the dry run's copy of the database")?;
            anyhow::Ok(DryRunDatabase {
                store,
                temporary: Some(dir),
            })
        };
        match config.database_url.as_deref() {
            None if !config.data_dir.join("masthead.db").exists() => migrated_copy(None).await,
            url => {
                let store = Store::open(url, &config.data_dir)
                    .await
                    .context("cannot open the database")?;
                // A database never migrated has no migrations table: 0.
                let applied = store.applied_migration_version().await.unwrap_or(0);
                if applied >= store.known_migration_version() {
                    return Ok(DryRunDatabase {
                        store,
                        temporary: None,
                    });
                }
                if url.is_none() {
                    return migrated_copy(Some(&store)).await;
                }
                store.close().await;
                Err(BadInput(format!(
                    "--dry-run: the database is not migrated to this version of masthead \
                     (applied {applied}, this version has {}), and a dry run changes nothing; \
                     run `masthead migrate` first",
                    store.known_migration_version()
                ))
                .into())
            }
        }
    }

    /// Closes the database and removes a temporary copy.
    pub(crate) async fn close(self) {
        self.store.close().await;
        if let Some(dir) = self.temporary {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colours only on a terminal: a log file or journald gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[cfg(not(feature = "bench"))]
    #[test]
    fn the_default_build_has_no_bench_command() {
        let error = Cli::try_parse_from(["masthead", "bench", "generate"])
            .expect_err("bench loads stories without revisions or events");
        assert_eq!(error.kind(), clap::error::ErrorKind::InvalidSubcommand);
    }

    #[cfg(feature = "bench")]
    #[test]
    fn a_bench_build_has_the_bench_command() {
        assert!(Cli::try_parse_from(["masthead", "bench", "generate"]).is_ok());
    }

    #[test]
    fn serve_takes_listen_and_no_demo() {
        let cli =
            Cli::try_parse_from(["masthead", "serve", "--listen", "0.0.0.0:9000", "--no-demo"])
                .unwrap();
        match cli.command {
            Command::Serve(args) => {
                assert_eq!(args.listen.unwrap().to_string(), "0.0.0.0:9000");
                assert!(args.no_demo);
            }
            other => panic!("parsed as {other:?}"),
        }
    }
}
