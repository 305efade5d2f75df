//! The 2026-07-28 stateless era over a real socket, served beside the
//! session era by the same functions.

use mcp_integration_tests::{HttpClient, messages, spawn};
use quickmcp::prelude::*;
use serde_json::{Value, json};

const V: &str = "2026-07-28";

/// Greets the user by the name it asks for.
#[tool]
async fn greet(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]});
    let answer =
        ctx.input("user_name").elicit("Your name?", schema).await.map_err(|e| ToolError::new(e.to_string()))?;
    Ok(format!("Hello, {}!", answer.content.unwrap_or_default()["name"].as_str().unwrap_or("?")))
}

// Not `fixtures::add`: the log-level tests need a tool that logs.
/// Adds two integers, logging at info.
#[tool]
async fn add(a: i64, b: i64, ctx: Context) -> String {
    ctx.info("adding").await;
    (a + b).to_string()
}

fn meta(capabilities: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
    })
}

async fn start() -> HttpClient {
    let server = Server::builder("eras", "0").tools(tools![greet, add]).build();
    HttpClient::new(format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await))
}

/// POSTs a stateless-era request with conformant headers plus `extra`.
async fn send(client: &HttpClient, method: &str, params: Value, extra: &[(&str, &str)]) -> (u16, Vec<Value>) {
    let mut headers = vec![("mcp-protocol-version", V), ("mcp-method", method)];
    let name = params.get("name").or_else(|| params.get("uri")).and_then(Value::as_str).map(str::to_owned);
    if let Some(name) = &name {
        headers.push(("mcp-name", name.as_str()));
    }
    headers.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    headers.extend_from_slice(extra);
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let response = client.post_with(&headers).body(body.to_string()).send().await.unwrap();
    (response.status().as_u16(), messages(response).await)
}

#[tokio::test]
async fn discover_lists_versions_capabilities_and_cache_hints() {
    let client = start().await;
    let (status, answer) = send(&client, "server/discover", json!({"_meta": meta(json!({}))}), &[]).await;
    assert_eq!(status, 200);
    let result = &answer[0]["result"];
    assert_eq!(result["supportedVersions"], json!([V]));
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["cacheScope"], "private");
    assert!(result["ttlMs"].is_u64());
    assert_eq!(result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "eras");
    assert!(result["capabilities"]["tools"].is_object());
    let (_, list) = send(&client, "tools/list", json!({"_meta": meta(json!({}))}), &[]).await;
    assert_eq!(list[0]["result"]["resultType"], "complete");
    assert_eq!(list[0]["result"]["cacheScope"], "public");
}

#[tokio::test]
async fn invalid_meta_and_headers_get_the_prescribed_errors() {
    let client = start().await;
    let (status, answer) = send(&client, "tools/list", json!({}), &[]).await;
    assert_eq!((status, answer[0]["error"]["code"].as_i64()), (400, Some(-32602)));
    assert_eq!(answer[0]["id"], 7, "errors echo the request id");
    let mismatched = json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "v999", "io.modelcontextprotocol/clientCapabilities": {}}});
    let (status, answer) = send(&client, "tools/list", mismatched.clone(), &[]).await;
    assert_eq!((status, answer[0]["error"]["code"].as_i64()), (400, Some(-32020)));
    let (status, answer) = send(&client, "tools/list", mismatched, &[("mcp-protocol-version", "v999")]).await;
    assert_eq!((status, answer[0]["error"]["code"].as_i64()), (400, Some(-32022)));
    assert_eq!(answer[0]["error"]["data"], json!({"supported": [V], "requested": "v999"}));
    let (status, answer) =
        send(&client, "tools/list", json!({"_meta": meta(json!({}))}), &[("mcp-method", "prompts/list")]).await;
    assert_eq!((status, answer[0]["error"]["code"].as_i64()), (400, Some(-32020)));
    let call = json!({"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": meta(json!({}))});
    let (status, _) = send(&client, "tools/call", call.clone(), &[("mcp-name", "greet")]).await;
    assert_eq!(status, 400);
    let (status, answer) = send(&client, "tools/call", call, &[("mcp-name", "  add ")]).await;
    assert_eq!((status, answer[0]["result"]["content"][0]["text"].as_str()), (200, Some("3")));
}

#[tokio::test]
async fn removed_and_unknown_methods_are_404() {
    let client = start().await;
    for method in ["initialize", "ping", "logging/setLevel", "resources/subscribe", "no/such"] {
        let (status, answer) = send(&client, method, json!({"_meta": meta(json!({}))}), &[]).await;
        assert_eq!((status, answer[0]["error"]["code"].as_i64()), (404, Some(-32601)), "{method}");
    }
    let get = client.http.get(&client.url).header("mcp-protocol-version", V).header("accept", "text/event-stream");
    assert_eq!(get.send().await.unwrap().status(), 405);
    assert_eq!(client.http.delete(&client.url).header("mcp-protocol-version", V).send().await.unwrap().status(), 405);
}

