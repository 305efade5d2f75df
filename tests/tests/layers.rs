//! The endpoint behind tower layers, over a real socket: what a layer in
//! front of the router puts in the request's extensions reaches the
//! handler's `Context` in both eras, and the endpoint's own Host/Origin
//! layer guards the user's routes too.

use axum::Router;
use axum::extract::Request;
use axum::routing::post;
use mcp_integration_tests::{HttpClient, messages, spawn};
use quickmcp::prelude::*;
use serde_json::json;

/// What an authentication layer would hand over.
#[derive(Clone)]
struct Principal(&'static str);

/// Names the caller the transport verified.
#[tool]
async fn whoami(ctx: Context) -> String {
    ctx.extensions().get::<Principal>().map_or("nobody", |p| p.0).to_owned()
}

async fn start(stateless: bool) -> HttpClient {
    let server = Server::builder("layers", "0").tools(tools![whoami]).build();
    let verify = axum::middleware::map_request(|mut request: Request| async move {
        request.extensions_mut().insert(Principal("alice"));
        request
    });
    let app: Router = quickmcp_axum::McpRouter::new(server).stateless(stateless).into_router().layer(verify);
    HttpClient::new(format!("{}/mcp", spawn(app).await))
}

#[tokio::test]
async fn extensions_from_a_layer_reach_the_handler_in_session_mode() {
    let mut client = start(false).await;
    client.initialize().await;
    let answer = client.request(1, "tools/call", json!({"name": "whoami", "arguments": {}})).await;
    assert_eq!(answer[0]["result"]["content"][0]["text"], "alice");
}

#[tokio::test]
async fn extensions_from_a_layer_reach_the_handler_in_the_stateless_era() {
    let client = start(true).await;
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "whoami", "arguments": {}, "_meta": meta}});
    let headers = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "tools/call"), ("mcp-name", "whoami")];
    let response = client.post_with(&headers).body(body.to_string()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(messages(response).await[0]["result"]["content"][0]["text"], "alice");
}

#[tokio::test]
async fn the_host_origin_layer_guards_other_routes() {
    use quickmcp_axum::layers::{CheckLayer, HostOriginCheck};
    let app: Router = Router::new()
        .route("/api/upload", post(|| async { "stored" }))
        .layer(CheckLayer::new(HostOriginCheck::new(&quickmcp_axum::McpConfig::default())));
    let url = spawn(app).await;
    let http = reqwest::Client::new();
    let ok = http.post(format!("{url}/api/upload")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let foreign = http.post(format!("{url}/api/upload")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(foreign.status(), 403);
}
