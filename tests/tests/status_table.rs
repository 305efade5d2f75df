//! Every row of the transport's status table (DESIGN §5), over a real
//! socket: what a client sending bad input gets back.

use mcp_integration_tests::fixtures::add;
use mcp_integration_tests::{HttpClient, spawn};
use quickmcp::prelude::*;
use serde_json::{Value, json};

fn server() -> Server {
    Server::builder("status-table", "0").tools(tools![add]).build()
}

async fn session_client() -> HttpClient {
    let url = spawn(quickmcp_axum::McpRouter::new(server()).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    client
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON error body");
    (status, body)
}

#[tokio::test]
async fn malformed_json_is_400_parse_error() {
    let client = session_client().await;
    let (status, body) = error_of(client.post_builder().body("{not json").send().await.unwrap()).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (400, Some(-32700)));
    assert!(body["id"].is_null());
}

#[tokio::test]
async fn invalid_requests_are_400_invalid_request() {
    let client = session_client().await;
    for bad in
        [json!({"id": 1, "method": "ping"}), json!([]), json!({"jsonrpc": "2.0", "id": {"x": 1}, "method": "ping"})]
    {
        let (status, body) = error_of(client.post(&bad).await).await;
        assert_eq!((status, body["error"]["code"].as_i64()), (400, Some(-32600)), "{bad}");
    }
}

