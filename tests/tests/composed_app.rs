//! The composed example over a real socket, through mcp-client: two mounted
//! servers behind one endpoint, with the parent's middleware around both.

use mcp_examples::composed;
use mcp_integration_tests::spawn;
use serde_json::{Value, json};

#[tokio::test]
async fn both_servers_answer_under_their_prefixes() {
    let url = spawn(composed::app(quickmcp_axum::McpConfig::default())).await;
    let client = quickmcp_client::Client::builder().connect_http(&format!("{url}/mcp")).await.unwrap();
    let tools = client.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"weather_get_weather") && names.contains(&"ledger_post_entry"), "{names:?}");

    let first = client.call_tool("weather_get_weather", json!({"city": "Paris"})).await.unwrap();
    assert_eq!(first.structured_content.as_ref().unwrap()["city"], "Paris");
    let cached = client.call_tool("weather_get_weather", json!({"city": "Paris"})).await.unwrap();
    assert_eq!(cached.structured_content, first.structured_content);

    client.call_tool("ledger_open_account", json!({"account": "rent"})).await.unwrap();
    let posted: Value =
        client.call_tool_as("ledger_post_entry", json!({"account": "rent", "cents": 1250})).await.unwrap();
    assert_eq!(posted, json!({"account": "rent", "cents": 1250}));
    let overdrawn = client.call_tool("ledger_post_entry", json!({"account": "rent", "cents": -5000})).await.unwrap();
    assert!(overdrawn.is_error);
    let read = client.read_resource("ledger://ledger/accounts/rent").await.unwrap();
    assert_eq!(read[0]["uri"], "ledger://ledger/accounts/rent");
    assert!(read[0]["text"].as_str().unwrap().contains("1250"));
}
