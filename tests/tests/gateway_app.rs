//! The gateway example over a real socket, with stand-in providers on
//! loopback: each strategy, failover past a failing and a slow provider,
//! the circuit breaker skipping a provider that keeps failing, and the
//! response cache answering a repeated query without asking the models.

use mcp_examples::gateway;
use mcp_integration_tests::{HttpClient, spawn};
use quickmcp::middleware::{MemoryCache, ResponseCache};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// fast (reliable), slow (past the time limit), broken (always fails),
/// contrary (reliable, disagrees), and another that agrees with alpha.
const STANDINS: &str = "alpha:10:0,slow:2000:0,broken:5:1,gamma:30:0,beta:20:0";

async fn start() -> (HttpClient, Vec<std::sync::Arc<std::sync::atomic::AtomicU64>>) {
    let standins = gateway::standins::StandIn::parse_list(STANDINS).unwrap();
    let cache = ResponseCache::new(Duration::from_secs(60)).store(MemoryCache::default());
    let (server, counters) =
        gateway::server(standins, Duration::from_millis(300), Duration::from_secs(60), cache).await.unwrap();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;
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

    let consensus = query(&client, "a b c d", &["alpha", "gamma", "beta", "broken"], "consensus").await;
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

#[tokio::test]
async fn a_query_names_a_bounded_number_of_models_each_asked_once() {
    let (client, counters) = start().await;
    let listed = client.request(3, "tools/list", json!({})).await;
    let tools = listed.last().unwrap()["result"]["tools"].as_array().unwrap().clone();
    let query_models = tools.iter().find(|t| t["name"] == "query_models").unwrap();
    let schema = &query_models["inputSchema"]["properties"]["models"];
    assert_eq!(schema["maxItems"], gateway::MAX_MODELS, "{schema}");

    let alpha = &counters[0];
    let flood = vec!["alpha"; 3000];
    let refused = query(&client, "many", &flood, "consensus").await;
    assert_eq!(refused["isError"], true, "{refused}");
    assert!(refused["content"][0]["text"].as_str().unwrap().contains("at most 8 models"), "{refused}");
    assert_eq!(alpha.load(Ordering::Relaxed), 0, "nothing was asked");

    let repeated = query(&client, "a b", &["alpha", "alpha", "gamma", "alpha"], "consensus").await;
    let asked: Vec<String> = outcomes(&repeated).into_iter().map(|(model, _)| model).collect();
    assert_eq!(asked, ["alpha", "gamma"], "each name once: {repeated}");
    assert_eq!(alpha.load(Ordering::Relaxed), 1);
}

/// A cache store that remembers the keys it was given.
#[derive(Default, Clone)]
struct KeyRecorder(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl quickmcp::middleware::CacheStore for KeyRecorder {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> quickmcp::middleware::CacheFuture<'a, Option<quickmcp::protocol::CallToolResult>> {
        self.0.lock().unwrap().push(key.to_owned());
        Box::pin(async { None })
    }

    fn put(
        &self,
        key: String,
        _: quickmcp::protocol::CallToolResult,
        _: Duration,
    ) -> quickmcp::middleware::CacheFuture<'_, ()> {
        self.0.lock().unwrap().push(key);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn cache_keys_do_not_grow_with_the_arguments() {
    let standins = gateway::standins::StandIn::parse_list("alpha:1:0").unwrap();
    let keys = KeyRecorder::default();
    let cache = ResponseCache::new(Duration::from_secs(60)).store(keys.clone());
    let (server, _) = gateway::server(standins, Duration::from_secs(1), Duration::from_secs(60), cache).await.unwrap();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    query(&client, &"word ".repeat(100_000), &["alpha"], "first_available").await;
    query(&client, "short", &["alpha"], "first_available").await;
    let keys = keys.0.lock().unwrap().clone();
    assert!(!keys.is_empty());
    let lengths: Vec<usize> = keys.iter().map(String::len).collect();
    assert!(lengths.iter().all(|n| *n <= 128), "keys of {lengths:?} bytes");
    assert_eq!(lengths.iter().min(), lengths.iter().max(), "every key has the same size: {lengths:?}");
    assert_ne!(keys[0], keys[keys.len() - 1], "different arguments, different keys");
}
