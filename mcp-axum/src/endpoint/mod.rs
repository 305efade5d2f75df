//! The MCP endpoint: one path, POST for messages, GET for the session's
//! server stream, DELETE to end a session. Its shared state lives here and
//! reaches each handler as axum `State`; the transport policy in front of
//! it (Host, Origin, content negotiation) is the layer stack in `layers`.

mod delete;
mod get;
mod post;
mod service;
mod stream;

use crate::config::McpConfig;
use crate::reply;
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use quickmcp::Server;
use quickmcp::protocol::jsonrpc::RequestId;
use quickmcp::server::{Refusal, SessionSource};
use quickmcp::session::{Session, StoreError};
use std::sync::Arc;

/// What every handler of the endpoint shares.
pub(crate) struct Endpoint {
    pub(crate) server: Server,
    /// Whether requests have sessions: the server keeps them and the
    /// endpoint is not configured stateless.
    pub(crate) keeps_sessions: bool,
    pub(crate) config: McpConfig,
    /// The protected-resource metadata URL, named in step-up challenges
    /// (403 `insufficient_scope`) when the endpoint is protected.
    pub(crate) resource_metadata: Option<String>,
}

impl Endpoint {
    pub(crate) fn new(server: Server, config: McpConfig) -> Self {
        let keeps_sessions = !config.stateless && server.keeps_sessions();
        Self { server, keeps_sessions, config, resource_metadata: None }
    }

    /// The POST, GET and DELETE handlers as one service, sharing this state.
    pub(crate) fn into_service(self) -> service::EndpointService {
        service::EndpointService(Arc::new(self))
    }

    /// Where a request's session comes from: the `Mcp-Session-Id` it names.
    pub(crate) fn session_source<'a>(&self, headers: &'a HeaderMap) -> SessionSource<'a> {
        if self.keeps_sessions { SessionSource::Named(session_id(headers)) } else { SessionSource::Stateless }
    }

    /// The session named by `Mcp-Session-Id`, found only by whoever opened
    /// it; `None` when this endpoint keeps no sessions. The error is the
    /// response to send instead.
    pub(crate) async fn session_for(
        &self,
        headers: &HeaderMap,
        extensions: &http::Extensions,
    ) -> Result<Option<Session>, Response> {
        let source = self.session_source(headers);
        self.server.find_session(source, extensions).await.map_err(|refusal| refused(None, &refusal))
    }
}

/// The `Mcp-Session-Id` header, when present and readable.
pub(crate) fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(reply::SESSION_ID_NAME).and_then(|v| v.to_str().ok())
}

/// 404: unknown, expired or deleted session.
pub(crate) fn session_not_found() -> Response {
    refused(None, &Refusal::UnknownSession)
}

/// The HTTP answer to a message the inbound router refused.
pub(crate) fn refused(id: Option<&RequestId>, refusal: &Refusal) -> Response {
    let status = match refusal {
        Refusal::Store(error) => return store_unavailable(error),
        Refusal::Initialize(_) => StatusCode::OK,
        Refusal::UnknownSession => StatusCode::NOT_FOUND,
        Refusal::UnsupportedVersion(_) | Refusal::Invalid(_) | Refusal::MissingSession | Refusal::DuplicateId(_) => {
            StatusCode::BAD_REQUEST
        }
    };
    reply::error(status, id, &refusal.error())
}

/// 503: the session store failed, or is full; 429 when this client holds
/// its share of sessions.
pub(crate) fn store_unavailable(error: &StoreError) -> Response {
    let (status, cap) = match error {
        StoreError::ClientFull(_) => (StatusCode::TOO_MANY_REQUESTS, true),
        StoreError::Full(_) => (StatusCode::SERVICE_UNAVAILABLE, true),
        _ => (StatusCode::SERVICE_UNAVAILABLE, false),
    };
    let response = reply::error(status, None, &Refusal::Store(error.clone()).error());
    if cap { reply::rejected(response, "session_cap") } else { response }
}

/// Whether the request names a stateless-era revision (no GET stream, no
/// DELETE: both answer 405).
pub(crate) fn is_stateless_era(headers: &HeaderMap) -> bool {
    headers
        .get(reply::PROTOCOL_VERSION_NAME)
        .and_then(|v| v.to_str().ok())
        .is_some_and(quickmcp::protocol::version::is_stateless)
}

/// Whether this endpoint answers GET and DELETE for `headers` (a session
/// era request to an endpoint that keeps sessions); otherwise 405.
pub(crate) fn has_session_methods(keeps_sessions: bool, headers: &HeaderMap) -> bool {
    keeps_sessions && !is_stateless_era(headers)
}
