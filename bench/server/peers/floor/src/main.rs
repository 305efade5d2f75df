//! The floor: a `tools/call` of `add(a, b)` answered by a plain axum handler
//! with serde, no MCP framework (no initialize, no sessions, no header
//! checks, no schemas). What a framework's stateless call costs beyond this
//! is the framework's own work.
//!
//! It ignores `_meta` and the MCP headers, so it answers both eras' requests.

use std::process::ExitCode;

use axum::{body::Bytes, http::StatusCode, response::IntoResponse, routing::post, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize)]
struct Request {
    id: Option<Value>,
    method: String,
    params: Option<Params>,
}

#[derive(Deserialize)]
struct Params {
    name: String,
    arguments: Option<Args>,
}

#[derive(Deserialize)]
struct Args {
    a: i64,
    b: i64,
}

#[derive(Serialize)]
struct Answer<T> {
    jsonrpc: &'static str,
    id: Value,
    #[serde(flatten)]
    body: T,
}

#[derive(Serialize)]
enum Outcome {
    #[serde(rename = "result")]
    Result {
        content: [Text; 1],
        #[serde(rename = "isError")]
        is_error: bool,
    },
    #[serde(rename = "error")]
    Error { code: i32, message: String },
}

#[derive(Serialize)]
struct Text {
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
}

fn answer(id: Value, body: Outcome) -> axum::response::Response {
    Json(Answer { jsonrpc: "2.0", id, body }).into_response()
}

async fn mcp(body: Bytes) -> axum::response::Response {
    let request: Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            let error = Outcome::Error { code: -32700, message: err.to_string() };
            return (StatusCode::BAD_REQUEST, answer(Value::Null, error)).into_response();
        }
    };
    // A notification gets no answer.
    let Some(id) = request.id else {
        return StatusCode::ACCEPTED.into_response();
    };
    if request.method != "tools/call" {
        let message = format!("unknown method {}", request.method);
        return answer(id, Outcome::Error { code: -32601, message });
    }
    match request.params {
        Some(Params { name, arguments: Some(Args { a, b }) }) if name == "add" => {
            let (text, is_error) = match a.checked_add(b) {
                Some(sum) => (sum.to_string(), false),
                None => ("overflow".to_owned(), true),
            };
            answer(id, Outcome::Result { content: [Text { kind: "text", text }], is_error })
        }
        _ => {
            let message = "expected tool add with arguments {a, b}".to_owned();
            answer(id, Outcome::Error { code: -32602, message })
        }
    }
}

fn main() -> ExitCode {
    bench_common::serve("peer-floor", Default::default(), |_| Router::new().route("/mcp", post(mcp)))
}
