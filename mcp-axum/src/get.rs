//! `GET`: the standalone server stream of a session, or the resumption of
//! any of its streams with `Last-Event-ID`.

use crate::accept::accepts;
use crate::reply::{self, LAST_EVENT_ID};
use crate::router::Transport;
use crate::sse;
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use mcp_core::jsonrpc::code;
use mcp_core::session::ResumeError;
use std::sync::Arc;
use tokio::sync::mpsc;

pub(crate) async fn handle(t: Arc<Transport>, headers: HeaderMap) -> Response {
    if let Err(refusal) = crate::security::check(&headers, &t.config) {
        return reply::refuse(StatusCode::FORBIDDEN, code::SESSION_ERROR, refusal.to_string());
    }
    if t.config.stateless || crate::router::is_stateless_era(&headers) {
        return reply::status(StatusCode::METHOD_NOT_ALLOWED);
    }
    if !accepts(&headers, "text/event-stream") {
        return reply::refuse(
            StatusCode::NOT_ACCEPTABLE,
            code::SESSION_ERROR,
            "Not Acceptable: Accept must list text/event-stream",
        );
    }
    let session = match t.require_session(&headers) {
        Ok(session) => session,
        Err(missing) => return missing.into_response(),
    };
    let (events, received) = mpsc::unbounded_channel();
    if let Some(last) = headers.get(LAST_EVENT_ID).and_then(|v| v.to_str().ok()) {
        return match session.resume(last, events) {
            Ok((_, missed, _)) => {
                let head = missed.iter().map(|e| sse::frame(Some(&e.id), &e.data)).collect();
                reply::sse(sse::event_stream(head, received, t.config.keep_alive))
            }
            Err(ResumeError::Malformed) => {
                reply::refuse(StatusCode::BAD_REQUEST, code::INVALID_REQUEST, "Bad Request: malformed Last-Event-ID")
            }
            Err(ResumeError::Gone) => reply::refuse(StatusCode::NOT_FOUND, code::INVALID_REQUEST, "Stream not found"),
        };
    }
    match session.open_standalone(events) {
        Some(priming_id) => {
            let head = sse::priming_for(&session, &priming_id, t.config.retry_ms);
            reply::sse(sse::event_stream(head, received, t.config.keep_alive))
        }
        None => reply::refuse(
            StatusCode::CONFLICT,
            code::SESSION_ERROR,
            "Conflict: a stream is already open for this session",
        ),
    }
}
