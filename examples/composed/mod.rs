//! Two servers as one endpoint: the weather server and a ledger server
//! mounted under `weather` and `ledger`, with timing and a response cache
//! around both (docs/composition.md, docs/middleware.md). `main.rs` serves
//! it: `cargo run --example composed`.

mod ledger;

use crate::weather;
use quickmcp::Server;
use quickmcp::middleware::{ResponseCache, Timing};
use std::time::Duration;

/// The parent server: no tools of its own, two mounted servers, and
/// middleware that runs around every call of either.
pub fn server() -> Server {
    Server::builder("composed", env!("CARGO_PKG_VERSION"))
        .instructions("Weather tools under weather_*, a ledger under ledger_*.")
        .middleware(Timing::new().slow_after(Duration::from_millis(500)))
        // Only tools marked read_only + idempotent are cached (get_weather, convert_units).
        .middleware(ResponseCache::new(Duration::from_secs(30)))
        .mount("weather", weather::server())
        .mount("ledger", ledger::server())
        .build()
}

/// The app: the composed MCP endpoint.
pub fn app(config: quickmcp_axum::McpConfig) -> axum::Router {
    quickmcp_axum::McpRouter::new(server()).config(config).into_router()
}
