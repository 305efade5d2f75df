//! `DELETE`: the client ends its session.

use super::{Endpoint, has_session_methods, session_not_found, store_unavailable};
use crate::reply;
use axum::response::Response;
use http::StatusCode;
use http::request::Parts;
use std::sync::Arc;

pub(super) async fn handle(endpoint: Arc<Endpoint>, parts: Parts) -> Response {
    let headers = parts.headers;
    if !has_session_methods(endpoint.keeps_sessions, &headers) {
        return reply::status(StatusCode::METHOD_NOT_ALLOWED);
    }
    // Only whoever opened the session may end it (anyone else: 404).
    let session = match endpoint.session_for(&headers, &parts.extensions).await {
        Ok(Some(session)) => session,
        Ok(None) => return reply::status(StatusCode::METHOD_NOT_ALLOWED),
        Err(response) => return response,
    };
    match session.end().await {
        Ok(true) => reply::status(StatusCode::OK),
        Ok(false) => session_not_found(),
        Err(error) => store_unavailable(&error),
    }
}
