//! The client's address of a request, as every part of the server sees it:
//! the TCP peer, or the address behind a trusted proxy (see
//! [`crate::proxies`]). Throttling, the audit log, the request log span and
//! `/metrics`' loopback check all call this, so they never disagree.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};

use crate::proxies::{TrustedProxies, client_ip};

/// The client's IP, or `None` when the connection's peer is unknown (a
/// request built in a test without `ConnectInfo`).
pub(crate) fn request_client_ip(
    extensions: &Extensions,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok());
    Some(client_ip(peer, forwarded, trusted))
}

/// The client's address as the audit log and throttling store it.
pub(crate) fn request_client_address(
    extensions: &Extensions,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> String {
    request_client_ip(extensions, headers, trusted)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}
