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
//! Serve it over Streamable HTTP with the `quickmcp-axum` crate.
//!
//! ```
//! use quickmcp::prelude::*;
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

pub mod apps;
pub mod auth;
pub mod config;
pub mod context;
#[doc(hidden)]
pub mod era;
pub mod handler;
mod members;
pub mod middleware;
#[cfg(feature = "otel")]
pub mod otel;
pub mod peer;
pub mod prelude;
pub mod protocol;
mod random;
#[cfg(feature = "redis")]
pub mod redis;
pub(crate) mod schema;
pub mod server;
pub mod session;
pub mod skills;
mod store;
pub mod tasks;
pub mod transport;
#[doc(hidden)]
pub mod uri_template;

pub use context::Context;
pub use quickmcp_macros::{prompt, resource, tool};
pub use schemars;
pub use server::Server;
pub use server::proxy;
#[doc(hidden)]
pub use {serde, serde_json};

/// Tool definitions of `#[tool]` functions, for [`ServerBuilder::tools`](server::ServerBuilder::tools).
#[macro_export]
macro_rules! tools {
    ($($tool:path),* $(,)?) => {
        ::std::vec![$(<$tool as $crate::__private::ToolFactory>::definition()),*]
    };
}

/// Resource definitions of `#[resource]` functions, for [`ServerBuilder::resources`](server::ServerBuilder::resources).
#[macro_export]
macro_rules! resources {
    ($($resource:path),* $(,)?) => {
        ::std::vec![$(<$resource as $crate::__private::ResourceFactory>::definition()),*]
    };
}

/// Prompt definitions of `#[prompt]` functions, for [`ServerBuilder::prompts`](server::ServerBuilder::prompts).
#[macro_export]
macro_rules! prompts {
    ($($prompt:path),* $(,)?) => {
        ::std::vec![$(<$prompt as $crate::__private::PromptFactory>::definition()),*]
    };
}

/// What the macros' generated code names; not a public API. Every path the
/// generated code uses is here (see `mcp-macros/src/exports.rs`), so error
/// messages about handler parameters name these and nothing internal.
#[doc(hidden)]
pub mod __private {
    pub use crate::apps::{ToolUi, Visibility};
    pub use crate::context::Context;
    pub use crate::handler::ArgumentsCheck;
    pub use crate::handler::arguments::{ArgError, Arguments};
    pub use crate::handler::completion::complete_fn;
    pub use crate::handler::extract::{AsArg, AsExtractor, Param};
    pub use crate::handler::text::{AsText, FromText, Optional, PromptParam, Required};
    pub use crate::handler::{BoxFuture, IntoPromptResult, IntoResourceResult, IntoToolResult, ResourceRequest};
    pub use crate::handler::{Extractor, PromptDef, ResourceDef, ResourceKind, ToolDef};
    pub use crate::protocol::jsonrpc::RpcError;
    pub use crate::protocol::{
        Annotations, Icon, Prompt, PromptArgument, Resource, ResourceContents, ResourceTemplate, Role, Tool,
        ToolAnnotations,
    };
    pub use crate::protocol::{CallToolResult, GetPromptResult};
    pub use crate::schema::ObjectSchema;
    pub use crate::tasks::{TaskPolicy, TaskSupport};
    pub use crate::uri_template::UriTemplate;
    pub use serde_json;

    /// Pins the user's future and proves it is `Send`; the macros span calls
    /// to this at the function name, so a non-`Send` handler is reported there.
    pub fn assert_send<F: std::future::Future + Send + 'static>(
        future: F,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = F::Output> + Send>> {
        Box::pin(future)
    }

    /// Implemented by the hidden struct `#[tool]` emits.
    pub trait ToolFactory {
        /// The tool's definition.
        fn definition() -> crate::handler::ToolDef;
    }
    /// Implemented by the hidden struct `#[resource]` emits.
    pub trait ResourceFactory {
        /// The resource's definition.
        fn definition() -> crate::handler::ResourceDef;
    }
    /// Implemented by the hidden struct `#[prompt]` emits.
    pub trait PromptFactory {
        /// The prompt's definition.
        fn definition() -> crate::handler::PromptDef;
    }
}

/// The guide to `Context` (docs/context.md), its examples compiled as doc
/// tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/context.md")]
pub struct ContextGuideDoctests;

/// The guide to skills (docs/skills.md), its examples compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/skills.md")]
pub struct SkillsGuideDoctests;

/// The guide to tasks (docs/tasks.md), its examples compiled as doc tests.
#[cfg(all(doctest, feature = "redis"))]
#[doc = include_str!("../../docs/tasks.md")]
pub struct TasksGuideDoctests;
