//! From configuration to a serving process in one call:
//! [`McpRouter::from_env`] reads every `MCP_*` variable once, and
//! [`McpRouter::run`] binds, says what it serves and what is on, serves the
//! metrics on their own listener when `MCP_METRICS_ADDR` asks for one, and
//! serves with the configured limits until Ctrl-C or SIGTERM.

use crate::config::{ConfigError, McpConfig};
use crate::router::McpRouter;
use crate::serve::{ServeLimits, bind, serve_with, shutdown_signal};
use axum::Router;
use quickmcp::Server;
use std::net::SocketAddr;

impl McpRouter {
    /// An endpoint for `server` configured from the environment
    /// ([`McpConfig::from_env`]): the one place a program reads its
    /// settings.
    ///
    /// ```no_run
    /// use axum::{Router, routing::get};
    /// use quickmcp_axum::McpRouter;
    /// use quickmcp::Server;
    ///
    /// #[tokio::main]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let server = Server::builder("inventory", "1.0.0").build();
    ///     let rest = Router::new().route("/api/items", get(|| async { "[]" }));
    ///     McpRouter::from_env(server)?.run(rest).await?;
    ///     Ok(())
    /// }
    /// ```
    pub fn from_env(server: Server) -> Result<Self, ConfigError> {
        Ok(Self::new(server).config(McpConfig::from_env()?))
    }

    /// Serves this endpoint beside `routes` (your own REST routes, or
    /// `Router::new()`) as the configuration says, until Ctrl-C or SIGTERM:
    /// binds `MCP_HOST:MCP_PORT`, logs the address and what is enabled (at
    /// `info`), serves `/metrics` on `MCP_METRICS_ADDR` when set (with
    /// [`metrics`](Self::metrics)), and serves with the
    /// [`ServeLimits`] of the configuration. At shutdown the task workers
    /// drain beside the connections ([`Server::drain_tasks`](quickmcp::Server::drain_tasks)).
    ///
    /// Fails when an address cannot be bound, or when `MCP_METRICS_ADDR` is
    /// set but the router has no metrics to serve there.
    pub async fn run(self, routes: Router) -> std::io::Result<()> {
        let config = self.current_config().clone();
        let listener = bind(&config).await?;
        let address = listener.local_addr()?;
        let limits = ServeLimits::from_config(&config);
        #[cfg(feature = "metrics")]
        if let Some(metrics_addr) = &config.metrics_addr {
            let Some(metrics) = self.metrics_handle() else {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "MCP_METRICS_ADDR is set but the router has no metrics: add `.metrics(Metrics::new())`, or unset it",
                ));
            };
            let private = tokio::net::TcpListener::bind(metrics_addr).await?;
            tracing::info!("metrics at http://{}/metrics", private.local_addr()?);
            tokio::spawn(serve_with(private, metrics.router(), limits.clone(), shutdown_signal()));
        }
        tracing::info!("{}", self.summary(address));
        let (server, grace) = (self.server().clone(), config.shutdown_grace);
        let serving = serve_with(listener, routes.merge(self.build()), limits, shutdown_signal());
        tokio::pin!(serving);
        tokio::select! {
            served = &mut serving => served,
            () = shutdown_signal() => {
                // The task workers drain beside the connections.
                let (served, ()) = tokio::join!(serving, server.drain_tasks(grace));
                served
            }
        }
    }

    /// One line on what this endpoint serves, for the start-up log.
    fn summary(&self, address: SocketAddr) -> String {
        let config = self.current_config();
        let mode = if config.stateless { "stateless" } else { "sessions" };
        let rate = config.rate_limit.map_or("off".to_owned(), |r| format!("{} per {:?}", r.count, r.period));
        let origins =
            if config.allowed_origins.is_empty() { "none".to_owned() } else { config.allowed_origins.join(", ") };
        #[cfg_attr(not(any(feature = "auth", feature = "metrics")), allow(unused_mut))] // appended to by those
        let mut line = format!(
            "MCP endpoint at http://{address}{} ({mode}); allowed origins: {origins}; rate limit per client: {rate}",
            config.path
        );
        #[cfg(feature = "auth")]
        match self.auth_handle() {
            Some(auth) => line.push_str(&format!("; auth: tokens of {}", auth.config().issuer)),
            None => line.push_str("; auth: off"),
        }
        #[cfg(feature = "metrics")]
        match (self.metrics_handle(), &config.metrics_addr) {
            (Some(_), None) => line.push_str("; metrics: /metrics"),
            (Some(_), Some(addr)) => line.push_str(&format!("; metrics: http://{addr}/metrics")),
            (None, _) => line.push_str("; metrics: off"),
        }
        line
    }
}
