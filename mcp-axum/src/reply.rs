//! Building HTTP responses: JSON-RPC bodies with the right status, SSE
//! streams with the right headers.

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::Stream;
use http::{HeaderName, HeaderValue, StatusCode, header};
use quickmcp::protocol::jsonrpc::{self, RequestId, RpcError};

/// The session header.
pub const SESSION_ID: &str = "mcp-session-id";
/// The protocol revision header.
pub const PROTOCOL_VERSION: &str = "mcp-protocol-version";
/// The SSE resumption header.
pub const LAST_EVENT_ID: &str = "last-event-id";

/// [`SESSION_ID`] as a header name (lookups by name skip parsing it).
pub(crate) const SESSION_ID_NAME: HeaderName = HeaderName::from_static(SESSION_ID);
/// [`PROTOCOL_VERSION`] as a header name.
pub(crate) const PROTOCOL_VERSION_NAME: HeaderName = HeaderName::from_static(PROTOCOL_VERSION);

static JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A JSON body with `status`.
pub fn json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, JSON.clone());
    response
}

/// A JSON-RPC error answered with HTTP `status`.
pub fn error(status: StatusCode, id: Option<&RequestId>, error: &RpcError) -> Response {
    json(status, jsonrpc::encode_error(id, error))
}

/// A transport-level refusal: JSON-RPC error `-32000` (or `code`) with `status`.
pub fn refuse(status: StatusCode, code: i64, message: impl Into<String>) -> Response {
    error(status, None, &RpcError::new(code, message))
}

/// `response` (a 403 for `error`, `-32003`) with its step-up challenge:
/// `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`,
/// naming the protected-resource metadata when the endpoint has one.
pub(crate) fn insufficient_scope(
    mut response: Response,
    error: &RpcError,
    resource_metadata: Option<&str>,
) -> Response {
    let scope = error.data.as_ref().and_then(|d| d.get("scope")).and_then(|s| s.as_str()).unwrap_or_default();
    let scope: String =
        scope.chars().filter(|c| (c.is_ascii_graphic() && *c != '"' && *c != '\\') || *c == ' ').collect();
    let mut challenge = String::from("Bearer ");
    if let Some(url) = resource_metadata {
        challenge.push_str(&format!("resource_metadata=\"{url}\", "));
    }
    challenge.push_str(&format!(
        "scope=\"{scope}\", error=\"insufficient_scope\", error_description=\"this needs {scope}\""
    ));
    if let Ok(value) = http::HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(http::header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Why the transport refused a request, left on its answer for the metrics
/// layer (`mcp_http_rejections_total{reason}`).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) struct Rejected(pub(crate) &'static str);

/// `response`, marked as a refusal for `reason`.
pub(crate) fn rejected(mut response: Response, reason: &'static str) -> Response {
    response.extensions_mut().insert(Rejected(reason));
    response
}

/// `202 Accepted` with an empty body (client notifications and responses).
pub fn accepted() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::ACCEPTED;
    response
}

/// An empty response with `status` (e.g. 405 for a method this mode lacks).
pub fn status(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// A `text/event-stream` response.
pub fn sse(stream: impl Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static) -> Response {
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// Adds `Mcp-Session-Id: id`.
pub fn with_session(mut response: Response, id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(id) {
        response.headers_mut().insert(SESSION_ID_NAME, value);
    }
    response
}
