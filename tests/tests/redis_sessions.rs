//! Sessions in Redis (feature `redis`) over real sockets: the stores'
//! contract and cleanup, two replicas serving one session (typed state,
//! an elicitation answered through the other replica, a GET stream
//! resumed through the other replica), and Redis going down and coming
//! back. Uses `REDIS_URL` (default `redis://127.0.0.1:6379/`), and starts
//! a private `redis-server` for the outage test. Without Redis each test
//! says it is skipped and why (on the terminal, past the runner's capture),
//! unless `REQUIRE_REDIS` is set (as in CI), which makes that a failure.

use mcp_integration_tests::fixtures::{ask_name, entries, nap, record};
use mcp_integration_tests::{HttpClient, prefix, read_events, redis_url, skip_without_service, spawn};
use quickmcp::prelude::*;
use quickmcp::redis::RedisSessions;
use quickmcp::session::{EventId, SessionRecord, Sessions};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Sessions in Redis under `prefix`, or `None` (said, or failed under
/// `REQUIRE_REDIS`) when Redis cannot be reached.
async fn connect(settings: RedisSessions) -> Option<Sessions> {
    if !mcp_integration_tests::redis_answers().await {
        return None;
    }
    match settings.connect().await {
        Ok(sessions) => Some(sessions),
        Err(error) => {
            skip_without_service(&format!("Redis at {} is not reachable ({error}); set REDIS_URL", redis_url()));
            None
        }
    }
}

fn settings(prefix: &str) -> RedisSessions {
    RedisSessions::new(redis_url()).prefix(prefix)
}

/// The keys under `prefix`, by SCAN, but the bus's kept signals
/// (`PREFIX:signals`), which belong to no session and expire a minute
/// after the last signal.
async fn keys_under(prefix: &str) -> Vec<String> {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let mut keys = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}:*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut connection)
            .await
            .unwrap();
        keys.extend(batch.into_iter().filter(|key| *key != format!("{prefix}:signals")));
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

#[tokio::test]
async fn the_stores_keep_their_contract_and_leave_nothing_behind() {
    let prefix = prefix();
    let Some(sessions) = connect(settings(&prefix).idle_timeout(Duration::from_secs(1))).await else { return };
    let session = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
    let id = session.id().to_owned();
    assert_eq!(sessions.count().await.unwrap(), 1);
    assert_eq!(sessions.open(&id).await.unwrap().unwrap().id(), id);

    let stream = session.open_stream().await.unwrap();
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(session.publish(stream, format!("{{\"n\":{n}}}").into_bytes()).await.unwrap());
    }
    assert_eq!(ids.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3], "positions are gapless");
    let replay = sessions.events().replay_after(&id, ids[0]).await.unwrap();
    assert_eq!(
        replay.events.iter().map(|e| e.data.clone()).collect::<Vec<_>>(),
        [b"{\"n\":2}".to_vec(), b"{\"n\":3}".to_vec()]
    );
    assert!(replay.open);
    session.finish_stream(stream).await;
    assert!(!sessions.events().replay_after(&id, EventId::priming(stream)).await.unwrap().open);
    let foreign = sessions.events().replay_after("another-session", ids[0]).await;
    assert!(foreign.is_err(), "a stream is resumable only in its own session");

    let store = sessions.store();
    assert_eq!(store.swap_value(&id, "k", None, "1").await.unwrap(), quickmcp::session::Swap::Done);
    assert_eq!(store.swap_value(&id, "k", None, "2").await.unwrap(), quickmcp::session::Swap::Changed);
    assert_eq!(store.load_value(&id, "k").await.unwrap().as_deref(), Some("1"));
    assert!(!keys_under(&prefix).await.is_empty());

    // Idle past its timeout: the sweep ends it and its keys go.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    sessions.expire_idle().await.unwrap();
    assert!(sessions.open(&id).await.unwrap().is_none());
    assert_eq!(sessions.count().await.unwrap(), 0);
    assert_eq!(keys_under(&prefix).await, Vec::<String>::new(), "an expired session leaves no keys");

    // Ending a session deletes its keys at once.
    let ended = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
    let stream = ended.open_stream().await.unwrap();
    ended.publish(stream, b"{}".to_vec()).await.unwrap();
    assert!(sessions.remove(ended.id()).await.unwrap());
    assert_eq!(keys_under(&prefix).await, Vec::<String>::new(), "a deleted session leaves no keys");
    // A request that was still answering when its session ended finishes
    // its stream afterwards: that must not make its keys again.
    ended.finish_stream(stream).await;
    assert_eq!(keys_under(&prefix).await, Vec::<String>::new(), "a stream finished late leaves no keys");
}

