//! `quickmcp-client` calling the tasks example's `distributed_compute` as a task
//! over a real socket: polled to its result, cancelled, awaited by
//! `call_tool` when the client declares tasks, in both eras.

use mcp_examples::tasks;
use mcp_integration_tests::spawn;
use quickmcp::prelude::*;
use quickmcp::tasks::{MemoryTaskStore, TaskOptions};
use quickmcp_client::tasks::TaskStatus;
use quickmcp_client::{Client, ClientError, Era};
use serde_json::json;
use std::time::Duration;

async fn url() -> String {
    url_polled_every(Duration::from_millis(100)).await
}

/// Asks for a word, then returns it.
#[tool(task)]
async fn echo_asked(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"word": {"type": "string"}}});
    let answer = ctx.input("word").elicit("Which word?", schema).await.map_err(|e| ToolError::new(e.to_string()))?;
    Ok(answer.content.and_then(|c| c["word"].as_str().map(str::to_owned)).unwrap_or_default())
}

async fn url_polled_every(poll_interval: Duration) -> String {
    let options = TaskOptions { poll_interval, heartbeat: Duration::from_millis(100), ..TaskOptions::default() };
    let server = tasks::builder(MemoryTaskStore::new(), Some(options)).tools(tools![echo_asked]).build();
    format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await)
}

fn sieve(limit: u64) -> serde_json::Value {
    json!({"task_type": "prime_sieve", "data": {"limit": limit}})
}

#[tokio::test]
async fn a_task_is_polled_to_its_result_or_cancelled_in_both_eras() {
    let url = url().await;
    for era in [Era::Stateless, Era::Session] {
        let client = Client::builder().era(era).tasks().connect_http(&url).await.unwrap();
        let handle = client.call_tool_as_task("distributed_compute", sieve(100_000)).await.unwrap();
        assert!(!handle.id().is_empty());
        assert_eq!(handle.task().poll_interval(), Duration::from_millis(100), "{:?}", handle.task());
        let result = tokio::time::timeout(Duration::from_secs(30), handle.wait()).await.unwrap().unwrap();
        let summary = &result.structured_content.as_ref().unwrap()["summary"];
        assert!(summary.as_str().unwrap().starts_with("9592 primes up to 100000"), "{result:?}");

        let mut long = client.call_tool_as_task("distributed_compute", sieve(2_000_000_000)).await.unwrap();
        long.cancel().await.unwrap();
        assert_eq!(long.refresh().await.unwrap().status, TaskStatus::Cancelled);
        assert_eq!(long.wait().await.unwrap_err(), ClientError::Cancelled);

        // Declared tasks: call_tool gets a task and awaits it.
        let awaited = client.call_tool("distributed_compute", sieve(1000)).await.unwrap();
        assert!(!awaited.is_error, "{awaited:?}");
    }
}

#[tokio::test]
async fn without_tasks_declared_a_call_runs_at_once_and_as_task_is_refused() {
    let client = Client::builder().era(Era::Session).connect_http(&url().await).await.unwrap();
    let at_once = client.call_tool("distributed_compute", sieve(1000)).await.unwrap();
    assert!(!at_once.is_error, "{at_once:?}");
    let refused = client.call_tool_as_task("distributed_compute", sieve(1000)).await.unwrap_err();
    assert!(refused.to_string().contains("at once"), "{refused}");
}

#[tokio::test]
async fn in_the_stateless_era_waiting_follows_the_status_stream_not_only_the_polls() {
    // The server asks for a poll every 30 s; the task's status stream says
    // it ended long before.
    let url = url_polled_every(Duration::from_secs(30)).await;
    let client = Client::builder().era(Era::Stateless).connect_http(&url).await.unwrap();
    let handle = client.call_tool_as_task("distributed_compute", sieve(100_000)).await.unwrap();
    assert_eq!(handle.task().poll_interval(), Duration::from_secs(30));
    let result = tokio::time::timeout(Duration::from_secs(10), handle.wait()).await.expect("no status stream").unwrap();
    assert!(!result.is_error, "{result:?}");
}

#[tokio::test]
async fn a_task_that_asks_is_answered_by_the_clients_handler_in_both_eras() {
    let url = url().await;
    for era in [Era::Stateless, Era::Session] {
        let client = Client::builder()
            .era(era)
            .tasks()
            .on_elicitation(|_| async { Ok(json!({"action": "accept", "content": {"word": "hello"}})) })
            .connect_http(&url)
            .await
            .unwrap();
        let handle = client.call_tool_as_task("echo_asked", json!({})).await.unwrap();
        let answered = tokio::time::timeout(Duration::from_secs(20), handle.wait()).await.unwrap().unwrap();
        assert_eq!(answered.text(), "hello", "{era:?}");
    }
}
