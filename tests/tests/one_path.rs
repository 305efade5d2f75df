//! One path for every message: the same requests, sent over HTTP and over
//! stdio, get byte-identical JSON-RPC answers in both protocol eras (both
//! transports hand each message to `Server::receive` and only frame what
//! comes back).

use mcp_integration_tests::fixtures::add;
use quickmcp::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};

/// Fails on purpose.
#[tool]
async fn refuse() -> Result<String, String> {
    Err("no".into())
}

/// Greets someone.
#[prompt]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

fn server() -> Server {
    Server::builder("one-path", "1.0.0").tools(tools![add, refuse]).prompts(prompts![greet]).build()
}

/// The requests both eras send after their opening: successes, tool
/// errors, protocol errors.
fn script() -> Vec<(&'static str, Value)> {
    vec![
        ("ping", json!({})),
        ("tools/list", json!({})),
        ("tools/call", json!({"name": "add", "arguments": {"a": 2, "b": 40}})),
        ("tools/call", json!({"name": "add", "arguments": {"a": "two"}})),
        ("tools/call", json!({"name": "refuse", "arguments": {}})),
        ("tools/call", json!({"name": "missing", "arguments": {}})),
        ("prompts/list", json!({})),
        ("prompts/get", json!({"name": "greet", "arguments": {"name": "Ada"}})),
        ("resources/read", json!({"uri": "nowhere://x"})),
        ("made/up", json!({})),
    ]
}

const STATELESS: &str = "2026-07-28";

fn stateless_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": STATELESS,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
    })
}

/// One message sent both ways, with the headers HTTP needs for it.
struct Message {
    body: Value,
    headers: Vec<(&'static str, String)>,
}

fn session_era() -> Vec<Message> {
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    let mut messages = vec![Message { body: initialize, headers: vec![] }];
    messages.push(Message { body: json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), headers: vec![] });
    for (id, (method, params)) in (1..).zip(script()) {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        messages.push(Message { body, headers: vec![] });
    }
    messages
}

fn stateless_era() -> Vec<Message> {
    let mut script = script();
    script.retain(|(method, _)| *method != "ping");
    script.insert(0, ("server/discover", json!({})));
    let mut messages: Vec<Message> = (1..)
        .zip(script)
        .map(|(id, (method, mut params))| {
            params["_meta"] = stateless_meta();
            let mut headers = vec![("mcp-protocol-version", STATELESS.to_owned()), ("mcp-method", method.to_owned())];
            if let Some(name) = ["name", "uri"].iter().find_map(|k| params.get(*k)?.as_str()) {
                headers.push(("mcp-name", name.to_owned()));
            }
            Message { body: json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}), headers }
        })
        .collect();
    // `_meta` without the client's capabilities: refused before it runs.
    let bad = json!({"jsonrpc": "2.0", "id": 99, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": STATELESS}}});
    let headers = vec![("mcp-protocol-version", STATELESS.to_owned()), ("mcp-method", "tools/list".to_owned())];
    messages.push(Message { body: bad, headers });
    messages
}

/// The answers over HTTP: each JSON body (or the last event of a stream);
/// `None` for a notification (202).
async fn over_http(messages: &[Message]) -> Vec<Option<String>> {
    let router = quickmcp_axum::McpRouter::new(server()).into_router();
    let url = format!("{}/mcp", mcp_integration_tests::spawn(router).await);
    let http = reqwest::Client::new();
    let mut session: Option<String> = None;
    let mut answers = Vec::new();
    for message in messages {
        let mut post = http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json");
        if message.headers.is_empty() {
            post = post.header("mcp-protocol-version", "2025-11-25");
        }
        for (name, value) in &message.headers {
            post = post.header(*name, value);
        }
        if let Some(id) = &session {
            post = post.header("mcp-session-id", id);
        }
        let response = post.body(message.body.to_string()).send().await.unwrap();
        if let Some(id) = response.headers().get("mcp-session-id") {
            session = Some(id.to_str().unwrap().to_owned());
        }
        if response.status() == 202 {
            answers.push(None);
            continue;
        }
        let sse =
            response.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let text = response.text().await.unwrap();
        let body = if sse {
            text.lines().filter_map(|l| l.strip_prefix("data: ")).rfind(|d| !d.is_empty()).unwrap().to_owned()
        } else {
            text
        };
        answers.push(Some(body));
    }
    answers
}

/// The answers over stdio: one line per request; `None` for a notification.
async fn over_stdio(messages: &[Message]) -> Vec<Option<String>> {
    let (mut to_server, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, client_in) = tokio::io::duplex(1 << 16);
    let served = tokio::spawn(server().serve_io(server_in, server_out));
    let mut from_server: Lines<BufReader<DuplexStream>> = BufReader::new(client_in).lines();
    let mut answers = Vec::new();
    for message in messages {
        to_server.write_all(format!("{}\n", message.body).as_bytes()).await.unwrap();
        if message.body.get("id").is_none() {
            answers.push(None);
            continue;
        }
        let line = tokio::time::timeout(Duration::from_secs(5), from_server.next_line()).await;
        answers.push(Some(line.expect("an answer within 5 s").unwrap().expect("a line")));
    }
    drop(to_server);
    served.await.unwrap().unwrap();
    answers
}

async fn same_answers(messages: Vec<Message>) {
    let http = over_http(&messages).await;
    let stdio = over_stdio(&messages).await;
    assert_eq!(http.len(), stdio.len());
    for ((message, http), stdio) in messages.iter().zip(&http).zip(&stdio) {
        assert_eq!(http, stdio, "the answers to {} differ", message.body);
    }
    let answered = http.iter().flatten().count();
    assert!(answered >= 10, "only {answered} answers compared");
    let errors = http.iter().flatten().filter(|a| a.contains(r#""error""#)).count();
    assert!(errors >= 3, "the script covers errors too ({errors})");
}

#[tokio::test]
async fn http_and_stdio_answer_the_session_era_byte_for_byte_alike() {
    same_answers(session_era()).await;
}

#[tokio::test]
async fn http_and_stdio_answer_the_stateless_era_byte_for_byte_alike() {
    same_answers(stateless_era()).await;
}