#[tokio::test]
async fn record_updates_from_two_replicas_at_once_are_all_kept() {
    use quickmcp::protocol::LoggingLevel;
    let prefix = prefix();
    let Some(a) = connect(settings(&prefix)).await else { return };
    let Some(b) = connect(settings(&prefix)).await else { return };
    let id = a.create(SessionRecord::new()).await.unwrap().unwrap().id().to_owned();
    let levels = [LoggingLevel::Debug, LoggingLevel::Info, LoggingLevel::Warning, LoggingLevel::Error];
    // Each round, replica A sets the log level while replica B sets the
    // owner: a load-then-save on either side would write back the other's
    // field as it was, losing that round's change.
    for round in 0..150 {
        let level = levels[round % levels.len()];
        let owner = format!("owner-{round}");
        let set_level = |r: &mut SessionRecord| r.log_level = level;
        let set_owner = |r: &mut SessionRecord| r.owner = Some(owner.clone());
        let (on_a, on_b) =
            tokio::join!(a.store().update_record(&id, &set_level), b.store().update_record(&id, &set_owner));
        assert!(on_a.unwrap() && on_b.unwrap());
        let record = b.store().load(&id).await.unwrap().unwrap();
        assert_eq!((record.log_level, record.owner.as_deref()), (level, Some(owner.as_str())), "round {round}");
    }
    let gone = |r: &mut SessionRecord| r.initialized = true;
    assert!(a.remove(&id).await.unwrap());
    assert!(!b.store().update_record(&id, &gone).await.unwrap(), "an ended session stays ended");
    assert_eq!(keys_under(&prefix).await, Vec::<String>::new());
}

#[tokio::test]
async fn each_client_address_holds_a_bounded_number_of_sessions_across_replicas() {
    let prefix = prefix();
    let (Some(a), Some(b)) = (
        connect(settings(&prefix).max_sessions_per_client(2)).await,
        connect(settings(&prefix).max_sessions_per_client(2)).await,
    ) else {
        return;
    };
    let from = |addr: [u8; 4]| {
        let mut record = SessionRecord::new();
        record.client_addr = Some(std::net::IpAddr::from(addr));
        record
    };
    let first = a.create(from([10, 0, 0, 1])).await.unwrap().unwrap();
    b.create(from([10, 0, 0, 1])).await.unwrap().unwrap();
    let third = a.create(from([10, 0, 0, 1])).await;
    assert_eq!(third.unwrap_err(), quickmcp::session::StoreError::ClientFull(2), "counted across replicas");
    b.create(from([10, 0, 0, 2])).await.unwrap().unwrap();
    assert!(b.remove(first.id()).await.unwrap());
    a.create(from([10, 0, 0, 1])).await.expect("ending a session frees its place").unwrap();
}

