//! The composed example over a real socket: two mounted servers behind one
//! endpoint, with the parent's middleware around both.

use mcp_examples::composed;
use mcp_integration_tests::{HttpClient, spawn};
use serde_json::json;

#[tokio::test]
async fn both_servers_answer_under_their_prefixes() {
    let url = spawn(composed::app(mcp_axum::McpConfig::default())).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    let list = client.request(1, "tools/list", json!({})).await;
    let names: Vec<&str> =
        list[0]["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"weather_get_weather") && names.contains(&"ledger_post_entry"), "{names:?}");

    let weather = json!({"name": "weather_get_weather", "arguments": {"city": "Paris"}});
    let first = client.request(2, "tools/call", weather.clone()).await;
    assert_eq!(first[0]["result"]["structuredContent"]["city"], "Paris");
    let cached = client.request(3, "tools/call", weather).await;
    assert_eq!(cached[0]["result"], first[0]["result"]);

    client.request(4, "tools/call", json!({"name": "ledger_open_account", "arguments": {"account": "rent"}})).await;
    let posted = json!({"name": "ledger_post_entry", "arguments": {"account": "rent", "cents": 1250}});
    let posted = client.request(5, "tools/call", posted).await;
    assert_eq!(posted[0]["result"]["structuredContent"], json!({"account": "rent", "cents": 1250}));
    let overdrawn = json!({"name": "ledger_post_entry", "arguments": {"account": "rent", "cents": -5000}});
    assert_eq!(client.request(6, "tools/call", overdrawn).await[0]["result"]["isError"], true);
    let read = client.request(7, "resources/read", json!({"uri": "ledger://ledger/accounts/rent"})).await;
    assert_eq!(read[0]["result"]["contents"][0]["uri"], "ledger://ledger/accounts/rent");
    assert!(read[0]["result"]["contents"][0]["text"].as_str().unwrap().contains("1250"));
}
