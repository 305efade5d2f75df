//! The public entry point: an axum `Router` serving one MCP endpoint.

use crate::config::McpConfig;
use crate::{delete, get, post};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::MethodRouter;
use mcp_core::Server;
use std::sync::Arc;

/// What every handler of the endpoint shares.
pub(crate) struct Transport {
    pub(crate) server: Server,
    pub(crate) config: McpConfig,
}

/// Builds the axum `Router` of a Streamable HTTP endpoint for `server`.
///
/// Merge it into your own application next to your REST routes:
///
/// ```
/// use axum::{Router, routing::get};
/// use mcp_axum::McpRouter;
/// use mcp_core::Server;
///
/// let server = Server::builder("demo", "0.1.0").build();
/// let app: Router = Router::new()
///     .route("/api/hello", get(|| async { "hello" }))
///     .merge(McpRouter::new(server).path("/mcp").into_router());
/// ```
#[derive(Debug, Clone)]
pub struct McpRouter {
    server: Server,
    config: McpConfig,
}

impl McpRouter {
    /// An endpoint at `/mcp` with session mode and localhost-only defaults.
    pub fn new(server: Server) -> Self {
        Self { server, config: McpConfig::default() }
    }

    /// Uses `config` (e.g. [`McpConfig::from_env`]).
    #[must_use]
    pub fn config(mut self, config: McpConfig) -> Self {
        self.config = config;
        self
    }

    /// Serves the endpoint at `path` (default `/mcp`).
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.config.path = path.into();
        self
    }

    /// Without sessions: no `Mcp-Session-Id`, GET and DELETE answer 405.
    #[must_use]
    pub fn stateless(mut self, stateless: bool) -> Self {
        self.config.stateless = stateless;
        self
    }

    /// Origins allowed to call the endpoint (`*` for any).
    #[must_use]
    pub fn allowed_origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.config.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Host names the endpoint answers to (`*` for any, e.g. behind a proxy
    /// that checks them).
    #[must_use]
    pub fn allowed_hosts<S: Into<String>>(mut self, hosts: impl IntoIterator<Item = S>) -> Self {
        self.config.allowed_hosts = hosts.into_iter().map(Into::into).collect();
        self
    }

    /// The configuration so far.
    pub fn current_config(&self) -> &McpConfig {
        &self.config
    }

    /// The router, ready to merge or nest.
    pub fn into_router<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        let path = self.config.path.clone();
        let transport = Arc::new(Transport { server: self.server, config: self.config });
        let endpoint: MethodRouter<S> = MethodRouter::new()
            .post({
                let t = Arc::clone(&transport);
                move |headers, body| post::handle(Arc::clone(&t), headers, body)
            })
            .get({
                let t = Arc::clone(&transport);
                move |headers| get::handle(Arc::clone(&t), headers)
            })
            .delete({
                let t = Arc::clone(&transport);
                move |headers| delete::handle(Arc::clone(&t), headers)
            })
            .layer(DefaultBodyLimit::max(transport.config.max_body));
        spawn_session_sweeper(&transport);
        Router::new().route(&path, endpoint)
    }
}

/// Drops idle sessions once a minute, when a runtime is running.
fn spawn_session_sweeper(transport: &Arc<Transport>) {
    if transport.config.stateless {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let weak = Arc::downgrade(transport);
    runtime.spawn(async move {
        let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            let Some(transport) = weak.upgrade() else {
                break;
            };
            let expired = transport.server.sessions().expire_idle();
            if expired > 0 {
                tracing::debug!(expired, "expired idle MCP sessions");
            }
        }
    });
}

/// Why a request's session could not be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MissingSession {
    /// No `Mcp-Session-Id` header: 400.
    NoHeader,
    /// Unknown, expired or deleted: 404.
    Unknown,
}

impl MissingSession {
    pub(crate) fn into_response(self) -> axum::response::Response {
        use crate::reply;
        use http::StatusCode;
        use mcp_core::jsonrpc::code;
        match self {
            MissingSession::NoHeader => {
                reply::refuse(StatusCode::BAD_REQUEST, code::SESSION_ERROR, "Bad Request: missing Mcp-Session-Id")
            }
            MissingSession::Unknown => reply::refuse(StatusCode::NOT_FOUND, code::SESSION_ERROR, "Session not found"),
        }
    }
}

impl Transport {
    /// The session named by `Mcp-Session-Id`.
    pub(crate) fn require_session(
        &self,
        headers: &http::HeaderMap,
    ) -> Result<Arc<mcp_core::session::Session>, MissingSession> {
        let id = headers.get(crate::reply::SESSION_ID).and_then(|v| v.to_str().ok()).ok_or(MissingSession::NoHeader)?;
        self.server.sessions().get(id).ok_or(MissingSession::Unknown)
    }
}

/// Whether the request names a stateless-era revision (no GET stream, no
/// DELETE: both answer 405).
pub(crate) fn is_stateless_era(headers: &http::HeaderMap) -> bool {
    headers
        .get(crate::reply::PROTOCOL_VERSION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(mcp_core::protocol::version::is_stateless)
}
