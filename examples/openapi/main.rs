//! Serves the openapi example (`examples/openapi/mod.rs`): a REST app
//! documented with utoipa, whose routes are also MCP tools, on one port.
//!
//! ```sh
//! cargo run --example openapi --features openapi   # MCP_HOST:MCP_PORT (127.0.0.1:8000)
//! curl http://127.0.0.1:8000/api/todos          # the REST API, as ever
//! curl http://127.0.0.1:8000/api/openapi.json   # its document
//! # The same operations as MCP tools (list_todos, add_todo, complete_todo):
//! curl -s http://127.0.0.1:8000/mcp -H 'content-type: application/json' \
//!   -H 'accept: application/json, text/event-stream' -H 'mcp-protocol-version: 2026-07-28' \
//!   -H 'mcp-method: tools/call' -H 'mcp-name: add_todo' \
//!   -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_todo",
//!        "arguments":{"title":"water the plants"},"_meta":{
//!        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
//!        "io.modelcontextprotocol/clientCapabilities":{},
//!        "io.modelcontextprotocol/clientInfo":{"name":"curl","version":"0"}}}}'
//! ```
//!
//! Or point any MCP client at http://127.0.0.1:8000/mcp.

#[path = "mod.rs"]
#[allow(dead_code)]
mod openapi;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = quickmcp_axum::McpConfig::from_env_or_exit();
    let app = openapi::app(config.clone());
    let listener = quickmcp_axum::bind(&config).await?;
    tracing::info!("REST at http://{0}/api/todos, MCP at http://{0}/mcp", listener.local_addr()?);
    quickmcp_axum::serve(listener, app).await
}
