//! `DELETE`: the client ends its session.

use crate::reply::{self, SESSION_ID};
use crate::router::Transport;
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use mcp_core::jsonrpc::code;
use std::sync::Arc;

pub(crate) async fn handle(t: Arc<Transport>, headers: HeaderMap) -> Response {
    if let Err(refusal) = crate::security::check(&headers, &t.config) {
        return reply::refuse(StatusCode::FORBIDDEN, code::SESSION_ERROR, refusal.to_string());
    }
    if t.config.stateless || crate::router::is_stateless_era(&headers) {
        return reply::status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let Some(id) = headers.get(SESSION_ID).and_then(|v| v.to_str().ok()) else {
        return reply::refuse(StatusCode::BAD_REQUEST, code::SESSION_ERROR, "Bad Request: missing Mcp-Session-Id");
    };
    if t.server.sessions().remove(id) {
        reply::status(StatusCode::OK)
    } else {
        reply::refuse(StatusCode::NOT_FOUND, code::SESSION_ERROR, "Session not found")
    }
}
