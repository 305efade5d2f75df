//! # mcp-axum
//!
//! The Streamable HTTP transport for [`quickmcp`] servers, as an axum
//! [`Router`](axum::Router) you merge into your own application.
//!
//! - [`McpRouter`]: the endpoint (POST, GET stream, DELETE), session or
//!   stateless mode, behind its layer stack;
//! - [`layers`]: the transport policy as tower layers (Host/Origin,
//!   content negotiation), reusable in front of your own routes;
//! - [`McpConfig`]: settings with `MCP_*` environment overrides;
//! - [`serve`] / [`serve_with`] / [`bind`]: serving with `TCP_NODELAY`, a
//!   connection cap, a request-head timeout and a bounded graceful shutdown;
//! - `otel` (feature `otel`): OTLP export of the request spans;
//! - `TestClient` (feature `test-util`): drive a router in tests without sockets.
//!
//! ```
//! use axum::{Router, routing::get};
//! use quickmcp::prelude::*;
//!
//! /// Says hello.
//! #[tool]
//! async fn hello(name: String) -> String {
//!     format!("Hello, {name}!")
//! }
//!
//! let mcp = Server::builder("hello", "0.1.0").tools(tools![hello]).build();
//! let app: Router = Router::new()
//!     .route("/api/ping", get(|| async { "pong" }))
//!     .merge(quickmcp_axum::McpRouter::new(mcp).into_router());
//! ```

#![warn(missing_docs)]

mod accept;
#[cfg(feature = "auth")]
pub mod auth;
mod config;
mod connection;
mod drain;
mod endpoint;
mod health;
pub mod layers;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(feature = "otel")]
pub mod otel;
mod reply;
mod router;
mod run;
mod serve;
pub mod sse;
mod standard_headers;
#[cfg(feature = "test-util")]
mod test;
mod workers;

pub use config::{ConfigError, McpConfig, RateLimit};
pub use reply::{LAST_EVENT_ID, PROTOCOL_VERSION, SESSION_ID};
pub use router::McpRouter;
pub use serve::{ServeLimits, bind, serve, serve_with, shutdown_signal};
/// For the fuzz targets in `fuzz/`; not a stable API.
#[doc(hidden)]
pub use standard_headers::decode_param_value;
#[cfg(feature = "test-util")]
pub use test::{TestClient, TestResponse, parse_messages};

/// The README's Rust examples, compiled as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The security guide (docs/security.md), its examples compiled as doc
/// tests so that they stay true.
#[cfg(all(doctest, feature = "dev-issuer"))]
#[doc = include_str!("../../docs/security.md")]
pub struct SecurityGuideDoctests;
