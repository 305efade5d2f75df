//! The proxy in front of a remote that misbehaves, over real sockets: a
//! listing that never ends, items that are not MCP, results of the wrong
//! shape and calls never answered each cost a bounded amount and give the
//! caller a clear error, while the rest of the remote keeps working.

use axum::Json;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mcp_integration_tests::spawn;
use quickmcp::Server;
use quickmcp::proxy::Remote;
use quickmcp_client::upstream::RemoteServer;
use quickmcp_client::{Client, ClientError, Era};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The remote's pages of `tools/list` served so far.
#[derive(Default)]
struct Pages(AtomicUsize);

/// A remote that speaks just enough of the 2025-11-25 era, and breaks it.
async fn hostile(pages: Arc<Pages>, Json(message): Json<Value>) -> Response {
    let id = message["id"].clone();
    let answer = |result: Value| Json(json!({"jsonrpc": "2.0", "id": id, "result": result})).into_response();
    match message["method"].as_str().unwrap_or_default() {
        "initialize" => answer(json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "hostile", "version": "1"},
        })),
        "tools/list" => {
            let page = pages.0.fetch_add(1, Ordering::SeqCst);
            let tools = match page {
                0 => json!([
                    {"name": "ok", "inputSchema": {"type": "object"}},
                    {"name": "broken"},
                    {"name": "bad_result", "inputSchema": {"type": "object"}},
                    {"name": "silent", "inputSchema": {"type": "object"}},
                ]),
                _ => json!([]),
            };
            // A cursor that never runs out.
            answer(json!({"tools": tools, "nextCursor": (page + 1).to_string()}))
        }
        "tools/call" => match message["params"]["name"].as_str() {
            Some("ok") => answer(json!({"content": [{"type": "text", "text": "fine"}]})),
            Some("bad_result") => answer(json!({"content": "not a list"})),
            Some("silent") => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                answer(json!({}))
            }
            _ => Json(json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32602, "message": "no such tool"}}))
                .into_response(),
        },
        method if message.get("id").is_none() => {
            let _ = method;
            axum::http::StatusCode::ACCEPTED.into_response()
        }
        _ => Json(json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "unknown"}})).into_response(),
    }
}

#[tokio::test]
async fn a_misbehaving_remote_costs_bounded_work_and_gives_clear_errors() {
    let test = async {
        let pages = Arc::new(Pages::default());
        let counted = Arc::clone(&pages);
        let app = axum::Router::new().route("/mcp", post(move |body| hostile(Arc::clone(&counted), body)));
        let url = format!("{}/mcp", spawn(app).await);
        let upstream =
            RemoteServer::http(url).configure(|builder| builder.era(Era::Session).timeout(Duration::from_secs(2)));
        let remote = Remote::connect(upstream).await.expect("a remote that lists badly still connects");
        assert_eq!(pages.0.load(Ordering::SeqCst), 100, "the endless listing is followed for 100 pages, no more");

        let server = Server::builder("gateway", "1").proxy(remote).build();
        let gateway = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await);
        let client = Client::builder().era(Era::Stateless).connect_http(&gateway).await.unwrap();
        let names: Vec<Value> = client.list_tools().await.unwrap().iter().map(|t| t["name"].clone()).collect();
        assert_eq!(names, ["ok", "bad_result", "silent"], "the item that is not a tool is left out");

        let Err(ClientError::Rpc(error)) = client.call_tool("bad_result", json!({})).await else {
            panic!("a result of the wrong shape is an error")
        };
        assert_eq!(error.code, -32603);
        assert!(error.message.contains("tools/call result is not MCP"), "{}", error.message);

        let started = Instant::now();
        let Err(ClientError::Rpc(error)) = client.call_tool("silent", json!({})).await else {
            panic!("a call never answered ends")
        };
        assert_eq!(error.code, -32001, "{}", error.message);
        assert!(started.elapsed() < Duration::from_secs(10), "within the remote's time limit");

        assert_eq!(client.call_tool("ok", json!({})).await.unwrap().text(), "fine", "the rest keeps working");
    };
    tokio::time::timeout(Duration::from_secs(60), test).await.expect("bounded in time");
}
