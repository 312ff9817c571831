//! The one HTTP client for everything masthead fetches or calls out to
//! (WebSub pings, the purge webhook, later oEmbed and media downloads).
//!
//! An address an editor or an imported page can type must not let anyone
//! reach the machines behind the site (the cloud metadata service, the
//! database, an admin port on loopback), so every request goes through
//! [`Outbound`], which:
//!
//! - speaks https with rustls and a bundled root store (the same trust on
//!   every host, no system certificate folder needed);
//! - refuses loopback, private, link-local, unspecified, multicast,
//!   documentation and other special addresses, IPv4 and IPv6 (IPv4-mapped
//!   and NAT64 addresses are judged by the IPv4 address inside), unless
//!   `--outbound-allow-private` or `--outbound-allow` allows them. The check
//!   runs on the addresses DNS answers at connect time (a resolver that
//!   filters them), so a name that resolves to a public address when typed
//!   and a private one when fetched (DNS rebinding) is still refused;
//! - re-checks every redirect (at most [`MAX_REDIRECTS`], http or https only);
//! - caps connect and total time and the size of the answer it reads.

use std::error::Error as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Redirects followed before a fetch gives up.
pub const MAX_REDIRECTS: usize = 5;
/// Time to open a connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for a whole exchange, answer included.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);

/// Which special addresses outbound requests may reach anyway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Every address is allowed (a development machine, a test).
    pub allow_private: bool,
    /// Host names (exact, any case) allowed whatever they resolve to.
    pub hosts: Vec<String>,
    /// Address ranges allowed although special (`10.0.0.0/8`, `::1/128`).
    pub nets: Vec<IpNet>,
}

impl Policy {
    /// Parses the `--outbound-allow` list: host names, addresses and CIDR
    /// ranges, separated by commas or spaces.
    pub fn parse(allow_private: bool, list: &[String]) -> Result<Policy, String> {
        let mut policy = Policy {
            allow_private,
            ..Policy::default()
        };
        for entry in list
            .iter()
            .flat_map(|item| item.split([',', ' ']))
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let bare = entry.trim_start_matches('[').trim_end_matches(']');
            if let Ok(net) = bare.parse::<IpNet>() {
                policy.nets.push(net);
            } else if let Ok(ip) = bare.parse::<IpAddr>() {
                policy.nets.push(IpNet::from(ip));
            } else if entry.contains('/') || entry.contains(':') {
                return Err(format!(
                    "{entry:?} in the outbound allow list is neither a host name, an address nor a CIDR range like 10.0.0.0/8"
                ));
            } else {
                policy.hosts.push(entry.to_ascii_lowercase());
            }
        }
        Ok(policy)
    }

    fn host_allowed(&self, host: &str) -> bool {
        self.allow_private || self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Why `ip` may not be reached, or `None` when it may.
    pub fn refusal(&self, ip: IpAddr) -> Option<Blocked> {
        if self.allow_private {
            return None;
        }
        let class = special(ip)?;
        let unmapped = canonical(ip);
        if self
            .nets
            .iter()
            .any(|net| net.contains(&ip) || net.contains(&unmapped))
        {
            return None;
        }
        Some(Blocked { ip, class })
    }
}

/// An address the policy refuses, and what kind of address it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{ip} is {class}; set --outbound-allow-private (or list it in --outbound-allow) to allow it"
)]
pub struct Blocked {
    pub ip: IpAddr,
    pub class: &'static str,
}

/// A redirect to a scheme other than http or https.
#[derive(Debug, thiserror::Error)]
#[error("it redirects to {0}, which is not an http:// or https:// address")]
struct BadScheme(String);

/// More redirects than [`MAX_REDIRECTS`].
#[derive(Debug, thiserror::Error)]
#[error("it redirects more than {MAX_REDIRECTS} times")]
struct TooManyRedirects;

/// A name that resolves to no address at all.
#[derive(Debug, thiserror::Error)]
#[error("{0} has no address")]
struct NoAddress(String);

/// IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) addresses
/// reach the IPv4 address inside: judge that one.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            ip
        }
        IpAddr::V4(_) => ip,
    }
}

