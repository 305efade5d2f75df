//! The notes example end to end over a real socket: the REST routes and the
//! MCP handlers share one store, prompt arguments are typed, and errors
//! carry the code the handler chose.

use mcp_examples::notes;
use mcp_integration_tests::{HttpClient, spawn};
use serde_json::{Value, json};

async fn start() -> (String, HttpClient) {
    let url = spawn(notes::app(mcp_axum::McpConfig::default())).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    (url, client)
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
    let added = client
        .request(2, "tools/call", json!({"name": "add_note", "arguments": {"title": "trip", "body": "Paris in May"}}))
        .await;
    assert_eq!(added[0]["result"]["structuredContent"], json!({"id": 2, "title": "trip", "body": "Paris in May"}));

    let listed: Value = http.get(format!("{url}/api/notes")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2, "REST sees the note the tool added");
    let read = client.request(3, "resources/read", json!({"uri": "notes://1"})).await;
    let text = read[0]["result"]["contents"][0]["text"].as_str().unwrap();
    assert_eq!(serde_json::from_str::<Value>(text).unwrap()["title"], "groceries", "MCP sees the note REST added");

    let search = json!({"name": "search_notes", "arguments": {"text": "PARIS"}, "_meta": {"progressToken": "p"}});
    let answer = client.request(4, "tools/call", search).await;
    let result = answer.last().unwrap();
    assert_eq!(result["result"]["structuredContent"]["result"][0]["id"], 2, "{result}");
    assert!(answer.iter().any(|m| m["method"] == "notifications/progress"), "{answer:?}");
}

#[tokio::test]
async fn typed_prompt_arguments_and_chosen_error_codes() {
    let (_, client) = start().await;
    client.request(2, "tools/call", json!({"name": "add_note", "arguments": {"title": "t", "body": "b"}})).await;
    let prompt =
        client.request(3, "prompts/get", json!({"name": "summarize", "arguments": {"id": "1", "words": "10"}})).await;
    let text = prompt[0]["result"]["messages"][0]["content"]["text"].as_str().unwrap();
    assert!(text.starts_with("Summarise this note in at most 10 words."), "{text}");
    let missing = client.request(4, "prompts/get", json!({"name": "summarize", "arguments": {"id": "9"}})).await;
    assert_eq!(missing[0]["error"], json!({"code": -32602, "message": "Not found: note 9"}));
    let invalid = client.request(5, "prompts/get", json!({"name": "summarize", "arguments": {"id": "one"}})).await;
    assert_eq!(invalid[0]["error"]["code"], -32602);
    let gone = client.request(6, "resources/read", json!({"uri": "notes://9"})).await;
    assert_eq!(gone[0]["error"]["code"], -32002);
    let deleted = client.request(7, "tools/call", json!({"name": "delete_note", "arguments": {"id": 9}})).await;
    assert_eq!(deleted[0]["result"]["isError"], true);
}
