//! The stateless example over a real socket: no session is ever opened,
//! answers are JSON, GET and DELETE do not exist, and both eras call the
//! same tools.

use mcp_examples::stateless;
use mcp_integration_tests::{Era, EraClient, HttpClient, spawn};
use serde_json::json;

#[tokio::test]
async fn nothing_is_kept_and_every_answer_is_json() {
    let url = format!("{}/mcp", spawn(stateless::app(mcp_axum::McpConfig::default())).await);
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
    for era in [Era::Session, Era::Stateless] {
        let client = EraClient::start(stateless::server(), era).await;
        let links = client
            .call(
                "extract_links",
                json!({"text": "see https://a.example/x, and (http://b.example) or https://a.example/x."}),
            )
            .await;
        assert_eq!(links["structuredContent"]["result"], json!(["https://a.example/x", "http://b.example"]), "{era:?}");
        let found = client
            .call("json_pointer", json!({"document": "{\"items\": [{\"name\": \"n1\"}]}", "pointer": "/items/0/name"}))
            .await;
        assert_eq!(found["structuredContent"]["result"], "n1", "{era:?}");
        let missing = client.call("json_pointer", json!({"document": "{}", "pointer": "/nope"})).await;
        assert_eq!(missing["isError"], true, "{era:?}");
    }
}
