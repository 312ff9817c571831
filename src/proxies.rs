//! Who the client is: the trusted reverse proxies (`--trusted-proxies`, IPs
//! and CIDR ranges) and the one rule that turns a TCP peer plus its
//! `X-Forwarded-For` header into the client's address. Throttling, the
//! audit log and the request logs all use [`client_ip`], so they agree.
//!
//! `X-Forwarded-For` is written by whoever sends the request, so it is only
//! believed when the peer is a proxy the operator named: each trusted proxy
//! appends the address it received the request from, so walking the header
//! from the right and skipping trusted proxies finds the first address that
//! no trusted party vouches beyond. Anything left of it may be invented.

use std::net::IpAddr;
use std::str::FromStr;

/// One IP address or CIDR range (`10.0.0.0/8`, `2001:db8::/32`, `127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

/// Why an entry of `--trusted-proxies` is not an IP or CIDR range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an IP address or CIDR range (examples: 127.0.0.1, 10.0.0.0/8, 2001:db8::/32)"
)]
pub struct InvalidRange(pub String);

impl FromStr for IpRange {
    type Err = InvalidRange;

    fn from_str(text: &str) -> Result<IpRange, InvalidRange> {
        let invalid = || InvalidRange(text.to_owned());
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| invalid())?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(invalid)?,
            None => max,
        };
        Ok(IpRange { network, prefix })
    }
}

impl TryFrom<String> for IpRange {
    type Error = InvalidRange;
    fn try_from(text: String) -> Result<IpRange, InvalidRange> {
        text.parse()
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl IpRange {
    /// Whether `ip` lies in this range (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` is believed (empty: nobody's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    pub fn new(ranges: Vec<IpRange>) -> TrustedProxies {
        TrustedProxies(ranges)
    }

    pub fn ranges(&self) -> &[IpRange] {
        &self.0
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy;
/// then the right-most `X-Forwarded-For` entry that is not a trusted proxy.
/// A malformed entry stops the walk at the last address a trusted proxy
/// gave (the header is not believed past garbage).
pub fn client_ip<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.trusts(client) {
        return client;
    }
    // Several X-Forwarded-For headers count as one list, in order.
    let entries: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    for entry in entries.iter().rev() {
        let Ok(ip) = entry.parse::<IpAddr>() else {
            break;
        };
        client = ip.to_canonical();
        if !trusted.trusts(client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|r| r.parse().unwrap()).collect())
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_parse_and_match() {
        let range: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(range.contains(ip("10.200.3.4")));
        assert!(!range.contains(ip("11.0.0.1")));
        assert!(range.contains(ip("::ffff:10.1.1.1")));
        let single: IpRange = "127.0.0.1".parse().unwrap();
        assert!(single.contains(ip("127.0.0.1")) && !single.contains(ip("127.0.0.2")));
        let v6: IpRange = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::1")));
        let all: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "localhost", "10.0.0/8", "::/129", ""] {
            let error = bad.parse::<IpRange>().unwrap_err().to_string();
            assert!(error.contains("not an IP address or CIDR range"), "{error}");
        }
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let peer = ip("127.0.0.1");
        let got = client_ip(peer, ["203.0.113.9"], &TrustedProxies::default());
        assert_eq!(got, peer);
    }

    #[test]
    fn a_trusted_peer_hands_over_to_the_right_most_untrusted_entry() {
        let proxies = trusted(&["127.0.0.1", "10.0.0.0/8"]);
        // The client invented 198.51.100.1; the edge proxy saw 203.0.113.9.
        let got = client_ip(
            ip("127.0.0.1"),
            ["198.51.100.1, 203.0.113.9", "10.0.0.5"],
            &proxies,
        );
        assert_eq!(got, ip("203.0.113.9"));
        // No header: the proxy itself is the client.
        assert_eq!(client_ip(ip("127.0.0.1"), [], &proxies), ip("127.0.0.1"));
        // An untrusted peer's header is never read.
        assert_eq!(
            client_ip(ip("192.0.2.4"), ["203.0.113.9"], &proxies),
            ip("192.0.2.4")
        );
        // Garbage stops the walk at the last address a trusted proxy gave.
        assert_eq!(
            client_ip(ip("127.0.0.1"), ["203.0.113.9, junk, 10.0.0.7"], &proxies),
            ip("10.0.0.7")
        );
    }
}
