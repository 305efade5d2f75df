//! The weather example end to end over a real socket, through mcp-client:
//! REST and MCP from one app, tools, resources, prompts, completion.

use mcp_examples::weather;
use mcp_integration_tests::spawn;
use quickmcp_client::{Client, ClientError, Era};
use serde_json::{Value, json};

async fn start() -> (String, Client) {
    let url = spawn(weather::app(quickmcp_axum::McpConfig::default())).await;
    let client = Client::builder().era(Era::Session).connect_http(&format!("{url}/mcp")).await.unwrap();
    assert_eq!(client.protocol_version(), Some("2025-11-25"));
    assert_eq!(client.server()["serverInfo"]["name"], "weather");
    (url, client)
}

/// The JSON-RPC error code of a failed call.
fn code<T: std::fmt::Debug>(answer: Result<T, ClientError>) -> i64 {
    match answer {
        Err(ClientError::Rpc(error)) => error.code,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn rest_route_and_mcp_endpoint_share_one_app() {
    let (url, client) = start().await;
    let cities: Value = reqwest::get(format!("{url}/api/cities")).await.unwrap().json().await.unwrap();
    assert!(cities.as_array().unwrap().contains(&json!("Paris")));
    client.ping().await.unwrap();
}

#[tokio::test]
async fn lists_the_four_tools_and_calls_them() {
    let (_, client) = start().await;
    let tools = client.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["get_weather", "convert_units", "analyze_text", "health_check"]);
    assert_eq!(tools[0]["inputSchema"]["required"], json!(["city"]));
    assert!(!tools[0]["inputSchema"]["properties"]["units"].to_string().contains("null"));
    assert_eq!(tools[3]["inputSchema"]["type"], "object");
    assert_eq!(tools[3]["inputSchema"]["properties"], json!({}));

    let converted =
        client.call_tool("convert_units", json!({"value": 100, "from": "celsius", "to": "fahrenheit"})).await.unwrap();
    assert_eq!(converted.text(), "100 celsius = 212.0 fahrenheit");
    let paris: Value = client.call_tool_as("get_weather", json!({"city": "Paris"})).await.unwrap();
    assert_eq!((&paris["city"], &paris["demo_data"]), (&json!("Paris"), &json!(true)));
    assert!(client.call_tool("get_weather", json!({"city": "Atlantis"})).await.unwrap().is_error);
}

#[tokio::test]
async fn forecast_template_reads_and_completes() {
    let (_, client) = start().await;
    let templates = client.list_resource_templates().await.unwrap();
    assert_eq!(templates[0]["uriTemplate"], "weather://forecast/{city}");
    let contents = client.read_resource("weather://forecast/Paris").await.unwrap();
    assert_eq!(contents[0]["mimeType"], "application/json");
    let forecast: Value = serde_json::from_str(contents[0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(forecast["days"].as_array().unwrap().len(), 5);
    assert_eq!(code(client.read_resource("weather://forecast/Atlantis").await), -32002);
    let completion = client
        .complete(
            json!({"type": "ref/resource", "uri": "weather://forecast/{city}"}),
            json!({"name": "city", "value": "Pa"}),
        )
        .await
        .unwrap();
    assert_eq!(completion["values"], json!(["Paris"]));
}

#[tokio::test]
async fn trip_prompt_renders_with_arguments() {
    let (_, client) = start().await;
    let prompts = client.list_prompts().await.unwrap();
    assert_eq!(prompts[0]["name"], "plan_trip");
    assert_eq!(
        prompts[0]["arguments"][0],
        json!({"name": "city", "description": "Destination city.", "required": true})
    );
    assert_eq!(prompts[0]["arguments"][1]["required"], false);
    let got = client.get_prompt("plan_trip", json!({"city": "Tokyo"})).await.unwrap();
    assert!(got["messages"][0]["content"]["text"].as_str().unwrap().contains("3-day trip to Tokyo"));
    assert_eq!(code(client.get_prompt("plan_trip", json!({})).await), -32602);
}
