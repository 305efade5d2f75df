//! CORS for browser clients: only origins on an explicit list (matched as
//! the `Origin` check matches them), the MCP headers allowed on requests and
//! `Mcp-Session-Id` / `MCP-Protocol-Version` exposed on answers.

use super::origin::origin_allowed;
use http::{HeaderName, Method};
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// CORS for `origins` (`https://app.example`, `http://localhost:*`, …).
/// Request headers are allowed as the preflight names them (`Mcp-Param-*`
/// headers vary by tool); only listed origins get an answer at all.
pub fn cors_layer(origins: Vec<String>) -> CorsLayer {
    let origins = Arc::new(origins);
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origin.to_str().is_ok_and(|origin| origin_allowed(origin, &origins))
        }))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            HeaderName::from_static(crate::reply::SESSION_ID),
            HeaderName::from_static(crate::reply::PROTOCOL_VERSION),
        ])
        .max_age(Duration::from_secs(600))
}
