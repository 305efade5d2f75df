//! `quickmcp-client` against servers that send bad input, over real sockets (a
//! small axum server that breaks the protocol on request) and over stdio (a
//! child process that does). Each misbehaviour must give the affected call a
//! clear error within its time limit, never a hang or a panic, and the
//! client's other calls must keep working. Every test is bounded by a tokio
//! timeout.

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::StreamExt;
use mcp_integration_tests::spawn;
use quickmcp_client::{Client, ClientError, Era};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Each call's time limit in these tests.
const LIMIT: Duration = Duration::from_secs(2);
/// No test may take longer than this.
const BOUND: Duration = Duration::from_secs(30);

/// What the hostile server counts.
#[derive(Default)]
struct Seen {
    /// `input_required` rounds answered.
    rounds: AtomicUsize,
    /// The client's answers to the server's requests, and the most that
    /// were in flight at once.
    answers: AtomicUsize,
    answering: AtomicUsize,
    most_answering: AtomicUsize,
    /// Set when the endless notification stream was dropped by the client.
    endless_dropped: AtomicBool,
}

fn json_body(body: impl Into<Body>) -> Response {
    ([("content-type", "application/json")], body.into()).into_response()
}

fn sse(stream: impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static) -> Response {
    ([("content-type", "text/event-stream")], Body::from_stream(stream)).into_response()
}

fn event(message: &Value) -> Bytes {
    Bytes::from(format!("event: message\ndata: {message}\n\n"))
}

/// Sets its flag when dropped: the stream that holds it was let go.
struct OnDrop(Arc<Seen>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.endless_dropped.store(true, Ordering::SeqCst);
    }
}

/// The server: a proper `initialize`, `server/discover` and `add`, and each
/// other tool breaks the protocol its own way.
async fn hostile(seen: Arc<Seen>, body: Bytes) -> Response {
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return (axum::http::StatusCode::BAD_REQUEST).into_response();
    };
    let id = message["id"].clone();
    let answer = |result: Value| json!({"jsonrpc": "2.0", "id": id, "result": result});
    let Some(method) = message["method"].as_str() else {
        // The client's answer to one of our requests: slow, to see how many
        // it sends at once.
        seen.answers.fetch_add(1, Ordering::SeqCst);
        let now = seen.answering.fetch_add(1, Ordering::SeqCst) + 1;
        seen.most_answering.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        seen.answering.fetch_sub(1, Ordering::SeqCst);
        return axum::http::StatusCode::ACCEPTED.into_response();
    };
    match method {
        "initialize" => json_body(
            answer(json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "hostile", "version": "0"},
            }))
            .to_string(),
        ),
        "server/discover" => {
            json_body(answer(json!({"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}}})).to_string())
        }
        "tools/call" => call(seen, &message, answer).await,
        _ => axum::http::StatusCode::ACCEPTED.into_response(),
    }
}

async fn call(seen: Arc<Seen>, message: &Value, answer: impl Fn(Value) -> Value) -> Response {
    let id = message["id"].clone();
    let text = |t: String| answer(json!({"content": [{"type": "text", "text": t}]}));
    let arguments = &message["params"]["arguments"];
    match message["params"]["name"].as_str().unwrap_or_default() {
        "add" => {
            let sum = arguments["a"].as_i64().unwrap_or(0) + arguments["b"].as_i64().unwrap_or(0);
            json_body(text(sum.to_string()).to_string())
        }
        "malformed" => json_body(format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"content":"#)),
        "garbage" => json_body("{this is not JSON"),
        "wrong_id" => json_body(json!({"jsonrpc": "2.0", "id": "nobody", "result": {"content": []}}).to_string()),
        "no_id" => json_body(json!({"jsonrpc": "2.0", "result": {"content": []}}).to_string()),
        "huge" => json_body(text("x".repeat(5 << 20)).to_string()),
        // The JSON body breaks off before its end.
        "body_dies" => {
            let half = Bytes::from(format!(r#"{{"jsonrpc":"2.0","id":{id},"#));
            json_body(Body::from_stream(then_break(half)))
        }
        // One byte every 50 ms, for ever.
        "body_trickles" => {
            let stream = futures_util::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
            });
            json_body(Body::from_stream(stream))
        }
        // Not even the headers come.
        "silent" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            axum::http::StatusCode::NO_CONTENT.into_response()
        }
        // SSE: half an event, then the connection breaks.
        "sse_dies_mid_event" => {
            let half = Bytes::from(format!("event: message\ndata: {{\"jsonrpc\":\"2.0\",\"id\":{id},"));
            sse(then_break(half))
        }
        // SSE: a notification, then the stream ends without the answer.
        "sse_ends_early" => {
            let note = json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "soon"}});
            sse(futures_util::stream::iter([Ok(event(&note))]))
        }
        "sse_huge_event" => sse(futures_util::stream::iter([Ok(event(&text("x".repeat(5 << 20))))])),
        "sse_garbage" => sse(futures_util::stream::iter([Ok(Bytes::from_static(b"data: {nope\n\n"))])),
        "sse_wrong_id" => {
            sse(futures_util::stream::iter([Ok(event(&json!({"jsonrpc": "2.0", "id": "nobody", "result": {}})))]))
        }
        // A `data:` line that never ends, 4 KiB every 20 ms (under the size
        // bound for the call's whole time limit).
        "sse_endless_line" => {
            let start = futures_util::stream::iter([Ok(Bytes::from_static(b"data: "))]);
            let rest = futures_util::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Some((Ok(Bytes::from(vec![b'x'; 4096])), ()))
            });
            sse(start.chain(rest))
        }
        // Notifications as fast as they go, never the answer.
        "sse_endless_notifications" => {
            let guard = OnDrop(seen);
            let stream = futures_util::stream::unfold((guard, 0u64), |(guard, n)| async move {
                tokio::task::yield_now().await;
                let note = json!({"jsonrpc": "2.0", "method": "notifications/progress",
                    "params": {"progressToken": "t", "progress": n}});
                Some((Ok(event(&note)), (guard, n + 1)))
            });
            sse(stream)
        }
        // A thousand requests to the client at once, then the answer.
        "sse_many_requests" => {
            let requests =
                (0..1000).map(move |n| Ok(event(&json!({"jsonrpc": "2.0", "id": format!("s-{n}"), "method": "ping"}))));
            let last = text("done".to_owned());
            let stream = futures_util::stream::iter(requests).chain(futures_util::stream::once(async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok(event(&last))
            }));
            sse(stream)
        }
        // The 2026-07-28 era: input required, for ever.
        "ask_forever" => {
            seen.rounds.fetch_add(1, Ordering::SeqCst);
            json_body(
                answer(json!({
                    "resultType": "input_required",
                    "inputRequests": {"r": {"method": "roots/list", "params": {}}},
                    "requestState": "again",
                }))
                .to_string(),
            )
        }
        _ => json_body(
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32602, "message": "no such tool"}}).to_string(),
        ),
    }
}

