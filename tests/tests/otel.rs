//! OTLP export (feature `otel`) over real sockets: a stand-in collector on
//! loopback receives the spans of MCP calls, and each joins the caller's
//! trace: the HTTP span under the `traceparent` header's span, the MCP span
//! under `_meta.traceparent`'s, or under the HTTP span when `_meta` has
//! none. A test binary of its own: it installs a global subscriber.

use axum::body::Bytes;
use axum::routing::post;
use mcp_integration_tests::fixtures::add;
use mcp_integration_tests::{HttpClient, spawn};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use quickmcp::middleware::Spans;
use quickmcp::prelude::*;
use quickmcp_axum::otel::OtlpTracing;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt as _;

/// What the stand-in collector received: (service name, span) pairs.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(String, Span)>>>);

impl Received {
    fn take(&self, body: &[u8]) {
        let request = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf export");
        let mut spans = self.0.lock().unwrap();
        for resource_spans in request.resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| kv.value.as_ref()?.value.as_ref())
                .map(text)
                .unwrap_or_default();
            for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
                spans.push((service.clone(), span));
            }
        }
    }

    /// The span named `name` in trace `trace` (hex), when exported.
    fn find(&self, name: &str, trace: &str) -> Option<(String, Span)> {
        let spans = self.0.lock().unwrap();
        spans.iter().find(|(_, s)| s.name == name && hex(&s.trace_id) == trace).cloned()
    }
}

fn text(value: &AnyValue) -> String {
    match value {
        AnyValue::StringValue(s) => s.clone(),
        AnyValue::IntValue(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref()?.value.as_ref()).map(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_spans_join_the_callers_trace() {
    let received = Received::default();
    let sink = received.clone();
    let collector = spawn(axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| async move {
            sink.take(&body);
            ([("content-type", "application/x-protobuf")], Bytes::new())
        }),
    ))
    .await;
    let otel = OtlpTracing::with_endpoint("otel-test", &format!("{collector}/v1/traces")).expect("exporter");
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(otel.layer())).expect("one subscriber");

    let server = Server::builder("traced", "0").tools(tools![add]).middleware(Spans).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;

    // A caller whose HTTP client and MCP client both propagate context.
    let (trace_a, http_parent, mcp_parent) =
        ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "1111111111111111");
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "add", "arguments": {"a": 1, "b": 2},
        "_meta": {"traceparent": format!("00-{trace_a}-{mcp_parent}-01")}}});
    let header = format!("00-{trace_a}-{http_parent}-01");
    let answer = client.post_with(&[("traceparent", &header)]).body(call.to_string()).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    answer.bytes().await.unwrap();

    // One whose context comes in the header only.
    let (trace_b, header_only) = ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
    let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 2}}});
    let header = format!("00-{trace_b}-{header_only}-01");
    let answer = client.post_with(&[("traceparent", &header)]).body(call.to_string()).send().await.unwrap();
    answer.bytes().await.unwrap();

    // Malformed context starts a trace of its own.
    let answer = client
        .post_with(&[("traceparent", "00-00000000000000000000000000000000-0000000000000000-01")])
        .body(json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    // Spans end as the answers are written; the exporter batches them.
    let wanted =
        [("http.request", trace_a), ("mcp.request", trace_a), ("http.request", trace_b), ("mcp.request", trace_b)];
    for _ in 0..50 {
        otel.flush().expect("flush");
        if wanted.iter().all(|(name, trace)| received.find(name, trace).is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let found = |name, trace| received.find(name, trace).unwrap_or_else(|| panic!("{name} in trace {trace}"));

    let (service, http_a) = found("http.request", trace_a);
    assert_eq!(service, "otel-test");
    assert_eq!(hex(&http_a.parent_span_id), http_parent, "the HTTP span's parent is the header's span");
    assert_eq!(attribute(&http_a, "http.request.method").as_deref(), Some("POST"));
    let (_, mcp_a) = found("mcp.request", trace_a);
    assert_eq!(hex(&mcp_a.parent_span_id), mcp_parent, "the MCP span's parent is _meta's span");
    assert_eq!(attribute(&mcp_a, "mcp.method.name").as_deref(), Some("tools/call"));
    assert_eq!(attribute(&mcp_a, "gen_ai.tool.name").as_deref(), Some("add"));
    assert_eq!(attribute(&mcp_a, "outcome").as_deref(), Some("ok"));

    let (_, http_b) = found("http.request", trace_b);
    assert_eq!(hex(&http_b.parent_span_id), header_only);
    let (_, mcp_b) = found("mcp.request", trace_b);
    assert_eq!(mcp_b.parent_span_id, http_b.span_id, "without _meta the MCP span stays inside the HTTP span");

    let spans = received.0.lock().unwrap();
    let zero = "0".repeat(32);
    assert!(spans.iter().all(|(_, s)| hex(&s.trace_id) != zero), "all-zero context is not joined");
}
