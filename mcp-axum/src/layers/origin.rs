//! Checks that protect a local server from other web pages: `Host`
//! validation against DNS rebinding and the `Origin` allow-list.

use super::RequestCheck;
use crate::config::McpConfig;
use crate::reply;
use axum::response::Response;
use http::header::{HOST, ORIGIN};
use http::{HeaderMap, HeaderValue, Request, StatusCode};
use quickmcp::protocol::jsonrpc::code;
use std::sync::Arc;

/// Why a request was refused (answered 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `Host` names a host that is not allowed.
    Host(String),
    /// There is no `Host` header (nor an HTTP/2 `:authority`), and only
    /// some hosts are allowed.
    MissingHost,
    /// `Origin` is not allowed.
    Origin(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Host(h) => write!(f, "Host {h:?} is not allowed"),
            Refusal::MissingHost => f.write_str("a Host header (or HTTP/2 :authority) is required"),
            Refusal::Origin(o) => write!(f, "Origin {o:?} is not allowed"),
        }
    }
}

/// Answers 403 to a request whose `Host` or `Origin` is not allowed (a
/// request without `Origin`, from a non-browser client, passes the origin
/// check).
#[derive(Debug, Clone)]
pub struct HostOriginCheck {
    allowed: Arc<Allowed>,
}

#[derive(Debug)]
struct Allowed {
    hosts: Vec<String>,
    origins: Vec<String>,
}

impl HostOriginCheck {
    /// The allow-lists of `config` (`allowed_hosts`; `allowed_origins` and
    /// the CORS origins).
    pub fn new(config: &McpConfig) -> Self {
        let origins = config.allowed_origins.iter().chain(&config.cors_origins).cloned().collect();
        let allowed = Allowed { hosts: config.allowed_hosts.clone(), origins };
        Self { allowed: Arc::new(allowed) }
    }

    /// Why `headers` are refused, if they are.
    pub fn refusal(&self, headers: &HeaderMap) -> Option<Refusal> {
        self.refusal_with_authority(headers, None)
    }

    /// Why a request with `headers` and the URI authority `authority` is
    /// refused, if it is. HTTP/2 names the host in `:authority` (the URI's
    /// authority here) rather than in `Host`; each one present must be
    /// allowed.
    fn refusal_with_authority(&self, headers: &HeaderMap, authority: Option<&str>) -> Option<Refusal> {
        // Compared as the bytes that came, without checking them as text
        // first: a name that is not text matches no allowed name but `*`.
        let host = headers.get(HOST).map(HeaderValue::as_bytes);
        if host.is_none() && authority.is_none() && !self.allowed.hosts.iter().any(|h| h == "*") {
            return Some(Refusal::MissingHost);
        }
        let mut names = host.into_iter().chain(authority.map(str::as_bytes));
        if let Some(name) = names.find(|name| !host_allowed(name, &self.allowed.hosts)) {
            return Some(Refusal::Host(String::from_utf8_lossy(name).into_owned()));
        }
        if let Some(origin) = headers.get(ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            if !origin_allowed(origin, &self.allowed.origins) {
                return Some(Refusal::Origin(origin.to_owned()));
            }
        }
        None
    }
}

#[allow(clippy::result_large_err)]
impl RequestCheck for HostOriginCheck {
    fn check<B>(&self, request: &Request<B>) -> Result<(), Response> {
        let authority = request.uri().authority().map(|authority| authority.as_str());
        match self.refusal_with_authority(request.headers(), authority) {
            None => Ok(()),
            Some(refusal) => {
                let response = reply::refuse(StatusCode::FORBIDDEN, code::SESSION_ERROR, refusal.to_string());
                Err(reply::rejected(response, "origin"))
            }
        }
    }
}

/// The length of `authority` without its port: up to the `]` of an IPv6
/// literal, else up to the last `:`.
fn host_len(authority: &[u8]) -> usize {
    let end = match authority.first() {
        Some(b'[') => authority.iter().position(|&b| b == b']').map(|close| close + 1),
        _ => authority.iter().rposition(|&b| b == b':'),
    };
    end.unwrap_or(authority.len())
}

fn strip_port(authority: &str) -> &str {
    // The cut is at an ASCII byte, so on a character boundary.
    &authority[..host_len(authority.as_bytes())]
}

fn host_allowed(host: &[u8], allowed: &[String]) -> bool {
    let name = &host[..host_len(host)];
    allowed.iter().any(|a| a == "*" || a.as_bytes().eq_ignore_ascii_case(name))
}

/// Whether `origin` is on the list. An entry matches the same scheme and
/// host with the port it names; an entry without a port, the scheme's
/// default port only; an entry ending in `:*`, any port (local dev servers
/// move); `*`, anything.
pub(super) fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return allowed.iter().any(|a| a == "*");
    };
    let host = strip_port(authority);
    let port = &authority[host.len()..];
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => "",
    };
    let same = |entry: &str| entry.eq_ignore_ascii_case(&format!("{scheme}://{host}"));
    allowed.iter().any(|entry| {
        entry == "*"
            || entry.eq_ignore_ascii_case(origin)
            || entry.strip_suffix(":*").is_some_and(same)
            || (same(entry) && (port.is_empty() || port == default_port))
    })
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

    fn check(headers: &HeaderMap, config: &McpConfig) -> Result<(), Refusal> {
        HostOriginCheck::new(config).refusal(headers).map_or(Ok(()), Err)
    }

    #[test]
    fn origin_entries_name_their_port() {
        let list: Vec<String> = ["https://app.example", "http://localhost:*", "https://api.example:8443"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let ok = |origin: &str| origin_allowed(origin, &list);
        assert!(ok("https://app.example") && ok("https://APP.example:443"));
        assert!(!ok("https://app.example:8080"), "a portless entry is the default port only");
        assert!(ok("http://localhost:5173") && ok("http://localhost"));
        assert!(ok("https://api.example:8443") && !ok("https://api.example"));
        assert!(!ok("http://app.example") && !ok("null"));
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
        assert_eq!(check(&headers(&[]), &c), Err(Refusal::MissingHost), "no Host fails closed");
        let open = McpConfig { allowed_hosts: vec!["*".into()], allowed_origins: vec!["*".into()], ..c };
        assert!(check(&headers(&[]), &open).is_ok());
        assert!(check(&headers(&[("host", "api.example"), ("origin", "https://x.example")]), &open).is_ok());
    }

    #[test]
    fn an_http2_authority_is_checked_like_host() {
        let check = HostOriginCheck::new(&McpConfig::default());
        let refusal = |headers: &HeaderMap, authority| check.refusal_with_authority(headers, authority);
        assert_eq!(refusal(&headers(&[]), Some("localhost:3000")), None);
        assert_eq!(refusal(&headers(&[]), Some("evil.example")), Some(Refusal::Host("evil.example".into())));
        assert_eq!(
            refusal(&headers(&[("host", "localhost")]), Some("evil.example")),
            Some(Refusal::Host("evil.example".into())),
            "both are checked when both are sent"
        );
        assert_eq!(refusal(&headers(&[]), None), Some(Refusal::MissingHost));
    }
}
