//! MCP middleware over a real socket, in both protocol eras: order,
//! short-circuits, rewritten requests and results, the built-in cache,
//! limits, error mapping and visibility.

use mcp_integration_tests::{ERAS, Era, EraClient as Client};
use quickmcp::middleware::{
    Caller, ConcurrencyLimit, ErrorMapping, McpRequest, Middleware, Next, Outcome, RateLimit, ResponseCache, ToolCall,
    Visibility,
};
use quickmcp::prelude::*;
use quickmcp::protocol::jsonrpc::Notification;
use quickmcp::protocol::{CallToolResult, Content};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

/// Looks a word up (counts its runs).
#[tool(annotations(read_only, idempotent))]
async fn lookup(word: String, lang: Option<String>) -> String {
    LOOKUPS.fetch_add(1, Ordering::SeqCst);
    format!("{word}:{}", lang.unwrap_or_default())
}

/// Echoes its text.
#[tool]
async fn echo(text: String) -> String {
    text
}

/// Drops every table.
#[tool(tags("admin"), annotations(destructive))]
async fn drop_tables() -> &'static str {
    "dropped"
}

/// Reads a file that does not exist.
#[tool]
async fn read_missing() -> Result<String, std::io::Error> {
    std::fs::read_to_string("/nonexistent/for/sure")
}

/// Panics.
#[tool]
async fn explode() -> String {
    panic!("secret internals")
}

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST_AT_ONCE: AtomicUsize = AtomicUsize::new(0);

/// Renders slowly, noting how many renders run at once.
#[tool]
async fn render() -> &'static str {
    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
    MOST_AT_ONCE.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    RUNNING.fetch_sub(1, Ordering::SeqCst);
    "rendered"
}

/// Counts the client's notifications.
struct Heard(Arc<Mutex<Vec<String>>>);

impl Middleware for Heard {
    fn on_notification(&self, notification: &Notification, caller: &Caller<'_>) {
        let session = caller.session().map_or("none", |s| s.id.as_str()).to_owned();
        self.0.lock().unwrap().push(format!("{} {}", notification.method, session.len()));
    }
}

/// Writes what it sees on the way in and out to a shared log.
struct Trace(&'static str, Arc<Mutex<Vec<String>>>);

impl Middleware for Trace {
    fn on_request<'a>(&'a self, request: McpRequest, next: Next<'a, McpRequest>) -> Outcome<'a, Box<RawValue>> {
        self.1.lock().unwrap().push(format!("{} request {}", self.0, request.method()));
        next.run(request)
    }

    fn on_call_tool<'a>(&'a self, mut call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        Box::pin(async move {
            self.1.lock().unwrap().push(format!("{} in", self.0));
            if call.name() == "echo" && self.0 == "outer" {
                call.set_arguments(&json!({"text": "rewritten by outer"}));
            }
            let mut result = next.run(call).await?;
            self.1.lock().unwrap().push(format!("{} out", self.0));
            if let Some(Content::Text(content)) = result.content.first_mut() {
                content.text.push_str(&format!(" +{}", self.0));
            }
            Ok(result)
        })
    }
}

/// Answers `echo` itself when asked to say "hush", without running it.
struct Hush;

impl Middleware for Hush {
    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        let hush = call.arguments().is_some_and(|a| a.get().contains("hush"));
        if hush {
            return Box::pin(async { Ok(CallToolResult::success(vec![Content::text("(silence)")])) });
        }
        next.run(call)
    }
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn middleware_runs_in_order_and_may_rewrite_or_short_circuit() {
    for era in ERAS {
        let log = Arc::new(Mutex::new(Vec::new()));
        let server = Server::builder("mw", "0")
            .tools(tools![echo])
            .middleware(Trace("outer", log.clone()))
            .middleware(Trace("inner", log.clone()))
            .middleware(Hush)
            .build();
        let client = Client::start(server, era).await;
        log.lock().unwrap().clear();
        let result = client.call("echo", json!({"text": "hello"})).await;
        assert_eq!(text(&result), "rewritten by outer +inner +outer", "the request and the result were rewritten");
        let seen = log.lock().unwrap().clone();
        let expected =
            ["outer request tools/call", "inner request tools/call", "outer in", "inner in", "inner out", "outer out"];
        assert_eq!(seen, expected, "outermost first on the way in, last on the way out");

        let silenced = Server::builder("mw", "0").tools(tools![echo]).middleware(Hush).build();
        let client = Client::start(silenced, era).await;
        assert_eq!(text(&client.call("echo", json!({"text": "hush"})).await), "(silence)");
        assert_eq!(text(&client.call("echo", json!({"text": "hi"})).await), "hi");
    }
}

