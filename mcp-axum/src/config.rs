//! Transport settings, with safe defaults and `MCP_*` environment overrides.

pub use quickmcp::config::ConfigError;
use quickmcp::config::{self as var, Env, split_list};
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
    /// Streams one HTTP/2 connection may have open at once
    /// (`MCP_HTTP2_MAX_STREAMS`, default 100; with the `http2` feature).
    pub http2_max_streams: u32,
    /// Time a client has to send a request head (`MCP_HEADER_TIMEOUT_SECS`,
    /// default 10): slow-loris connections are cut off.
    pub header_read_timeout: Duration,
    /// Time open connections and streams get after a shutdown signal
    /// (`MCP_SHUTDOWN_GRACE_SECS`, default 10).
    pub shutdown_grace: Duration,
    /// Path of the liveness probe (`MCP_HEALTH_PATH`, default `/health`;
    /// `off` for none). It answers 200 while the process serves.
    pub health_path: Option<String>,
    /// Path of the readiness probe (`MCP_READY_PATH`, default `/ready`;
    /// `off` for none). It answers 200 when the session and event stores
    /// answer, else 503 naming the one that does not.
    pub ready_path: Option<String>,
    /// Where to serve `/metrics` instead of beside the endpoint
    /// (`MCP_METRICS_ADDR`, `host:port`; default: beside it). Serving it
    /// there is the program's job: the examples do it with
    /// `metrics.router()`.
    pub metrics_addr: Option<String>,
}

impl Default for McpConfig {
    fn default() -> Self {
        let local = ["localhost", "127.0.0.1", "[::1]"];
        Self {
            host: var::HOST.default.into(),
            port: var::PORT.default_number() as u16,
            path: var::PATH.default.into(),
            stateless: var::STATELESS.default_flag(),
            allowed_origins: local.iter().flat_map(|h| [format!("http://{h}:*"), format!("https://{h}:*")]).collect(),
            cors_origins: Vec::new(),
            allowed_hosts: local.iter().map(|h| (*h).to_owned()).collect(),
            max_body: var::MAX_BODY.default_number(),
            keep_alive: var::KEEP_ALIVE_SECS.default_duration(),
            retry_ms: 1000,
            rate_limit: rate_limit(var::RATE_LIMIT.default).flatten(),
            trusted_proxies: Vec::new(),
            stream_buffer: var::STREAM_BUFFER.default_number(),
            max_concurrent: var::MAX_CONCURRENT.default_number(),
            max_connections: var::MAX_CONNECTIONS.default_number(),
            http2_max_streams: var::HTTP2_MAX_STREAMS.default_number() as u32,
            header_read_timeout: var::HEADER_TIMEOUT_SECS.default_duration(),
            shutdown_grace: var::SHUTDOWN_GRACE_SECS.default_duration(),
            health_path: probe(var::HEALTH_PATH.default).flatten(),
            ready_path: probe(var::READY_PATH.default).flatten(),
            metrics_addr: None,
        }
    }
}

impl McpConfig {
    /// The defaults, overridden by whichever `MCP_*` variables are set.
    /// A value that cannot be used is an error naming the variable, the
    /// value and what it accepts (all of them, when several are wrong).
    ///
    /// ```
    /// let config = quickmcp_axum::McpConfig::from_env().expect("valid MCP_* variables");
    /// assert!(config.path.starts_with('/'));
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::read(Env::process())
    }

    /// [`from_env`](Self::from_env) for a program's `main`: on a bad value
    /// it prints the error and exits with status 2.
    pub fn from_env_or_exit() -> Self {
        Self::from_env().unwrap_or_else(|error| {
            eprintln!("{error}");
            std::process::exit(2)
        })
    }

    /// Like [`McpConfig::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::read(Env::from_lookup(lookup))
    }

    /// The defaults, overridden by the variables `env` has.
    fn read(mut env: Env<'_>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        if let Some(host) = env.text(&var::HOST) {
            config.host = host;
        }
        if let Some(port) = env.custom(&var::PORT, |p| p.parse().ok()) {
            config.port = port;
        }
        if let Some(path) = env.custom(&var::PATH, |p| p.starts_with('/').then(|| p.to_owned())) {
            config.path = path;
        }
        config.stateless = env.flag(&var::STATELESS);
        if let Some(list) = env.list(&var::ALLOWED_ORIGINS) {
            config.allowed_origins = list;
        }
        if let Some(list) = env.list(&var::CORS_ORIGINS) {
            config.cors_origins = list;
        }
        if let Some(list) = env.list(&var::ALLOWED_HOSTS) {
            config.allowed_hosts = list;
        }
        config.max_body = env.number(&var::MAX_BODY);
        config.keep_alive = env.seconds(&var::KEEP_ALIVE_SECS);
        if let Some(limit) = env.custom(&var::RATE_LIMIT, rate_limit) {
            config.rate_limit = limit;
        }
        let addresses = |list: &str| split_list(list).iter().map(|a| a.parse().ok()).collect::<Option<Vec<IpAddr>>>();
        if let Some(proxies) = env.custom(&var::TRUSTED_PROXIES, addresses) {
            config.trusted_proxies = proxies;
        }
        config.stream_buffer = env.number(&var::STREAM_BUFFER);
        config.max_concurrent = env.number(&var::MAX_CONCURRENT);
        config.max_connections = env.number(&var::MAX_CONNECTIONS);
        config.http2_max_streams = env.number(&var::HTTP2_MAX_STREAMS).min(u32::MAX as usize) as u32;
        config.header_read_timeout = env.seconds(&var::HEADER_TIMEOUT_SECS);
        config.shutdown_grace = env.seconds(&var::SHUTDOWN_GRACE_SECS);
        if let Some(path) = env.custom(&var::HEALTH_PATH, probe) {
            config.health_path = path;
        }
        if let Some(path) = env.custom(&var::READY_PATH, probe) {
            config.ready_path = path;
        }
        let address = |a: &str| a.parse::<std::net::SocketAddr>().is_ok().then(|| a.to_owned());
        if let Some(address) = env.custom(&var::METRICS_ADDR, address) {
            config.metrics_addr = Some(address);
        }
        env.finish().map(|()| config)
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

