//! The MCP endpoint: one path, POST for messages, GET for the session's
//! server stream, DELETE to end a session. Its shared state lives here and
//! reaches each handler as axum `State`; the transport policy in front of
//! it (Host, Origin, content negotiation) is the layer stack in `layers`.

mod delete;
mod get;
mod post;

use crate::config::McpConfig;
use crate::reply;
use axum::response::Response;
use axum::routing::MethodRouter;
use http::{HeaderMap, StatusCode};
use mcp_core::Server;
use mcp_core::auth::Principal;
use mcp_core::jsonrpc::code;
use mcp_core::session::{Session, Sessions, StoreError};
use std::sync::Arc;

/// What every handler of the endpoint shares.
pub(crate) struct Endpoint {
    pub(crate) server: Server,
    /// The server's sessions, or none at all in stateless mode.
    pub(crate) sessions: Sessions,
    pub(crate) config: McpConfig,
    /// The protected-resource metadata URL, named in step-up challenges
    /// (403 `insufficient_scope`) when the endpoint is protected.
    pub(crate) resource_metadata: Option<String>,
}

impl Endpoint {
    pub(crate) fn new(server: Server, config: McpConfig) -> Self {
        let sessions = if config.stateless { Sessions::none() } else { server.sessions().clone() };
        Self { server, sessions, config, resource_metadata: None }
    }

    /// The POST, GET and DELETE handlers, sharing this state.
    pub(crate) fn into_method_router<S: Clone + Send + Sync + 'static>(self) -> MethodRouter<S> {
        MethodRouter::new().post(post::handle).get(get::handle).delete(delete::handle).with_state(Arc::new(self))
    }

    /// The session named by `Mcp-Session-Id`; `None` when this endpoint
    /// keeps no sessions. The error is the response to send instead. A
    /// session opened by an authenticated principal is found only by that
    /// principal: anyone else gets 404, as if it did not exist.
    pub(crate) async fn session_for(
        &self,
        headers: &HeaderMap,
        extensions: &http::Extensions,
    ) -> Result<Option<Session>, Response> {
        if !self.sessions.keeps_sessions() {
            return Ok(None);
        }
        let Some(id) = session_id(headers) else {
            return Err(reply::refuse(
                StatusCode::BAD_REQUEST,
                code::SESSION_ERROR,
                "Bad Request: missing Mcp-Session-Id",
            ));
        };
        match self.sessions.open(id).await {
            Ok(Some(session)) if !is_owner(&session, extensions) => Err(session_not_found()),
            Ok(Some(session)) => Ok(Some(session)),
            Ok(None) => Err(session_not_found()),
            Err(error) => Err(store_unavailable(&error)),
        }
    }
}

/// Whether the request comes from whoever opened `session` (always, for a
/// session opened without authentication).
fn is_owner(session: &Session, extensions: &http::Extensions) -> bool {
    let caller = extensions.get::<Principal>().map(Principal::subject);
    session.record().owner.as_deref().is_none_or(|owner| caller == Some(owner))
}

/// The `Mcp-Session-Id` header, when present and readable.
pub(crate) fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(reply::SESSION_ID_NAME).and_then(|v| v.to_str().ok())
}

/// 404: unknown, expired or deleted session.
pub(crate) fn session_not_found() -> Response {
    reply::refuse(StatusCode::NOT_FOUND, code::SESSION_ERROR, "Session not found")
}

/// 503: the session store failed, or is full; 429 when this client holds
/// its share of sessions.
pub(crate) fn store_unavailable(error: &StoreError) -> Response {
    match error {
        StoreError::ClientFull(_) => reply::rejected(
            reply::refuse(StatusCode::TOO_MANY_REQUESTS, code::SESSION_ERROR, format!("Too Many Requests: {error}")),
            "session_cap",
        ),
        StoreError::Full(_) => reply::rejected(
            reply::refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                code::SESSION_ERROR,
                format!("Service Unavailable: {error}"),
            ),
            "session_cap",
        ),
        _ => {
            reply::refuse(StatusCode::SERVICE_UNAVAILABLE, code::SESSION_ERROR, format!("Service Unavailable: {error}"))
        }
    }
}

/// Whether the request names a stateless-era revision (no GET stream, no
/// DELETE: both answer 405).
pub(crate) fn is_stateless_era(headers: &HeaderMap) -> bool {
    headers
        .get(reply::PROTOCOL_VERSION_NAME)
        .and_then(|v| v.to_str().ok())
        .is_some_and(mcp_core::protocol::version::is_stateless)
}

/// Whether this endpoint answers GET and DELETE for `headers` (a session
/// era request to an endpoint that keeps sessions); otherwise 405.
pub(crate) fn has_session_methods(keeps_sessions: bool, headers: &HeaderMap) -> bool {
    keeps_sessions && !is_stateless_era(headers)
}
