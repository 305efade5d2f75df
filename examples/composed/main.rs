//! Two servers as one endpoint: the weather server and a ledger server
//! mounted under `weather` and `ledger`, with timing and a response cache
//! around both (docs/composition.md, docs/middleware.md).
//!
//! ```sh
//! RUST_LOG=mcp::timing=info cargo run --example composed
//! npx @modelcontextprotocol/inspector --cli http://127.0.0.1:8000/mcp --method tools/list
//! ```

#[path = "../weather/main.rs"]
#[allow(dead_code)]
mod weather;

mod ledger;

use mcp_core::Server;
use mcp_core::middleware::{ResponseCache, Timing};
use std::time::Duration;

/// The parent server: no tools of its own, two mounted servers, and
/// middleware that runs around every call of either.
pub fn composed_server() -> Server {
    Server::builder("composed", env!("CARGO_PKG_VERSION"))
        .instructions("Weather tools under weather_*, a ledger under ledger_*.")
        .middleware(Timing::new().slow_after(Duration::from_millis(500)))
        // Only tools marked read_only + idempotent are cached (get_weather, convert_units).
        .middleware(ResponseCache::new(Duration::from_secs(30)))
        .mount("weather", weather::weather_server())
        .mount("ledger", ledger::ledger_server())
        .build()
}

/// The app: the composed MCP endpoint.
pub fn app(config: mcp_axum::McpConfig) -> axum::Router {
    mcp_axum::McpRouter::new(composed_server()).config(config).into_router()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,mcp::timing=info".into()),
        )
        .init();
    let config = mcp_axum::McpConfig::from_env_or_exit();
    let listener = mcp_axum::bind(&config).await?;
    println!("composed: MCP endpoint at http://{}{}", listener.local_addr()?, config.path);
    let limits = mcp_axum::ServeLimits::from_config(&config);
    mcp_axum::serve_with(listener, app(config), limits, mcp_axum::shutdown_signal()).await
}