/// `MCP_RATE_LIMIT`: a [`RateLimit`], or `off` (`none`) for no limit.
fn rate_limit(text: &str) -> Option<Option<RateLimit>> {
    match text {
        "off" | "none" => Some(None),
        text => text.parse().ok().map(Some),
    }
}

/// `MCP_HEALTH_PATH`, `MCP_READY_PATH`: a path, or `off` for no probe.
fn probe(text: &str) -> Option<Option<String>> {
    match text {
        "off" => Some(None),
        path => path.starts_with('/').then(|| Some(path.to_owned())),
    }
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
        let c = McpConfig::from_lookup(env).unwrap();
        assert_eq!((c.port, c.path.as_str(), c.host.as_str()), (9001, "/rpc", "127.0.0.1"));
        assert_eq!(c.allowed_origins, ["https://app.example", "*"]);
        assert_eq!(c.bind_address(), "127.0.0.1:9001");
        let limited = McpConfig::from_lookup(|k| (k == "MCP_RATE_LIMIT").then(|| "100/min".to_owned())).unwrap();
        assert_eq!(limited.rate_limit, Some(RateLimit { count: 100, period: Duration::from_secs(60) }));
        let off = McpConfig::from_lookup(|k| (k == "MCP_RATE_LIMIT").then(|| "off".to_owned())).unwrap();
        assert_eq!(off.rate_limit, None);
        assert!("ten/min".parse::<RateLimit>().is_err() && "0/s".parse::<RateLimit>().is_err());
        let upper = McpConfig::from_lookup(|k| (k == "MCP_STATELESS").then(|| "TRUE".to_owned())).unwrap();
        assert!(upper.stateless);
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let defaults = McpConfig::default();
        assert_eq!(defaults.rate_limit, Some(RateLimit { count: 6000, period: Duration::from_secs(60) }));
        assert_eq!((defaults.port, defaults.health_path.as_deref()), (8000, Some("/health")));
        // Each default that is a value, set as one, changes nothing.
        let values = [
            var::HOST,
            var::PORT,
            var::PATH,
            var::STATELESS,
            var::MAX_BODY,
            var::KEEP_ALIVE_SECS,
            var::RATE_LIMIT,
            var::MAX_CONCURRENT,
            var::STREAM_BUFFER,
            var::MAX_CONNECTIONS,
            var::HEADER_TIMEOUT_SECS,
            var::SHUTDOWN_GRACE_SECS,
            var::HEALTH_PATH,
            var::READY_PATH,
        ];
        let set = McpConfig::from_lookup(|k| values.iter().find(|v| v.name == k).map(|v| v.default.to_owned()));
        assert_eq!(format!("{:?}", set.unwrap()), format!("{defaults:?}"));
    }

    #[test]
    fn every_bad_value_is_named_with_what_it_accepts() {
        let bad = [
            ("MCP_HOST", ""),
            ("MCP_PORT", "80a"),
            ("MCP_PATH", "mcp"),
            ("MCP_STATELESS", "maybe"),
            ("MCP_ALLOWED_HOSTS", " , "),
            ("MCP_MAX_BODY", "-1"),
            ("MCP_KEEP_ALIVE_SECS", "0"),
            ("MCP_RATE_LIMIT", "lots"),
            ("MCP_TRUSTED_PROXIES", "10.0.0.1, proxy.local"),
            ("MCP_STREAM_BUFFER", "1MB"),
            ("MCP_MAX_CONCURRENT", "0"),
            ("MCP_MAX_CONNECTIONS", "many"),
            ("MCP_HEADER_TIMEOUT_SECS", "10s"),
            ("MCP_SHUTDOWN_GRACE_SECS", "-5"),
            ("MCP_HEALTH_PATH", "health"),
            ("MCP_READY_PATH", "no"),
            ("MCP_METRICS_ADDR", "localhost"),
        ];
        for (variable, value) in bad {
            let error = McpConfig::from_lookup(|k| (k == variable).then(|| value.to_owned())).unwrap_err();
            assert_eq!(error.problems.len(), 1, "{variable}");
            let message = error.to_string();
            assert!(message.contains(&format!("{variable}={value:?}: expected ")), "{message}");
        }
        let both = McpConfig::from_lookup(|k| match k {
            "MCP_PORT" => Some("x".into()),
            "MCP_PATH" => Some("y".into()),
            _ => None,
        });
        assert_eq!(both.unwrap_err().problems.len(), 2, "every problem at once");
    }
}
