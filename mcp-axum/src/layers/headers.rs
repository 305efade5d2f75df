//! Headers every answer of the endpoint carries, refusals included: its
//! JSON and event streams are never to be sniffed as another type or framed
//! by another page.

use axum::response::Response;
use http::HeaderValue;
use http::header::{X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use tower::util::MapResponseLayer;

/// `X-Content-Type-Options: nosniff` and `X-Frame-Options: DENY`.
pub fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The layer adding [`security_headers`] to every response.
pub fn security_headers_layer() -> MapResponseLayer<fn(Response) -> Response> {
    MapResponseLayer::new(security_headers)
}
