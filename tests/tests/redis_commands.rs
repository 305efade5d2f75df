//! What one `tools/call` in an open session costs Redis, counted from
//! outside: the store talks to Redis through a proxy on loopback that
//! counts the commands it forwards and the round trips (a client write
//! after an answer). Three commands (the session's keys refreshed and its
//! record read by one script, the index's ZADD and PEXPIRE) in one round
//! trip: docs/deploy.md states it.

use mcp_integration_tests::fixtures::add;
use mcp_integration_tests::{HttpClient, prefix, redis_answers, redis_url, spawn};
use quickmcp::prelude::*;
use quickmcp::redis::RedisSessions;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
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
/// send; returns its address and the shared count.
async fn counting_proxy(upstream: String) -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let counted = seen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else { continue };
            tokio::spawn(relay(client, server, counted.clone()));
        }
    });
    (address, seen)
}

/// Forwards both ways; counts the commands of each client write and a
/// round trip for each write that follows an answer.
async fn relay(client: TcpStream, server: TcpStream, seen: Arc<Mutex<Seen>>) {
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let answered = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let answers = answered.clone();
    tokio::spawn(async move {
        let mut buffer = vec![0; 64 * 1024];
        while let Ok(n @ 1..) = from_server.read(&mut buffer).await {
            answers.store(true, std::sync::atomic::Ordering::SeqCst);
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
            if answered.swap(false, std::sync::atomic::Ordering::SeqCst) {
                seen.round_trips += 1;
            }
            while let Some((length, name)) = next_command(&pending) {
                *seen.commands.entry(name).or_default() += 1;
                pending.drain(..length);
            }
        }
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

#[tokio::test]
async fn a_call_in_a_session_is_three_commands_in_one_round_trip() {
    let url = redis_url();
    let Some(upstream) = url.strip_prefix("redis://").map(|rest| rest.split('/').next().unwrap_or(rest)) else {
        eprintln!("not counted: REDIS_URL {url} is not plain redis://, which the counting proxy needs");
        return;
    };
    if upstream.contains('@') || !redis_answers().await {
        return;
    }
    let (proxy, seen) = counting_proxy(upstream.to_owned()).await;
    let sessions = RedisSessions::new(format!("redis://{proxy}/")).prefix(prefix()).connect().await.unwrap();
    let server = Server::builder("counted", "0").tools(tools![add]).sessions(sessions).build();
    let endpoint = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await);
    let mut client = HttpClient::new(endpoint);
    client.initialize().await;

    let call = |id| client.request(id, "tools/call", json!({"name": "add", "arguments": {"a": id, "b": 1}}));
    for id in 1..=5 {
        call(id).await;
    }
    let before = seen.lock().unwrap().clone();
    const CALLS: u64 = 200;
    for id in 0..CALLS as i64 {
        let answer = call(100 + id).await;
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
