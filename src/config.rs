//! Process configuration: defaults < config file < `MASTHEAD_*` environment <
//! command-line flags. Site settings (name, time zone...) live in the
//! database instead, where editors change them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::proxies::{IpRange, TrustedProxies};

/// Settings of one masthead process, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `postgres://...` for PostgreSQL; `None` for the embedded SQLite database.
    pub database_url: Option<String>,
    /// Where media files live: a folder or `s3://BUCKET/PREFIX`; `None`:
    /// `<data_dir>/media`.
    pub media_store: Option<String>,
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
    /// Which page-cache hits get an access-log line.
    pub cache_hit_log: HitLog,
    /// Reverse proxies whose `X-Forwarded-For` names the client (empty:
    /// the TCP peer is always the client).
    pub trusted_proxies: TrustedProxies,
    /// From accepting a connection to its first complete request header.
    pub header_read_timeout: Duration,
    /// How long a keep-alive connection may sit between requests.
    pub keep_alive_timeout: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_timeout: Duration,
    /// Connections open at once; `None`: derived from the open-files limit.
    pub max_connections: Option<usize>,
    /// Which special (loopback, private...) addresses outbound requests
    /// (WebSub pings, the purge webhook) may reach.
    pub outbound: crate::outbound::Policy,
    /// How readers see embeds: a click-to-load placeholder (the default:
    /// nothing is fetched from the provider until the reader asks) or the
    /// player in a sandboxed iframe.
    pub embeds: crate::text::embeds::EmbedDisplay,
    /// Where every oEmbed request goes instead of each provider's own
    /// endpoint (`http://127.0.0.1:PORT/oembed`: tests against a local
    /// server, allowed through `outbound`); not a flag.
    pub oembed_endpoint: Option<String>,
}

/// Which page-cache hits are logged: hits are answered before the request
/// log runs (that is what makes them cheap), so they are logged only as
/// asked. Written `none`, `all` or `N` (one hit in N).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HitLog {
    #[default]
    None,
    /// One hit in every N (N >= 1).
    Sampled(u64),
    All,
}

impl HitLog {
    /// Whether this hit is logged; `seen` counts hits across the process.
    pub fn take(self, seen: &std::sync::atomic::AtomicU64) -> bool {
        match self {
            HitLog::None => false,
            HitLog::All => true,
            HitLog::Sampled(n) => seen
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .is_multiple_of(n),
        }
    }
}

impl std::str::FromStr for HitLog {
    type Err = String;
    fn from_str(text: &str) -> Result<HitLog, String> {
        match text.trim() {
            "none" | "off" => Ok(HitLog::None),
            "all" => Ok(HitLog::All),
            n => match n.trim_start_matches("1/").parse::<u64>() {
                Ok(1) => Ok(HitLog::All),
                Ok(n) if n > 1 => Ok(HitLog::Sampled(n)),
                _ => Err(format!(
                    "cache hit log {text:?}: write none, all, or a number N to log one hit in N"
                )),
            },
        }
    }
}

