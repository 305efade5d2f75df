//! The bridge binary (`mcp-proxy`) as its users run it, over real sockets
//! and real child processes: the weather example's stdio server behind it
//! over Streamable HTTP (both eras, metrics, one child per session, the
//! child stopped with the bridge), an HTTP server behind it over stdio
//! (with a sampling request passed back to the client), and the errors of
//! a bad command line, a bad configuration and an upstream that cannot
//! start; an HTTP upstream that wants a token (`MCP_TOKEN`); two bridges
//! sharing their sessions through Redis.

use mcp_integration_tests::{HttpClient, built, fixtures, prefix, redis_url, skip_without_service, spawn};
use quickmcp::era::META_SERVER_INFO;
use quickmcp::prelude::*;
use quickmcp_client::transport::lines::LineTransport;
use quickmcp_client::{Client, Era};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

fn proxy_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    // With Redis: the one build every test here runs (the default build differs only there).
    BINARY.get_or_init(|| built(&["-p", "quickmcp-proxy", "--bin", "mcp-proxy", "--features", "redis"], "mcp-proxy"))
}

fn weather_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| built(&["-p", "mcp-examples", "--example", "weather"], "examples/weather"))
}

/// `mcp-proxy ARGS` with a clean `MCP_*` environment plus `env`.
fn proxy_command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(proxy_binary());
    for (name, _) in std::env::vars() {
        if name.starts_with("MCP_") || name == "REDIS_URL" {
            command.env_remove(name);
        }
    }
    command.args(args).env("MCP_HOST", "127.0.0.1").env("MCP_PORT", "0").env("RUST_LOG", "info").env("NO_COLOR", "1");
    command.envs(env.iter().copied());
    command
}

