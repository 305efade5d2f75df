//! Transports that live in the core: [`stdio`], newline-delimited JSON-RPC
//! on a pair of byte streams. Each keeps only its framing; every message
//! goes through the inbound router ([`Server::receive`](crate::Server::receive)).
//! The Streamable HTTP transport is the `quickmcp-axum` crate.

pub mod stdio;
