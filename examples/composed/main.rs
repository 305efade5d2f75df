//! Serves the composed example (`examples/composed/mod.rs`): the weather
//! and ledger servers as one endpoint.
//!
//! ```sh
//! RUST_LOG=mcp::timing=info cargo run --example composed
//! npx @modelcontextprotocol/inspector --cli http://127.0.0.1:8000/mcp --method tools/list
//! ```

#[path = "../weather/mod.rs"]
#[allow(dead_code)]
mod weather;
// The example's own module, built into this binary alone (the library
// holds it too, for the tests, behind its `library` feature).
#[path = "mod.rs"]
#[allow(dead_code)]
mod composed;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,mcp::timing=info".into()),
        )
        .init();
    let config = quickmcp_axum::McpConfig::from_env_or_exit();
    let listener = quickmcp_axum::bind(&config).await?;
    println!("composed: MCP endpoint at http://{}{}", listener.local_addr()?, config.path);
    let limits = quickmcp_axum::ServeLimits::from_config(&config);
    quickmcp_axum::serve_with(listener, composed::app(config), limits, quickmcp_axum::shutdown_signal()).await
}
