//! The OpenAPI fixtures as one MCP server, for `.ci/interop/openapi.sh`:
//! the Petstore (3.0) called in process and the library (3.1) called over
//! HTTP on a port of its own, served at `http://MCP_HOST:MCP_PORT/mcp`.

use mcp_integration_tests::openapi_apps::{library_app, openapi_server};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let library = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let library_url = format!("http://{}", library.local_addr()?);
    tokio::spawn(async move { quickmcp_axum::serve(library, library_app()).await });
    let config = quickmcp_axum::McpConfig::from_env_or_exit();
    let app = quickmcp_axum::McpRouter::new(openapi_server(&library_url)).config(config.clone()).into_router();
    let listener = quickmcp_axum::bind(&config).await?;
    eprintln!("openapi fixtures at http://{}/mcp (library API at {library_url})", listener.local_addr()?);
    quickmcp_axum::serve(listener, app).await
}
