//! Transport settings, with safe defaults and `MCP_*` environment overrides.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

/// Requests one client may make: `count` per `period`, in bursts of up to
/// `count`. Written `100/min`, `10/s` or `5000/h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per period.
    pub count: u32,
    /// The period.
    pub period: Duration,
}

impl FromStr for RateLimit {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (count, unit) = text.split_once('/').ok_or_else(|| format!("{text:?} is not COUNT/UNIT"))?;
        let count: u32 = count.trim().parse().map_err(|_| format!("{count:?} is not a count"))?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            other => return Err(format!("{other:?} is not s, min or h")),
        };
        if count == 0 {
            return Err("a rate limit allows at least one request".into());
        }
        Ok(Self { count, period })
    }
}

/// Settings of the Streamable HTTP endpoint.
#[derive(Debug, Clone)]
pub struct McpConfig {
    /// Address to bind (`MCP_HOST`, default `127.0.0.1`).
    pub host: String,
    /// Port to bind (`MCP_PORT`, default 8000).
    pub port: u16,
    /// Path of the endpoint (`MCP_PATH`, default `/mcp`).
    pub path: String,
    /// No sessions: every POST stands alone (`MCP_STATELESS=1`).
    pub stateless: bool,
    /// Allowed `Origin` values (`MCP_ALLOWED_ORIGINS`, comma-separated):
    /// `https://app.example` (default port only), `https://app.example:8443`,
    /// `http://localhost:*` (any port) or `*` (any origin). Default:
    /// localhost origins on any port.
    pub allowed_origins: Vec<String>,
    /// Origins of browser clients answered with CORS headers
    /// (`MCP_CORS_ORIGINS`, same forms as `allowed_origins`; they pass the
    /// `Origin` check too). Default: none, no CORS.
    pub cors_origins: Vec<String>,
    /// Allowed `Host` names, without port (`MCP_ALLOWED_HOSTS`; `*` allows
    /// any). Default: localhost names only, against DNS rebinding.
    pub allowed_hosts: Vec<String>,
    /// Largest request body in bytes (`MCP_MAX_BODY`, default 4 MiB).
    pub max_body: usize,
    /// Interval of SSE keep-alive comments (`MCP_KEEP_ALIVE_SECS`, default 15).
    pub keep_alive: Duration,
    /// The `retry` hint of priming events, in milliseconds.
    pub retry_ms: u64,
    /// Requests per client address (`MCP_RATE_LIMIT`: `6000/min` by
    /// default, `off` for none); 429 with `Retry-After` beyond it. The
    /// address is known when served with [`serve`](crate::serve) or
    /// [`serve_with`](crate::serve_with).
    pub rate_limit: Option<RateLimit>,
    /// Proxies whose `X-Forwarded-For` names the client
    /// (`MCP_TRUSTED_PROXIES`, comma-separated addresses; default none).
    pub trusted_proxies: Vec<IpAddr>,
    /// Bytes of events a slow SSE reader may have queued before it loses
    /// its connection and must resume (`MCP_STREAM_BUFFER`, default 1 MiB).
    pub stream_buffer: usize,
    /// Most requests handled at once; one more is answered 503 with
    /// `Retry-After` (`MCP_MAX_CONCURRENT`, default 1024).
    pub max_concurrent: usize,
    /// Most connections open at once (`MCP_MAX_CONNECTIONS`, default 10 000).
    pub max_connections: usize,
    /// Time a client has to send a request head (`MCP_HEADER_TIMEOUT_SECS`,
    /// default 10): slow-loris connections are cut off.
    pub header_read_timeout: Duration,
    /// Time open connections and streams get after a shutdown signal
    /// (`MCP_SHUTDOWN_GRACE_SECS`, default 10).
    pub shutdown_grace: Duration,
}

