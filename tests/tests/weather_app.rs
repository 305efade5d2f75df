//! The weather example end to end over a real socket: REST and MCP from one
//! app, initialize → tools/list → tools/call, resources, prompts, completion.

use mcp_examples::weather;
use mcp_integration_tests::{HttpClient, spawn};
use serde_json::{Value, json};

async fn start() -> (String, HttpClient) {
    let url = spawn(weather::app(mcp_axum::McpConfig::default())).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    let init = client.initialize().await;
    assert_eq!(init["protocolVersion"], "2025-11-25");
    assert_eq!(init["serverInfo"]["name"], "weather");
    assert!(client.session.is_some());
    (url, client)
}

#[tokio::test]
async fn rest_route_and_mcp_endpoint_share_one_app() {
    let (url, client) = start().await;
    let cities: Value = reqwest::get(format!("{url}/api/cities")).await.unwrap().json().await.unwrap();
    assert!(cities.as_array().unwrap().contains(&json!("Paris")));
    let answer = client.request(1, "ping", json!({})).await;
    assert_eq!(answer[0]["result"], json!({}));
}

#[tokio::test]
async fn lists_the_four_tools_and_calls_them() {
    let (_, client) = start().await;
    let list = client.request(1, "tools/list", json!({})).await;
    let names: Vec<&str> =
        list[0]["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["get_weather", "convert_units", "analyze_text", "health_check"]);
    let get_weather = &list[0]["result"]["tools"][0];
    assert_eq!(get_weather["inputSchema"]["required"], json!(["city"]));
    assert!(!get_weather["inputSchema"]["properties"]["units"].to_string().contains("null"));
    let health = &list[0]["result"]["tools"][3];
    assert_eq!(health["inputSchema"]["type"], "object");
    assert_eq!(health["inputSchema"]["properties"], json!({}));

    let call = client
        .request(
            2,
            "tools/call",
            json!({"name": "convert_units", "arguments": {"value": 100, "from": "celsius", "to": "fahrenheit"}}),
        )
        .await;
    assert_eq!(call[0]["result"]["content"][0]["text"], "100 celsius = 212.0 fahrenheit");
    let call = client.request(3, "tools/call", json!({"name": "get_weather", "arguments": {"city": "Paris"}})).await;
    assert_eq!(call[0]["result"]["structuredContent"]["city"], "Paris");
    assert_eq!(call[0]["result"]["structuredContent"]["demo_data"], true);
    let call = client.request(4, "tools/call", json!({"name": "get_weather", "arguments": {"city": "Atlantis"}})).await;
    assert_eq!(call[0]["result"]["isError"], true);
}

#[tokio::test]
async fn forecast_template_reads_and_completes() {
    let (_, client) = start().await;
    let templates = client.request(1, "resources/templates/list", json!({})).await;
    assert_eq!(templates[0]["result"]["resourceTemplates"][0]["uriTemplate"], "weather://forecast/{city}");
    let read = client.request(2, "resources/read", json!({"uri": "weather://forecast/Paris"})).await;
    let contents = &read[0]["result"]["contents"][0];
    assert_eq!(contents["mimeType"], "application/json");
    let forecast: Value = serde_json::from_str(contents["text"].as_str().unwrap()).unwrap();
    assert_eq!(forecast["days"].as_array().unwrap().len(), 5);
    let missing = client.request(3, "resources/read", json!({"uri": "weather://forecast/Atlantis"})).await;
    assert_eq!(missing[0]["error"]["code"], -32002);
    let completion = client
        .request(4, "completion/complete", json!({"ref": {"type": "ref/resource", "uri": "weather://forecast/{city}"}, "argument": {"name": "city", "value": "Pa"}}))
        .await;
    assert_eq!(completion[0]["result"]["completion"]["values"], json!(["Paris"]));
}

#[tokio::test]
async fn trip_prompt_renders_with_arguments() {
    let (_, client) = start().await;
    let list = client.request(1, "prompts/list", json!({})).await;
    let prompt = &list[0]["result"]["prompts"][0];
    assert_eq!(prompt["name"], "plan_trip");
    assert_eq!(prompt["arguments"][0], json!({"name": "city", "description": "Destination city.", "required": true}));
    assert_eq!(prompt["arguments"][1]["required"], false);
    let got = client.request(2, "prompts/get", json!({"name": "plan_trip", "arguments": {"city": "Tokyo"}})).await;
    assert!(got[0]["result"]["messages"][0]["content"]["text"].as_str().unwrap().contains("3-day trip to Tokyo"));
    let missing = client.request(3, "prompts/get", json!({"name": "plan_trip"})).await;
    assert_eq!(missing[0]["error"]["code"], -32602);
}
