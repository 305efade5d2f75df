//! Helpers for the integration tests: serve an app on a real socket (port 0)
//! and talk to it as an MCP client over HTTP, including SSE streams; and
//! the handlers several tests serve ([`fixtures`]).

pub mod fixtures;
mod logs;
pub mod openapi_apps;
pub mod redis_proxy;

pub use logs::logged_while;

use futures_util::StreamExt;
use quickmcp_axum::{LAST_EVENT_ID, SESSION_ID, TestClient};
use serde_json::{Value, json};
use std::time::Duration;

/// Serves `app` on 127.0.0.1 with an OS-assigned port; returns the base URL.
pub async fn spawn(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = quickmcp_axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

/// A minimal MCP client over HTTP, on a real socket (for SSE streams,
/// addresses and limits); its requests carry what [`TestClient`], the
/// in-process client, sends.
#[derive(Clone)]
pub struct HttpClient {
    /// The underlying HTTP client.
    pub http: reqwest::Client,
    /// The MCP endpoint URL.
    pub url: String,
    /// The session id once initialized.
    pub session: Option<String>,
}

impl HttpClient {
    /// A client for the endpoint at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self { http: reqwest::Client::new(), url: url.into(), session: None }
    }

    /// A client for the endpoint at `url` that sends
    /// `Authorization: Bearer <token>` with every request.
    pub fn with_bearer(url: impl Into<String>, token: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = format!("Bearer {token}").parse().expect("a token fits in a header");
        headers.insert(reqwest::header::AUTHORIZATION, value);
        let http = reqwest::Client::builder().default_headers(headers).build().expect("an HTTP client");
        Self { http, url: url.into(), session: None }
    }

    /// A POST with the standard headers ([`TestClient::POST_HEADERS`]) and
    /// the session, body not yet set.
    pub fn post_builder(&self) -> reqwest::RequestBuilder {
        self.post_with(&[])
    }

    /// A POST with the standard headers except those named in `replace`,
    /// which take the given values instead.
    pub fn post_with(&self, replace: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let mut builder = self.http.post(&self.url);
        for (name, value) in TestClient::POST_HEADERS {
            if !replace.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                builder = builder.header(name, value);
            }
        }
        for (name, value) in replace {
            builder = builder.header(*name, *value);
        }
        if let Some(session) = &self.session {
            builder = builder.header(SESSION_ID, session);
        }
        builder
    }

    /// Opens this session's GET stream, resuming after `last_event_id` when
    /// given.
    pub async fn get_stream(&self, last_event_id: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(&self.url).header("accept", "text/event-stream");
        if let Some(session) = &self.session {
            request = request.header(SESSION_ID, session);
        }
        if let Some(last) = last_event_id {
            request = request.header(LAST_EVENT_ID, last);
        }
        request.send().await.expect("GET")
    }

    /// POSTs a JSON body.
    pub async fn post(&self, body: &Value) -> reqwest::Response {
        self.post_builder().body(body.to_string()).send().await.expect("POST")
    }

    /// `initialize` + `notifications/initialized`; keeps the session id.
    pub async fn initialize(&mut self) -> Value {
        self.initialize_with(TestClient::default_capabilities()).await
    }

    /// [`initialize`](Self::initialize), declaring `capabilities`.
    pub async fn initialize_with(&mut self, capabilities: Value) -> Value {
        let params = TestClient::initialize_params(capabilities);
        let response = self.post(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params})).await;
        assert_eq!(response.status(), 200);
        self.session = response.headers().get(SESSION_ID).map(|v| v.to_str().unwrap().to_owned());
        let body: Value = response.json().await.expect("initialize answer");
        let ack = self.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        assert_eq!(ack.status(), 202);
        body["result"].clone()
    }

    /// A stateless-era (2026-07-28) `subscriptions/listen` for tool list
    /// changes: its answer is a stream the server holds open.
    pub async fn listen(&self) -> reqwest::Response {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen", "params": {
        "notifications": {"toolsListChanged": true},
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
        }}});
        let headers = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "subscriptions/listen")];
        self.post_with(&headers).body(body.to_string()).send().await.expect("the listen request was sent")
    }

    /// Sends a request and returns every message of the answer (one for
    /// JSON, all events for SSE).
    pub async fn request(&self, id: i64, method: &str, params: Value) -> Vec<Value> {
        let response = self.post(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        assert_eq!(response.status(), 200, "{method} answered {}", response.status());
        messages(response).await
    }
}