impl Default for McpConfig {
    fn default() -> Self {
        let local = ["localhost", "127.0.0.1", "[::1]"];
        Self {
            host: "127.0.0.1".into(),
            port: 8000,
            path: "/mcp".into(),
            stateless: false,
            allowed_origins: local.iter().flat_map(|h| [format!("http://{h}:*"), format!("https://{h}:*")]).collect(),
            cors_origins: Vec::new(),
            allowed_hosts: local.iter().map(|h| (*h).to_owned()).collect(),
            max_body: 4 * 1024 * 1024,
            keep_alive: Duration::from_secs(15),
            retry_ms: 1000,
            rate_limit: Some(RateLimit { count: 6000, period: Duration::from_secs(60) }),
            trusted_proxies: Vec::new(),
            stream_buffer: mcp_core::session::DEFAULT_STREAM_BUFFER,
            max_concurrent: 1024,
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl McpConfig {
    /// The defaults, overridden by whichever `MCP_*` variables are set.
    ///
    /// ```
    /// let config = mcp_axum::McpConfig::from_env();
    /// assert!(config.path.starts_with('/'));
    /// ```
    pub fn from_env() -> Self {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Like [`McpConfig::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut config = Self::default();
        if let Some(host) = lookup("MCP_HOST") {
            config.host = host;
        }
        if let Some(port) = lookup("MCP_PORT").and_then(|p| p.parse().ok()) {
            config.port = port;
        }
        if let Some(path) = lookup("MCP_PATH").filter(|p| p.starts_with('/')) {
            config.path = path;
        }
        if let Some(flag) = lookup("MCP_STATELESS") {
            config.stateless = matches!(flag.as_str(), "1" | "true" | "yes");
        }
        if let Some(list) = lookup("MCP_ALLOWED_ORIGINS") {
            config.allowed_origins = split_list(&list);
        }
        if let Some(list) = lookup("MCP_CORS_ORIGINS") {
            config.cors_origins = split_list(&list);
        }
        if let Some(list) = lookup("MCP_ALLOWED_HOSTS") {
            config.allowed_hosts = split_list(&list);
        }
        if let Some(max) = lookup("MCP_MAX_BODY").and_then(|m| m.parse().ok()) {
            config.max_body = max;
        }
        if let Some(secs) = lookup("MCP_KEEP_ALIVE_SECS").and_then(|s| s.parse().ok()).filter(|&s| s > 0) {
            config.keep_alive = Duration::from_secs(secs);
        }
        if let Some(limit) = lookup("MCP_RATE_LIMIT") {
            match limit.trim() {
                "off" | "none" | "0" => config.rate_limit = None,
                text => match text.parse() {
                    Ok(limit) => config.rate_limit = Some(limit),
                    Err(why) => tracing::warn!("MCP_RATE_LIMIT ignored: {why}"),
                },
            }
        }
        if let Some(list) = lookup("MCP_TRUSTED_PROXIES") {
            config.trusted_proxies = split_list(&list).iter().filter_map(|a| a.parse().ok()).collect();
        }
        if let Some(bytes) = lookup("MCP_STREAM_BUFFER").and_then(|b| b.parse().ok()).filter(|&b| b > 0) {
            config.stream_buffer = bytes;
        }
        if let Some(max) = lookup("MCP_MAX_CONCURRENT").and_then(|m| m.parse().ok()).filter(|&m| m > 0) {
            config.max_concurrent = max;
        }
        if let Some(max) = lookup("MCP_MAX_CONNECTIONS").and_then(|m| m.parse().ok()).filter(|&m| m > 0) {
            config.max_connections = max;
        }
        if let Some(secs) = lookup("MCP_HEADER_TIMEOUT_SECS").and_then(|s| s.parse().ok()).filter(|&s| s > 0) {
            config.header_read_timeout = Duration::from_secs(secs);
        }
        if let Some(secs) = lookup("MCP_SHUTDOWN_GRACE_SECS").and_then(|s| s.parse().ok()) {
            config.shutdown_grace = Duration::from_secs(secs);
        }
        config
    }

    /// `host:port` to bind.
    pub fn bind_address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn split_list(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_defaults() {
        let env = |k: &str| match k {
            "MCP_PORT" => Some("9001".to_owned()),
            "MCP_PATH" => Some("/rpc".to_owned()),
            "MCP_ALLOWED_ORIGINS" => Some("https://app.example, *".to_owned()),
            _ => None,
        };
        let c = McpConfig::from_lookup(env);
        assert_eq!((c.port, c.path.as_str(), c.host.as_str()), (9001, "/rpc", "127.0.0.1"));
        assert_eq!(c.allowed_origins, ["https://app.example", "*"]);
        assert_eq!(c.bind_address(), "127.0.0.1:9001");
        let limited = McpConfig::from_lookup(|k| (k == "MCP_RATE_LIMIT").then(|| "100/min".to_owned()));
        assert_eq!(limited.rate_limit, Some(RateLimit { count: 100, period: Duration::from_secs(60) }));
        let off = McpConfig::from_lookup(|k| (k == "MCP_RATE_LIMIT").then(|| "off".to_owned()));
        assert_eq!(off.rate_limit, None);
        assert!("ten/min".parse::<RateLimit>().is_err() && "0/s".parse::<RateLimit>().is_err());
    }
}
