//! A proxy on loopback in front of Redis that counts the commands clients
//! send and can hold everything back, as a network that stalls does.

use crate::{redis_answers, redis_url};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy saw, over all its connections.
#[derive(Default, Clone, Debug)]
pub struct Seen {
    /// Commands forwarded, by name (upper-cased).
    pub commands: BTreeMap<String, u64>,
    /// Client writes that followed an answer.
    pub round_trips: u64,
}

impl Seen {
    /// Commands forwarded in all.
    pub fn total(&self) -> u64 {
        self.commands.values().sum()
    }

    /// The commands seen since `before`, by name.
    pub fn since(&self, before: &Seen) -> (BTreeMap<String, u64>, u64) {
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
pub async fn counting_proxy(upstream: String) -> (String, Arc<Mutex<Seen>>, Arc<AtomicBool>) {
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

#[cfg(test)]
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
pub async fn countable_redis() -> Option<String> {
    let url = redis_url();
    let Some(upstream) = url.strip_prefix("redis://").map(|rest| rest.split('/').next().unwrap_or(rest)) else {
        eprintln!("not counted: REDIS_URL {url} is not plain redis://, which the counting proxy needs");
        return None;
    };
    (!upstream.contains('@') && redis_answers().await).then(|| upstream.to_owned())
}
