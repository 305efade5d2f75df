//! Serves the notes example (`examples/notes/mod.rs`): its REST routes and
//! its MCP endpoint over one store.
//!
//! ```sh
//! cargo run --example notes          # listens on MCP_HOST:MCP_PORT (127.0.0.1:8000)
//! curl -X POST http://127.0.0.1:8000/api/notes -H 'content-type: application/json' \
//!      -d '{"title": "groceries", "body": "milk, eggs"}'
//! curl http://127.0.0.1:8000/api/notes
//! ```

// The example's own module, built into this binary alone (the library
// holds it too, for the tests, behind its `library` feature).
#[path = "mod.rs"]
#[allow(dead_code)]
mod notes;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = quickmcp_axum::McpConfig::from_env_or_exit();
    let listener = quickmcp_axum::bind(&config).await?;
    let address = listener.local_addr()?;
    println!("notes: MCP endpoint at http://{address}{}, REST at http://{address}/api/notes", config.path);
    let limits = quickmcp_axum::ServeLimits::from_config(&config);
    quickmcp_axum::serve_with(listener, notes::app(config), limits, quickmcp_axum::shutdown_signal()).await
}
