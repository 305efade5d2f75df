//! Serves the stateless example (`examples/stateless/mod.rs`): no sessions,
//! JSON answers only.
//!
//! ```sh
//! cargo run --example stateless      # MCP_STATELESS is implied
//! ```

// The example's own module, built into this binary alone (the library
// holds it too, for the tests, behind its `library` feature).
#[path = "mod.rs"]
#[allow(dead_code)]
mod stateless;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = quickmcp_axum::McpConfig::from_env_or_exit();
    let listener = quickmcp_axum::bind(&config).await?;
    println!("edge tools (stateless): MCP endpoint at http://{}{}", listener.local_addr()?, config.path);
    let limits = quickmcp_axum::ServeLimits::from_config(&config);
    quickmcp_axum::serve_with(listener, stateless::app(config), limits, quickmcp_axum::shutdown_signal()).await
}
