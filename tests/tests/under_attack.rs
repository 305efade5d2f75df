//! The weather example under a hostile load, over real sockets on loopback:
//! several attackers replay the defects `docs/security.md` lists for a few
//! seconds while an honest client keeps calling a tool. The honest client
//! must see no error, the process's memory must stay within a bound, and
//! every attack must get the status its limit gives. A client of the
//! stdio transport that stops reading its output must not grow it either.
//!
//! `UNDER_ATTACK_SECS` sets the duration (CI uses the default, 5 s); the
//! rate limit is 1200/min per address, and the honest client calls ten
//! times a second, as an agent would.

use mcp_examples::weather;
use mcp_integration_tests::HttpClient;
use quickmcp_axum::{McpConfig, ServeLimits};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt as _;

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: 0 kB");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Status counts per attack.
type Tally = Arc<Mutex<BTreeMap<(&'static str, u16), u64>>>;

fn count(tally: &Tally, attack: &'static str, status: u16) {
    *tally.lock().unwrap().entry((attack, status)).or_default() += 1;
}

/// One attacker: `attack` sends requests from its own forwarded address
/// until `until`.
async fn attacker(
    url: String,
    address: &'static str,
    attack: &'static str,
    until: Instant,
    tally: Tally,
    request: impl Fn(&HttpClient) -> reqwest::RequestBuilder,
) {
    let client = HttpClient::new(url);
    while Instant::now() < until {
        let status = match request(&client).header("x-forwarded-for", address).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                status
            }
            Err(_) => 0,
        };
        count(&tally, attack, status);
    }
}

/// [`attacker`] that goes on after `until` until it meets the rate limit
/// (a 429), for at most 30 s more: on a loaded machine a flood may not
/// reach the limit within the test's window, and what the test checks is
/// what happens when it does.
async fn flood_to_the_limit(
    url: String,
    address: &'static str,
    attack: &'static str,
    until: Instant,
    tally: Tally,
    request: impl Fn(&HttpClient) -> reqwest::RequestBuilder,
) {
    attacker(url.clone(), address, attack, until, tally.clone(), &request).await;
    let deadline = until + Duration::from_secs(30);
    let limited = || tally.lock().unwrap().contains_key(&(attack, 429));
    while !limited() && Instant::now() < deadline {
        let burst = Instant::now() + Duration::from_millis(200);
        attacker(url.clone(), address, attack, burst, tally.clone(), &request).await;
    }
}

/// Tests that measure this process's memory run one at a time.
static MEASURED: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `subscriptions/listen` streams opened from one address and never read;
/// returns how many the server accepted.
async fn listener_flood(url: String, until: Instant, tally: Tally) -> usize {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "listener", "version": "0"},
    });
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen", "params": {
        "_meta": meta, "notifications": {"toolsListChanged": true}}})
    .to_string();
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "subscriptions/listen"),
        ("x-forwarded-for", "10.0.0.10"),
    ];
    let client = HttpClient::new(url);
    let mut streams = Vec::new();
    while Instant::now() < until {
        let status = match client.post_with(&headers).body(body.clone()).send().await {
            Ok(response) if response.status() == 200 => {
                streams.push(response);
                200
            }
            Ok(response) => response.status().as_u16(),
            Err(_) => 0,
        };
        count(&tally, "subscriptions/listen flood", status);
    }
    streams.len()
}