/// What kind of special address `ip` is, or `None` for a public one.
pub fn special(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, ..) => "an unspecified address",
        (127, ..) => "a loopback address",
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => "a private address",
        (100, 64..=127, _) => "a shared (carrier-grade NAT) address",
        (169, 254, _) => "a link-local address",
        (192, 0, 0) => "an IETF protocol address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address",
        (224..=239, ..) => "a multicast address",
        (240..=255, ..) => "a reserved or broadcast address",
        _ => return None,
    })
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    Some(if ip.is_unspecified() {
        "an unspecified address"
    } else if ip.is_loopback() {
        "a loopback address"
    } else if s[0] & 0xff00 == 0xff00 {
        "a multicast address"
    } else if s[0] & 0xffc0 == 0xfe80 || s[0] & 0xffc0 == 0xfec0 {
        "a link-local address"
    } else if s[0] & 0xfe00 == 0xfc00 {
        "a private (unique local) address"
    } else if (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && s[1] & 0xf000 == 0) {
        "a documentation address"
    } else if s[..4] == [0x100, 0, 0, 0] {
        "a discard address"
    } else if s[..6] == [0, 0, 0, 0, 0, 0] {
        // The deprecated IPv4-compatible form `::a.b.c.d`.
        "a reserved address"
    } else {
        return None;
    })
}

/// Resolves names with the system resolver and keeps only the addresses
/// the policy allows, at connect time, for every hop.
struct GuardedResolver {
    policy: Arc<Policy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if policy.host_allowed(&host) {
                return Ok(Box::new(found.into_iter()) as Addrs);
            }
            let mut first_refusal = None;
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|addr| match policy.refusal(addr.ip()) {
                    None => true,
                    Some(blocked) => {
                        first_refusal.get_or_insert(blocked);
                        false
                    }
                })
                .collect();
            match (allowed.is_empty(), first_refusal) {
                (true, Some(blocked)) => Err(blocked.into()),
                (true, None) => Err(NoAddress(host).into()),
                (false, _) => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

/// Checks what can be checked before connecting: the scheme, and a host
/// written as an address (those never reach the resolver).
fn check_url(policy: &Policy, url: &Url) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Box::new(BadScheme(url.to_string())));
    }
    let host = url.host_str().unwrap_or("");
    let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    else {
        return Ok(());
    };
    match policy.refusal(ip) {
        Some(blocked) => Err(Box::new(blocked)),
        None => Ok(()),
    }
}

/// Why an outbound request failed. Every message names the address.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("refused to fetch {url}: {reason}")]
    Refused { url: String, reason: String },
    #[error("{url} answered more than {limit} bytes; stopped reading (the limit is {limit})")]
    TooLarge { url: String, limit: usize },
    #[error("{url} did not answer within {seconds} seconds")]
    Timeout { url: String, seconds: u64 },
    #[error("could not fetch {url}: {reason}")]
    Failed { url: String, reason: String },
}

/// A complete answer, its body read up to the caller's limit.
#[derive(Debug)]
pub struct Reply {
    pub status: reqwest::StatusCode,
    /// Where the answer came from, after redirects.
    pub url: Url,
    pub body: Bytes,
}

/// The guarded client. Cheap to clone (one connection pool).
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    policy: Arc<Policy>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("policy", &self.policy)
            .finish()
    }
}

/// Makes ring the process's TLS provider, once. reqwest is built without a
/// provider of its own (so aws-lc is not compiled), and panics when a
/// plain `reqwest::Client` is built before one is installed; the outbound
/// client passes its own TLS config, but tests and tools that build plain
/// clients call this first.
pub fn install_tls_provider() {
    // Err only means a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// TLS with rustls on ring and the bundled Mozilla roots.
fn tls_config() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

impl Outbound {
    /// A client that applies `policy` to every request and redirect.
    pub fn new(policy: Policy) -> Outbound {
        install_tls_provider();
        let policy = Arc::new(policy);
        let redirects = {
            let policy = policy.clone();
            reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    return attempt.error(TooManyRedirects);
                }
                match check_url(&policy, attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(error) => attempt.error(error),
                }
            })
        };
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config())
            .dns_resolver(Arc::new(GuardedResolver {
                policy: policy.clone(),
            }))
            .redirect(redirects)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .user_agent(concat!("masthead/", env!("CARGO_PKG_VERSION")))
            .build()
            // Only a TLS backend reqwest does not know or a broken system
            // could fail here; both are build mistakes, not runtime input.
            .expect("the outbound HTTP client builds with the bundled TLS setup");
        Outbound { client, policy }
    }

    /// The policy this client applies.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// A POST to `url`, to finish with [`Outbound::send`].
    pub fn post(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.post(url)
    }

    /// A GET of `url`, to finish with [`Outbound::send`].
    pub fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.get(url)
    }

    /// Sends the request and reads at most `limit` bytes of the answer.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
        limit: usize,
    ) -> Result<Reply, OutboundError> {
        let request = request.build().map_err(|e| OutboundError::Failed {
            url: e.url().map(Url::to_string).unwrap_or_default(),
            reason: chain(&e),
        })?;
        let url = request.url().to_string();
        if let Err(reason) = check_url(&self.policy, request.url()) {
            return Err(OutboundError::Refused {
                url,
                reason: reason.to_string(),
            });
        }
        let mut response = self
            .client
            .execute(request)
            .await
            .map_err(|e| explain(&url, e))?;
        let status = response.status();
        let final_url = response.url().clone();
        if status.is_redirection()
            && let Some(location) = response.headers().get(reqwest::header::LOCATION)
        {
            // reqwest hands back, unfollowed, a redirect to a scheme it
            // cannot fetch (file:, ftp:...): say so instead of a bare 3xx.
            return Err(OutboundError::Refused {
                url: final_url.to_string(),
                reason: BadScheme(String::from_utf8_lossy(location.as_bytes()).into_owned())
                    .to_string(),
            });
        }
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(OutboundError::TooLarge { url, limit });
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| explain(&url, e))? {
            if body.len() + chunk.len() > limit {
                return Err(OutboundError::TooLarge { url, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            url: final_url,
            body: body.freeze(),
        })
    }
}

