//! `GET`: the standalone server stream of a session, or the resumption of
//! any of its streams with `Last-Event-ID`.

use super::{Endpoint, has_session_methods};
use crate::drain::Draining;
use crate::reply::{self, LAST_EVENT_ID};
use crate::sse;
use axum::response::Response;
use http::StatusCode;
use http::request::Parts;
use quickmcp::protocol::jsonrpc::code;
use quickmcp::session::{EventId, ResumeError};
use std::sync::Arc;

pub(super) async fn handle(endpoint: Arc<Endpoint>, parts: Parts) -> Response {
    let headers = parts.headers;
    if !has_session_methods(endpoint.keeps_sessions, &headers) {
        return reply::status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let session = match endpoint.session_for(&headers, &parts.extensions).await {
        Ok(Some(session)) => session,
        Ok(None) => return reply::status(StatusCode::METHOD_NOT_ALLOWED),
        Err(response) => return response,
    };
    let (keep_alive, retry_ms) = (endpoint.config.keep_alive, endpoint.config.retry_ms);
    let end = Draining::started_or_never(parts.extensions.get::<Draining>().cloned());
    let (events, received) = quickmcp::session::event_channel(endpoint.config.stream_buffer);
    if let Some(last) = headers.get(LAST_EVENT_ID).and_then(|v| v.to_str().ok()) {
        let resumed = match last.parse::<EventId>() {
            Ok(after) => session.resume(after, events).await.map(|replay| (after, replay)),
            Err(error) => Err(error),
        };
        return match resumed {
            Ok((after, replay)) => {
                let seen = replay.events.last().map_or(after.seq, |e| e.id.seq);
                let head = replay.events.iter().map(|e| sse::frame(Some(&e.id.to_string()), &e.data)).collect();
                reply::sse(sse::event_stream(head, received, seen, keep_alive, end, retry_ms))
            }
            Err(ResumeError::Malformed) => {
                reply::refuse(StatusCode::BAD_REQUEST, code::INVALID_REQUEST, "Bad Request: malformed Last-Event-ID")
            }
            Err(ResumeError::Gone) => reply::refuse(StatusCode::NOT_FOUND, code::INVALID_REQUEST, "Stream not found"),
            Err(ResumeError::Held) => stream_held(),
            Err(ResumeError::Store(error)) => super::store_unavailable(&error),
        };
    }
    match session.open_standalone(events).await {
        Ok(Some(priming)) => {
            let head = sse::priming_for(&session, &priming.to_string(), retry_ms);
            reply::sse(sse::event_stream(head, received, 0, keep_alive, end, retry_ms))
        }
        Ok(None) => stream_held(),
        Err(ResumeError::Store(error)) => super::store_unavailable(&error),
        Err(_) => reply::refuse(StatusCode::NOT_FOUND, code::INVALID_REQUEST, "Stream not found"),
    }
}

/// 409: the session's GET stream is held by another connection.
fn stream_held() -> Response {
    reply::refuse(StatusCode::CONFLICT, code::SESSION_ERROR, "Conflict: a stream is already open for this session")
}
