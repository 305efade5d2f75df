//! Tracing spans over a real socket, in both eras: `http.request` around
//! each HTTP request and `mcp.request` inside it, with the method, tool,
//! session, era, outcome and the W3C `traceparent` from the header and
//! from `_meta`. A test binary of its own: it installs a global subscriber.

use mcp_integration_tests::fixtures::add;
use mcp_integration_tests::{HttpClient, spawn};
use quickmcp::middleware::Spans;
use quickmcp::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

type Fields = BTreeMap<String, String>;

/// One span opened: its id, name, fields and parent's name.
type Opened = (u64, &'static str, Fields, Option<&'static str>);

/// Every span opened.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Opened>>>);

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}").trim_matches('"').to_owned());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Collect(&mut fields));
        let parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.name());
        self.0.lock().unwrap().push((id.into_u64(), attrs.metadata().name(), fields, parent));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, _, fields, _)) = spans.iter_mut().rev().find(|(i, ..)| *i == id.into_u64()) {
            values.record(&mut Collect(fields));
        }
    }
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let filter = tracing_subscriber::EnvFilter::new("mcp::spans=debug");
        let subscriber = tracing_subscriber::registry().with(filter).with(capture.clone());
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        capture
    })
}

/// Always fails.
#[tool]
async fn broken() -> Result<String, String> {
    Err("broken".into())
}

/// The spans named `name` whose fields include `field = value`.
fn spans_with(name: &str, field: &str, value: &str) -> Vec<(Fields, Option<&'static str>)> {
    let spans = capture().0.lock().unwrap();
    spans
        .iter()
        .filter(|(_, n, fields, _)| *n == name && fields.get(field).map(String::as_str) == Some(value))
        .map(|(_, _, fields, parent)| (fields.clone(), *parent))
        .collect()
}

#[tokio::test]
async fn http_and_mcp_spans_carry_the_request_and_its_trace_context() {
    capture();
    let server = Server::builder("traced", "0").tools(tools![add, broken]).middleware(Spans).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;

    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": {"traceparent": traceparent}}});
    let answer = client.post_with(&[("traceparent", traceparent)]).body(call.to_string()).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    client.request(3, "tools/call", json!({"name": "broken", "arguments": {}})).await;
    client.request(4, "tools/call", json!({"name": "nope", "arguments": {}})).await;

    let http = spans_with("http.request", "traceparent", traceparent);
    assert_eq!(http.len(), 1, "the header's trace context");
    assert_eq!(http[0].0["http.request.method"], "POST");
    assert_eq!(http[0].0["http.response.status_code"], "200");

    let mcp = spans_with("mcp.request", "traceparent", traceparent);
    assert_eq!(mcp.len(), 1, "the _meta trace context");
    let (fields, parent) = &mcp[0];
    assert_eq!(fields["mcp.method.name"], "tools/call");
    assert_eq!(fields["gen_ai.tool.name"], "add");
    assert_eq!(fields["outcome"], "ok");
    assert_eq!(fields["mcp.protocol.era"], "Session");
    assert_eq!(fields["mcp.session.id"].len(), 32);
    assert_eq!(*parent, Some("http.request"), "the MCP span is inside the HTTP one");

    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
    });
    let stateless = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list", "params": {"_meta": meta}});
    let headers = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "tools/list")];
    let listed =
        HttpClient::new(format!("{url}/mcp")).post_with(&headers).body(stateless.to_string()).send().await.unwrap();
    assert_eq!(listed.status(), 200);
    let eras = spans_with("mcp.request", "mcp.protocol.era", "Stateless");
    assert!(eras.iter().any(|(f, _)| f["mcp.method.name"] == "tools/list"), "the stateless era has spans too");

    let failed = spans_with("mcp.request", "gen_ai.tool.name", "broken");
    assert_eq!(failed[0].0["outcome"], "tool_error");
    let unknown = spans_with("mcp.request", "error.type", "-32602");
    assert!(!unknown.is_empty(), "an unknown tool is an error with its code");
}
