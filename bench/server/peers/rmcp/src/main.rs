//! rmcp (the official Rust SDK) serving `add(a, b)` as its examples do:
//! `#[tool_router]` and `#[tool_handler]`, `StreamableHttpService` on axum.
//!
//! - stateless: no sessions, JSON answers (`legacy_session_mode = false`,
//!   `json_response = true`).
//! - stateful: `initialize` opens a session; answers come as SSE, rmcp's
//!   default.
//!
//! The tool router is built once and shared by the handlers the service's
//! factory makes (one per stateless request, one per session): rebuilding it
//! each time would charge rmcp for work a tuned server avoids.

use std::{process::ExitCode, sync::Arc};

use bench_common::Mode;
use rmcp::{
    handler::server::{router::tool::ToolRouter, wrapper::Parameters},
    model::{Implementation, ServerCapabilities, ServerConfig},
    tool, tool_handler, tool_router,
    transport::streamable_http_server::{
        session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
    },
    ServerHandler,
};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct AddArgs {
    a: i64,
    b: i64,
}

#[derive(Clone)]
struct Calculator {
    tool_router: Arc<ToolRouter<Self>>,
}

#[tool_router]
impl Calculator {
    #[tool(description = "Adds two integers")]
    fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> Result<String, String> {
        a.checked_add(b).map(|sum| sum.to_string()).ok_or_else(|| "overflow".to_owned())
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Calculator {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("peer-rmcp", env!("CARGO_PKG_VERSION")))
    }
}

fn main() -> ExitCode {
    bench_common::serve("peer-rmcp", Default::default(), |mode| {
        let config = StreamableHttpServerConfig::default();
        let config = match mode {
            Mode::Stateless => config.with_legacy_session_mode(false).with_json_response(true),
            Mode::Stateful => config.with_legacy_session_mode(true).with_json_response(false),
        };
        let calculator = Calculator { tool_router: Arc::new(Calculator::tool_router()) };
        let service = StreamableHttpService::new(
            move || Ok(calculator.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        axum::Router::new().route_service("/mcp", service)
    })
}