/// Whether the server closed `socket` (EOF or reset) within `within`.
pub async fn closed_within(socket: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt as _;
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout(within, socket.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

/// All messages of a response body (JSON or SSE), read to the end.
pub async fn messages(response: reqwest::Response) -> Vec<Value> {
    let bytes = response.bytes().await.expect("body");
    quickmcp_axum::parse_messages(&bytes)
}

/// Reads SSE events from `response` until `done` says so or `limit` passes;
/// returns `(id, data)` pairs, data parsed as JSON (`Null` when empty).
pub async fn read_events(
    response: reqwest::Response,
    limit: Duration,
    mut done: impl FnMut(&Value) -> bool,
) -> Vec<(Option<String>, Value)> {
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let id = block.lines().find_map(|l| l.strip_prefix("id: ")).map(str::to_owned);
            let data = block.lines().find_map(|l| l.strip_prefix("data:")).map(str::trim);
            if let Some(data) = data {
                let value = serde_json::from_str(data).unwrap_or(Value::Null);
                let finished = done(&value);
                events.push((id, value));
                if finished {
                    return events;
                }
            }
        }
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
            _ => return events,
        }
    }
}

/// The protocol era a test client speaks: the framework's own.
pub use quickmcp::middleware::Era;

/// Both eras, for tests that must hold in each.
pub const ERAS: [Era; 2] = [Era::Session, Era::Stateless];

/// A client of one era, answering with each request's result or error.
pub struct EraClient {
    /// The HTTP client (its session is set in the session era).
    pub http: HttpClient,
    era: Era,
    /// The id of the next request (concurrent requests need distinct ids).
    next_id: std::sync::atomic::AtomicI64,
    /// What the client declares: at `initialize`, or in each request.
    capabilities: Value,
}

impl EraClient {
    /// Serves `server` on a fresh port and connects in `era`.
    pub async fn start(server: quickmcp::Server, era: Era) -> Self {
        let capabilities = match era {
            Era::Session => TestClient::default_capabilities(),
            Era::Stateless => json!({}),
        };
        Self::start_with(server, era, capabilities).await
    }

    /// Like [`start`](Self::start), declaring `capabilities`.
    pub async fn start_with(server: quickmcp::Server, era: Era, capabilities: Value) -> Self {
        let url = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await);
        Self::connect(url, era, capabilities).await
    }

    /// Connects to the server at `url` in `era`, declaring `capabilities`.
    pub async fn connect(url: String, era: Era, capabilities: Value) -> Self {
        let mut http = HttpClient::new(url);
        if era == Era::Session {
            http.initialize_with(capabilities.clone()).await;
        }
        Self { http, era, next_id: std::sync::atomic::AtomicI64::new(1), capabilities }
    }

    /// The answer (result or error) to `method`.
    pub async fn request(&self, method: &str, mut params: Value) -> Value {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let answer = match self.era {
            Era::Session => self.http.request(id, method, params).await,
            Era::Stateless => {
                params["_meta"] = json!({
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": self.capabilities,
                    "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
                });
                let mut headers = vec![(quickmcp_axum::PROTOCOL_VERSION, "2026-07-28"), ("mcp-method", method)];
                let name = ["name", "uri", "taskId"].iter().find_map(|k| params.get(*k)?.as_str()).map(str::to_owned);
                if let Some(name) = &name {
                    headers.push(("mcp-name", name));
                }
                let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
                messages(self.http.post_with(&headers).body(body.to_string()).send().await.unwrap()).await
            }
        };
        let last = answer.last().unwrap();
        last.get("result").or_else(|| last.get("error")).cloned().unwrap()
    }

    /// The answer to `tools/call` of `name`.
    pub async fn call(&self, name: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": arguments})).await
    }
}