#[tokio::test]
async fn trimmed_events_make_resumption_gone_not_partial() {
    let prefix = prefix();
    let Some(sessions) = connect(settings(&prefix).events_per_stream(2)).await else { return };
    let session = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
    let stream = session.open_stream().await.unwrap();
    let first = session.publish(stream, b"1".to_vec()).await.unwrap();
    for n in 2..=4 {
        session.publish(stream, n.to_string().into_bytes()).await.unwrap();
    }
    let gone = sessions.events().replay_after(session.id(), first).await;
    assert_eq!(gone.unwrap_err(), quickmcp::session::ResumeError::Gone);
    let recent = sessions.events().replay_after(session.id(), EventId { stream, seq: 2 }).await.unwrap();
    assert_eq!(recent.events.len(), 2);
    sessions.remove(session.id()).await.unwrap();
}

#[tokio::test]
async fn event_streams_are_bounded_by_bytes_as_in_memory() {
    let prefix = prefix();
    let Some(sessions) = connect(settings(&prefix)).await else { return };
    let session = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
    let stream = session.open_stream().await.unwrap();
    let event = format!("\"{}\"", "e".repeat(16 * 1024)).into_bytes();
    for _ in 0..300 {
        session.publish(stream, event.clone()).await.unwrap();
    }
    let key = keys_under(&prefix).await.into_iter().find(|k| k.contains(":events:")).expect("the stream's key");
    let client = redis::Client::open(redis_url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let kept: usize = redis::cmd("XLEN").arg(&key).query_async(&mut connection).await.unwrap();
    let bound = quickmcp::session::MemoryEventStore::BYTES_PER_STREAM;
    assert!(kept * event.len() <= bound, "{kept} events of {} bytes kept, over {bound} bytes", event.len());
    assert!(kept >= bound / event.len() - 1, "no more than needed went: {kept} kept");
    let newest = sessions.events().replay_after(session.id(), EventId { stream, seq: 299 }).await.unwrap();
    assert_eq!(newest.events.len(), 1, "the newest event stays");
    sessions.remove(session.id()).await.unwrap();
    assert_eq!(keys_under(&prefix).await, Vec::<String>::new(), "nothing left behind");
}

/// Logs at info, then at error.
#[tool]
async fn chatter(ctx: Context) -> &'static str {
    ctx.info("details").await;
    ctx.error("trouble").await;
    "said"
}

/// A document clients may watch.
#[resource("doc://news", mime = "text/plain")]
async fn news() -> &'static str {
    "news"
}

fn server(sessions: Sessions) -> Server {
    Server::builder("replica", "0")
        .tools(tools![record, entries, ask_name, nap, chatter])
        .resources(resources![news])
        .sessions(sessions)
        .build()
}

/// Two replicas sharing Redis under one prefix: their servers and URLs.
async fn two_replicas() -> Option<[(Server, String); 2]> {
    let prefix = prefix();
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let server = server(connect(settings(&prefix).idle_timeout(Duration::from_secs(20))).await?);
        let url = spawn(quickmcp_axum::McpRouter::new(server.clone()).into_router()).await;
        replicas.push((server, format!("{url}/mcp")));
    }
    replicas.try_into().ok()
}

/// The client's session as seen through another replica.
fn through(client: &HttpClient, url: &str) -> HttpClient {
    HttpClient { url: url.to_owned(), ..client.clone() }
}

