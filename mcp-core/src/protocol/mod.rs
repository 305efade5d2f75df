//! Typed MCP messages, one file per area of the specification, and the
//! JSON-RPC envelope they travel in ([`jsonrpc`]).
//!
//! Field names follow the specification's `schema.ts` (camelCase on the
//! wire). Optional fields are skipped when empty so results stay small.

mod completion;
mod content;
pub mod jsonrpc;
mod lifecycle;
mod logging;
mod prompts;
mod resources;
mod tools;
pub mod version;

pub use completion::*;
pub use content::*;
pub use lifecycle::*;
pub use logging::*;
pub use prompts::*;
pub use resources::*;
pub use tools::*;

/// Params of the list methods: an optional opaque cursor.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PaginatedParams {
    /// Where the previous page ended.
    pub cursor: Option<String>,
}

/// The `_meta` object of a request's params.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestMeta {
    /// Token to echo in `notifications/progress`, exactly as received.
    pub progress_token: Option<serde_json::Value>,
}