/// `mcp-proxy ARGS` run to its end (bounded: a bridge that serves is a failure here).
fn run_to_end(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = proxy_command(args, env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mcp-proxy starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "mcp-proxy {args:?} did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

/// A running bridge serving over HTTP; killed when dropped.
struct Bridge {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Bridge {
    /// Starts `mcp-proxy ARGS` and waits for the address it serves at.
    fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = proxy_command(args, env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mcp-proxy starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (found, address) = mpsc::channel();
        let written = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("MCP endpoint at ") {
                    let url = line[at + "MCP endpoint at ".len()..].split_whitespace().next().unwrap_or("").to_owned();
                    let _ = found.send(url);
                }
                written.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        let url = address.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("mcp-proxy {args:?} did not serve:\n{}", log.lock().unwrap())
        });
        Self { child, url, log }
    }

    /// The weather example's stdio server behind the bridge.
    fn weather(env: &[(&str, &str)]) -> Self {
        let weather = weather_binary().to_str().expect("a UTF-8 path").to_owned();
        Self::start(&["--stdio", "--", &weather, "--stdio"], env)
    }

    fn base(&self) -> &str {
        self.url.trim_end_matches("/mcp")
    }

    /// The processes the bridge started that still run.
    fn children(&self) -> Vec<u32> {
        let pid = self.child.id();
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).map(|dir| dir.flatten().collect::<Vec<_>>());
        let mut children: Vec<u32> = tasks
            .unwrap_or_default()
            .iter()
            .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
            .flat_map(|list| list.split_whitespace().filter_map(|pid| pid.parse().ok()).collect::<Vec<_>>())
            .filter(|pid| is_running(*pid))
            .collect();
        children.sort_unstable();
        children.dedup();
        children
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether process `pid` exists and is not a zombie.
fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit(')').next().and_then(|rest| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The server's name, from `initialize` or `server/discover`.
fn server_name(client: &Client) -> &str {
    let server = client.server();
    let info = server["serverInfo"].as_object().or(server["_meta"][META_SERVER_INFO].as_object());
    info.and_then(|info| info["name"].as_str()).unwrap_or("")
}

fn names(listed: &[Value], key: &str) -> Vec<String> {
    listed.iter().filter_map(|item| item[key].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn the_weather_stdio_server_is_served_over_http_in_both_eras() {
    let bridge = Bridge::weather(&[]);
    for era in [Era::Stateless, Era::Session] {
        let client = Client::builder().era(era).connect_http(&bridge.url).await.expect("connects through the bridge");
        assert_eq!(server_name(&client), "weather", "{era:?}: the upstream's name");
        let tools = client.list_tools().await.expect("tools/list");
        assert!(names(&tools, "name").contains(&"get_weather".to_owned()), "{era:?}: {tools:?}");
        let called = client.call_tool("get_weather", json!({"city": "Paris"})).await.expect("tools/call");
        assert!(!called.is_error, "{era:?}: {called:?}");
        assert_eq!(called.structured_content.as_ref().map(|s| &s["city"]), Some(&json!("Paris")));
        let failed = client.call_tool("get_weather", json!({"city": "Atlantis"})).await.expect("a tool error");
        assert!(failed.is_error, "{era:?}: the upstream's tool error passes through");
        let read = client.read_resource("weather://forecast/Paris").await.expect("resources/read");
        assert_eq!(read[0]["uri"], "weather://forecast/Paris", "{era:?}");
        let templates = client.list_resource_templates().await.expect("resources/templates/list");
        assert!(names(&templates, "uriTemplate").contains(&"weather://forecast/{city}".to_owned()));
        client.close().await;
    }
    let health = reqwest::get(format!("{}/health", bridge.base())).await.expect("/health");
    assert_eq!(health.status(), 200);
    let metrics = reqwest::get(format!("{}/metrics", bridge.base())).await.expect("/metrics");
    let metrics = metrics.text().await.expect("metrics text");
    let counted = metrics
        .lines()
        .find(|line| {
            line.starts_with("mcp_requests_total{")
                && line.contains(r#"mcp_method_name="tools/call""#)
                && line.contains(r#"gen_ai_tool_name="get_weather""#)
                && line.contains(r#"outcome="ok""#)
        })
        .unwrap_or_else(|| panic!("no proxied tools/call counted:\n{metrics}"));
    assert!(counted.ends_with(" 2"), "one successful call per era: {counted}");
}

#[tokio::test]
async fn each_session_gets_its_own_child_and_stopping_the_bridge_stops_them() {
    let mut bridge = Bridge::weather(&[]);
    // The shared connection (the listing, stateless callers) is up from the start.
    assert_eq!(bridge.children().len(), 1, "{}", bridge.log.lock().unwrap());
    let stateless = Client::builder().era(Era::Stateless).connect_http(&bridge.url).await.expect("connects");
    stateless.call_tool("get_weather", json!({"city": "Oslo"})).await.expect("stateless call");
    assert_eq!(bridge.children().len(), 1, "stateless callers share the one connection");
    let mut sessions = Vec::new();
    for city in ["Paris", "Rome"] {
        let client = Client::builder().era(Era::Session).connect_http(&bridge.url).await.expect("connects");
        client.call_tool("get_weather", json!({ "city": city })).await.expect("session call");
        sessions.push(client);
    }
    eventually("each session has its child", || bridge.children().len() == 3).await;
    let children = bridge.children();
    // SIGTERM: the graceful stop the orchestrators send.
    let stopped = Command::new("kill").arg("-TERM").arg(bridge.child.id().to_string()).status().expect("kill runs");
    assert!(stopped.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = bridge.child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the bridge did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The sessions' open streams may hold the grace period; the stop is clean either way.
    assert!(status.success() || status.code().is_none(), "{status:?}");
    eventually("the children are gone", || children.iter().all(|pid| !is_running(*pid))).await;
    drop(sessions);
}

/// Asks the client's model for a haiku about `topic`.
#[tool]
async fn haiku(ctx: Context, topic: String) -> Result<String, ToolError> {
    let question = json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": format!("A haiku about {topic}")}}],
        "maxTokens": 50,
    });
    let answer = ctx.sample(question).await.map_err(|e| ToolError::new(e.message))?;
    Ok(answer["content"]["text"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn to_stdio_serves_an_http_server_to_a_client_that_launches_processes() {
    let server = Server::builder("upstream", "1.0.0").tools(tools![fixtures::add, haiku]).build();
    let url = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await);
    for era in [Era::Session, Era::Stateless] {
        let mut command = tokio::process::Command::new(proxy_binary());
        command.args(["--to-stdio", &url]).env("RUST_LOG", "warn").stderr(Stdio::null());
        let transport = LineTransport::spawn(command).expect("mcp-proxy starts");
        let client = Client::builder()
            .era(era)
            .on_sampling(|params: Value| async move {
                let asked = params["messages"][0]["content"]["text"].as_str().unwrap_or("").to_owned();
                Ok(json!({"role": "assistant", "model": "test", "content": {"type": "text", "text": format!("answered: {asked}")}}))
            })
            .connect(transport)
            .await
            .expect("connects over stdio");
        assert_eq!(server_name(&client), "upstream", "{era:?}");
        let tools = client.list_tools().await.expect("tools/list");
        assert_eq!(names(&tools, "name").len(), 2, "{tools:?}");
        let sum = client.call_tool("add", json!({"a": 2, "b": 3})).await.expect("tools/call");
        assert_eq!(sum.text(), "5", "{era:?}");
        let poem = client.call_tool("haiku", json!({"topic": "rivers"})).await.expect("sampling through the bridge");
        assert_eq!(poem.text(), "answered: A haiku about rivers", "{era:?}: {poem:?}");
        client.close().await;
    }
}

#[test]
fn a_bad_command_line_exits_2_with_the_usage() {
    for (args, says) in [
        (&[][..], "nothing to proxy"),
        (&["--stdio"][..], "needs a command"),
        (&["--port", "80", "http://127.0.0.1:1/mcp"][..], "unknown option --port"),
        (&["./server.sh"][..], "not an http:// or https:// URL"),
        (&["--era", "2024", "http://127.0.0.1:1/mcp"][..], "expected session or stateless"),
    ] {
        let output = run_to_end(args, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(stderr.contains("usage: mcp-proxy"), "{args:?}: {stderr}");
    }
    let help = run_to_end(&["--help"], &[]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("mcp-proxy [OPTIONS] --to-stdio URL"));
}

#[test]
fn an_upstream_that_cannot_start_is_a_clear_error() {
    let missing = run_to_end(&["--stdio", "--", "/nonexistent/mcp-server", "--stdio"], &[]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot proxy the command `/nonexistent/mcp-server --stdio`"), "{stderr}");
    assert!(stderr.contains("could not start the server"), "{stderr}");

    let exits = run_to_end(&["--stdio", "--", "sh", "-c", "exit 3"], &[]);
    let stderr = String::from_utf8_lossy(&exits.stderr);
    assert_eq!(exits.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot proxy the command `sh -c exit 3`"), "{stderr}");

    // Nothing listens on port 1 of loopback.
    let refused = run_to_end(&["--to-stdio", "http://127.0.0.1:1/mcp"], &[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot proxy the server at http://127.0.0.1:1/mcp"), "{stderr}");
}

#[test]
fn a_bad_configuration_stops_it_before_the_upstream_starts_naming_the_fix() {
    // `false` would fail to serve: the configuration is refused first.
    for (env, says) in [
        (&[("MCP_PORT", "80a")][..], "MCP_PORT=\"80a\""),
        (&[("MCP_AUTH_ISSUER", "https://id.example.com")][..], "MCP_AUTH_RESOURCE"),
        (&[("REDIS_URL", "http://127.0.0.1:1/")][..], "REDIS_URL"),
    ] {
        let output = run_to_end(&["--stdio", "--", "false"], env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
        assert!(stderr.contains(says), "{env:?}: {stderr}");
        assert!(!stderr.contains("cannot proxy"), "{env:?}: the upstream was started: {stderr}");
    }
}

#[tokio::test]
async fn with_an_issuer_a_caller_without_a_token_gets_401() {
    let bridge = Bridge::weather(&[
        ("MCP_AUTH_ISSUER", "https://id.example.com"),
        ("MCP_AUTH_RESOURCE", "http://127.0.0.1/mcp"),
    ]);
    let refused = reqwest::Client::new()
        .post(&bridge.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused.status(), 401);
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap_or("");
    assert!(challenge.contains("resource_metadata="), "{challenge}");
    let metadata = reqwest::get(format!("{}/.well-known/oauth-protected-resource/mcp", bridge.base()))
        .await
        .expect("metadata")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(metadata["authorization_servers"][0], "https://id.example.com");
}

#[tokio::test]
async fn replicas_share_sessions_through_redis_each_with_its_own_upstream() {
    if let Err(error) = redis::Client::open(redis_url()).and_then(|c| c.get_connection()) {
        return skip_without_service(&format!("Redis at {} is not reachable ({error}); set REDIS_URL", redis_url()));
    }
    let keys = prefix();
    let env = [("REDIS_URL", redis_url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let weather = weather_binary().to_str().expect("a UTF-8 path").to_owned();
    let replica = || Bridge::start(&["--redis-prefix", &keys, "--stdio", "--", &weather, "--stdio"], &env);
    let (first, second) = (replica(), replica());
    let mut opened = HttpClient::new(&first.url);
    opened.initialize().await;
    assert!(opened.session.is_some(), "a session was opened");
    let mut moved = opened.clone();
    moved.url = second.url.clone();
    let answer = moved.request(1, "tools/call", json!({"name": "get_weather", "arguments": {"city": "Paris"}})).await;
    let result = answer.iter().find(|message| message["id"] == 1).expect("the call's answer");
    assert_eq!(result["result"]["structuredContent"]["city"], "Paris", "{answer:?}");
    // The session's upstream connection on the second replica is its own child.
    eventually("the second replica opened the session's child", || second.children().len() == 2).await;
    assert_eq!(first.children().len(), 1, "the first replica started none for a call it did not serve");
}

/// An HTTP upstream that takes HS256 tokens signed with `secret`, and such a token.
async fn protected_upstream(secret: &[u8]) -> (String, String) {
    use quickmcp_axum::auth::{Auth, AuthConfig, JwtVerifier};
    let server = Server::builder("guarded", "1.0.0").tools(tools![fixtures::add]).build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("address"));
    let config = AuthConfig::new("https://id.example.com", url.clone());
    let auth = Auth::new(config.clone(), JwtVerifier::with_secret(&config, secret));
    let app = quickmcp_axum::McpRouter::new(server).auth(auth).into_router();
    tokio::spawn(async move { quickmcp_axum::serve(listener, app).await });
    let expires = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() + 600;
    let claims = json!({"iss": "https://id.example.com", "aud": url, "sub": "bridge", "exp": expires});
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("a token");
    (url, token)
}

// Two workers: starting the bridge blocks one while the upstream answers on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_upstream_gets_the_token_of_mcp_token() {
    let (upstream, token) = protected_upstream(b"a secret of the test upstream, long enough").await;
    let refused = tokio::task::spawn_blocking({
        let upstream = upstream.clone();
        move || run_to_end(&[&upstream], &[])
    })
    .await
    .expect("joined");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "without a token the upstream refuses: {stderr}");
    assert!(stderr.contains(&format!("cannot proxy the server at {upstream}")), "{stderr}");

    let bridge = Bridge::start(&[&upstream], &[("MCP_TOKEN", &token)]);
    let client = Client::builder().connect_http(&bridge.url).await.expect("connects through the bridge");
    assert_eq!(server_name(&client), "guarded");
    let sum = client.call_tool("add", json!({"a": 20, "b": 22})).await.expect("tools/call");
    assert_eq!(sum.text(), "42");
}
