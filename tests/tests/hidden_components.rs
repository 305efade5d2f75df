//! A component the caller may not see (hidden by `Visibility`, missing a
//! scope `RequireScopes` checks, or hidden by a mounted server's own rules)
//! is answered exactly as one that does not exist on every path that names
//! it outside a call: `completion/complete` (whose source must not run),
//! `resources/subscribe` and `subscriptions/listen`. Over a real socket.

use mcp_integration_tests::fixtures::readme;
use mcp_integration_tests::{HttpClient, read_events, spawn};
use quickmcp::auth::RequireScopes;
use quickmcp::middleware::Visibility;
use quickmcp::prelude::*;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How many times a completion source ran.
static COMPLETED: AtomicUsize = AtomicUsize::new(0);

async fn suggest(prefix: String) -> Vec<String> {
    COMPLETED.fetch_add(1, Ordering::SeqCst);
    vec![format!("{prefix}-1")]
}

/// For everyone.
#[prompt(complete(topic = suggest))]
async fn open_prompt(topic: String) -> String {
    topic
}

/// For administrators only (hidden by tag).
#[prompt(tags("admin"), complete(topic = suggest))]
async fn admin_prompt(topic: String) -> String {
    topic
}

/// For callers holding `notes:admin`.
#[prompt(scopes("notes:admin"), complete(topic = suggest))]
async fn scoped_prompt(topic: String) -> String {
    topic
}

/// A secret document by id (hidden by tag).
#[resource("doc://secret/{id}", tags("admin"), complete(id = suggest))]
async fn secret(id: String) -> String {
    id
}

/// A hidden document (hidden by tag).
#[resource("doc://hidden", tags("admin"))]
async fn hidden() -> &'static str {
    "hidden"
}

/// Internal to the mounted server (hidden by its own rule).
#[prompt(tags("internal"), complete(topic = suggest))]
async fn internal_prompt(topic: String) -> String {
    topic
}

fn server() -> Server {
    let child = Server::builder("child", "0")
        .prompts(prompts![internal_prompt])
        .middleware(Visibility::new().hide_tags(["internal"]))
        .build();
    Server::builder("hiding", "0")
        .prompts(prompts![open_prompt, admin_prompt, scoped_prompt])
        .resources(resources![readme, secret, hidden])
        .middleware(Visibility::new().hide_tags(["admin"]))
        .middleware(RequireScopes::new())
        .mount("kid", child)
        .build()
}

async fn start(server: Server) -> HttpClient {
    let mut client =
        HttpClient::new(format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await));
    client.initialize().await;
    client
}

/// The answer (result or error) to `method`.
async fn ask(client: &HttpClient, method: &str, params: Value) -> Value {
    let answer = client.request(7, method, params).await;
    let last = answer.last().unwrap();
    last.get("result").or_else(|| last.get("error")).cloned().unwrap()
}

fn complete_prompt(name: &str) -> Value {
    json!({"ref": {"type": "ref/prompt", "name": name}, "argument": {"name": "topic", "value": "x"}})
}

#[tokio::test]
async fn completion_of_what_the_caller_may_not_see_is_an_unknown_reference() {
    let client = start(server()).await;
    let visible = ask(&client, "completion/complete", complete_prompt("open_prompt")).await;
    assert_eq!(visible["completion"]["values"], json!(["x-1"]), "{visible}");
    let ran = COMPLETED.load(Ordering::SeqCst);

    let unknown = ask(&client, "completion/complete", complete_prompt("no_such_prompt")).await;
    assert_eq!(unknown["code"], -32602, "{unknown}");
    for name in ["admin_prompt", "scoped_prompt", "kid_internal_prompt"] {
        let answer = ask(&client, "completion/complete", complete_prompt(name)).await;
        assert_eq!(answer, unknown, "{name} is answered as unknown");
    }
    let template =
        |uri: &str| json!({"ref": {"type": "ref/resource", "uri": uri}, "argument": {"name": "id", "value": "x"}});
    let unknown_template = ask(&client, "completion/complete", template("doc://nothing/{id}")).await;
    assert_eq!(ask(&client, "completion/complete", template("doc://secret/{id}")).await, unknown_template);
    assert_eq!(COMPLETED.load(Ordering::SeqCst), ran, "no hidden completion source ran");
}

#[tokio::test]
async fn subscribing_to_a_hidden_resource_is_refused_as_for_an_unknown_one() {
    let client = start(server()).await;
    assert_eq!(ask(&client, "resources/subscribe", json!({"uri": "doc://readme"})).await, json!({}));
    let unknown = ask(&client, "resources/subscribe", json!({"uri": "doc://none"})).await;
    assert_eq!(unknown["code"], -32002, "{unknown}");
    let hidden = ask(&client, "resources/subscribe", json!({"uri": "doc://hidden"})).await;
    assert_eq!(hidden["code"], unknown["code"], "{hidden}");
    assert_eq!(hidden["message"], unknown["message"], "{hidden}");
    let secret = ask(&client, "resources/subscribe", json!({"uri": "doc://secret/1"})).await;
    assert_eq!(secret["code"], unknown["code"], "a hidden template's URIs too: {secret}");
}

#[tokio::test]
async fn a_listener_never_follows_a_hidden_resource() {
    let server = server();
    let url = spawn(quickmcp_axum::McpRouter::new(server.clone()).into_router()).await;
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
    });
    let uris = ["doc://readme", "doc://hidden", "doc://secret/1", "doc://none"];
    let listen = json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen", "params": {
        "_meta": meta, "notifications": {"resourceSubscriptions": uris}}});
    let headers = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "subscriptions/listen")];
    let stream = HttpClient::new(format!("{url}/mcp")).post_with(&headers).body(listen.to_string()).send().await;
    let stream = stream.unwrap();
    assert_eq!(stream.status(), 200);
    while server.listener_count() < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.notify_resource_updated("doc://hidden");
    server.notify_resource_updated("doc://secret/1");
    server.notify_resource_updated("doc://readme");
    let events = read_events(stream, Duration::from_secs(3), |m| m["params"]["uri"] == "doc://readme").await;
    let ack = &events[0].1;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(ack["params"]["notifications"]["resourceSubscriptions"], json!(["doc://readme"]), "{ack}");
    let updated: Vec<&Value> = events.iter().skip(1).map(|(_, m)| &m["params"]["uri"]).collect();
    assert_eq!(updated, [&json!("doc://readme")], "only what the caller may see: {events:?}");
}
