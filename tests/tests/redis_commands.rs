//! What a `tools/call` in an open session costs Redis, counted from
//! outside: the store talks to Redis through a proxy on loopback that
//! counts the commands it forwards and the round trips (a client write
//! after an answer). A replica that keeps the session's record (the record
//! cache) sends nothing; one that does not, three commands (the session's
//! keys refreshed when due and its record read by one script, the index's
//! ZADD and PEXPIRE) in one round trip: docs/deploy.md states both. The
//! proxy can also hold everything back, as a network that stalls does.

use mcp_integration_tests::fixtures::add;
use mcp_integration_tests::{HttpClient, prefix, redis_answers, redis_url, spawn};
use quickmcp::prelude::*;
use quickmcp::redis::RedisSessions;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy saw, over all its connections.
#[derive(Default, Clone, Debug)]
struct Seen {
    commands: BTreeMap<String, u64>,
    round_trips: u64,
}

impl Seen {
    fn total(&self) -> u64 {
        self.commands.values().sum()
    }

    /// The commands seen since `before`, by name.
    fn since(&self, before: &Seen) -> (BTreeMap<String, u64>, u64) {
        let commands = self
            .commands
            .iter()
            .map(|(name, n)| (name.clone(), n - before.commands.get(name).unwrap_or(&0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        (commands, self.round_trips - before.round_trips)
    }
}

/// A proxy in front of the Redis at `upstream` that counts what clients
/// send and forwards nothing either way while `stalled` is set; returns its
/// address, the shared count and the switch.
async fn counting_proxy(upstream: String) -> (String, Arc<Mutex<Seen>>, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stalled = Arc::new(AtomicBool::new(false));
    let (counted, stalls) = (seen.clone(), stalled.clone());
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else { continue };
            tokio::spawn(relay(client, server, counted.clone(), stalls.clone()));
        }
    });
    (address, seen, stalled)
}

/// Waits while `stalled` is set.
async fn unless_stalled(stalled: &AtomicBool) {
    while stalled.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Forwards both ways; counts the commands of each client write and a
/// round trip for each write that follows an answer.
async fn relay(client: TcpStream, server: TcpStream, seen: Arc<Mutex<Seen>>, stalled: Arc<AtomicBool>) {
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let answered = Arc::new(AtomicBool::new(true));
    let (answers, stalls) = (answered.clone(), stalled.clone());
    tokio::spawn(async move {
        let mut buffer = vec![0; 64 * 1024];
        while let Ok(n @ 1..) = from_server.read(&mut buffer).await {
            answers.store(true, Ordering::SeqCst);
            unless_stalled(&stalls).await;
            if to_client.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut pending = Vec::new();
    let mut buffer = vec![0; 64 * 1024];
    while let Ok(n @ 1..) = from_client.read(&mut buffer).await {
        pending.extend_from_slice(&buffer[..n]);
        {
            let mut seen = seen.lock().unwrap();
            if answered.swap(false, Ordering::SeqCst) {
                seen.round_trips += 1;
            }
            while let Some((length, name)) = next_command(&pending) {
                *seen.commands.entry(name).or_default() += 1;
                pending.drain(..length);
            }
        }
        unless_stalled(&stalled).await;
        if to_server.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
}

/// The first whole command of `bytes` (a RESP array of bulk strings, as
/// clients send them): its length in bytes and its name, upper-cased.
fn next_command(bytes: &[u8]) -> Option<(usize, String)> {
    fn line(bytes: &[u8], at: usize, marker: u8) -> Option<(usize, usize)> {
        let end = at + bytes.get(at..)?.windows(2).position(|w| w == b"\r\n")?;
        if bytes[at] != marker {
            panic!("a client sent something other than a RESP array of bulk strings");
        }
        let number = std::str::from_utf8(&bytes[at + 1..end]).ok()?.parse().ok()?;
        Some((number, end + 2))
    }
    let (parts, mut at) = line(bytes, 0, b'*')?;
    let mut name = String::new();
    for part in 0..parts {
        let (length, start) = line(bytes, at, b'$')?;
        at = start + length + 2;
        if at > bytes.len() {
            return None;
        }
        if part == 0 {
            name = String::from_utf8_lossy(&bytes[start..start + length]).to_uppercase();
        }
    }
    Some((at, name))
}

#[test]
fn commands_are_read_whole_and_only_when_complete() {
    let get = b"*2\r\n$3\r\nget\r\n$1\r\nk\r\n";
    assert_eq!(next_command(get), Some((get.len(), "GET".to_owned())));
    for cut in 0..get.len() {
        assert_eq!(next_command(&get[..cut]), None, "cut at {cut}");
    }
}

/// The Redis of `REDIS_URL` as `host:port`, when the counting proxy can
/// stand in front of it (plain `redis://`, no credentials) and it answers.
async fn countable_redis() -> Option<String> {
    let url = redis_url();
    let Some(upstream) = url.strip_prefix("redis://").map(|rest| rest.split('/').next().unwrap_or(rest)) else {
        eprintln!("not counted: REDIS_URL {url} is not plain redis://, which the counting proxy needs");
        return None;
    };
    (!upstream.contains('@') && redis_answers().await).then(|| upstream.to_owned())
}

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