fn text_of(messages: &[Value]) -> String {
    messages.last().unwrap()["result"]["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn one_session_is_served_by_either_replica() {
    let Some([(_, a), (_, b)]) = two_replicas().await else { return };
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let on_b = through(&on_a, &b);
    for (n, client) in [&on_a, &on_b, &on_a, &on_b].into_iter().enumerate() {
        let answer = client
            .request(n as i64 + 1, "tools/call", json!({"name": "record", "arguments": {"entry": format!("e{n}")}}))
            .await;
        assert_eq!(text_of(&answer), (n + 1).to_string(), "state written on one replica is read on the other");
    }
    let listed = on_b.request(9, "tools/call", json!({"name": "entries", "arguments": {}})).await;
    assert_eq!(text_of(&listed), "e0,e1,e2,e3");

    // Concurrent updates through both replicas are all kept.
    let mut calls = Vec::new();
    for n in 0..20 {
        let client = if n % 2 == 0 { on_a.clone() } else { on_b.clone() };
        calls.push(tokio::spawn(async move {
            client.request(100 + n, "tools/call", json!({"name": "record", "arguments": {"entry": "c"}})).await
        }));
    }
    for call in calls {
        call.await.unwrap();
    }
    let listed = on_a.request(10, "tools/call", json!({"name": "entries", "arguments": {}})).await;
    assert_eq!(text_of(&listed).split(',').count(), 24, "no update was lost");

    // Ended through B: gone on A too.
    let deleted = on_b.http.delete(&b).header("mcp-session-id", on_b.session.clone().unwrap()).send().await.unwrap();
    assert!(deleted.status().is_success());
    let after = on_a.post(&json!({"jsonrpc": "2.0", "id": 11, "method": "ping"})).await;
    assert_eq!(after.status(), 404);
}

#[tokio::test]
async fn session_state_is_bounded_by_bytes() {
    let Some([(_, a), (_, b)]) = two_replicas().await else { return };
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let record = |id: i64, entry: &str| {
        let client = on_a.clone();
        let entry = entry.to_owned();
        async move { client.request(id, "tools/call", json!({"name": "record", "arguments": {"entry": entry}})).await }
    };
    let big = "s".repeat(600 * 1024);
    assert_eq!(text_of(&record(1, &big).await), "1");
    let refused = record(2, &big).await;
    let result = &refused.last().unwrap()["result"];
    assert_eq!(result["isError"], true, "{}", text_of(&refused).len());
    let message = text_of(&refused);
    assert!(message.contains("MCP_MAX_SESSION_STATE") && message.len() < 1024, "{message}");
    let listed = through(&on_a, &b).request(3, "tools/call", json!({"name": "entries", "arguments": {}})).await;
    assert_eq!(text_of(&listed).len(), big.len(), "the stored value stayed as it was");
}

#[tokio::test]
async fn the_log_level_set_through_one_replica_holds_on_the_other() {
    let Some([(_, a), (_, b)]) = two_replicas().await else { return };
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let on_b = through(&on_a, &b);
    on_b.request(1, "logging/setLevel", json!({"level": "error"})).await;
    let said = on_a.request(2, "tools/call", json!({"name": "chatter", "arguments": {}})).await;
    let levels: Vec<&str> = said
        .iter()
        .filter(|m| m["method"] == "notifications/message")
        .map(|m| m["params"]["level"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(levels, ["error"], "info is below the level set through the other replica: {said:?}");
}

#[tokio::test]
async fn an_answer_posted_to_another_replica_reaches_the_waiting_handler() {
    let Some([(_, a), (_, b)]) = two_replicas().await else { return };
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let on_b = through(&on_a, &b);
    let call =
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "ask_name", "arguments": {}}});
    let response = on_a.post(&call).await;
    let events = read_events(response, Duration::from_secs(10), |message| {
        if message["method"] == "elicitation/create" {
            let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": {"action": "accept", "content": {"name": "Bo"}}});
            let on_b = on_b.clone();
            tokio::spawn(async move { assert_eq!(on_b.post(&reply).await.status(), 202) });
        }
        message["id"] == 5
    })
    .await;
    let answer = &events.last().expect("an answer").1;
    assert_eq!(answer["result"]["content"][0]["text"], "accept: \"Bo\"");
}

#[tokio::test]
async fn a_cancellation_sent_to_another_replica_stops_the_request() {
    let Some([(_, a), (_, b)]) = two_replicas().await else { return };
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let on_b = through(&on_a, &b);
    let running = {
        let on_a = on_a.clone();
        tokio::spawn(async move {
            on_a.post(
                &json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "nap", "arguments": {}}}),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7}});
    assert_eq!(on_b.post(&cancel).await.status(), 202);
    let answered = tokio::time::timeout(Duration::from_secs(5), running).await.expect("stopped well before 10 s");
    let body = mcp_integration_tests::messages(answered.unwrap()).await;
    assert_eq!(body.last().unwrap()["error"]["code"], -32800, "{body:?}");
}

