//! Micro-benchmarks of the request hot path, so regressions show without a
//! load run: JSON-RPC decoding, argument decoding, dispatch of a tool call,
//! result encoding, SSE framing, and a whole POST through the router.
//!
//! `cargo bench -p quickmcp-axum --features test-util --bench hot_path`

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use quickmcp::__private::Arguments;
use quickmcp::peer::RequestEnv;
use quickmcp::protocol::jsonrpc::{self, Message, RequestId};
use quickmcp::protocol::{CallToolResult, Content};
use quickmcp::{Server, tool, tools};
use serde_json::value::RawValue;

const CALL: &[u8] =
    br#"{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"add","arguments":{"a":40,"b":2}}}"#;

/// Adds two integers.
#[tool]
async fn add(a: i64, b: i64) -> String {
    (a + b).to_string()
}

fn server() -> Server {
    Server::builder("bench", "0").tools(tools![add]).build()
}

fn decoding(c: &mut Criterion) {
    c.bench_function("jsonrpc_decode", |b| b.iter(|| Message::decode(black_box(CALL))));
    let raw = RawValue::from_string(r#"{"a":40,"b":2}"#.to_owned()).unwrap();
    c.bench_function("arguments_decode", |b| {
        b.iter(|| {
            let args = Arguments::parse(Some(black_box(&raw))).unwrap();
            (args.decode::<i64>("a").unwrap(), args.decode::<i64>("b").unwrap())
        })
    });
}

fn dispatch(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let server = server();
    c.bench_function("dispatch_tools_call", |b| {
        b.iter(|| {
            let Ok(Message::Request(request)) = Message::decode(CALL) else { unreachable!() };
            runtime.block_on(server.handle_request(request, RequestEnv::default())).unwrap()
        })
    });
}

fn encoding(c: &mut Criterion) {
    let result = CallToolResult::success(vec![Content::text("42")]);
    let id = RequestId::Number(17);
    c.bench_function("result_encode", |b| {
        b.iter(|| {
            let raw = jsonrpc::to_raw(black_box(&result)).unwrap();
            jsonrpc::encode_result(&id, &raw)
        })
    });
    let message = br#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":50}}"#;
    c.bench_function("sse_frame", |b| b.iter(|| quickmcp_axum::sse::frame(Some("3-7"), black_box(message))));
}

/// The same call in the 2026-07-28 era, as `bench/server` sends it.
const CALL_2026: &str = r#"{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"add","arguments":{"a":40,"b":2},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1.0"}}}}"#;

/// A POST of `body` as `bench/server` sends it, in the era `version` names.
fn post(body: &'static str, version: &str, era_headers: bool) -> http::Request<axum::body::Body> {
    let mut request = http::Request::builder()
        .method("POST")
        .uri("/mcp")
        .header("host", "127.0.0.1")
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", version);
    if era_headers {
        request = request.header("mcp-method", "tools/call").header("mcp-name", "add");
    }
    request.body(axum::body::Body::from(body)).unwrap()
}

fn whole_post(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = quickmcp_axum::TestClient::new(quickmcp_axum::McpRouter::new(server()).stateless(true).into_router());
    let call = std::str::from_utf8(CALL).unwrap();
    c.bench_function("router_post_stateless", |b| {
        b.iter(|| runtime.block_on(client.send(black_box(post(call, "2025-11-25", false)))))
    });
    let mut session = quickmcp_axum::TestClient::new(quickmcp_axum::McpRouter::new(server()).into_router());
    runtime.block_on(session.initialize());
    let body: serde_json::Value = serde_json::from_slice(CALL).unwrap();
    c.bench_function("router_post_session", |b| b.iter(|| runtime.block_on(session.post(black_box(&body)))));
    c.bench_function("router_post_2026", |b| {
        b.iter(|| runtime.block_on(client.send(black_box(post(CALL_2026, "2026-07-28", true)))))
    });
}

criterion_group!(benches, decoding, dispatch, encoding, whole_post);
criterion_main!(benches);
