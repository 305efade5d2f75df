//! An in-process OpenAPI tool call against a hand-written `#[tool]` that
//! calls the same axum handler, each through the whole MCP endpoint
//! (mcp-axum's router, no socket), in alternating rounds.
//!
//! ```sh
//! cargo bench -p quickmcp-openapi --bench in_process
//! ```
//!
//! Prints calls per second of each and their ratio (median of the rounds).
//! Over real sockets, `bench/server/run.sh` with `bench_server`'s `BENCH_TOOL`
//! measures the same pair (docs/performance.md).

use quickmcp::prelude::*;
use quickmcp_axum::TestClient;
use serde_json::json;
use std::time::Instant;

#[derive(serde::Deserialize)]
struct AddArgs {
    a: i64,
    b: i64,
}

async fn add_handler(axum::Json(args): axum::Json<AddArgs>) -> String {
    (args.a + args.b).to_string()
}

/// Adds two integers.
#[tool(name = "add")]
async fn add_via_handler(a: i64, b: i64) -> String {
    add_handler(axum::Json(AddArgs { a, b })).await
}

const DOCUMENT: &str = r#"{"openapi": "3.1.0", "info": {"title": "bench", "version": "1"},
  "paths": {"/add": {"post": {"operationId": "add", "summary": "Adds two integers.",
    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
      "required": ["a", "b"], "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}}},
    "responses": {"200": {"description": "the sum", "content": {"text/plain": {"schema": {"type": "string"}}}}}}}}}"#;

async fn client(tools: Vec<quickmcp::handler::ToolDef>) -> TestClient {
    let server = Server::builder("bench", "1").tools(tools).build();
    let mut client = TestClient::new(quickmcp_axum::McpRouter::new(server).into_router());
    client.initialize().await;
    client
}

async fn calls_per_second(client: &mut TestClient, calls: u32) -> f64 {
    let started = Instant::now();
    for i in 0..calls {
        let result = client.call_tool("add", json!({"a": i, "b": 1})).await;
        assert_eq!(result["content"][0]["text"], (i64::from(i) + 1).to_string(), "{result}");
    }
    f64::from(calls) / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let mut by_hand = client(tools![add_via_handler]).await;
        let rest = axum::Router::new().route("/add", axum::routing::post(add_handler));
        let generated = quickmcp_openapi::OpenApi::from_json(DOCUMENT).and_then(|api| api.in_process(rest).build());
        let mut openapi = client(generated.expect("the document builds").tools).await;
        calls_per_second(&mut by_hand, 2000).await;
        calls_per_second(&mut openapi, 2000).await;
        let (mut hand_rates, mut openapi_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..7 {
            let hand = calls_per_second(&mut by_hand, 20_000).await;
            let api = calls_per_second(&mut openapi, 20_000).await;
            println!("#[tool] {hand:>9.0} calls/s   openapi {api:>9.0} calls/s   ratio {:.3}", api / hand);
            hand_rates.push(hand);
            openapi_rates.push(api);
            ratios.push(api / hand);
        }
        println!(
            "median: #[tool] {:.0} calls/s, openapi {:.0} calls/s, ratio {:.3}",
            median(hand_rates),
            median(openapi_rates),
            median(ratios)
        );
    });
}
