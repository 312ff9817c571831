//! Process configuration: defaults < config file < `MASTHEAD_*` environment <
//! command-line flags. Site settings (name, time zone...) live in the
//! database instead, where editors change them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Settings of one masthead process, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `postgres://...` for PostgreSQL; `None` for the embedded SQLite database.
    pub database_url: Option<String>,
    /// A folder whose templates override the embedded theme.
    pub theme_dir: Option<PathBuf>,
    /// The public address of the site, used in canonical links and feeds.
    pub base_url: Option<String>,
    pub log_format: LogFormat,
    /// A separate address serving only `/metrics` (and health); without it,
    /// `/metrics` answers only direct loopback requests on `listen`.
    pub metrics_listen: Option<SocketAddr>,
    /// How long a stopping server waits for requests in flight.
    pub shutdown_timeout: Duration,
    /// Serve public pages from the page cache (off: render every request).
    pub page_cache: bool,
    /// Memory budget of the page cache, in MiB.
    pub page_cache_mb: usize,
    /// `http://...` called with the purged tags after every change.
    pub purge_webhook: Option<String>,
    /// Which special (loopback, private...) addresses outbound requests
    /// (WebSub pings, the purge webhook) may reach.
    pub outbound: crate::outbound::Policy,
}

/// Default memory budget of the page cache, in MiB.
pub const DEFAULT_PAGE_CACHE_MB: usize = 256;

/// A switch given as `on`/`off` in the environment or config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Switch {
    On,
    Off,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Text,
    /// One JSON object per line, for a log shipper.
    Json,
}

/// The optional TOML config file: the same settings as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub theme_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub log_format: Option<LogFormat>,
    pub page_cache: Option<Switch>,
    pub page_cache_mb: Option<usize>,
    pub purge_webhook: Option<String>,
    pub outbound_allow_private: Option<bool>,
    pub outbound_allow: Option<Vec<String>>,
    pub metrics_listen: Option<SocketAddr>,
    pub shutdown_timeout_seconds: Option<u64>,
}

/// Settings given as flags or environment variables (clap reads both).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ConfigArgs {
    /// Config file (TOML) with any of the settings below.
    #[arg(long, env = "MASTHEAD_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Folder for the SQLite database and media [default: ./masthead-data]
    #[arg(long, env = "MASTHEAD_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://...); without it, SQLite in the data folder.
    #[arg(
        long,
        env = "MASTHEAD_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Folder of templates that override the default theme.
    #[arg(long, env = "MASTHEAD_THEME_DIR", global = true)]
    pub theme_dir: Option<PathBuf>,
    /// Log format [default: text]
    #[arg(long, env = "MASTHEAD_LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Page cache of public pages [default: on]
    #[arg(long, env = "MASTHEAD_PAGE_CACHE", global = true, value_enum)]
    pub page_cache: Option<Switch>,
    /// Memory budget of the page cache in MiB [default: 256]
    #[arg(long, env = "MASTHEAD_PAGE_CACHE_MB", global = true)]
    pub page_cache_mb: Option<usize>,
    /// URL (http://...) POSTed {"tags": [...]} after every change, for CDN purges.
    #[arg(long, env = "MASTHEAD_PURGE_WEBHOOK", global = true)]
    pub purge_webhook: Option<String>,
    /// Let outbound requests (WebSub hub, purge webhook) reach loopback,
    /// private and other special addresses (a development machine).
    #[arg(long, env = "MASTHEAD_OUTBOUND_ALLOW_PRIVATE", global = true)]
    pub outbound_allow_private: bool,
    /// Hosts, addresses or CIDR ranges outbound requests may reach although
    /// special (e.g. relay.internal,10.0.0.0/8); comma-separated.
    #[arg(
        long,
        env = "MASTHEAD_OUTBOUND_ALLOW",
        global = true,
        value_delimiter = ','
    )]
    pub outbound_allow: Vec<String>,
    /// Serve /metrics on this separate address (e.g. 127.0.0.1:9100).
    #[arg(long, env = "MASTHEAD_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,
    /// Seconds a stopping server waits for requests in flight [default: 10]
    #[arg(long, env = "MASTHEAD_SHUTDOWN_TIMEOUT", global = true)]
    pub shutdown_timeout: Option<u64>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("outbound allow list: {0}")]
    OutboundAllow(String),
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Seconds a stopping server waits for requests in flight by default.
pub const DEFAULT_SHUTDOWN_TIMEOUT: u64 = 10;

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.display().to_string(),
            source,
        })
    }
}