/// The error's causes, outermost first, each once (reqwest's own message
/// says only "error sending request").
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// Turns reqwest's error into one that says what was refused and why.
fn explain(url: &str, error: reqwest::Error) -> OutboundError {
    // A redirect hop names its own address.
    let url = error
        .url()
        .map(Url::to_string)
        .unwrap_or_else(|| url.to_owned());
    if error.is_timeout() {
        return OutboundError::Timeout {
            url,
            seconds: TOTAL_TIMEOUT.as_secs(),
        };
    }
    let mut next = error.source();
    while let Some(cause) = next {
        // The resolver's error reaches here inside an io::Error, whose
        // `source()` skips the error it wraps: look inside it too.
        let inner = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|e| e as &(dyn std::error::Error + 'static));
        for candidate in [Some(cause), inner].into_iter().flatten() {
            if candidate.is::<Blocked>()
                || candidate.is::<BadScheme>()
                || candidate.is::<TooManyRedirects>()
            {
                return OutboundError::Refused {
                    url,
                    reason: candidate.to_string(),
                };
            }
        }
        next = cause.source();
    }
    OutboundError::Failed {
        url,
        reason: chain(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn special_addresses_are_named_and_public_ones_pass() {
        for (addr, class) in [
            ("127.0.0.1", "a loopback address"),
            ("10.0.0.5", "a private address"),
            ("172.31.255.1", "a private address"),
            ("192.168.1.1", "a private address"),
            ("169.254.169.254", "a link-local address"),
            ("0.0.0.0", "an unspecified address"),
            ("224.0.0.1", "a multicast address"),
            ("192.0.2.7", "a documentation address"),
            ("100.64.0.1", "a shared (carrier-grade NAT) address"),
            ("255.255.255.255", "a reserved or broadcast address"),
            ("::1", "a loopback address"),
            ("::", "an unspecified address"),
            ("fe80::1", "a link-local address"),
            ("fd00::1", "a private (unique local) address"),
            ("ff02::1", "a multicast address"),
            ("2001:db8::1", "a documentation address"),
            ("::ffff:10.0.0.5", "a private address"),
            ("::ffff:127.0.0.1", "a loopback address"),
            ("64:ff9b::a9fe:a9fe", "a link-local address"),
        ] {
            assert_eq!(special(ip(addr)), Some(class), "{addr}");
        }
        for addr in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(special(ip(addr)), None, "{addr}");
        }
    }

    #[test]
    fn the_allow_list_takes_hosts_addresses_and_ranges() {
        let policy = Policy::parse(
            false,
            &["hub.internal, 10.0.0.0/8".into(), "::1 [fd00::7]".into()],
        )
        .unwrap();
        assert_eq!(policy.hosts, vec!["hub.internal"]);
        assert_eq!(policy.refusal(ip("10.1.2.3")), None);
        assert_eq!(policy.refusal(ip("::ffff:10.1.2.3")), None);
        assert_eq!(policy.refusal(ip("::1")), None);
        assert_eq!(policy.refusal(ip("fd00::7")), None);
        assert!(policy.refusal(ip("127.0.0.1")).is_some());
        assert!(policy.host_allowed("HUB.internal"));
        assert!(!policy.host_allowed("other.internal"));
        let error = Policy::parse(false, &["10.0.0.0/99".into()]).unwrap_err();
        assert!(error.contains("10.0.0.0/99"), "{error}");
    }

    #[test]
    fn a_refusal_says_how_to_allow_it() {
        let blocked = Policy::default().refusal(ip("10.0.0.5")).unwrap();
        assert_eq!(
            blocked.to_string(),
            "10.0.0.5 is a private address; set --outbound-allow-private (or list it in --outbound-allow) to allow it"
        );
    }
}
