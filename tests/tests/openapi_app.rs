//! The openapi example: REST routes documented with utoipa, served as MCP
//! tools on the same port, each call going to the same router in process.

use mcp_integration_tests::{Era, EraClient, spawn};
use serde_json::json;

#[tokio::test]
async fn the_rest_routes_are_tools_beside_themselves() {
    let base = spawn(mcp_examples::openapi::app(quickmcp_axum::McpConfig::default())).await;
    let client = EraClient::connect(format!("{base}/mcp"), Era::Stateless, json!({})).await;
    let tools = client.request("tools/list", json!({})).await;
    let names: Vec<&str> = tools["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["list_todos", "add_todo", "complete_todo"], "the `ops`-tagged health route is left out");
    let added = client.call("add_todo", json!({"title": "water the plants"})).await;
    assert_eq!(added["structuredContent"], json!({"id": 1, "title": "water the plants", "done": false}));
    let done = client.call("complete_todo", json!({"id": 1})).await;
    assert_eq!(done["structuredContent"]["done"], true);
    let missing = client.call("complete_todo", json!({"id": 9})).await;
    assert_eq!(missing["isError"], true);
    // The REST route sees what the tools did: one app, one state.
    let todos: serde_json::Value =
        reqwest::get(format!("{base}/api/todos?done=true")).await.unwrap().json().await.unwrap();
    assert_eq!(todos, json!([{"id": 1, "title": "water the plants", "done": true}]));
    let listed = client.call("list_todos", json!({"done": false})).await;
    assert_eq!(listed["structuredContent"], json!({"result": []}));
}