impl Config {
    /// Resolves flags/env over the config file over defaults.
    pub fn resolve(
        args: &ConfigArgs,
        listen: Option<SocketAddr>,
        base_url: Option<String>,
    ) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(path) => ConfigFile::load(path)?,
            None => ConfigFile::default(),
        };
        let outbound = crate::outbound::Policy::parse(
            args.outbound_allow_private || file.outbound_allow_private == Some(true),
            if args.outbound_allow.is_empty() {
                file.outbound_allow.as_deref().unwrap_or_default()
            } else {
                &args.outbound_allow
            },
        )
        .map_err(ConfigError::OutboundAllow)?;
        Ok(Config {
            listen: listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("default address")),
            data_dir: args
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("masthead-data")),
            database_url: args
                .database_url
                .clone()
                .or(file.database_url)
                .filter(|u| !u.is_empty()),
            theme_dir: args.theme_dir.clone().or(file.theme_dir),
            base_url: base_url.or(file.base_url),
            log_format: args
                .log_format
                .or(file.log_format)
                .unwrap_or(LogFormat::Text),
            page_cache: args.page_cache.or(file.page_cache) != Some(Switch::Off),
            page_cache_mb: args
                .page_cache_mb
                .or(file.page_cache_mb)
                .unwrap_or(DEFAULT_PAGE_CACHE_MB),
            purge_webhook: args
                .purge_webhook
                .clone()
                .or(file.purge_webhook)
                .filter(|u| !u.is_empty()),
            outbound,
            metrics_listen: args.metrics_listen.or(file.metrics_listen),
            shutdown_timeout: Duration::from_secs(
                args.shutdown_timeout
                    .or(file.shutdown_timeout_seconds)
                    .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT),
            ),
        })
    }

    /// The public base URL: the configured one, or the listen address.
    pub fn public_base_url(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// A configuration for tests and tools: SQLite in `data_dir`.
    pub fn for_data_dir(data_dir: &Path) -> Config {
        Config {
            listen: DEFAULT_LISTEN.parse().expect("default address"),
            data_dir: data_dir.to_owned(),
            database_url: None,
            theme_dir: None,
            base_url: None,
            log_format: LogFormat::Text,
            page_cache: true,
            page_cache_mb: DEFAULT_PAGE_CACHE_MB,
            purge_webhook: None,
            outbound: crate::outbound::Policy::default(),
            metrics_listen: None,
            shutdown_timeout: Duration::from_secs(DEFAULT_SHUTDOWN_TIMEOUT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("masthead.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/news\"\nlog_format = \"json\"\n",
        )
        .unwrap();
        let args = ConfigArgs {
            config: Some(path),
            data_dir: Some("/flag".into()),
            ..Default::default()
        };
        let config = Config::resolve(&args, None, None).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(config.data_dir, PathBuf::from("/flag"));
        assert_eq!(config.log_format, LogFormat::Json);
        let config = Config::resolve(&ConfigArgs::default(), None, None).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.data_dir, PathBuf::from("masthead-data"));
    }

    #[test]
    fn the_outbound_allow_list_comes_from_the_file_and_a_bad_range_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("masthead.toml");
        std::fs::write(
            &path,
            "outbound_allow = [\"relay.internal\", \"10.0.0.0/8\"]\n",
        )
        .unwrap();
        let args = ConfigArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let config = Config::resolve(&args, None, None).unwrap();
        assert_eq!(config.outbound.hosts, vec!["relay.internal"]);
        assert_eq!(config.outbound.nets.len(), 1);
        assert!(!config.outbound.allow_private);
        let args = ConfigArgs {
            config: Some(path),
            outbound_allow: vec!["10.0.0.0/40".into()],
            ..Default::default()
        };
        let error = Config::resolve(&args, None, None).unwrap_err().to_string();
        assert!(error.contains("10.0.0.0/40"), "{error}");
    }

    #[test]
    fn an_unknown_setting_in_the_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("masthead.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        let args = ConfigArgs {
            config: Some(path),
            ..Default::default()
        };
        let error = Config::resolve(&args, None, None).unwrap_err().to_string();
        assert!(error.contains("lisen"), "{error}");
    }
}