/// Unknown tools named by 1 MiB names, written to the stdio transport by a
/// client that never reads its output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stdio_client_that_stops_reading_does_not_grow_the_server_memory() {
    let _alone = MEASURED.lock().await;
    let (mut client_out, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, _client_in) = tokio::io::duplex(1 << 16);
    let served = tokio::spawn(weather::server().serve_io(server_in, server_out));
    let rss_before = rss_kib();
    let name = "n".repeat(1 << 20);
    let mut line = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name}}).to_string();
    line.push('\n');
    let lines = 150;
    let written = async {
        for _ in 0..lines {
            client_out.write_all(line.as_bytes()).await.unwrap();
        }
    };
    // The server stops reading once its bounds are reached: the writes block.
    let finished = tokio::time::timeout(Duration::from_secs(5), written).await.is_ok();
    let rss_after = rss_kib();
    println!(
        "stdio: {lines} lines of 1 MiB written: {finished}; RSS {} -> {} MiB",
        rss_before / 1024,
        rss_after / 1024
    );
    served.abort();
    assert!(rss_after < rss_before + 64 * 1024, "memory grew by more than 64 MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_clients_are_served_while_others_attack() {
    let _alone = MEASURED.lock().await;
    let seconds = std::env::var("UNDER_ATTACK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let config = McpConfig {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        header_read_timeout: Duration::from_secs(1),
        rate_limit: Some("1200/min".parse().unwrap()),
        ..McpConfig::default()
    };
    let limits = ServeLimits::from_config(&config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(quickmcp_axum::serve_with(listener, weather::app(config), limits, std::future::pending()));
    let url = format!("http://{address}/mcp");

    let mut honest = HttpClient::new(url.clone());
    honest.initialize().await;
    let call = json!({"name": "get_weather", "arguments": {"city": "Paris"}});
    for _ in 0..50 {
        honest.request(1, "tools/call", call.clone()).await;
    }
    let rss_before = rss_kib();
    let until = Instant::now() + Duration::from_secs(seconds);
    let tally: Tally = Arc::default();

    let padding = "x".repeat(1 << 20);
    let init = |capabilities: serde_json::Value| {
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": capabilities,
            "clientInfo": {"name": "attacker", "version": "0"}}})
        .to_string()
    };
    let heavy_init = init(json!({"experimental": {"pad": padding}}));
    let attacks = vec![
        tokio::spawn(attacker(url.clone(), "10.0.0.1", "initialize with 1 MiB capabilities", until, tally.clone(), {
            let body = heavy_init.clone();
            move |c| c.post_builder().body(body.clone())
        })),
        tokio::spawn(attacker(url.clone(), "10.0.0.2", "failed initialize", until, tally.clone(), |c| {
            c.post_builder().body(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
        })),
        tokio::spawn(attacker(url.clone(), "10.0.0.3", "5 MiB body", until, tally.clone(), {
            let body = "x".repeat(5 << 20);
            move |c| c.post_builder().body(body.clone())
        })),
        tokio::spawn(attacker(url.clone(), "10.0.0.4", "JSON array message", until, tally.clone(), |c| {
            c.post_builder().body(r#"["2.0",1,"ping",null,null,null]"#)
        })),
        tokio::spawn(attacker(url.clone(), "10.0.0.5", "foreign Origin", until, tally.clone(), |c| {
            c.post_with(&[("origin", "https://evil.example")]).body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        })),
        tokio::spawn(attacker(url.clone(), "10.0.0.6", "unknown session", until, tally.clone(), |c| {
            c.post_with(&[("mcp-session-id", "0123456789abcdef0123456789abcdef")])
                .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        })),
    ];
    let flooders = (0..3).map(|_| {
        tokio::spawn(flood_to_the_limit(url.clone(), "10.0.0.7", "sessionless ping flood", until, tally.clone(), |c| {
            c.post_builder().body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        }))
    });
    let attacks: Vec<_> = attacks.into_iter().chain(flooders).collect();
    let subscriber = tokio::spawn(subscribe_flood(url.clone(), until, tally.clone()));
    let listeners = tokio::spawn(unread_streams(url.clone(), until, tally.clone()));
    let listen_flood = tokio::spawn(listener_flood(url.clone(), until, tally.clone()));
    let slow_loris = tokio::spawn({
        let tally = tally.clone();
        async move {
            let mut sockets = Vec::new();
            while Instant::now() < until && sockets.len() < 200 {
                if let Ok(mut socket) = tokio::net::TcpStream::connect(address).await {
                    let _ = socket.write_all(b"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\n").await;
                    sockets.push(socket);
                    count(&tally, "half-sent request head", 0);
                }
            }
            sockets
        }
    });

    let mut honest_errors = 0;
    let mut latencies = Vec::new();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        let response = honest.post(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call})).await;
        latencies.push(started.elapsed());
        let ok = response.status() == 200 && response.text().await.is_ok_and(|t| t.contains("Paris"));
        honest_errors += u64::from(!ok);
    }
    for attack in attacks {
        attack.await.unwrap();
    }
    subscriber.await.unwrap();
    let streams = listeners.await.unwrap();
    let listen_streams = listen_flood.await.unwrap();
    drop(slow_loris.await.unwrap());
    let rss_after = rss_kib();

    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    println!("attack                                   status  count");
    for ((attack, status), n) in tally.lock().unwrap().iter() {
        println!("{attack:<40} {status:>6} {n:>6}");
    }
    println!(
        "honest: {} calls, {honest_errors} errors, p99 {p99:?}; RSS {} -> {} MiB",
        latencies.len(),
        rss_before / 1024,
        rss_after / 1024
    );

    assert_eq!(honest_errors, 0, "the honest client saw errors");
    assert!(rss_after < rss_before + 64 * 1024, "memory grew by more than 64 MiB");
    let tally = tally.lock().unwrap();
    let only = |attack: &str, statuses: &[u16]| {
        tally.iter().filter(|((a, _), _)| *a == attack).all(|((_, status), _)| statuses.contains(status))
    };
    assert!(only("failed initialize", &[200, 429]), "a JSON-RPC error, never a session");
    assert!(only("5 MiB body", &[413, 429, 0]));
    assert!(only("JSON array message", &[400, 429]));
    assert!(only("foreign Origin", &[403]));
    assert!(only("unknown session", &[404, 429]));
    assert!(only("initialize with 1 MiB capabilities", &[200, 429, 503, 0]), "0: reset while still sending");
    assert!(only("sessionless ping flood", &[400, 429]));
    assert!(tally.contains_key(&("sessionless ping flood", 429)), "the flood met the rate limit");
    assert!(only("resources/subscribe flood", &[200, 429]));
    assert!(only("sessions with unread GET streams", &[200, 429]));
    assert!(streams <= 256, "one address holds at most 256 sessions, so at most 256 streams");
    assert!(only("subscriptions/listen flood", &[200, 429]));
    assert!(tally.contains_key(&("subscriptions/listen flood", 429)), "the flood met a limit");
    assert!(listen_streams <= 16, "one address holds at most 16 listeners, not {listen_streams}");
}

