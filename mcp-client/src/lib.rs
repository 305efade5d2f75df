//! # mcp-client
//!
//! A client for MCP servers, ours or anyone's: over Streamable HTTP, over
//! the standard input and output of a child process, or in-process against
//! a [`quickmcp::Server`] (tests, no sockets); in the 2025-11-25 session era
//! or the 2026-07-28 stateless one, chosen by asking the server.
//!
//! ```no_run
//! # async fn run() -> Result<(), quickmcp_client::ClientError> {
//! let client = quickmcp_client::Client::builder().connect_http("http://127.0.0.1:8000/mcp").await?;
//! for tool in client.list_tools().await? {
//!     println!("{}", tool["name"]);
//! }
//! let weather = client.call_tool("get_weather", serde_json::json!({"city": "Paris"})).await?;
//! println!("{}", weather.text());
//! client.close().await;
//! # Ok(()) }
//! ```
//!
//! - [`Client`] and [`ClientBuilder`]: the connection and its calls;
//! - [`CallOptions`]: a call's own time limit and progress callback;
//! - [`skills`] and [`tasks`]: the skills and tasks extensions;
//! - [`transport`]: HTTP, stdio and in-process;
//! - [`auth`]: OAuth 2.1 for HTTP servers that need authorization, and its
//!   extensions: machine-to-machine grants and DPoP;
//! - [`ClientError`]: what a call fails with.
//!
//! Cargo feature `jwt` (default): DPoP proofs and `private_key_jwt` client
//! assertions, which sign JWTs (`jsonwebtoken` with RustCrypto).
//!
//! The JSON-RPC peer is mcp-core's: request ids and the requests awaiting
//! answers are its [`PendingRequests`](quickmcp::peer::PendingRequests).

#![warn(missing_docs)]

pub mod auth;
mod call_options;
mod client;
mod error;
mod handlers;
mod inbox;
mod param_headers;
pub mod skills;
pub mod tasks;
mod tool_description;
pub mod transport;
pub mod upstream;

pub use call_options::{CallOptions, Progress, ProgressHandler};
pub use client::{Client, ClientBuilder};
pub use error::ClientError;
pub use handlers::{Handler, input_key};
pub use inbox::{Inbox, MAX_MESSAGE, ServerNotification};
pub use quickmcp::middleware::Era;
pub use tool_description::ToolDescription;

/// The client guide (docs/client.md), its examples compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/client.md")]
pub struct ClientGuideDoctests;
