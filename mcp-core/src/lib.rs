//! # mcp-core
//!
//! Write Model Context Protocol servers as plain async functions.
//!
//! - [`tool`], [`resource`] and [`prompt`] turn functions into handlers with
//!   JSON Schemas generated from their parameters;
//! - [`Server`] collects them ([`tools!`], [`resources!`], [`prompts!`]) and
//!   dispatches JSON-RPC messages whatever the transport;
//! - [`Context`] is what a running handler can do (progress, logging,
//!   cancellation, asking the client).
//!
//! Serve it over Streamable HTTP with the `mcp-axum` crate.
//!
//! ```
//! use mcp_core::{Json, Server, tool, tools};
//!
//! #[derive(serde::Serialize, schemars::JsonSchema)]
//! struct Sum { value: i64 }
//!
//! /// Adds two integers.
//! #[tool]
//! async fn add(a: i64, b: i64) -> Json<Sum> {
//!     Json(Sum { value: a + b })
//! }
//!
//! let server = Server::builder("calc", "0.1.0").tools(tools![add]).build();
//! # let _ = server;
//! ```

#![warn(missing_docs)]

pub mod context;
pub mod handler;
pub mod jsonrpc;
pub mod outbox;
pub mod protocol;
mod registry;
pub mod schema;
pub mod server;
pub mod session;
pub mod stateless;
pub mod uri_template;

pub use context::{Context, ElicitResult, RequestEnv};
pub use handler::{
    ExtractError, Extractor, Json, PromptDef, PromptError, ResourceDef, ResourceError, State, ToolDef, ToolError,
};
pub use mcp_macros::{prompt, resource, tool};
pub use protocol::{CallToolResult, Content, GetPromptResult, PromptMessage, ResourceContents, Role};
pub use server::{BuildError, Server, ServerBuilder};
pub use {schemars, serde, serde_json};

/// Tool definitions of `#[tool]` functions, for [`ServerBuilder::tools`].
#[macro_export]
macro_rules! tools {
    ($($tool:path),* $(,)?) => {
        ::std::vec![$(<$tool as $crate::__private::ToolFactory>::definition()),*]
    };
}

/// Resource definitions of `#[resource]` functions, for [`ServerBuilder::resources`].
#[macro_export]
macro_rules! resources {
    ($($resource:path),* $(,)?) => {
        ::std::vec![$(<$resource as $crate::__private::ResourceFactory>::definition()),*]
    };
}

/// Prompt definitions of `#[prompt]` functions, for [`ServerBuilder::prompts`].
#[macro_export]
macro_rules! prompts {
    ($($prompt:path),* $(,)?) => {
        ::std::vec![$(<$prompt as $crate::__private::PromptFactory>::definition()),*]
    };
}

/// What the macros' generated code names; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::handler::{
        Arguments, AsArg, AsExtractor, IntoPromptResult, IntoResourceResult, IntoToolResult, Param, TemplateVar,
        assert_send, complete_fn,
    };
    pub use crate::schema::ObjectSchema;
    pub use serde_json;

    /// Implemented by the hidden struct `#[tool]` emits.
    pub trait ToolFactory {
        /// The tool's definition.
        fn definition() -> crate::ToolDef;
    }
    /// Implemented by the hidden struct `#[resource]` emits.
    pub trait ResourceFactory {
        /// The resource's definition.
        fn definition() -> crate::ResourceDef;
    }
    /// Implemented by the hidden struct `#[prompt]` emits.
    pub trait PromptFactory {
        /// The prompt's definition.
        fn definition() -> crate::PromptDef;
    }
}
