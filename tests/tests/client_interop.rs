//! `quickmcp-client` against what other SDKs' servers do, over a real socket:
//! the habits `.ci/interop/client.sh` ran into, each pinned here.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mcp_integration_tests::spawn;
use quickmcp_client::{Client, Era};
use serde_json::{Value, json};
use std::time::Duration;

/// The Python SDK 1.x's Streamable HTTP server: a request without a session
/// (such as `server/discover`) gets a 400 whose error has the id
/// `"server-error"`, and the name of a session it has already ended.
async fn python_sdk_1(headers: HeaderMap, body: String) -> Response {
    let request: Value = serde_json::from_str(&body).unwrap_or_default();
    let session = headers.get("mcp-session-id").and_then(|v| v.to_str().ok());
    let id = request["id"].clone();
    match (request["method"].as_str(), session) {
        (Some("initialize"), None) => {
            let result = json!({"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                "serverInfo": {"name": "like-python-1", "version": "0"}});
            ([("mcp-session-id", "live")], axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": result})))
                .into_response()
        }
        (_, None) => {
            let error = json!({"jsonrpc": "2.0", "id": "server-error",
                "error": {"code": -32600, "message": "Bad Request: Missing session ID"}});
            (StatusCode::BAD_REQUEST, [("mcp-session-id", "ended")], axum::Json(error)).into_response()
        }
        (_, Some("live")) if request.get("id").is_none() => StatusCode::ACCEPTED.into_response(),
        (_, Some("live")) => axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": {}})).into_response(),
        (_, Some(_)) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::test]
async fn an_error_under_a_foreign_id_and_a_dead_session_id_do_not_stop_the_fallback_to_initialize() {
    let url = format!("{}/mcp", spawn(axum::Router::new().route("/mcp", post(python_sdk_1))).await);
    let connecting = Client::builder().timeout(Duration::from_secs(5)).connect_http(&url);
    let client = tokio::time::timeout(Duration::from_secs(10), connecting)
        .await
        .expect("server/discover's 400 fails it at once, without waiting for the time limit")
        .expect("initialize follows, without the ended session's id");
    assert_eq!((client.era(), client.server()["serverInfo"]["name"].as_str()), (Era::Session, Some("like-python-1")));
    client.ping().await.expect("later requests carry the live session");
}
