//! Serves the MCP Apps example (`examples/apps/mod.rs`): `get_weather`
//! with a forecast chart that hosts which show apps render.
//!
//! ```sh
//! cargo run --example apps      # listens on MCP_HOST:MCP_PORT (127.0.0.1:8000)
//! ```
//!
//! A browser host needs CORS for its own origin:
//! `MCP_CORS_ORIGINS=http://localhost:5173 cargo run --example apps`.

#[path = "mod.rs"]
#[allow(dead_code)]
mod apps;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,mcp::spans=debug".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
    let mcp = apps::mcp(quickmcp_axum::McpConfig::from_env_or_exit());
    mcp.run(axum::Router::new()).await
}
