//! Who a request comes from, for per-client limits: the connection's peer,
//! or, when the peer is a trusted proxy, the nearest address in
//! `X-Forwarded-For` that it did not add. IPv6 clients are counted by their
//! /64 network, since one host commonly holds a whole /64.

use axum::extract::ConnectInfo;
use http::{Extensions, HeaderMap};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The client address a request is counted against; `None` when the app is
/// served without connection info (see [`serve`](crate::serve)).
///
/// ```
/// use axum::extract::ConnectInfo;
/// use http::{Extensions, HeaderMap};
/// use quickmcp_axum::layers::client_addr;
/// use std::net::{IpAddr, SocketAddr};
///
/// let proxy: IpAddr = "10.0.0.1".parse().unwrap();
/// let mut extensions = Extensions::new();
/// extensions.insert(ConnectInfo(SocketAddr::new(proxy, 4000)));
/// let mut headers = HeaderMap::new();
/// headers.insert("x-forwarded-for", "203.0.113.7, 10.0.0.1".parse().unwrap());
///
/// assert_eq!(client_addr(&headers, &extensions, &[proxy]), Some("203.0.113.7".parse().unwrap()));
/// assert_eq!(client_addr(&headers, &extensions, &[]), Some(proxy), "an untrusted peer is the client");
/// ```
pub fn client_addr(headers: &HeaderMap, extensions: &Extensions, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if !trusted_proxies.contains(&peer) {
        return Some(network(peer));
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    let client = forwarded.into_iter().rev().find(|ip| !trusted_proxies.contains(ip)).unwrap_or(peer);
    Some(network(client))
}

/// IPv4 addresses as they are (also when mapped into IPv6); IPv6 ones cut
/// to their /64 network.
fn network(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(peer: &str) -> Extensions {
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 1)));
        extensions
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let none = HeaderMap::new();
        let a = client_addr(&none, &from("2001:db8:1:2::1"), &[]);
        let b = client_addr(&none, &from("2001:db8:1:2:ffff::9"), &[]);
        let c = client_addr(&none, &from("2001:db8:1:3::1"), &[]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(client_addr(&none, &from("::ffff:192.0.2.1"), &[]), Some("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.1, 10.0.0.2".parse().unwrap());
        let proxies: Vec<IpAddr> = vec!["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()];
        let client = client_addr(&headers, &from("10.0.0.1"), &proxies);
        assert_eq!(client, Some("198.51.100.1".parse().unwrap()), "proxies it chained through are skipped");
        assert_eq!(client_addr(&headers, &Extensions::new(), &proxies), None, "no connection info, no client");
    }
}