#[tokio::test]
async fn elicitation_becomes_a_signed_multi_round_trip() {
    let client = start().await;
    let call = |extra: Value| {
        let mut params = json!({"name": "greet", "arguments": {}, "_meta": meta(json!({"elicitation": {}}))});
        params.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        params
    };
    let (_, round1) = send(&client, "tools/call", call(json!({})), &[]).await;
    let result = &round1[0]["result"];
    assert_eq!(result["resultType"], "input_required");
    assert_eq!(result["inputRequests"]["user_name"]["method"], "elicitation/create");
    let state = result["requestState"].as_str().unwrap().to_owned();
    let answer = json!({"user_name": {"action": "accept", "content": {"name": "Alice"}}});
    let (_, round2) =
        send(&client, "tools/call", call(json!({"inputResponses": answer, "requestState": state})), &[]).await;
    assert_eq!(round2[0]["result"]["resultType"], "complete");
    assert_eq!(round2[0]["result"]["content"][0]["text"], "Hello, Alice!");
    let tampered = format!("{state}x");
    let (_, forged) =
        send(&client, "tools/call", call(json!({"inputResponses": answer, "requestState": tampered})), &[]).await;
    assert_eq!(forged[0]["error"]["code"], -32602);
    let (_, wrong) = send(&client, "tools/call", call(json!({"inputResponses": {"other": 1}})), &[]).await;
    assert_eq!(wrong[0]["result"]["resultType"], "input_required", "an unanswered question is asked again");
}

#[tokio::test]
async fn a_missing_capability_is_400_naming_it() {
    let client = start().await;
    let (status, answer) =
        send(&client, "tools/call", json!({"name": "greet", "arguments": {}, "_meta": meta(json!({}))}), &[]).await;
    assert_eq!(status, 400);
    assert_eq!(answer[0]["error"]["code"], -32021);
    assert_eq!(answer[0]["error"]["data"]["requiredCapabilities"], json!({"elicitation": {}}));
}

#[tokio::test]
async fn logs_only_when_the_request_asks_for_them() {
    let client = start().await;
    let call = |log: Option<&str>| {
        let mut m = meta(json!({}));
        if let Some(level) = log {
            m["io.modelcontextprotocol/logLevel"] = level.into();
        }
        json!({"name": "add", "arguments": {"a": 1, "b": 1}, "_meta": m})
    };
    let (_, quiet) = send(&client, "tools/call", call(None), &[]).await;
    assert_eq!(quiet.len(), 1);
    let (_, loud) = send(&client, "tools/call", call(Some("info")), &[]).await;
    assert_eq!(loud[0]["method"], "notifications/message");
    assert_eq!(loud.last().unwrap()["result"]["resultType"], "complete");
    let (_, filtered) = send(&client, "tools/call", call(Some("error")), &[]).await;
    assert_eq!(filtered.len(), 1);
}

#[tokio::test]
async fn the_same_tool_serves_both_eras() {
    let mut client = start().await;
    let (_, stateless) = send(
        &client,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 2}, "_meta": meta(json!({}))}),
        &[],
    )
    .await;
    assert_eq!(stateless[0]["result"]["content"][0]["text"], "4");
    client.initialize().await;
    let session = client.request(1, "tools/call", json!({"name": "add", "arguments": {"a": 2, "b": 2}})).await;
    assert_eq!(session.last().unwrap()["result"]["content"][0]["text"], "4");
    assert!(session.last().unwrap()["result"].get("resultType").is_none());
}

#[tokio::test]
async fn listen_streams_acknowledge_filter_and_tag_notifications() {
    use mcp_integration_tests::read_events;
    use std::time::Duration;
    let server = Server::builder("eras", "0").tools(tools![greet, add]).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server.clone()).into_router()).await;
    let client = HttpClient::new(format!("{url}/mcp"));
    let listen = |filter: Value| {
        let body = json!({"jsonrpc": "2.0", "id": "sub-1", "method": "subscriptions/listen",
            "params": {"notifications": filter, "_meta": meta(json!({}))}});
        client
            .post_with(&[("mcp-protocol-version", V), ("mcp-method", "subscriptions/listen")])
            .body(body.to_string())
            .send()
    };
    let tools_stream = listen(json!({"toolsListChanged": true})).await.unwrap();
    let prompts_stream = listen(json!({"promptsListChanged": true})).await.unwrap();
    assert_eq!(tools_stream.status(), 200);
    while server.listener_count() < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.remove_tool("greet");
    let events =
        read_events(tools_stream, Duration::from_secs(2), |m| m["method"] == "notifications/tools/list_changed").await;
    assert_eq!(events[0].1["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(events[0].1["params"]["notifications"], json!({"toolsListChanged": true}));
    assert!(events.iter().all(|(_, m)| m["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "sub-1"));
    assert_eq!(events.last().unwrap().1["method"], "notifications/tools/list_changed");
    let others = read_events(prompts_stream, Duration::from_millis(300), |_| false).await;
    assert!(others.iter().all(|(_, m)| m["method"] != "notifications/tools/list_changed"), "the filter holds");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.listener_count(), 0, "closed streams unregister");
}

#[tokio::test]
async fn a_listener_follows_a_bounded_number_of_resources() {
    let client = start().await;
    let uris: Vec<String> = (0..=quickmcp::server::MAX_SUBSCRIPTIONS).map(|n| format!("doc://{n}")).collect();
    let params = json!({"notifications": {"resourceSubscriptions": uris}, "_meta": meta(json!({}))});
    let (status, answer) = send(&client, "subscriptions/listen", params, &[]).await;
    assert_eq!((status, answer[0]["error"]["code"].as_i64()), (200, Some(-32602)));
}
