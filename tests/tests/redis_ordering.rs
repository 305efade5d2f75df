//! What a client of replicas sharing Redis may rely on, as with one
//! process: a `resources/updated` that a call raised is on the session's
//! stream before the call's answer, whatever the client does next; and a
//! session whose only use is a GET stream held on a replica that created
//! no session stays open. Both over real sockets, with Redis reached
//! through a proxy on loopback that can stall (tests/src/redis_proxy.rs).

use mcp_integration_tests::redis_proxy::{countable_redis, counting_proxy};
use mcp_integration_tests::{HttpClient, prefix, read_events, spawn};
use quickmcp::prelude::*;
use quickmcp::redis::RedisSessions;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The switch of the proxy the next `change_news` stalls, set by the test.
static STALL: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);

/// Stalls Redis for this replica for 300 ms, then says `doc://news` changed:
/// the notification's subscribers can only be read once the stall ends.
#[tool]
async fn change_news(ctx: Context) -> &'static str {
    if let Some(stalled) = STALL.lock().unwrap().clone() {
        stalled.store(true, Ordering::SeqCst);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            stalled.store(false, Ordering::SeqCst);
        });
    }
    ctx.server().notify_resource_updated("doc://news");
    "changed"
}

/// A document clients may watch.
#[resource("doc://news", mime = "text/plain")]
async fn news() -> &'static str {
    "news"
}

/// A replica with its sessions in the Redis at `redis` (`host:port`) under
/// `prefix`: its `/mcp` URL.
async fn replica(redis: &str, prefix: &str, idle: Duration) -> String {
    let sessions = RedisSessions::new(format!("redis://{redis}/"))
        .prefix(prefix)
        .idle_timeout(idle)
        .timeout(Duration::from_secs(2))
        .connect()
        .await
        .unwrap();
    let server = Server::builder("ordered", "0")
        .tools(tools![change_news])
        .resources(resources![news])
        .sessions(sessions)
        .build();
    format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await)
}

#[tokio::test]
async fn an_update_a_call_raised_reaches_the_stream_though_the_client_unsubscribes_on_its_answer() {
    let Some(redis) = countable_redis().await else { return };
    let (proxy, _, stalled) = counting_proxy(redis.clone()).await;
    let prefix = prefix();
    let a = replica(&redis, &prefix, Duration::from_secs(30)).await;
    let b = replica(&proxy, &prefix, Duration::from_secs(30)).await;
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let on_b = HttpClient { url: b.clone(), ..on_a.clone() };
    on_a.request(1, "resources/subscribe", json!({"uri": "doc://news"})).await;
    let stream = on_a.get_stream(None).await;
    assert_eq!(stream.status(), 200);

    *STALL.lock().unwrap() = Some(stalled);
    let answer = on_b.request(2, "tools/call", json!({"name": "change_news", "arguments": {}})).await;
    assert_eq!(answer.last().unwrap()["result"]["content"][0]["text"], "changed");
    // As soon as the answer is in, the client stops watching.
    on_a.request(3, "resources/unsubscribe", json!({"uri": "doc://news"})).await;

    let seen = read_events(stream, Duration::from_secs(5), |m| m["method"] == "notifications/resources/updated").await;
    let update = seen.iter().find(|(_, m)| m["method"] == "notifications/resources/updated");
    assert!(update.is_some(), "the update the call raised was lost: {seen:?}");
    assert_eq!(update.unwrap().1["params"]["uri"], "doc://news");
}

#[tokio::test]
async fn a_session_used_only_by_a_stream_on_a_replica_that_created_none_stays_open() {
    let Some(redis) = countable_redis().await else { return };
    let prefix = prefix();
    let idle = Duration::from_secs(1);
    let a = replica(&redis, &prefix, idle).await;
    let b = replica(&redis, &prefix, idle).await;
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let on_b = HttpClient { url: b.clone(), ..on_a.clone() };
    // B creates no session: it only holds the stream, for several idle timeouts.
    let stream = on_b.get_stream(None).await;
    assert_eq!(stream.status(), 200);
    tokio::time::sleep(idle * 4).await;
    let ping = on_a.post(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
    assert_eq!(ping.status(), 200, "the session expired while its stream was held");
    drop(stream);
}
