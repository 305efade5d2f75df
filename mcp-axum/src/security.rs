//! Checks that protect a local server from other web pages: `Host`
//! validation against DNS rebinding and the `Origin` allow-list.

use crate::config::McpConfig;
use http::HeaderMap;
use http::header::{HOST, ORIGIN};

/// Why a request was refused (answered 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `Host` names a host that is not allowed.
    Host(String),
    /// `Origin` is not allowed.
    Origin(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Host(h) => write!(f, "Host {h:?} is not allowed"),
            Refusal::Origin(o) => write!(f, "Origin {o:?} is not allowed"),
        }
    }
}

/// Checks `Host` and `Origin` (a request without `Origin`, from a non-browser
/// client, passes the origin check).
pub fn check(headers: &HeaderMap, config: &McpConfig) -> Result<(), Refusal> {
    if let Some(host) = headers.get(HOST) {
        let host = host.to_str().unwrap_or("");
        if !host_allowed(host, &config.allowed_hosts) {
            return Err(Refusal::Host(host.to_owned()));
        }
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !origin_allowed(origin, &config.allowed_origins) {
            return Err(Refusal::Origin(origin.to_owned()));
        }
    }
    Ok(())
}

fn strip_port(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split_once(']').map_or(authority, |(h, _)| &authority[..h.len() + 2]);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = strip_port(host);
    allowed.iter().any(|a| a == "*" || a.eq_ignore_ascii_case(name))
}

fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    // Compare scheme://host, ignoring the port (local dev servers move).
    let without_port = match origin.split_once("://") {
        Some((scheme, authority)) => format!("{scheme}://{}", strip_port(authority)),
        None => return allowed.iter().any(|a| a == "*"),
    };
    allowed.iter().any(|a| a == "*" || a.eq_ignore_ascii_case(origin) || a.eq_ignore_ascii_case(&without_port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn localhost_passes_and_rebinding_fails() {
        let c = McpConfig::default();
        assert!(check(&headers(&[("host", "127.0.0.1:8000")]), &c).is_ok());
        assert!(check(&headers(&[("host", "localhost:3000"), ("origin", "http://localhost:5173")]), &c).is_ok());
        assert!(check(&headers(&[("host", "[::1]:8000")]), &c).is_ok());
        assert_eq!(
            check(&headers(&[("host", "evil.example:8000")]), &c),
            Err(Refusal::Host("evil.example:8000".into()))
        );
        assert!(matches!(
            check(&headers(&[("host", "localhost"), ("origin", "https://evil.example")]), &c),
            Err(Refusal::Origin(_))
        ));
        let open = McpConfig { allowed_hosts: vec!["*".into()], allowed_origins: vec!["*".into()], ..c };
        assert!(check(&headers(&[("host", "api.example"), ("origin", "https://x.example")]), &open).is_ok());
    }
}
