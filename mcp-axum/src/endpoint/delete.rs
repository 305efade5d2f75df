//! `DELETE`: the client ends its session.

use super::{Endpoint, has_session_methods, session_id, session_not_found, store_unavailable};
use crate::reply;
use axum::extract::{Request, State};
use axum::response::Response;
use http::StatusCode;
use mcp_core::protocol::jsonrpc::code;
use std::sync::Arc;

pub(super) async fn handle(State(endpoint): State<Arc<Endpoint>>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let headers = parts.headers;
    if !has_session_methods(endpoint.sessions.keeps_sessions(), &headers) {
        return reply::status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let Some(id) = session_id(&headers) else {
        return reply::refuse(StatusCode::BAD_REQUEST, code::SESSION_ERROR, "Bad Request: missing Mcp-Session-Id");
    };
    // Only whoever opened the session may end it (anyone else: 404).
    if let Err(response) = endpoint.session_for(&headers, &parts.extensions).await {
        return response;
    }
    match endpoint.sessions.remove(id).await {
        Ok(true) => reply::status(StatusCode::OK),
        Ok(false) => session_not_found(),
        Err(error) => store_unavailable(&error),
    }
}
