//! tower-mcp serving `add(a, b)`: a `ToolBuilder` tool on an `McpRouter`,
//! served by its `HttpTransport` as an axum router at `/mcp`.
//!
//! - stateless: `HttpTransport::stateless` (feature `stateless`): a request
//!   with `MCP-Protocol-Version` and no session is answered without storing
//!   anything, as JSON.
//! - stateful: `initialize` opens a session; answers are JSON (its default).
//!
//! `require_sessions()` in both: without it a request with no session and no
//! version header gets a transient session kept for the session TTL, so a
//! sessionless load would grow the table by one session a request.

use std::process::ExitCode;

use bench_common::Mode;
use tower_mcp::{stateless::StatelessConfig, CallToolResult, HttpTransport, McpRouter, ToolBuilder};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct AddArgs {
    a: i64,
    b: i64,
}

fn main() -> ExitCode {
    bench_common::serve("peer-tower-mcp", Default::default(), |mode| {
        let add = ToolBuilder::new("add")
            .description("Adds two integers")
            .handler(|AddArgs { a, b }: AddArgs| async move {
                Ok(match a.checked_add(b) {
                    Some(sum) => CallToolResult::text(sum.to_string()),
                    None => CallToolResult::error("overflow"),
                })
            })
            .build();
        let router = McpRouter::new().server_info("peer-tower-mcp", env!("CARGO_PKG_VERSION")).tool(add);
        let transport = HttpTransport::new(router).require_sessions();
        let transport = match mode {
            Mode::Stateless => transport.stateless(StatelessConfig::new()),
            Mode::Stateful => transport,
        };
        transport.into_router_at("/mcp")
    })
}