#[tokio::test]
async fn finished_streams_are_bounded_per_session() {
    let prefix = prefix();
    let Some(sessions) = connect(settings(&prefix)).await else { return };
    let session = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
    let mut first = None;
    for n in 0..40 {
        let stream = session.open_stream().await.unwrap();
        let event = session.publish(stream, format!("{n}").into_bytes()).await.unwrap();
        first.get_or_insert(event);
        session.finish_stream(stream).await;
    }
    let gone = sessions.events().replay_after(session.id(), first.unwrap()).await;
    assert!(gone.is_err(), "the oldest finished streams are forgotten");
    let keys = keys_under(&prefix).await;
    let event_keys = keys.iter().filter(|k| k.contains(":events:")).count();
    assert_eq!(event_keys, 16, "16 finished streams kept: {keys:?}");
    sessions.remove(session.id()).await.unwrap();
    assert_eq!(keys_under(&prefix).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_stream_resumes_through_another_replica() {
    let Some([(_, a), (server_b, b)]) = two_replicas().await else { return };
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let on_b = through(&on_a, &b);
    // Subscribed through B, listening on A, the resource changing on B.
    on_b.request(2, "resources/subscribe", json!({"uri": "doc://news"})).await;

    // The GET stream on A takes two notifications, then its connection drops.
    let stream = on_a.get_stream(None).await;
    assert_eq!(stream.status(), 200);
    let notifier = server_b.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        notifier.notify_resource_updated("doc://news");
        notifier.notify_resource_updated("doc://news");
    });
    let seen = read_events(stream, Duration::from_secs(5), |m| m["method"] == "notifications/resources/updated").await;
    let last_seen = seen.last().and_then(|(id, _)| id.clone()).expect("an event id");

    // While no connection holds the stream, the resource changes again.
    server_b.notify_resource_updated("doc://news");
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Resumed through B: the event the client missed, then new ones as they come.
    let resumed = on_b.get_stream(Some(&last_seen)).await;
    assert_eq!(resumed.status(), 200);
    let notifier = server_b.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        notifier.notify_resource_updated("doc://news");
        notifier.notify_resource_updated("doc://news");
    });
    let replayed = read_events(resumed, Duration::from_secs(3), |_| false).await;
    let updates: Vec<_> = replayed.iter().filter(|(_, m)| m["method"] == "notifications/resources/updated").collect();
    // The reader stopped after the first event: the second, the one sent
    // while no connection held the stream, then the two new ones.
    assert_eq!(updates.len(), 4, "the missed events from Redis, then the new ones: {replayed:?}");
    let seqs: Vec<u64> = std::iter::once(&last_seen)
        .chain(updates.iter().filter_map(|(id, _)| id.as_ref()))
        .map(|id| id.rsplit_once('-').unwrap().1.parse().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "in order, none lost or repeated: {seqs:?}");
}

#[tokio::test]
async fn list_changes_and_listeners_reach_every_replica() {
    let Some([(server_a, _), (_, b)]) = two_replicas().await else { return };
    // A session-era client listening on B.
    let mut on_b = HttpClient::new(&b);
    on_b.initialize().await;
    let stream = on_b.get_stream(None).await;
    // A stateless-era listener on B.
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
    });
    let listen = json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen", "params": {
        "_meta": meta, "notifications": {"toolsListChanged": true, "resourceSubscriptions": ["doc://news"]}}});
    let headers = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "subscriptions/listen")];
    let listener = HttpClient::new(&b).post_with(&headers).body(listen.to_string()).send().await.unwrap();
    assert_eq!(listener.status(), 200);

    // The catalog and a resource change on A.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        server_a.remove_tool("ask_name");
        server_a.notify_resource_updated("doc://news");
    });
    let standalone =
        read_events(stream, Duration::from_secs(3), |m| m["method"] == "notifications/tools/list_changed").await;
    assert!(standalone.iter().any(|(_, m)| m["method"] == "notifications/tools/list_changed"), "{standalone:?}");
    let heard =
        read_events(listener, Duration::from_secs(3), |m| m["method"] == "notifications/resources/updated").await;
    let methods: Vec<_> = heard.iter().map(|(_, m)| m["method"].as_str().unwrap_or_default().to_owned()).collect();
    assert!(methods.contains(&"notifications/tools/list_changed".to_owned()), "{methods:?}");
    assert!(methods.contains(&"notifications/resources/updated".to_owned()), "{methods:?}");
}

