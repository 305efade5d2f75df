//! What a `tools/call` in an open session costs Redis, counted from
//! outside: the store talks to Redis through a proxy on loopback that
//! counts the commands it forwards and the round trips (a client write
//! after an answer; tests/src/redis_proxy.rs). A replica that keeps the session's record (the record
//! cache) sends nothing; one that does not, three commands (the session's
//! keys refreshed when due and its record read by one script, the index's
//! ZADD and PEXPIRE) in one round trip: docs/deploy.md states both. The
//! proxy can also hold everything back, as a network that stalls does.

use mcp_integration_tests::fixtures::add;
use mcp_integration_tests::redis_proxy::{Seen, countable_redis, counting_proxy};
use mcp_integration_tests::{HttpClient, prefix, spawn};
use quickmcp::prelude::*;
use quickmcp::redis::RedisSessions;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A server of `add` with its sessions in the Redis at `redis`.
async fn replica(redis: &str, prefix: &str, keep_records: bool) -> String {
    let sessions = RedisSessions::new(format!("redis://{redis}/"))
        .prefix(prefix)
        .keep_records(keep_records)
        .timeout(Duration::from_millis(500))
        .connect()
        .await
        .unwrap();
    let server = Server::builder("counted", "0").tools(tools![add]).sessions(sessions).build();
    format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await)
}

fn add_call(client: &HttpClient, id: i64) -> impl std::future::Future<Output = Vec<serde_json::Value>> + '_ {
    client.request(id, "tools/call", json!({"name": "add", "arguments": {"a": id, "b": 1}}))
}

/// The commands of `seen` since `before`, the tracking connection's pings aside.
fn sent_since(seen: &Mutex<Seen>, before: &Seen) -> BTreeMap<String, u64> {
    let (mut commands, _) = seen.lock().unwrap().since(before);
    commands.remove("PING");
    commands
}

#[tokio::test]
async fn a_call_in_a_session_is_three_commands_in_one_round_trip() {
    let Some(upstream) = countable_redis().await else { return };
    let (proxy, seen, _) = counting_proxy(upstream).await;
    let mut client = HttpClient::new(replica(&proxy, &prefix(), false).await);
    client.initialize().await;
    for id in 1..=5 {
        add_call(&client, id).await;
    }
    let before = seen.lock().unwrap().clone();
    const CALLS: u64 = 200;
    for id in 0..CALLS as i64 {
        let answer = add_call(&client, 100 + id).await;
        assert_eq!(answer[0]["result"]["content"][0]["text"], (101 + id).to_string());
    }
    let after = seen.lock().unwrap().clone();
    let (commands, round_trips) = after.since(&before);
    let total = after.total() - before.total();
    eprintln!("{CALLS} calls: {total} commands {commands:?}, {round_trips} round trips");
    // A few more for what runs beside the calls (the idle sweep).
    assert!(total <= 3 * CALLS + 10, "{total} commands for {CALLS} calls: {commands:?}");
    assert!(round_trips <= CALLS + 5, "{round_trips} round trips for {CALLS} calls");
    assert!(total >= 3 * CALLS && round_trips >= CALLS, "the calls went through the proxy: {commands:?}");
}

/// Calls through `client` until one costs Redis nothing (its record is
/// kept), within 5 s.
async fn until_kept(client: &HttpClient, seen: &Mutex<Seen>) {
    for id in 0..100 {
        let before = seen.lock().unwrap().clone();
        add_call(client, 1000 + id).await;
        if sent_since(seen, &before).is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the replica never kept the session's record: {:?}", seen.lock().unwrap().commands);
}

#[tokio::test]
async fn a_kept_record_costs_no_command_and_is_dropped_when_another_replica_ends_the_session() {
    let Some(upstream) = countable_redis().await else { return };
    let (proxy, seen, _) = counting_proxy(upstream).await;
    let prefix = prefix();
    let (a, b) = (replica(&proxy, &prefix, true).await, replica(&proxy, &prefix, true).await);
    for round in 0..10 {
        let mut on_a = HttpClient::new(&a);
        on_a.initialize().await;
        let on_b = HttpClient { url: b.clone(), ..on_a.clone() };
        until_kept(&on_b, &seen).await;
        if round == 0 {
            let before = seen.lock().unwrap().clone();
            for id in 0..200 {
                add_call(&on_b, id).await;
            }
            let sent = sent_since(&seen, &before);
            eprintln!("200 calls of a kept session sent {sent:?} (pings aside)");
            // None on a quiet machine; a ping answered late (a busy CI
            // machine) sends a call to Redis meanwhile, as it should.
            let reads = sent.get("EVAL").copied().unwrap_or(0);
            assert!(reads <= 20, "200 calls of a kept session read Redis {reads} times: {sent:?}");
        }
        // Ended through A: B answers 404 at once, though it kept the record.
        let ended = on_a.http.delete(&a).header("mcp-session-id", on_a.session.clone().unwrap()).send().await.unwrap();
        assert!(ended.status().is_success());
        let after = on_b.post(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
        assert_eq!(after.status(), 404, "round {round}: a session ended on A answered on B");
    }
}

#[tokio::test]
async fn a_replica_that_cannot_hear_redis_stops_serving_kept_records() {
    let Some(upstream) = countable_redis().await else { return };
    let (proxy, seen, stalled) = counting_proxy(upstream.clone()).await;
    let prefix = prefix();
    let mut client = HttpClient::new(replica(&proxy, &prefix, true).await);
    client.initialize().await;
    until_kept(&client, &seen).await;

    // The network stalls; meanwhile the session ends (its record deleted
    // straight in Redis, whose message to the replica is held back).
    stalled.store(true, Ordering::SeqCst);
    let session = client.session.clone().unwrap();
    let direct = redis::Client::open(format!("redis://{upstream}/")).unwrap();
    let mut direct = direct.get_multiplexed_async_connection().await.unwrap();
    let record = format!("{prefix}:{{{session}}}:record");
    let deleted: u64 = redis::cmd("DEL").arg(&record).query_async(&mut direct).await.unwrap();
    assert_eq!(deleted, 1, "{record}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let stale = client.post(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
    assert_eq!(stale.status(), 503, "a replica that cannot reach Redis must not vouch for a record");

    stalled.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let after = client.post(&json!({"jsonrpc": "2.0", "id": 2, "method": "ping"})).await;
    assert_eq!(after.status(), 404);
}
