//! Session-era features the conformance suite also exercises, covered by
//! our own tests: elicitation and roots round trips on the POST stream,
//! resource subscriptions on the GET stream, concurrent streams in one
//! session.

use mcp_integration_tests::fixtures::{ask_name, nap, readme};
use mcp_integration_tests::{HttpClient, read_events, spawn};
use quickmcp::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

/// Sends the user to a URL.
#[tool]
async fn open_page(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .elicit_url("Sign in", "https://example.com/login", "e-1")
        .await
        .map_err(|e| ToolError::new(e.to_string()))?;
    Ok(answer.action)
}

/// Counts the client's roots.
#[tool]
async fn count_roots(ctx: Context) -> Result<String, ToolError> {
    let roots = ctx.roots().await.map_err(|e| ToolError::new(e.to_string()))?;
    Ok(roots["roots"].as_array().map_or(0, Vec::len).to_string())
}

/// Echoes after a pause, logging first so the answer streams.
#[tool]
async fn slow_echo(text: String, ctx: Context) -> String {
    ctx.info("echoing").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    text
}

/// Quotes another resource of this server.
#[tool]
async fn quote_readme(ctx: Context) -> Result<String, ToolError> {
    let contents = ctx.read_resource("doc://readme").await.map_err(|e| ToolError::new(e.to_string()))?;
    Ok(format!("readme says: {}", contents[0].text.clone().unwrap_or_default()))
}

async fn start() -> (Server, HttpClient) {
    let server = Server::builder("session", "0")
        .tools(tools![ask_name, open_page, count_roots, slow_echo, quote_readme, nap])
        .resources(resources![readme])
        .build();
    let url = spawn(quickmcp_axum::McpRouter::new(server.clone()).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    (server, client)
}

/// Calls `tool` and answers the one server→client request it sends with `answer`.
async fn call_answering(client: &HttpClient, tool: &str, answer: Value) -> (Value, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": tool, "arguments": {}}});
    let response = client.post(&body).await;
    if response.headers()["content-type"] == "application/json" {
        return (Value::Null, response.json().await.unwrap());
    }
    let answerer = client.clone();
    let mut asked = Value::Null;
    let events = read_events(response, Duration::from_secs(5), |message| {
        if message.get("method").is_some() && message.get("id").is_some() {
            asked = message.clone();
            let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": answer});
            let answerer = answerer.clone();
            tokio::spawn(async move { assert_eq!(answerer.post(&reply).await.status(), 202) });
        }
        message["id"] == 9
    })
    .await;
    (asked, events.last().unwrap().1.clone())
}

#[tokio::test]
async fn elicitation_round_trip_in_form_mode() {
    let (_, client) = start().await;
    let (asked, result) =
        call_answering(&client, "ask_name", json!({"action": "accept", "content": {"name": "Bo"}})).await;
    assert_eq!(asked["method"], "elicitation/create");
    assert_eq!(asked["params"]["mode"], "form");
    assert_eq!(asked["params"]["requestedSchema"]["properties"]["name"]["default"], "Ann");
    assert_eq!(result["result"]["content"][0]["text"], "accept: \"Bo\"");
}

#[tokio::test]
async fn url_elicitation_needs_the_url_capability() {
    let (_, client) = start().await;
    let (asked, result) = call_answering(&client, "open_page", json!({"action": "accept"})).await;
    assert!(asked.is_null(), "the client declared elicitation without url mode");
    assert_eq!(result["result"]["isError"], true);
    assert!(result["result"]["content"][0]["text"].as_str().unwrap().contains("elicitation"));
}

#[tokio::test]
async fn roots_round_trip() {
    let (_, client) = start().await;
    let roots = json!({"roots": [{"uri": "file:///a"}, {"uri": "file:///b"}]});
    let (asked, result) = call_answering(&client, "count_roots", roots).await;
    assert_eq!(asked["method"], "roots/list");
    assert_eq!(result["result"]["content"][0]["text"], "2");
}

#[tokio::test]
async fn subscribed_resources_announce_updates_on_the_get_stream() {
    let (server, client) = start().await;
    let stream = client.get_stream(None).await;
    assert_eq!(client.request(1, "resources/subscribe", json!({"uri": "doc://readme"})).await[0]["result"], json!({}));
    server.notify_resource_updated("doc://other");
    server.notify_resource_updated("doc://readme");
    client.request(2, "resources/unsubscribe", json!({"uri": "doc://readme"})).await;
    server.notify_resource_updated("doc://readme");
    let events = read_events(stream, Duration::from_millis(500), |_| false).await;
    let updates: Vec<&Value> =
        events.iter().map(|(_, m)| m).filter(|m| m["method"] == "notifications/resources/updated").collect();
    assert_eq!(updates.len(), 1, "{events:?}");
    assert_eq!(updates[0]["params"]["uri"], "doc://readme");
}

#[tokio::test]
async fn concurrent_streams_in_one_session_keep_their_own_answers() {
    let (_, client) = start().await;
    let calls = (0..3).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            let body = json!({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                "params": {"name": "slow_echo", "arguments": {"text": format!("call {i}")}}});
            let response = client.post(&body).await;
            read_events(response, Duration::from_secs(5), |m| m.get("result").is_some()).await
        })
    });
    for (i, call) in calls.enumerate() {
        let events = call.await.unwrap();
        let stream = events[0].0.clone().unwrap();
        let stream = stream.split('-').next().unwrap().to_owned();
        assert!(events.iter().all(|(id, _)| id.as_deref().unwrap().starts_with(&format!("{stream}-"))));
        let last = &events.last().unwrap().1;
        assert_eq!(last["id"], 100 + i);
        assert_eq!(last["result"]["content"][0]["text"], format!("call {i}"));
    }
}

#[tokio::test]
async fn handlers_read_other_resources() {
    let (_, client) = start().await;
    let answer = client.request(1, "tools/call", json!({"name": "quote_readme", "arguments": {}})).await;
    assert_eq!(answer[0]["result"]["content"][0]["text"], "readme says: read me");
}

#[tokio::test]
async fn a_dropped_connection_before_any_event_stops_the_handler() {
    let (server, client) = start().await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "nap", "arguments": {}}});
    assert!(tokio::time::timeout(Duration::from_millis(200), client.post(&body)).await.is_err());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let named = quickmcp::server::SessionSource::Named(client.session.as_deref());
    let session = server.find_session(named, &Default::default()).await.unwrap().unwrap();
    assert!(!session.is_in_flight(&quickmcp::protocol::jsonrpc::RequestId::Number(1)), "the request was dropped");
}