#[tokio::test]
async fn the_cache_answers_repeated_read_only_calls() {
    for era in ERAS {
        let server = Server::builder("mw", "0")
            .tools(tools![lookup, echo])
            .middleware(ResponseCache::new(Duration::from_secs(60)))
            .build();
        let client = Client::start(server, era).await;
        let before = LOOKUPS.load(Ordering::SeqCst);
        let first = client.call("lookup", json!({"word": "sea", "lang": "en"})).await;
        let again = client.call("lookup", json!({"lang": "en", "word": "sea"})).await;
        assert_eq!(text(&first), "sea:en");
        assert_eq!(first, again, "a hit, whatever the order of the arguments");
        assert_eq!(LOOKUPS.load(Ordering::SeqCst) - before, 1, "one run for two calls");
        client.call("lookup", json!({"word": "sky"})).await;
        assert_eq!(LOOKUPS.load(Ordering::SeqCst) - before, 2, "other arguments miss");
    }
}

#[tokio::test]
async fn a_tool_over_its_rate_limit_is_refused_with_a_tool_error() {
    for era in ERAS {
        let limits = RateLimit::new().tool("echo", 2, Duration::from_secs(3600));
        let server = Server::builder("mw", "0").tools(tools![echo, lookup]).middleware(limits).build();
        let client = Client::start(server, era).await;
        for _ in 0..2 {
            assert_eq!(text(&client.call("echo", json!({"text": "x"})).await), "x");
        }
        let refused = client.call("echo", json!({"text": "x"})).await;
        assert_eq!(refused["isError"], true);
        assert!(text(&refused).contains("called too often: try again in"), "{refused}");
        assert_eq!(text(&client.call("lookup", json!({"word": "w"})).await), "w:", "other tools are not limited");
    }
}

#[tokio::test]
async fn hidden_tools_are_absent_from_lists_and_unknown_to_calls() {
    for era in ERAS {
        let server = Server::builder("mw", "0")
            .tools(tools![echo, drop_tables])
            .middleware(Visibility::new().hide_tags(["admin"]))
            .build();
        let client = Client::start(server, era).await;
        let list = client.request("tools/list", json!({})).await;
        let names: Vec<&str> = list["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["echo"]);
        let refused = client.call("drop_tables", json!({})).await;
        assert_eq!(refused["code"], -32602, "{refused}");
        assert_eq!(
            refused["message"].as_str().unwrap(),
            client.call("no_such_tool", json!({})).await["message"]
                .as_str()
                .unwrap()
                .replace("no_such_tool", "drop_tables")
        );
    }
    let open = Client::start(Server::builder("mw", "0").tools(tools![drop_tables]).build(), Era::Session).await;
    let list = open.request("tools/list", json!({})).await;
    assert_eq!(list["tools"][0]["_meta"], json!({"tags": ["admin"]}), "tags are listed in _meta");
}

#[tokio::test]
async fn errors_are_mapped_by_type_and_internals_hidden() {
    for era in ERAS {
        let errors = ErrorMapping::new()
            .map(|e: &std::io::Error| format!("storage unavailable ({:?})", e.kind()))
            .hide_internal_errors("something went wrong");
        let server = Server::builder("mw", "0").tools(tools![read_missing, explode]).middleware(errors).build();
        let client = Client::start(server, era).await;
        let mapped = client.call("read_missing", json!({})).await;
        assert_eq!((mapped["isError"].clone(), text(&mapped)), (json!(true), "storage unavailable (NotFound)"));
        let hidden = client.call("explode", json!({})).await;
        assert_eq!(hidden, json!({"code": -32603, "message": "something went wrong"}));
    }
}

#[tokio::test]
async fn a_concurrency_limit_lets_calls_wait_their_turn() {
    let server =
        Server::builder("mw", "0").tools(tools![render]).middleware(ConcurrencyLimit::new().tool("render", 1)).build();
    let client = Client::start(server, Era::Session).await;
    let calls = (0..3).map(|_| client.call("render", json!({})));
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(|r| text(r) == "rendered"), "{results:?}");
    assert_eq!(MOST_AT_ONCE.load(Ordering::SeqCst), 1, "one at a time");
}

#[tokio::test]
async fn notifications_reach_middleware_with_their_session() {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let server = Server::builder("mw", "0").middleware(Heard(heard.clone())).build();
    Client::start(server, Era::Session).await;
    assert_eq!(heard.lock().unwrap().clone(), ["notifications/initialized 32"], "the 32-character session id");
}
