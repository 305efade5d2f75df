//! The example servers as a library: each module builds one example's
//! [`Server`](mcp_core::Server) (and its axum app where it has one), so that
//! the example's `main.rs` only reads its settings and serves, and the
//! integration tests drive the very same servers.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let config = mcp_axum::McpConfig::default();
//! let listener = mcp_axum::bind(&config).await?;
//! mcp_axum::serve(listener, mcp_examples::weather::app(config)).await
//! # }
//! ```
//!
//! Run one with `cargo run --example NAME` from the workspace root. The
//! `conformance` and `bench_server` examples are binaries only: nothing
//! else builds on them.

#[cfg(feature = "auth")]
pub mod auth;
pub mod composed;
pub mod gateway;
pub mod notes;
pub mod stateless;
pub mod tasks;
pub mod transactions;
pub mod weather;
