//! The notes example end to end over a real socket, through mcp-client: the
//! REST routes and the MCP handlers share one store, prompt arguments are
//! typed, and errors carry the code the handler chose.

use mcp_examples::notes;
use mcp_integration_tests::spawn;
use quickmcp_client::{Client, ClientError, Era};
use serde_json::{Value, json};

async fn start() -> (String, Client) {
    let url = spawn(notes::app(quickmcp_axum::McpConfig::default())).await;
    (url.clone(), Client::builder().connect_http(&format!("{url}/mcp")).await.unwrap())
}

#[tokio::test]
async fn rest_routes_and_tools_share_the_notes() {
    let (url, client) = start().await;
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{url}/api/notes"))
        .json(&json!({"title": "groceries", "body": "milk, eggs"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let added: Value = client.call_tool_as("add_note", json!({"title": "trip", "body": "Paris in May"})).await.unwrap();
    assert_eq!(added, json!({"id": 2, "title": "trip", "body": "Paris in May"}));

    let listed: Value = http.get(format!("{url}/api/notes")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2, "REST sees the note the tool added");
    let read = client.read_resource("notes://1").await.unwrap();
    let note: Value = serde_json::from_str(read[0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(note["title"], "groceries", "MCP sees the note REST added");

    let mut notifications = client.notifications();
    let search = json!({"name": "search_notes", "arguments": {"text": "PARIS"}, "_meta": {"progressToken": "p"}});
    let found = client.request("tools/call", search).await.unwrap();
    assert_eq!(found["structuredContent"]["result"][0]["id"], 2, "{found}");
    let progress = notifications.try_recv().expect("a progress notification came before the result");
    assert_eq!(progress.method, "notifications/progress");
}

#[tokio::test]
async fn typed_prompt_arguments_and_chosen_error_codes() {
    let (_, client) = start().await;
    client.call_tool("add_note", json!({"title": "t", "body": "b"})).await.unwrap();
    let prompt = client.get_prompt("summarize", json!({"id": "1", "words": "10"})).await.unwrap();
    let text = prompt["messages"][0]["content"]["text"].as_str().unwrap();
    assert!(text.starts_with("Summarise this note in at most 10 words."), "{text}");
    let rpc = |answer: Result<Value, ClientError>| match answer {
        Err(ClientError::Rpc(error)) => (error.code, error.message),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    };
    assert_eq!(rpc(client.get_prompt("summarize", json!({"id": "9"})).await), (-32602, "Not found: note 9".into()));
    assert_eq!(rpc(client.get_prompt("summarize", json!({"id": "one"})).await).0, -32602);
    // An unknown resource: -32002 in the session era, -32602 in the stateless one.
    let not_found = if client.era() == Era::Stateless { -32602 } else { -32002 };
    assert_eq!(rpc(client.read_resource("notes://9").await.map(Value::from)).0, not_found);
    assert!(client.call_tool("delete_note", json!({"id": 9})).await.unwrap().is_error);
}