impl<'de> Deserialize<'de> for HitLog {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<HitLog, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Seconds from connect to a complete request header, by default: enough
/// for a phone on a poor network (a header is one or two packets), short
/// enough that silent sockets do not pile up.
pub const DEFAULT_HEADER_READ_TIMEOUT: u64 = 10;
/// Seconds an idle keep-alive connection stays open, by default: longer
/// than the 60 s nginx and most CDNs keep idle upstream connections, so the
/// proxy closes first and never sends a request on a connection we close.
pub const DEFAULT_KEEP_ALIVE_TIMEOUT: u64 = 75;
/// Seconds without a byte of a request body, by default: uploads keep
/// sending, a stalled client is cut off well inside the 30 s request limit.
pub const DEFAULT_BODY_TIMEOUT: u64 = 15;

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
    pub media_store: Option<String>,
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
    pub cache_hit_log: Option<HitLog>,
    pub embeds: Option<crate::text::embeds::EmbedDisplay>,
    pub trusted_proxies: Option<Vec<IpRange>>,
    pub header_read_timeout_seconds: Option<u64>,
    pub keep_alive_timeout_seconds: Option<u64>,
    pub body_timeout_seconds: Option<u64>,
    pub max_connections: Option<usize>,
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
    /// Where media files live: a folder, or s3://BUCKET/PREFIX on any
    /// S3-compatible store (endpoint, region and credentials from
    /// AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
    /// [default: <data-dir>/media]
    #[arg(long, env = "MASTHEAD_MEDIA_STORE", global = true)]
    pub media_store: Option<String>,
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
    /// Access-log lines for page-cache hits: none, all, or N (one in N) [default: none]
    #[arg(long, env = "MASTHEAD_CACHE_HIT_LOG", global = true)]
    pub cache_hit_log: Option<HitLog>,
    /// How readers see embeds: click-to-load (a link and a button; nothing
    /// loads from the provider before the click) or frame [default: click-to-load]
    #[arg(long, env = "MASTHEAD_EMBEDS", global = true, value_enum)]
    pub embeds: Option<crate::text::embeds::EmbedDisplay>,
    /// Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed [default: none]
    #[arg(
        long,
        env = "MASTHEAD_TRUSTED_PROXIES",
        global = true,
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<IpRange>>,
    /// Seconds from connect to a complete request header [default: 10]
    #[arg(long, env = "MASTHEAD_HEADER_READ_TIMEOUT", global = true)]
    pub header_read_timeout: Option<u64>,
    /// Seconds an idle keep-alive connection stays open [default: 75]
    #[arg(long, env = "MASTHEAD_KEEP_ALIVE_TIMEOUT", global = true)]
    pub keep_alive_timeout: Option<u64>,
    /// Seconds without a byte of a request body before it is cut off [default: 15]
    #[arg(long, env = "MASTHEAD_BODY_TIMEOUT", global = true)]
    pub body_timeout: Option<u64>,
    /// Connections open at once; when full, the idlest are closed
    /// [default: 10000, or the open-files limit minus 256 if lower]
    #[arg(long, env = "MASTHEAD_MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,
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
    #[error(transparent)]
    MediaStore(#[from] crate::media::MediaStoreError),
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Seconds a stopping server waits for requests in flight by default.
pub const DEFAULT_SHUTDOWN_TIMEOUT: u64 = 10;

/// Seconds from a setting, at least one (0 would close every connection).
fn seconds(value: Option<u64>, default: u64) -> Duration {
    Duration::from_secs(value.unwrap_or(default).max(1))
}

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
        let media_store = args
            .media_store
            .clone()
            .or(file.media_store)
            .filter(|u| !u.trim().is_empty());
        if let Some(setting) = &media_store {
            crate::media::Location::parse(setting)?;
        }
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
            media_store,
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
            cache_hit_log: args
                .cache_hit_log
                .or(file.cache_hit_log)
                .unwrap_or_default(),
            embeds: args.embeds.or(file.embeds).unwrap_or_default(),
            oembed_endpoint: None,
            trusted_proxies: TrustedProxies::new(
                args.trusted_proxies
                    .clone()
                    .or(file.trusted_proxies)
                    .unwrap_or_default(),
            ),
            header_read_timeout: seconds(
                args.header_read_timeout
                    .or(file.header_read_timeout_seconds),
                DEFAULT_HEADER_READ_TIMEOUT,
            ),
            keep_alive_timeout: seconds(
                args.keep_alive_timeout.or(file.keep_alive_timeout_seconds),
                DEFAULT_KEEP_ALIVE_TIMEOUT,
            ),
            body_timeout: seconds(
                args.body_timeout.or(file.body_timeout_seconds),
                DEFAULT_BODY_TIMEOUT,
            ),
            max_connections: args
                .max_connections
                .or(file.max_connections)
                .filter(|n| *n > 0),
        })
    }

    /// The connection timeouts and cap `serve` enforces.
    pub fn connection_limits(&self) -> crate::http::connections::Limits {
        use crate::http::connections;
        connections::Limits {
            header_read: self.header_read_timeout,
            idle: self.keep_alive_timeout,
            max_connections: self.max_connections.unwrap_or_else(|| {
                connections::default_max_connections(connections::open_files_limit())
            }),
        }
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
            media_store: None,
            theme_dir: None,
            base_url: None,
            log_format: LogFormat::Text,
            page_cache: true,
            page_cache_mb: DEFAULT_PAGE_CACHE_MB,
            purge_webhook: None,
            outbound: crate::outbound::Policy::default(),
            metrics_listen: None,
            shutdown_timeout: Duration::from_secs(DEFAULT_SHUTDOWN_TIMEOUT),
            cache_hit_log: HitLog::None,
            embeds: Default::default(),
            oembed_endpoint: None,
            trusted_proxies: TrustedProxies::default(),
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_READ_TIMEOUT),
            keep_alive_timeout: Duration::from_secs(DEFAULT_KEEP_ALIVE_TIMEOUT),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT),
            max_connections: None,
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
    fn the_cache_hit_log_is_none_all_or_one_in_n() {
        use std::sync::atomic::AtomicU64;
        assert_eq!("none".parse::<HitLog>(), Ok(HitLog::None));
        assert_eq!("all".parse::<HitLog>(), Ok(HitLog::All));
        assert_eq!("100".parse::<HitLog>(), Ok(HitLog::Sampled(100)));
        assert_eq!("1/10".parse::<HitLog>(), Ok(HitLog::Sampled(10)));
        assert!("0".parse::<HitLog>().unwrap_err().contains("one hit in N"));
        assert!("often".parse::<HitLog>().is_err());
        let seen = AtomicU64::new(0);
        let logged = (0..30).filter(|_| HitLog::Sampled(10).take(&seen)).count();
        assert_eq!(logged, 3);
        assert!(!HitLog::None.take(&seen));
    }

    #[test]
    fn trusted_proxies_come_from_the_file_or_the_flag_and_bad_entries_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("masthead.toml");
        std::fs::write(&path, "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n").unwrap();
        let args = ConfigArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let config = Config::resolve(&args, None, None).unwrap();
        assert!(config.trusted_proxies.trusts("10.1.2.3".parse().unwrap()));
        assert!(!config.trusted_proxies.trusts("192.0.2.1".parse().unwrap()));
        let args = ConfigArgs {
            config: Some(path.clone()),
            trusted_proxies: Some(vec!["192.0.2.0/24".parse().unwrap()]),
            ..Default::default()
        };
        let config = Config::resolve(&args, None, None).unwrap();
        assert!(config.trusted_proxies.trusts("192.0.2.1".parse().unwrap()));
        assert!(!config.trusted_proxies.trusts("10.1.2.3".parse().unwrap()));
        assert!(
            Config::resolve(&ConfigArgs::default(), None, None)
                .unwrap()
                .trusted_proxies
                .ranges()
                .is_empty()
        );
        std::fs::write(&path, "trusted_proxies = [\"10.0.0.0/40\"]\n").unwrap();
        let args = ConfigArgs {
            config: Some(path),
            ..Default::default()
        };
        let error = Config::resolve(&args, None, None).unwrap_err().to_string();
        assert!(
            error.contains("10.0.0.0/40") && error.contains("CIDR"),
            "{error}"
        );
    }

    #[test]
    fn connection_settings_come_from_flags_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("masthead.toml");
        std::fs::write(
            &path,
            "header_read_timeout_seconds = 5\nkeep_alive_timeout_seconds = 30\nmax_connections = 500\n",
        )
        .unwrap();
        let args = ConfigArgs {
            config: Some(path),
            keep_alive_timeout: Some(90),
            body_timeout: Some(0),
            ..Default::default()
        };
        let config = Config::resolve(&args, None, None).unwrap();
        assert_eq!(config.header_read_timeout, Duration::from_secs(5));
        assert_eq!(config.keep_alive_timeout, Duration::from_secs(90));
        // 0 would close every connection at once: one second at least.
        assert_eq!(config.body_timeout, Duration::from_secs(1));
        assert_eq!(config.connection_limits().max_connections, 500);
        let defaults = Config::resolve(&ConfigArgs::default(), None, None).unwrap();
        assert_eq!(defaults.header_read_timeout, Duration::from_secs(10));
        assert_eq!(defaults.keep_alive_timeout, Duration::from_secs(75));
        assert_eq!(defaults.body_timeout, Duration::from_secs(15));
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

    #[test]
    fn embeds_are_click_to_load_unless_the_file_or_a_flag_says_frame() {
        use crate::text::embeds::EmbedDisplay;
        let dir = tempfile::tempdir().unwrap();
        let default = Config::resolve(&ConfigArgs::default(), None, None).unwrap();
        assert_eq!(default.embeds, EmbedDisplay::ClickToLoad);
        let path = dir.path().join("masthead.toml");
        std::fs::write(&path, "embeds = \"frame\"\n").unwrap();
        let args = ConfigArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        assert_eq!(
            Config::resolve(&args, None, None).unwrap().embeds,
            EmbedDisplay::Frame
        );
        let args = ConfigArgs {
            config: Some(path),
            embeds: Some(EmbedDisplay::ClickToLoad),
            ..Default::default()
        };
        assert_eq!(
            Config::resolve(&args, None, None).unwrap().embeds,
            EmbedDisplay::ClickToLoad
        );
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
}
