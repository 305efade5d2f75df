//! The stateless example over a real socket: no session is ever opened,
//! answers are JSON, GET and DELETE do not exist, and both eras call the
//! same tools.

use mcp_examples::stateless;
use mcp_integration_tests::{Era, HttpClient, spawn};
use serde_json::json;

#[tokio::test]
async fn nothing_is_kept_and_every_answer_is_json() {
    let url = format!("{}/mcp", spawn(stateless::app(quickmcp_axum::McpConfig::default())).await);
    let client = HttpClient::new(&url);
    let initialize = client
        .post(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}))
        .await;
    assert_eq!(initialize.status(), 200);
    assert!(initialize.headers().get("mcp-session-id").is_none(), "no session is opened");
    let call = client
        .post(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "slugify", "arguments": {"text": "Hello, Edge World!"}}}))
        .await;
    assert_eq!(call.headers()["content-type"], "application/json");
    let body: serde_json::Value = call.json().await.unwrap();
    assert_eq!(body["result"]["content"][0]["text"], "hello-edge-world");
    let get = client.get_stream(None).await;
    assert_eq!(get.status(), 405, "no GET stream without sessions");
}

#[tokio::test]
async fn both_eras_call_the_same_tools() {
    let url = format!("{}/mcp", spawn(stateless::app(quickmcp_axum::McpConfig::default())).await);
    for era in [Era::Session, Era::Stateless] {
        let client = quickmcp_client::Client::builder().era(era).connect_http(&url).await.unwrap();
        let text = "see https://a.example/x, and (http://b.example) or https://a.example/x.";
        let links: Vec<String> = client.call_tool_as("extract_links", json!({"text": text})).await.unwrap();
        assert_eq!(links, ["https://a.example/x", "http://b.example"], "{era:?}");
        let pointer = json!({"document": "{\"items\": [{\"name\": \"n1\"}]}", "pointer": "/items/0/name"});
        let found: String = client.call_tool_as("json_pointer", pointer).await.unwrap();
        assert_eq!(found, "n1", "{era:?}");
        let missing = client.call_tool("json_pointer", json!({"document": "{}", "pointer": "/nope"})).await.unwrap();
        assert!(missing.is_error, "{era:?}");
    }
}
