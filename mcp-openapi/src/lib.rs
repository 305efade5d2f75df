//! # mcp-openapi
//!
//! An OpenAPI 3.0 or 3.1 document becomes MCP tools (and, by route maps,
//! resources and resource templates), whose calls go to the API it
//! describes: the user's own axum app **in process** through its
//! `tower::Service`, or an HTTP server at a base URL.
//!
//! - [`OpenApi`] loads the document ([`from_json`](OpenApi::from_json),
//!   [`from_value`](OpenApi::from_value), [`from_file`](OpenApi::from_file),
//!   [`from_url`](OpenApi::from_url)), takes [`RouteMap`]s, a
//!   [`rename`](OpenApi::rename) hook, headers and a backend, and
//!   [`build`](OpenApi::build)s [`Generated`] tools and resources;
//! - every schema is made at build time and checked against the JSON Schema
//!   2020-12 meta-schema then; a problem is an [`OpenApiError`] naming the
//!   operation;
//! - [`ForwardAuthorization`] passes each MCP caller's `Authorization` on.
//!
//! How parameters and bodies merge into one input schema, how names are
//! made, and the bounds: `docs/openapi.md`.
//!
//! ```
//! use axum::{Json, Router, routing::get};
//! use quickmcp_openapi::OpenApi;
//!
//! let document = serde_json::json!({
//!     "openapi": "3.1.0",
//!     "info": {"title": "Pets", "version": "1"},
//!     "paths": {"/pets": {"get": {
//!         "operationId": "listPets",
//!         "summary": "Lists the pets.",
//!         "responses": {"200": {"description": "the pets", "content": {"application/json":
//!             {"schema": {"type": "array", "items": {"type": "string"}}}}}}
//!     }}}
//! });
//! let app = Router::new().route("/pets", get(|| async { Json(vec!["Rex", "Tom"]) }));
//! let generated = OpenApi::from_value(document)?.in_process(app.clone()).build()?;
//! let server = quickmcp::Server::builder("pets", "1.0.0").tools(generated.tools).build();
//! assert_eq!(server.tool_names(), ["listPets"]);
//! # Ok::<(), quickmcp_openapi::OpenApiError>(())
//! ```

#![warn(missing_docs)]

mod backend;
mod builder;
mod call;
mod document;
mod error;
mod forward;
mod input;
mod naming;
mod output;
mod request;
mod route_map;
mod schema;
#[cfg(feature = "yaml")]
mod yaml;

pub use builder::{DEFAULT_MAX_RESPONSE_BYTES, Generated, OpenApi, Route};
pub use call::HeaderProvider;
pub use error::OpenApiError;
pub use forward::{CallerAuthorization, ForwardAuthorization, ForwardAuthorizationService};
pub use route_map::{RouteMap, Target};

/// The guide (docs/openapi.md), its examples compiled as doc tests so that
/// they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/openapi.md")]
pub struct OpenApiGuideDoctests;