/// Says that a test that needs a service (Redis) is skipped and why, where
/// the test runner's output capture does not hide it; fails instead when
/// `REQUIRE_REDIS` is set, as in CI, where the service must be there.
pub fn skip_without_service(reason: &str) {
    use std::io::Write as _;
    assert!(std::env::var_os("REQUIRE_REDIS").is_none(), "{reason} (REQUIRE_REDIS is set)");
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    // Straight to the stream: the runner captures `eprintln!`, not this.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

/// The Redis of the Redis tests: `REDIS_URL`, else the local one.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

/// Whether the Redis of the Redis tests answers now: `true`, or `false`
/// after saying so ([`skip_without_service`]). The stores connect in the
/// background when Redis is away, so the tests ask first.
pub async fn redis_answers() -> bool {
    let ping = async {
        let client = redis::Client::open(redis_url()).map_err(|e| e.to_string())?;
        let mut connection = client.get_multiplexed_async_connection().await.map_err(|e| e.to_string())?;
        redis::cmd("PING").query_async::<String>(&mut connection).await.map_err(|e| e.to_string())
    };
    match tokio::time::timeout(std::time::Duration::from_secs(2), ping).await {
        Ok(Ok(_)) => true,
        Ok(Err(error)) => {
            skip_without_service(&format!("Redis at {} is not reachable ({error}); set REDIS_URL", redis_url()));
            false
        }
        Err(_) => {
            skip_without_service(&format!("Redis at {} did not answer within 2 s; set REDIS_URL", redis_url()));
            false
        }
    }
}

/// Until something listens on `port` of loopback (5 s at most).
pub async fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("nothing listens on port {port}");
}

/// A name no other test process or run uses at the same time (a temporary
/// directory, a key prefix).
pub fn unique(stem: &str) -> String {
    format!("{stem}-{}-{:x}", std::process::id(), rand_u64())
}

/// A fresh key prefix, so that tests share a Redis without seeing each other.
pub fn prefix() -> String {
    format!("mcp-test-{:x}", rand_u64())
}

/// A number unlikely to repeat (not for secrets).
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// The deployment guide (docs/deploy.md), its examples compiled as doc
/// tests here, where both `quickmcp-axum` and the `redis` feature are at hand.
#[cfg(doctest)]
#[doc = include_str!("../../docs/deploy.md")]
pub struct DeployGuideDoctests;

/// The proxy guide (docs/proxy.md), its examples compiled as doc tests
/// here, where `quickmcp`, `quickmcp-client` and `quickmcp-axum` are all at hand.
#[cfg(doctest)]
#[doc = include_str!("../../docs/proxy.md")]
pub struct ProxyGuideDoctests;

/// A command running mcp-client's `mcp` binary, built once per run into
/// the target directory these
/// tests run from (`cargo test` builds only this crate's binaries).
pub fn mcp_command() -> std::process::Command {
    static BINARY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let binary = BINARY.get_or_init(|| built(&["-p", "quickmcp-client", "--bin", "mcp"], "mcp"));
    let mut command = std::process::Command::new(binary);
    command.env_remove("MCP_TOKEN").stdin(std::process::Stdio::null());
    command
}

/// The path of `binary` (relative to `target/PROFILE`, e.g. `mcp` or
/// `examples/weather`) after `cargo build BUILD_ARGS` into the target
/// directory and profile these tests run from. Cache it in a `OnceLock`:
/// each call runs cargo.
pub fn built(build_args: &[&str], binary: &str) -> std::path::PathBuf {
    let tests = std::env::current_exe().expect("the test binary's path");
    let profile = tests.parent().and_then(|deps| deps.parent()).expect("target/PROFILE/deps");
    let target = profile.parent().expect("the target directory");
    let mut build = std::process::Command::new(env!("CARGO"));
    build.arg("build").arg("--quiet").args(build_args).arg("--target-dir").arg(target);
    // What cargo set for this test would look like a change to build
    // scripts that read it (ring reads CARGO_MANIFEST_DIR): a rebuild.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_for_tests =
            ["CARGO_MANIFEST_", "CARGO_PKG_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_", "CARGO_TARGET_TMPDIR"];
        if set_for_tests.iter().any(|prefix| name.starts_with(prefix)) {
            build.env_remove(&*name);
        }
    }
    if profile.ends_with("release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "cargo build {} failed", build_args.join(" "));
    profile.join(format!("{binary}{}", std::env::consts::EXE_SUFFIX))
}
