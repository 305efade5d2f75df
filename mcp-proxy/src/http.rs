//! Serving over Streamable HTTP with every production feature a server of
//! this framework has, configured the same way: the `MCP_*` variables
//! (address, Host/Origin checks, limits, rate limit, sessions, metrics
//! address, auth), `REDIS_URL` for shared sessions, `/health` and `/ready`,
//! and a graceful stop on Ctrl-C or SIGTERM.
//!
//! Everything that can be wrong with the configuration is found by
//! [`Endpoint::from_env`], before the upstream is started.

use quickmcp::Server;
use quickmcp::server::ServerBuilder;
use quickmcp::session::Sessions;
use quickmcp_axum::metrics::Metrics;
use quickmcp_axum::{McpConfig, McpRouter};

/// The endpoint's settings, read and checked.
pub struct Endpoint {
    config: McpConfig,
    #[cfg(feature = "auth")]
    auth: Option<quickmcp_axum::auth::Auth>,
    sessions: Option<Sessions>,
    /// Counts every request, proxied tool calls included (`/metrics`, or
    /// the listener of `MCP_METRICS_ADDR`).
    metrics: Metrics,
}

impl Endpoint {
    /// Reads the `MCP_*` variables and `REDIS_URL` (connecting to Redis,
    /// keys under `redis_prefix`); `Err` names the variable and what to do
    /// about it.
    pub async fn from_env(redis_prefix: &str) -> Result<Self, String> {
        let config = McpConfig::from_env().map_err(|error| error.to_string())?;
        #[cfg(feature = "auth")]
        let auth = crate::auth::from_env()?;
        #[cfg(not(feature = "auth"))]
        crate::auth::refuse_if_configured()?;
        let sessions = crate::sessions::from_env(redis_prefix).await?;
        Ok(Self {
            config,
            #[cfg(feature = "auth")]
            auth,
            sessions,
            metrics: Metrics::new(),
        })
    }

    /// What the server needs from the transport: the session store and
    /// the metrics middleware (the MCP half of the counters).
    pub fn configure(&self, mut builder: ServerBuilder) -> ServerBuilder {
        if let Some(sessions) = &self.sessions {
            builder = builder.sessions(sessions.clone());
        }
        builder.middleware(self.metrics.middleware())
    }

    /// Serves `server` until Ctrl-C or SIGTERM. Returning drops the
    /// server, its upstream connections, and so their child processes.
    pub async fn serve(self, server: Server) -> std::io::Result<()> {
        crate::auth::warn_if_open(&self.config.host);
        if self.sessions.is_some() {
            tracing::info!("sessions in Redis (REDIS_URL)");
        }
        let router = McpRouter::new(server).config(self.config).metrics(self.metrics);
        #[cfg(feature = "auth")]
        let router = router.auth(self.auth);
        router.run(axum::Router::new()).await
    }
}
