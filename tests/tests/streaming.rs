//! What a running handler sends before its result, over a real socket:
//! progress, logs, server→client requests, cancellation, SSE resumption
//! and the standalone GET stream.

use mcp_integration_tests::{HttpClient, messages, read_events, spawn};
use quickmcp::prelude::*;
use quickmcp::protocol::LoggingLevel;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Reports progress 0, 50, 100 and logs at two levels.
#[tool]
async fn long_job(ctx: Context) -> &'static str {
    for step in [0, 50, 100] {
        ctx.progress(step).of(100).await;
    }
    ctx.log(LoggingLevel::Debug, "debug detail").await;
    ctx.log(LoggingLevel::Warning, "warning detail").await;
    "done"
}

#[derive(Clone, Default)]
struct Finished(Arc<AtomicBool>);

/// Sleeps ten seconds unless cancelled.
#[tool]
async fn sleepy(quickmcp::handler::State(finished): quickmcp::handler::State<Finished>) -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    finished.0.store(true, Ordering::SeqCst);
    "woke up"
}

/// Asks the client's model a question.
#[tool]
async fn ask(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .sample(json!({"messages": [{"role": "user", "content": {"type": "text", "text": "2+2?"}}], "maxTokens": 5}))
        .await
        .map_err(|e| ToolError::new(e.to_string()))?;
    Ok(format!("model said {}", answer["content"]["text"]))
}

/// Closes its stream, then answers a little later.
#[tool]
async fn polling(ctx: Context) -> &'static str {
    ctx.info("before close").await;
    ctx.close_stream();
    tokio::time::sleep(Duration::from_millis(100)).await;
    "after reconnect"
}

async fn start(finished: Finished) -> HttpClient {
    let server =
        Server::builder("streaming", "0").tools(tools![long_job, sleepy, ask, polling]).state(finished).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    client
}

fn call(id: i64, name: &str, meta: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": {}, "_meta": meta}})
}

#[tokio::test]
async fn progress_echoes_the_token_and_logs_honour_the_level() {
    let client = start(Finished::default()).await;
    client.request(1, "logging/setLevel", json!({"level": "info"})).await;
    for token in [json!("tok-1"), json!(7)] {
        let response = client.post(&call(2, "long_job", json!({"progressToken": token}))).await;
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let all = messages(response).await;
        let progress: Vec<&Value> = all.iter().filter(|m| m["method"] == "notifications/progress").collect();
        assert_eq!(
            progress.iter().map(|m| m["params"]["progress"].as_f64().unwrap()).collect::<Vec<_>>(),
            [0.0, 50.0, 100.0]
        );
        assert!(progress.iter().all(|m| m["params"]["progressToken"] == token));
        let logs: Vec<&Value> = all.iter().filter(|m| m["method"] == "notifications/message").collect();
        assert_eq!(logs.len(), 1, "debug is below the level set");
        assert_eq!(logs[0]["params"]["level"], "warning");
        assert_eq!(all.last().unwrap()["result"]["content"][0]["text"], "done");
    }
}

#[tokio::test]
async fn cancelled_notification_stops_the_handler_quickly() {
    let finished = Finished::default();
    let client = start(finished.clone()).await;
    let running = {
        let client = client.clone();
        tokio::spawn(async move { client.post(&call(5, "sleepy", json!({}))).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let duplicate = client.post(&call(5, "sleepy", json!({}))).await;
    assert_eq!(duplicate.status(), 400, "an id in flight cannot be reused");
    let sent = Instant::now();
    let cancel =
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 5, "reason": "test"}});
    assert_eq!(client.post(&cancel).await.status(), 202);
    let response = tokio::time::timeout(Duration::from_secs(5), running).await.expect("stopped").unwrap();
    let elapsed = sent.elapsed();
    assert!(elapsed < Duration::from_millis(1000), "cancellation took {elapsed:?}");
    let body = messages(response).await;
    assert_eq!(body[0]["error"]["code"], -32800);
    assert!(!finished.0.load(Ordering::SeqCst));
}

#[tokio::test]
async fn dropped_connection_in_stateless_mode_stops_the_handler() {
    let finished = Finished::default();
    let server = Server::builder("s", "0").tools(tools![sleepy]).state(finished.clone()).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server).stateless(true).into_router()).await;
    let client = HttpClient::new(format!("{url}/mcp"));
    let body = call(1, "sleepy", json!({}));
    let request = client.post(&body);
    assert!(tokio::time::timeout(Duration::from_millis(300), request).await.is_err(), "client gives up");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!finished.0.load(Ordering::SeqCst));
}

#[tokio::test]
async fn sampling_request_goes_out_on_the_stream_and_the_answer_comes_back() {
    let client = start(Finished::default()).await;
    let response = client.post(&call(9, "ask", json!({}))).await;
    let answerer = client.clone();
    let events = read_events(response, Duration::from_secs(5), move |message| {
        if message["method"] == "sampling/createMessage" {
            let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": {
                "role": "assistant", "content": {"type": "text", "text": "4"}, "model": "m", "stopReason": "endTurn"}});
            let answerer = answerer.clone();
            tokio::spawn(async move { assert_eq!(answerer.post(&reply).await.status(), 202) });
        }
        message["id"] == 9
    })
    .await;
    let last = &events.last().unwrap().1;
    assert_eq!(last["result"]["content"][0]["text"], "model said \"4\"");
    assert!(events[0].0.is_some() && events[0].1.is_null(), "the first event primes the stream");
}

#[tokio::test]
async fn a_closed_stream_resumes_with_last_event_id() {
    let client = start(Finished::default()).await;
    let response = client.post(&call(3, "polling", json!({}))).await;
    let before = read_events(response, Duration::from_secs(2), |_| false).await;
    assert!(before.iter().all(|(_, m)| m.get("result").is_none()), "the result is not on the closed stream");
    let last_id = before.last().unwrap().0.clone().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let resumed = client
        .http
        .get(&client.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", client.session.clone().unwrap())
        .header("last-event-id", &last_id)
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 200);
    let after = read_events(resumed, Duration::from_secs(2), |m| m["id"] == 3).await;
    assert_eq!(after.last().unwrap().1["result"]["content"][0]["text"], "after reconnect");
    assert!(after.iter().all(|(id, _)| { id.as_deref().unwrap().starts_with(last_id.split('-').next().unwrap()) }));
}

#[tokio::test]
async fn standalone_stream_carries_list_changes_and_only_one_may_be_open() {
    let finished = Finished::default();
    let server = Server::builder("s", "0").tools(tools![long_job]).state(finished).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server.clone()).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    let open = || {
        client
            .http
            .get(&client.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", client.session.clone().unwrap())
            .send()
    };
    let stream = open().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(open().await.unwrap().status(), 409);
    server.remove_tool("long_job");
    let events =
        read_events(stream, Duration::from_secs(2), |m| m["method"] == "notifications/tools/list_changed").await;
    assert_eq!(events.last().unwrap().1["method"], "notifications/tools/list_changed");
}

#[tokio::test]
async fn older_revisions_get_no_priming_event() {
    let server = Server::builder("s", "0").tools(tools![long_job]).state(Finished::default()).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "old", "version": "0"}}});
    let response = client.post(&init).await;
    client.session = response.headers().get("mcp-session-id").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(messages(response).await[0]["result"]["protocolVersion"], "2025-06-18");
    let response = client.post(&call(1, "long_job", json!({"progressToken": 1}))).await;
    let events = read_events(response, Duration::from_secs(2), |m| m["id"] == 1).await;
    assert_eq!(events[0].1["method"], "notifications/progress", "the first event is a message, not a priming event");
}