/// One session subscribing to ever new forecast URIs (the session keeps at
/// most 256), and to URIs outside the catalog (refused).
async fn subscribe_flood(url: String, until: Instant, tally: Tally) {
    let mut client = HttpClient::new(url);
    client.initialize().await;
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let uri = if n.is_multiple_of(2) { format!("weather://forecast/city{n}") } else { format!("file:///etc/{n}") };
        let body = json!({"jsonrpc": "2.0", "id": n, "method": "resources/subscribe", "params": {"uri": uri}});
        let status = match client.post_with(&[("x-forwarded-for", "10.0.0.8")]).body(body.to_string()).send().await {
            Ok(response) => response.status().as_u16(),
            Err(_) => 0,
        };
        count(&tally, "resources/subscribe flood", status);
    }
}

/// New sessions, each with a GET stream that is opened and never read;
/// returns how many streams it holds.
async fn unread_streams(url: String, until: Instant, tally: Tally) -> usize {
    let mut streams = Vec::new();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "listener", "version": "0"}}});
    while Instant::now() < until {
        let mut client = HttpClient::new(url.clone());
        let Ok(response) = client.post_with(&[("x-forwarded-for", "10.0.0.9")]).body(init.to_string()).send().await
        else {
            count(&tally, "sessions with unread GET streams", 0);
            continue;
        };
        count(&tally, "sessions with unread GET streams", response.status().as_u16());
        let Some(id) = response.headers().get("mcp-session-id") else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        client.session = Some(id.to_str().unwrap().to_owned());
        let stream = client.get_stream(None).await;
        if stream.status() == 200 {
            streams.push(stream);
        }
    }
    streams.len()
}