/// A private `redis-server` on a free port, killed on drop.
struct PrivateRedis {
    child: Child,
    port: u16,
}

impl PrivateRedis {
    fn start(port: u16) -> Option<Self> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        Some(Self { child, port })
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    async fn wait_ready(&self) {
        mcp_integration_tests::wait_for_port(self.port).await;
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn redis_slow_or_down_is_a_fast_503_and_the_server_recovers() {
    let port = PrivateRedis::free_port();
    let Some(redis) = PrivateRedis::start(port) else {
        return skip_without_service("redis-server is not installed");
    };
    redis.wait_ready().await;
    let url = format!("redis://127.0.0.1:{port}/");
    let sessions = RedisSessions::new(&url).timeout(Duration::from_millis(500)).connect().await.unwrap();
    let app = quickmcp_axum::McpRouter::new(server(sessions)).into_router();
    let base = spawn(app).await;
    let mut client = HttpClient::new(format!("{base}/mcp"));
    client.initialize().await;
    assert_eq!(reqwest::get(format!("{base}/ready")).await.unwrap().status(), 200);

    // Slow: Redis holds every command for 2 s; the request gives up at the 500 ms limit.
    let paused = Command::new("redis-cli").args(["-p", &port.to_string(), "CLIENT", "PAUSE", "2000"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&paused.stdout).trim(), "OK");
    let started = std::time::Instant::now();
    let slow = client.post(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
    assert_eq!(slow.status(), 503);
    assert!(started.elapsed() < Duration::from_millis(1500), "failed at the time limit: {:?}", started.elapsed());
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let recovered = client.post(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
    assert_eq!(recovered.status(), 200, "the same session goes on once Redis answers again");

    // Down: the connection is refused.
    drop(redis);
    let started = std::time::Instant::now();
    let down = client.post(&json!({"jsonrpc": "2.0", "id": 2, "method": "ping"})).await;
    assert_eq!(down.status(), 503);
    let body: Value = down.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("Redis"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(5), "failed fast: {:?}", started.elapsed());
    let ready = reqwest::get(format!("{base}/ready")).await.unwrap();
    assert_eq!(ready.status(), 503);
    assert!(ready.text().await.unwrap().contains("session store"));

    // Back (empty: this Redis keeps nothing): new sessions work without a restart.
    let _redis = PrivateRedis::start(port).unwrap();
    _redis.wait_ready().await;
    let mut fresh = HttpClient::new(format!("{base}/mcp"));
    for _ in 0..50 {
        if reqwest::get(format!("{base}/ready")).await.unwrap().status() == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fresh.initialize().await;
    let answer = fresh.request(3, "tools/call", json!({"name": "record", "arguments": {"entry": "x"}})).await;
    assert_eq!(text_of(&answer), "1");
}

/// The pub/sub connections of the private Redis at `port`.
fn pubsub_clients(port: u16) -> usize {
    let listed =
        Command::new("redis-cli").args(["-p", &port.to_string(), "CLIENT", "LIST", "TYPE", "pubsub"]).output().unwrap();
    String::from_utf8_lossy(&listed.stdout).lines().filter(|line| line.contains("sub=")).count()
}

#[tokio::test]
async fn an_answer_posted_while_the_waiting_replicas_subscription_is_down_still_arrives() {
    let port = PrivateRedis::free_port();
    let Some(redis) = PrivateRedis::start(port) else {
        return skip_without_service("redis-server is not installed");
    };
    redis.wait_ready().await;
    let url = format!("redis://127.0.0.1:{port}/");
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let sessions = RedisSessions::new(&url).connect().await.unwrap();
        let server = Server::builder("replica", "0").tools(tools![ask_name]).sessions(sessions).build();
        replicas.push(format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await));
    }
    let mut on_a = HttpClient::new(&replicas[0]);
    on_a.initialize().await;
    let on_b = through(&on_a, &replicas[1]);
    let call =
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "ask_name", "arguments": {}}});
    let started = std::time::Instant::now();
    let response = on_a.post(&call).await;
    let events = read_events(response, Duration::from_secs(15), |message| {
        if message["method"] == "elicitation/create" {
            // Every replica's subscription drops; the answer is posted through B
            // before A has subscribed again (it waits a second to retry).
            let killed = Command::new("redis-cli")
                .args(["-p", &port.to_string(), "CLIENT", "KILL", "TYPE", "pubsub"])
                .output()
                .unwrap();
            assert!(String::from_utf8_lossy(&killed.stdout).trim().parse::<u32>().unwrap() >= 1, "{killed:?}");
            let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": {"action": "accept", "content": {"name": "Cy"}}});
            let on_b = on_b.clone();
            tokio::spawn(async move { assert_eq!(on_b.post(&reply).await.status(), 202) });
        }
        message["id"] == 5
    })
    .await;
    let answer = &events.last().expect("an answer").1;
    assert_eq!(answer["result"]["content"][0]["text"], "accept: \"Cy\"", "{events:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "well before the 5 min limit: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_replica_started_before_redis_serves_once_redis_is_up() {
    let port = PrivateRedis::free_port();
    let url = format!("redis://127.0.0.1:{port}/");
    let sessions = RedisSessions::new(&url).timeout(Duration::from_millis(300)).connect().await;
    let sessions = sessions.expect("no Redis yet is not an error: the sessions connect in the background");
    let base = spawn(quickmcp_axum::McpRouter::new(server(sessions)).into_router()).await;
    let ready = reqwest::get(format!("{base}/ready")).await.unwrap();
    assert_eq!(ready.status(), 503, "not ready while Redis is away");
    assert!(ready.text().await.unwrap().contains("session store"));
    let early = HttpClient::new(format!("{base}/mcp"));
    let params = quickmcp_axum::TestClient::initialize_params(json!({}));
    let refused = early.post(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params})).await;
    assert_eq!(refused.status(), 503, "a session cannot be opened yet");

