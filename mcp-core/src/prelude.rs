//! What an application writes: `use quickmcp::prelude::*;`.
//!
//! The attributes and the macros that collect what they define, the
//! [`Server`], the [`Context`] handlers take, the [`Json`] and [`State`]
//! wrappers and the errors handlers return. Everything else lives in a named
//! module: protocol types in [`protocol`](crate::protocol), handler
//! definitions in [`handler`](crate::handler), sessions in
//! [`session`](crate::session), and so on.
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
//! /// Fails when asked to.
//! #[tool]
//! async fn check(fail: bool) -> Result<String, ToolError> {
//!     if fail { Err(ToolError::new("asked to fail")) } else { Ok("fine".into()) }
//! }
//!
//! let server = Server::builder("calc", "0.1.0").tools(tools![add, check]).build();
//! # let _ = server;
//! ```

pub use crate::context::Context;
pub use crate::handler::{Json, PromptError, ResourceError, State, ToolError};
pub use crate::protocol::jsonrpc::RpcError;
pub use crate::server::Server;
pub use crate::{prompt, prompts, resource, resources, tool, tools};