/// The tasks example's flood of issue 24 (items 1 and 2): what the
/// flooders send, and the cheap long task the test adds to the example.
mod task_flood {
    use mcp_integration_tests::HttpClient;
    use quickmcp::prelude::*;
    use serde_json::{Value, json};
    use std::time::Duration;

    /// Waits `ms` milliseconds, cheaply (a task that holds its place).
    #[tool(task)]
    pub async fn nap(ms: u64) -> String {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        format!("napped {ms} ms")
    }

    /// A stateless-era request from the forwarded address `from`, declaring
    /// the tasks extension: the HTTP status and the result or error.
    pub async fn request(client: &HttpClient, from: &str, method: &str, mut params: Value) -> (u16, Value) {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
        });
        let name = ["name", "taskId"].iter().find_map(|k| params.get(*k)?.as_str()).unwrap_or_default().to_owned();
        let headers = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", method),
            ("mcp-name", name.as_str()),
            ("x-forwarded-for", from),
        ];
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let Ok(response) = client.post_with(&headers).body(body).send().await else { return (0, Value::Null) };
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or_default();
        (status, answer.get("result").or_else(|| answer.get("error")).cloned().unwrap_or_default())
    }

    /// How an answer to `tools/call` counts: `task`, a JSON-RPC code, and
    /// the HTTP status when it is not 200 (`HTTP 429 -32004`: the quota;
    /// `HTTP 429 -32000`: the rate limit).
    pub fn outcome(status: u16, answer: &Value) -> String {
        match (status, answer["resultType"].as_str(), answer["code"].as_i64()) {
            (200, Some("task"), _) => "task".into(),
            (200, _, Some(code)) => code.to_string(),
            (status, _, Some(code)) => format!("HTTP {status} {code}"),
            (status, ..) => format!("HTTP {status}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_floods_meet_their_bounds_while_an_honest_client_runs_tasks() {
    use quickmcp::tasks::{MemoryTaskStore, TaskOptions};
    use task_flood::{outcome, request};

    let _alone = MEASURED.lock().await;

    let seconds = std::env::var("UNDER_ATTACK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let config = McpConfig {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        rate_limit: Some("1200/min".parse().unwrap()),
        ..McpConfig::default()
    };
    let limits = ServeLimits::from_config(&config);
    // Workers enough that the flooder's naps (its quota at most) leave some
    // for the honest client; every bound at its default.
    let options = TaskOptions { workers: 128, poll_interval: Duration::from_millis(100), ..TaskOptions::default() };
    let server = mcp_examples::tasks::builder(MemoryTaskStore::new(), Some(options))
        .tools(quickmcp::tools![task_flood::nap])
        .build();
    let app = quickmcp_axum::McpRouter::new(server).config(config).into_router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(quickmcp_axum::serve_with(listener, app, limits, std::future::pending()));

    let honest = HttpClient::new(url.clone());
    let sieve =
        json!({"name": "distributed_compute", "arguments": {"task_type": "prime_sieve", "data": {"limit": 100_000}}});
    // Warm up: one task end to end before measuring.
    let (_, created) = request(&honest, "10.0.2.1", "tools/call", sieve.clone()).await;
    assert_eq!(created["resultType"], "task", "{created}");
    let rss_before = rss_kib();
    let until = Instant::now() + Duration::from_secs(seconds);
    let tally: Arc<Mutex<BTreeMap<(&'static str, String), u64>>> = Arc::default();
    let note = |tally: &Arc<Mutex<BTreeMap<(&'static str, String), u64>>>, attack, outcome| {
        *tally.lock().unwrap().entry((attack, outcome)).or_default() += 1;
    };

    // Item 1: tasks whose arguments are 3 MiB (under the 4 MiB body cap).
    let heavy = tokio::spawn({
        let (url, tally) = (url.clone(), tally.clone());
        async move {
            let client = HttpClient::new(url);
            let padding = "x".repeat(3 << 20);
            let call = json!({"name": "distributed_compute", "arguments":
                {"task_type": "prime_sieve", "data": {"limit": 1000, "padding": padding}}});
            // A bounded number: today's main keeps each (about 18 times over).
            for _ in 0..24 {
                if Instant::now() >= until {
                    break;
                }
                let (status, answer) = request(&client, "10.0.1.1", "tools/call", call.clone()).await;
                note(&tally, "tasks with 3 MiB arguments", outcome(status, &answer));
            }
        }
    });
    // Item 2: as many long tasks as one address can create, from two loops.
    let floods: Vec<_> = (0..2)
        .map(|_| {
            let (url, tally) = (url.clone(), tally.clone());
            tokio::spawn(async move {
                let client = HttpClient::new(url);
                let nap = json!({"name": "nap", "arguments": {"ms": 60_000}});
                while Instant::now() < until {
                    let (status, answer) = request(&client, "10.0.1.2", "tools/call", nap.clone()).await;
                    let seen = outcome(status, &answer);
                    if seen == "HTTP 429 -32004" {
                        let message = answer["message"].as_str().unwrap_or_default();
                        assert!(message.contains("MCP_MAX_TASKS_PER_CLIENT"), "{message}");
                    }
                    note(&tally, "one address's many tasks", seen);
                }
            })
        })
        .collect();

    // The honest client: creates a task, polls it to its end, again.
    let (mut finished, mut errors) = (0, Vec::new());
    while Instant::now() < until {
        let (status, created) = request(&honest, "10.0.2.1", "tools/call", sieve.clone()).await;
        let Some(id) = created["taskId"].as_str().map(str::to_owned) else {
            errors.push(format!("HTTP {status}: {created}"));
            continue;
        };
        let polled = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let (_, task) = request(&honest, "10.0.2.1", "tasks/get", json!({"taskId": id})).await;
            if task["status"] == "completed" {
                finished += 1;
                break;
            }
            if task["status"] != "working" || polled.elapsed() > Duration::from_secs(20) {
                errors.push(format!("task {id}: {task}"));
                break;
            }
        }
    }
    heavy.await.unwrap();
    for flood in floods {
        flood.await.unwrap();
    }
    let rss_after = rss_kib();

    let tally = tally.lock().unwrap();
    println!("attack                          outcome       count");
    for ((attack, outcome), n) in tally.iter() {
        println!("{attack:<31} {outcome:<12} {n:>6}");
    }
    println!(
        "honest: {finished} tasks finished, {} errors; RSS {} -> {} MiB",
        errors.len(),
        rss_before / 1024,
        rss_after / 1024
    );

    assert!(errors.is_empty(), "the honest client's tasks: {errors:?}");
    assert!(finished >= 1, "the honest client finished no task");
    let seen = |attack: &str| -> Vec<String> {
        tally.iter().filter(|((a, _), _)| *a == attack).map(|((_, outcome), _)| outcome.clone()).collect()
    };
    let heavy = seen("tasks with 3 MiB arguments");
    assert!(heavy.contains(&"-32602".to_owned()), "oversized arguments are refused: {heavy:?}");
    assert!(heavy.iter().all(|o| o == "-32602" || o == "HTTP 429 -32000"), "never a task: {heavy:?}");
    let many = seen("one address's many tasks");
    assert!(many.contains(&"HTTP 429 -32004".to_owned()), "the address met its quota: {many:?}");
    let expected = ["task", "HTTP 429 -32004", "HTTP 429 -32000"];
    assert!(many.iter().all(|o| expected.contains(&o.as_str())), "{many:?}");
    let created = tally.get(&("one address's many tasks", "task".to_owned())).copied().unwrap_or(0);
    let quota = quickmcp::config::MAX_TASKS_PER_CLIENT.default_number() as u64;
    assert!(created <= quota, "{created} tasks from one address, over its quota of {quota}");
    assert!(rss_after < rss_before + 64 * 1024, "memory grew by more than 64 MiB");
}
