//! The example servers as a library, for the integration tests: each module
//! builds one example's [`Server`](quickmcp::Server) (and its axum app where
//! it has one), so that the tests drive the very servers the examples serve
//! (`mcp_examples::weather::app(config)`, `mcp_examples::notes::server(..)`,
//! …).
//!
//! The modules are compiled only with the `library` feature (the tests
//! crate turns it on). Each example's `main.rs` declares its own module and
//! only reads its settings and serves, so that `cargo run --example NAME`
//! compiles that example alone: the other examples cost its build nothing.
//! The `conformance` and `bench_server` examples are binaries only: nothing
//! else builds on them.

#![cfg(feature = "library")]

pub mod apps;
#[cfg(feature = "auth")]
pub mod auth;
pub mod composed;
pub mod gateway;
pub mod notes;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod stateless;
pub mod tasks;
pub mod transactions;
pub mod weather;
