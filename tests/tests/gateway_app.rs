//! The gateway example over a real socket, with stand-in providers on
//! loopback: each strategy, failover past a failing and a slow provider,
//! the circuit breaker skipping a provider that keeps failing, and the
//! response cache answering a repeated query without asking the models.

use mcp_core::middleware::{MemoryCache, ResponseCache};
use mcp_examples::gateway;
use mcp_integration_tests::{HttpClient, spawn};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// fast (reliable), slow (past the time limit), broken (always fails),
/// contrary (reliable, disagrees).
const STANDINS: &str = "alpha:10:0,slow:2000:0,broken:5:1,gamma:30:0";

async fn start() -> (HttpClient, Vec<std::sync::Arc<std::sync::atomic::AtomicU64>>) {
    let standins = gateway::standins::StandIn::parse_list(STANDINS).unwrap();
    let cache = ResponseCache::new(Duration::from_secs(60)).store(MemoryCache::default());
    let (server, counters) =
        gateway::server(standins, Duration::from_millis(300), Duration::from_secs(60), cache).await.unwrap();
    let url = spawn(mcp_axum::McpRouter::new(server).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    (client, counters)
}

async fn query(client: &HttpClient, prompt: &str, models: &[&str], strategy: &str) -> Value {
    let answer = client
        .request(
            1,
            "tools/call",
            json!({"name": "query_models",
            "arguments": {"prompt": prompt, "models": models, "strategy": strategy}}),
        )
        .await;
    answer.last().unwrap()["result"].clone()
}

fn outcomes(result: &Value) -> Vec<(String, String)> {
    let attempts = result["structuredContent"]["attempts"].as_array().cloned().unwrap_or_default();
    attempts
        .iter()
        .map(|a| (a["model"].as_str().unwrap().to_owned(), a["outcome"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn first_available_fails_over_past_errors_and_time_limits() {
    let (client, _) = start().await;
    let result = query(&client, "one two three", &["broken", "slow", "alpha"], "first_available").await;
    assert_eq!(result["structuredContent"]["model"], "alpha", "{result}");
    assert_eq!(result["structuredContent"]["text"], "3 words (stand-in alpha)");
    let seen = outcomes(&result);
    assert_eq!(seen[0], ("broken".into(), "error: HTTP 503".into()));
    assert_eq!(seen[1], ("slow".into(), "timeout".into()), "the slow one was cut at its time limit");
    assert_eq!(seen[2].1, "ok");
}

#[tokio::test]
async fn fastest_takes_the_first_answer_and_consensus_the_majority() {
    let (client, _) = start().await;
    let fastest = query(&client, "a b", &["slow", "gamma", "alpha"], "fastest").await;
    assert_eq!(fastest["structuredContent"]["model"], "alpha", "{fastest}");

    let consensus = query(&client, "a b c d", &["alpha", "gamma", "alpha", "broken"], "consensus").await;
    let answer = &consensus["structuredContent"];
    assert_eq!(answer["text"], "4 words", "two say 4, gamma says 5: {consensus}");
    assert_eq!(answer["agreement"], "2 of 3");

    let none = query(&client, "x", &["broken", "nobody"], "first_available").await;
    assert_eq!(none["isError"], true);
    assert!(none["content"][0]["text"].as_str().unwrap().contains("no model answered"), "{none}");
}

#[tokio::test]
async fn a_provider_that_keeps_failing_is_skipped_then_cached_answers_ask_nobody() {
    let (client, counters) = start().await;
    for n in 0..3 {
        query(&client, &format!("try {n}"), &["broken", "alpha"], "first_available").await;
    }
    let broken = &counters[2];
    assert_eq!(broken.load(Ordering::Relaxed), 3);
    let skipped = query(&client, "after", &["broken", "alpha"], "first_available").await;
    assert_eq!(outcomes(&skipped)[0], ("broken".into(), "circuit open".into()));
    assert_eq!(broken.load(Ordering::Relaxed), 3, "an open circuit sends nothing");
    let listed = client.request(2, "tools/call", json!({"name": "list_models", "arguments": {}})).await;
    let models = listed.last().unwrap()["result"]["structuredContent"]["result"].clone();
    assert!(models.as_array().unwrap().iter().any(|m| m["model"] == "broken" && m["circuit_open"] == true), "{models}");

    let alpha = &counters[0];
    let before = alpha.load(Ordering::Relaxed);
    let first = query(&client, "cache me", &["alpha"], "first_available").await;
    let again = query(&client, "cache me", &["alpha"], "first_available").await;
    assert_eq!(first, again);
    assert_eq!(alpha.load(Ordering::Relaxed), before + 1, "the repeated query came from the cache");
}
