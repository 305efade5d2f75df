//! pmcp serving `add(a, b)`: `Server::builder()` with a typed tool, served by
//! `pmcp::axum::concurrent_router_with_config` at `/mcp` (its plain `router`
//! holds one mutex around the server for every request).
//!
//! - stateless: `StreamableHttpServerConfig::stateless()`, JSON answers.
//! - stateful: the default config (feature `v1-compat`): sessions, SSE
//!   answers, each also kept in pmcp's default in-memory event store for
//!   `Last-Event-ID` replay (unbounded: memory grows with every call).
//!
//! pmcp writes the handler's JSON value as the text content, so the handler
//! returns the sum as a number and the text is its decimal form.

use std::{process::ExitCode, sync::Arc};

use bench_common::Mode;
use pmcp::{
    axum::{concurrent_router_with_config, RouterConfig},
    server::streamable_http_server::StreamableHttpServerConfig,
    Server,
};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct AddArgs {
    a: i64,
    b: i64,
}

fn main() -> ExitCode {
    let server = Server::builder()
        .name("peer-pmcp")
        .version(env!("CARGO_PKG_VERSION"))
        .tool_typed_with_description("add", "Adds two integers", |AddArgs { a, b }: AddArgs, _| async move {
            a.checked_add(b).map(serde_json::Value::from).ok_or_else(|| pmcp::Error::validation("overflow"))
        })
        .build();
    let server = match server {
        Ok(server) => Arc::new(server),
        Err(err) => {
            eprintln!("peer-pmcp: {err}");
            return ExitCode::FAILURE;
        }
    };
    bench_common::serve("peer-pmcp", Default::default(), move |mode| {
        let server_config = match mode {
            Mode::Stateless => StreamableHttpServerConfig::stateless(),
            Mode::Stateful => StreamableHttpServerConfig::default(),
        };
        let config = RouterConfig { server_config, ..RouterConfig::default() };
        axum::Router::new().nest("/mcp", concurrent_router_with_config(server, config))
    })
}
