//! Serves the auth example (`examples/auth/mod.rs`): the weather tools
//! behind OAuth, with a development issuer unless `MCP_AUTH_ISSUER` is set.
//!
//! ```sh
//! cargo run --example auth --features auth
//! TOKEN=$(curl -s 'http://127.0.0.1:8000/dev-issuer/token?sub=alice&scope=weather:read' | jq -r .access_token)
//! curl -i http://127.0.0.1:8000/mcp -X POST -H 'content-type: application/json' \
//!      -H 'accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"ping"}'   # 401
//! npx @modelcontextprotocol/inspector --cli http://127.0.0.1:8000/mcp \
//!      --header "Authorization: Bearer $TOKEN" --method tools/list
//! ```

#[path = "../weather/mod.rs"]
#[allow(dead_code)]
mod weather;
// The example's own module, built into this binary alone (the library
// holds it too, for the tests, behind its `library` feature).
#[path = "mod.rs"]
#[allow(dead_code)]
mod auth;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = quickmcp_axum::McpConfig::from_env_or_exit();
    // Refused before binding: a bad MCP_AUTH_* value, or the development
    // issuer on an address other than loopback.
    let app = auth::app(config.clone()).unwrap_or_else(|error| {
        eprintln!("{error}");
        std::process::exit(2)
    });
    let listener = quickmcp_axum::bind(&config).await?;
    let address = listener.local_addr()?;
    println!("weather behind auth: MCP endpoint at http://{address}{}", config.path);
    if let Ok(None) = quickmcp_axum::auth::AuthConfig::from_env() {
        println!(
            "DEVELOPMENT issuer (not for production): http://{address}/dev-issuer/token?sub=alice&scope=weather:read"
        );
    }
    let limits = quickmcp_axum::ServeLimits::from_config(&config);
    quickmcp_axum::serve_with(listener, app, limits, quickmcp_axum::shutdown_signal()).await
}
