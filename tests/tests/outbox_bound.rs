//! A handler that sends far more than a client reads: what waits for the
//! client is bounded (a request's outbox, the stream's resumption log), so
//! the server's memory stays flat and it keeps serving. A test binary of its
//! own, so that no other test moves the process's memory meanwhile.

use mcp_integration_tests::fixtures::add;
use mcp_integration_tests::{HttpClient, spawn};
use quickmcp::prelude::*;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt as _;

/// How many `chatty` calls finished.
static DONE: AtomicUsize = AtomicUsize::new(0);

/// Logs 2000 messages of 64 KiB (125 MiB in all) before it answers.
#[tool]
async fn chatty(ctx: Context) -> String {
    let line = "x".repeat(64 << 10);
    for _ in 0..2000 {
        ctx.info(&line).await;
    }
    DONE.fetch_add(1, Ordering::SeqCst);
    "said it all".into()
}

fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: 0 kB");
    line.split_whitespace().nth(1).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0) / 1024
}

/// Sends `chatty`'s call with the `headers` of its era over a socket that
/// is never read, and waits until the handler has said everything.
async fn call_chatty_without_reading(url: &str, headers: &str, params: serde_json::Value) -> tokio::net::TcpStream {
    let done = DONE.load(Ordering::SeqCst);
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}).to_string();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: application/json, text/event-stream\r\n\
         content-type: application/json\r\n{headers}content-length: {}\r\n\r\n",
        call.len()
    );
    let mut socket = tokio::net::TcpStream::connect(url.trim_start_matches("http://")).await.unwrap();
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(call.as_bytes()).await.unwrap();
    let started = Instant::now();
    while DONE.load(Ordering::SeqCst) == done {
        assert!(started.elapsed() < Duration::from_secs(30), "the handler is stuck behind the reader");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    socket
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_costs_a_bounded_amount_of_memory() {
    let server = Server::builder("chatty", "0").tools(tools![chatty, add]).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    let before = rss_mib();

    // The session era: the answer is a resumable SSE stream of the session.
    let session =
        format!("mcp-protocol-version: 2025-11-25\r\nmcp-session-id: {}\r\n", client.session.as_deref().unwrap());
    let in_session = call_chatty_without_reading(&url, &session, json!({"name": "chatty", "arguments": {}})).await;
    // The stateless era: the answer is a stream of this request alone.
    let stateless = "mcp-protocol-version: 2026-07-28\r\nmcp-method: tools/call\r\nmcp-name: chatty\r\n";
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
        "io.modelcontextprotocol/logLevel": "debug",
    });
    let alone =
        call_chatty_without_reading(&url, stateless, json!({"name": "chatty", "arguments": {}, "_meta": meta})).await;

    let after = rss_mib();
    println!("RSS {before} -> {after} MiB while 2 x 125 MiB of logs went to clients that do not read");
    assert!(after < before + 32, "memory grew from {before} to {after} MiB");
    // A new connection: the one `initialize` used sat idle through the calls
    // above, and the server closes a connection idle past its header timeout
    // (10 s), which a reused pooled connection would race.
    let client = HttpClient { http: reqwest::Client::new(), ..client };
    let answer = client.request(8, "tools/call", json!({"name": "add", "arguments": {"a": 2, "b": 2}})).await;
    assert_eq!(answer[0]["result"]["content"][0]["text"], "4", "the server keeps serving");
    drop((in_session, alone));
}