/// `first`, then (once the headers and it are out) a broken connection.
fn then_break(first: Bytes) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::iter([Ok(first)]).chain(futures_util::stream::once(async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Err(std::io::Error::other("cut"))
    }))
}

async fn hostile_server() -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let state = seen.clone();
    let app = axum::Router::new().route("/mcp", post(move |body: Bytes| hostile(state.clone(), body)));
    (format!("{}/mcp", spawn(app).await), seen)
}

async fn client(url: &str, era: Era) -> Client {
    Client::builder()
        .era(era)
        .timeout(LIMIT)
        .on_roots(|_| async { Ok(json!({"roots": []})) })
        .connect_http(url)
        .await
        .unwrap()
}

/// Calls `tool`, which must fail within the time limit (with some slack),
/// and checks that `add` still works on the same client.
async fn fails(client: &Client, tool: &str) -> ClientError {
    let start = Instant::now();
    let error = client.call_tool(tool, json!({})).await.expect_err(tool);
    assert!(start.elapsed() < LIMIT + Duration::from_secs(1), "{tool} took {:?}", start.elapsed());
    let sum = client.call_tool("add", json!({"a": 2, "b": 3})).await.unwrap_or_else(|e| panic!("after {tool}: {e}"));
    assert_eq!(sum.text(), "5", "after {tool}");
    error
}

fn protocol(error: &ClientError, says: &str) {
    assert!(
        matches!(error, ClientError::Protocol(why) if why.contains(says)),
        "expected Protocol({says:?}), got {error:?}"
    );
}

fn transport(error: &ClientError, says: &str) {
    assert!(
        matches!(error, ClientError::Transport(why) if why.contains(says)),
        "expected Transport({says:?}), got {error:?}"
    );
}