    let Some(redis) = PrivateRedis::start(port) else {
        return skip_without_service("redis-server is not installed");
    };
    redis.wait_ready().await;
    let mut became_ready = false;
    for _ in 0..100 {
        if reqwest::get(format!("{base}/ready")).await.unwrap().status() == 200 {
            became_ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(became_ready, "ready within 10 s of Redis coming up");
    let mut client = HttpClient::new(format!("{base}/mcp"));
    client.initialize().await;
    let answer = client.request(1, "tools/call", json!({"name": "record", "arguments": {"entry": "x"}})).await;
    assert_eq!(text_of(&answer), "1");
}

#[tokio::test]
async fn the_bus_listener_and_its_connection_end_with_the_sessions() {
    let port = PrivateRedis::free_port();
    let Some(redis) = PrivateRedis::start(port) else {
        return skip_without_service("redis-server is not installed");
    };
    redis.wait_ready().await;
    let sessions = RedisSessions::new(format!("redis://127.0.0.1:{port}/")).connect().await.unwrap();
    let session = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
    let count_becomes = |want: usize| async move {
        for _ in 0..50 {
            if pubsub_clients(port) == want {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    };
    assert!(count_becomes(1).await, "one subscription while the sessions live");
    drop(session);
    drop(sessions);
    assert!(count_becomes(0).await, "the subscription ends with the sessions ({} left)", pubsub_clients(port));
}

#[tokio::test]
async fn a_get_stream_opened_on_another_replica_takes_over_the_sessions_stream() {
    use futures_util::StreamExt as _;
    let Some([(_, a), (_, b)]) = two_replicas().await else { return };
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let on_b = through(&on_a, &b);
    let first = on_a.get_stream(None).await;
    assert_eq!(first.status(), 200);
    let mut first = first.bytes_stream();
    // The priming event arrives, so the stream is attached on A.
    let primed = tokio::time::timeout(Duration::from_secs(5), first.next()).await.expect("a priming event");
    assert!(primed.is_some());
    assert_eq!(on_a.get_stream(None).await.status(), 409, "on one replica a second GET stream is refused");

    let second = on_b.get_stream(None).await;
    assert_eq!(second.status(), 200, "another replica takes the session's GET stream over");
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = first.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the older GET stream on A is closed");
}

#[tokio::test]
async fn a_session_ended_on_one_replica_is_let_go_on_the_others() {
    let prefix = prefix();
    let Some(on_a_store) = connect(settings(&prefix)).await else { return };
    let Some(on_b_store) = connect(settings(&prefix)).await else { return };
    let a = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server(on_a_store)).into_router()).await);
    let b = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server(on_b_store.clone())).into_router()).await);
    // Each session runs a request on B, then ends through A: B must not keep
    // anything for it (a replica that did leaked about 500 bytes a session).
    for n in 0..40 {
        let mut on_a = HttpClient::new(&a);
        on_a.initialize().await;
        let on_b = through(&on_a, &b);
        let answer = on_b.request(n, "tools/call", json!({"name": "chatter", "arguments": {}})).await;
        assert!(answer.last().unwrap()["result"].is_object());
        let session = on_a.session.clone().unwrap();
        let deleted = on_a.http.delete(&a).header("mcp-session-id", session).send().await.unwrap();
        assert!(deleted.status().is_success());
    }
    let mut held = usize::MAX;
    for _ in 0..50 {
        held = on_b_store.held_here();
        if held == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(held, 0, "B holds nothing for sessions that ended through A");
}