#[tokio::test]
async fn unknown_methods_and_bad_params_are_json_rpc_errors() {
    let client = session_client().await;
    let answer = client.request(5, "no/such/method", json!({})).await;
    assert_eq!(answer[0]["error"]["code"], -32601);
    assert_eq!(answer[0]["id"], 5);
    let answer = client.request(6, "tools/call", json!({"name": 42})).await;
    assert_eq!(answer[0]["error"]["code"], -32602);
    let answer = client.request(7, "tools/call", json!({"name": "nope"})).await;
    assert_eq!(answer[0]["error"]["code"], -32602);
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_naming_the_argument() {
    let client = session_client().await;
    let answer = client.request(1, "tools/call", json!({"name": "add", "arguments": {"a": "x", "b": 1}})).await;
    let result = &answer[0]["result"];
    assert_eq!(result["isError"], true);
    // What the model reads: the argument and the type, no serde positions, no value.
    assert_eq!(result["content"][0]["text"], "invalid value for argument `a`: expected i64, got a string", "{result}");
    let answer = client.request(2, "tools/call", json!({"name": "add", "arguments": {"a": 1}})).await;
    assert!(answer[0]["result"]["content"][0]["text"].as_str().unwrap().contains("missing required argument `b`"));
}

#[tokio::test]
async fn wrong_accept_is_406_and_wrong_content_type_is_415() {
    let client = session_client().await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let response = client.post_with(&[("accept", "application/json")]).body(ping.clone()).send().await.unwrap();
    assert_eq!(response.status(), 406);
    let response = client.post_with(&[("content-type", "text/plain")]).body(ping).send().await.unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let url = spawn(
        quickmcp_axum::McpRouter::new(server())
            .config(quickmcp_axum::McpConfig { max_body: 1024, ..Default::default() })
            .into_router(),
    )
    .await;
    let client = HttpClient::new(format!("{url}/mcp"));
    let huge = json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x".repeat(4096)}});
    assert_eq!(client.post(&huge).await.status(), 413);
}

#[tokio::test]
async fn missing_session_is_400_and_unknown_session_is_404() {
    let mut client = session_client().await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let real = client.session.take();
    assert_eq!(client.post(&ping).await.status(), 400);
    client.session = Some("0123456789abcdef0123456789abcdef".into());
    assert_eq!(client.post(&ping).await.status(), 404);
    client.session = real;
    assert_eq!(client.post(&ping).await.status(), 200);
}

#[tokio::test]
async fn delete_ends_the_session_for_good() {
    let client = session_client().await;
    let session = client.session.clone().unwrap();
    let delete = |id: String| client.http.delete(&client.url).header("mcp-session-id", id).send();
    assert_eq!(delete(session.clone()).await.unwrap().status(), 200);
    assert_eq!(delete(session).await.unwrap().status(), 404);
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    assert_eq!(client.post(&ping).await.status(), 404);
}

#[tokio::test]
async fn notifications_and_responses_are_202_with_an_empty_body() {
    let client = session_client().await;
    for message in [
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 99}}),
        json!({"jsonrpc": "2.0", "id": "srv-unknown", "result": {}}),
    ] {
        let response = client.post(&message).await;
        assert_eq!(response.status(), 202);
        assert!(response.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn unsupported_protocol_version_header_is_400() {
    let client = session_client().await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let response = client.post_with(&[("mcp-protocol-version", "1999-01-01")]).body(ping).send().await.unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn foreign_host_or_origin_is_403() {
    let client = session_client().await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let response = client.post_builder().header("host", "evil.example.com").body(ping.clone()).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let response =
        client.post_builder().header("origin", "http://evil.example.com").body(ping.clone()).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let response = client.post_builder().header("origin", "http://localhost:5173").body(ping).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn stateless_mode_has_no_sessions_get_or_delete() {
    let url = spawn(quickmcp_axum::McpRouter::new(server()).stateless(true).into_router()).await;
    let client = HttpClient::new(format!("{url}/mcp"));
    let answer = client.request(1, "tools/call", json!({"name": "add", "arguments": {"a": 2, "b": 3}})).await;
    assert_eq!(answer[0]["result"]["content"][0]["text"], "5");
    let init = client
        .post(&json!({"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}))
        .await;
    assert_eq!(init.status(), 200);
    assert!(init.headers().get("mcp-session-id").is_none());
    assert_eq!(client.http.get(&client.url).header("accept", "text/event-stream").send().await.unwrap().status(), 405);
    assert_eq!(client.http.delete(&client.url).send().await.unwrap().status(), 405);
}

#[tokio::test]
async fn other_methods_are_405_naming_the_allowed_ones() {
    let url = spawn(quickmcp_axum::McpRouter::new(server()).into_router()).await;
    let client = HttpClient::new(format!("{url}/mcp"));
    for method in [reqwest::Method::PUT, reqwest::Method::PATCH, reqwest::Method::HEAD] {
        let response = client.http.request(method.clone(), &client.url).send().await.unwrap();
        assert_eq!(response.status(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "GET,POST,DELETE", "{method}");
    }
}

#[tokio::test]
async fn session_limit_is_503() {
    let server = Server::builder("full", "0").max_sessions(1).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;
    let mut first = HttpClient::new(format!("{url}/mcp"));
    first.initialize().await;
    let second = HttpClient::new(format!("{url}/mcp"));
    let init = second
        .post(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}))
        .await;
    assert_eq!(init.status(), 503);
}

/// Panics, as buggy code sometimes does.
#[tool]
async fn buggy() -> String {
    panic!("bug in a tool")
}

#[tokio::test]
async fn a_panicking_tool_is_an_internal_error_and_the_server_keeps_serving() {
    let server = Server::builder("panics", "0").tools(tools![add, buggy]).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    let answer = client.request(1, "tools/call", json!({"name": "buggy", "arguments": {}})).await;
    assert_eq!(answer[0]["error"]["code"], -32603);
    let answer = client.request(2, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 1}})).await;
    assert_eq!(answer[0]["result"]["content"][0]["text"], "2");
}

/// Multiplies two integers.
#[tool]
async fn mul(a: i64, b: i64) -> String {
    (a * b).to_string()
}

#[tokio::test]
async fn lists_page_with_opaque_cursors() {
    let server = Server::builder("pages", "0").tools(tools![add, mul, buggy]).page_size(2).build();
    let mut client = quickmcp_axum::TestClient::new(quickmcp_axum::McpRouter::new(server).into_router());
    client.initialize().await;
    let first = client.request("tools/list", json!({})).await;
    let names = |page: &Value| page["tools"].as_array().unwrap().iter().map(|t| t["name"].clone()).collect::<Vec<_>>();
    assert_eq!(names(&first), [json!("add"), json!("mul")]);
    let cursor = first["nextCursor"].as_str().expect("a next page").to_owned();
    let second = client.request("tools/list", json!({"cursor": cursor})).await;
    assert_eq!(names(&second), [json!("buggy")]);
    assert!(second.get("nextCursor").is_none());
    let bad = client.request("tools/list", json!({"cursor": "not-a-cursor"})).await;
    assert_eq!(bad["error"]["code"], -32602);
}