#[tokio::test]
async fn bad_json_bodies_fail_their_call_with_a_protocol_error() {
    tokio::time::timeout(BOUND, async {
        let (url, _) = hostile_server().await;
        let client = client(&url, Era::Session).await;
        protocol(&fails(&client, "malformed").await, "not JSON-RPC");
        protocol(&fails(&client, "garbage").await, "not JSON-RPC");
        protocol(&fails(&client, "wrong_id").await, r#"answered request "nobody""#);
        protocol(&fails(&client, "no_id").await, "not JSON-RPC");
        protocol(&fails(&client, "huge").await, "over 4194304 bytes");
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn bodies_that_break_trickle_or_never_come_fail_within_the_time_limit() {
    tokio::time::timeout(BOUND, async {
        let (url, _) = hostile_server().await;
        let client = client(&url, Era::Session).await;
        transport(&fails(&client, "body_dies").await, "body broke");
        assert_eq!(fails(&client, "body_trickles").await, ClientError::Timeout);
        assert_eq!(fails(&client, "silent").await, ClientError::Timeout);
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn bad_sse_answers_fail_their_call_with_what_happened() {
    tokio::time::timeout(BOUND, async {
        let (url, _) = hostile_server().await;
        let client = client(&url, Era::Session).await;
        transport(&fails(&client, "sse_dies_mid_event").await, "stream broke");
        transport(&fails(&client, "sse_ends_early").await, "ended before the answer");
        protocol(&fails(&client, "sse_huge_event").await, "an event over 4194304 bytes");
        protocol(&fails(&client, "sse_garbage").await, "not JSON-RPC");
        protocol(&fails(&client, "sse_wrong_id").await, r#"answered request "nobody""#);
        assert_eq!(fails(&client, "sse_endless_line").await, ClientError::Timeout);
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn an_endless_stream_of_notifications_times_out_and_is_let_go() {
    tokio::time::timeout(BOUND, async {
        let (url, seen) = hostile_server().await;
        let client = client(&url, Era::Session).await;
        let mut notifications = client.notifications();
        assert_eq!(fails(&client, "sse_endless_notifications").await, ClientError::Timeout);
        // The subscriber that did not read lost the oldest, not the client its memory.
        assert!(matches!(notifications.try_recv(), Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_))));
        // The stream is dropped soon after the call gave up on it.
        let start = Instant::now();
        while !seen.endless_dropped.load(Ordering::SeqCst) {
            assert!(start.elapsed() < Duration::from_secs(5), "the endless stream is still read");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn many_server_requests_at_once_are_answered_a_bounded_number_at_a_time() {
    tokio::time::timeout(BOUND, async {
        let (url, seen) = hostile_server().await;
        let client = client(&url, Era::Session).await;
        let done = client.call_tool("sse_many_requests", json!({})).await.unwrap();
        assert_eq!(done.text(), "done");
        assert_eq!(client.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap().text(), "2");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (answers, most) = (seen.answers.load(Ordering::SeqCst), seen.most_answering.load(Ordering::SeqCst));
        assert!(answers > 0, "the client answers the server's pings");
        assert!(most <= 64, "{most} answers in flight at once");
        assert!(answers < 1000, "past the bound requests are dropped, not queued ({answers} answered)");
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn input_required_rounds_that_never_end_stop_at_the_bound() {
    tokio::time::timeout(BOUND, async {
        let (url, seen) = hostile_server().await;
        let client = client(&url, Era::Stateless).await;
        let error = fails(&client, "ask_forever").await;
        protocol(&error, "asked for input more than 16 times");
        assert_eq!(seen.rounds.load(Ordering::SeqCst), 16);
    })
    .await
    .expect("bounded");
}

async fn stdio_client() -> Client {
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_stdio_hostile_server"));
    let transport = quickmcp_client::transport::lines::LineTransport::spawn(command).unwrap();
    Client::builder().era(Era::Session).timeout(LIMIT).connect(transport).await.unwrap()
}

#[tokio::test]
async fn bad_stdio_lines_fail_their_call_and_the_connection_goes_on() {
    tokio::time::timeout(BOUND, async {
        let client = stdio_client().await;
        protocol(&fails(&client, "huge").await, "a line over 4194304 bytes");
        protocol(&fails(&client, "malformed").await, "not JSON-RPC");
        // An answer to nobody: the call waits for its own until its limit.
        assert_eq!(fails(&client, "wrong_id").await, ClientError::Timeout);
        // A huge notification is skipped; the answer after it arrives.
        client.call_tool("huge_notification", json!({})).await.unwrap();
        // A line that never ends: the call times out (the stream is stuck,
        // so later calls would too); then the server exits.
        let start = Instant::now();
        assert_eq!(client.call_tool("endless_line", json!({})).await.unwrap_err(), ClientError::Timeout);
        assert!(start.elapsed() < LIMIT + Duration::from_secs(1));
        client.close().await;
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn a_stdio_server_that_dies_before_the_answer_closes_the_connection() {
    tokio::time::timeout(BOUND, async {
        let client = stdio_client().await;
        assert_eq!(client.call_tool("exit", json!({})).await.unwrap_err(), ClientError::Closed);
        assert_eq!(client.call_tool("add", json!({"a": 1, "b": 2})).await.unwrap_err(), ClientError::Closed);
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn a_get_stream_that_ends_at_once_is_not_reopened_in_a_tight_loop() {
    tokio::time::timeout(BOUND, async {
        let gets = Arc::new(AtomicUsize::new(0));
        let counted = gets.clone();
        let app = axum::Router::new().route(
            "/mcp",
            post(|body: Bytes| async move {
                let message: Value = serde_json::from_slice(&body).unwrap_or_default();
                if message["method"] != "initialize" {
                    return axum::http::StatusCode::ACCEPTED.into_response();
                }
                let answer = json!({"jsonrpc": "2.0", "id": message["id"], "result": {
                    "protocolVersion": "2025-11-25", "capabilities": {}, "serverInfo": {"name": "h", "version": "0"}}});
                ([("content-type", "application/json"), ("mcp-session-id", "s1")], answer.to_string()).into_response()
            })
            .get(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async { sse(futures_util::stream::iter([Ok(Bytes::from_static(b"retry: 0\n\n"))])) }
            }),
        );
        let url = format!("{}/mcp", spawn(app).await);
        let client = client(&url, Era::Session).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let opened = gets.load(Ordering::SeqCst);
        assert!((1..=5).contains(&opened), "the GET stream was opened {opened} times in a second");
        drop(client);
    })
    .await
    .expect("bounded");
}