#[tokio::test]
async fn sessions_redis_lost_are_let_go_by_the_sweep() {
    let prefix = prefix();
    let Some(sessions) = connect(settings(&prefix)).await else { return };
    let url = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server(sessions.clone())).into_router()).await);
    let mut ids = Vec::new();
    for n in 0..3 {
        let mut client = HttpClient::new(&url);
        client.initialize().await;
        let answer = client.request(n, "tools/call", json!({"name": "chatter", "arguments": {}})).await;
        assert!(answer.last().unwrap()["result"].is_object());
        ids.push(client.session.clone().unwrap());
    }
    assert_eq!(sessions.held_here(), 3);
    // Redis loses two of them (as a Redis restarted empty does): no expiry
    // will ever name them, so only the sweep can let them go.
    let client = redis::Client::open(redis_url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    for key in keys_under(&prefix).await {
        if !key.contains(&ids[2]) {
            let _: () = redis::cmd("DEL").arg(&key).query_async(&mut connection).await.unwrap();
        }
    }
    sessions.expire_idle().await.unwrap();
    assert_eq!(sessions.held_here(), 1, "only the session Redis still has is held");
    let mut kept = HttpClient::new(&url);
    kept.session = Some(ids[2].clone());
    let answer = kept.request(9, "tools/call", json!({"name": "chatter", "arguments": {}})).await;
    assert!(answer.last().unwrap()["result"].is_object(), "the kept session still works: {answer:?}");
}
