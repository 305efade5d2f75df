//! An in-process client for tests: sends requests through the router
//! without sockets and speaks just enough MCP to drive a server.

use crate::reply::{PROTOCOL_VERSION, SESSION_ID};
use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A test client bound to a router and (after [`TestClient::initialize`]) a session.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use quickmcp::prelude::*;
///
/// /// Echoes its input.
/// #[tool]
/// async fn echo(text: String) -> String { text }
///
/// let server = Server::builder("t", "0").tools(tools![echo]).build();
/// let mut client = quickmcp_axum::TestClient::new(quickmcp_axum::McpRouter::new(server).into_router());
/// client.initialize().await;
/// let result = client.call_tool("echo", serde_json::json!({"text": "hi"})).await;
/// assert_eq!(result["content"][0]["text"], "hi");
/// # }
/// ```
pub struct TestClient {
    router: Router,
    path: String,
    session: Option<String>,
    next_id: i64,
}

/// One HTTP exchange: status, headers and the JSON-RPC messages received
/// (one for a JSON answer, every `data:` event for a stream).
#[derive(Debug)]
pub struct TestResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: http::HeaderMap,
    /// Messages in the body, in order.
    pub messages: Vec<Value>,
}

impl TestResponse {
    /// The last message (the response of a request).
    pub fn last(&self) -> &Value {
        self.messages.last().unwrap_or(&Value::Null)
    }
}

impl TestClient {
    /// The protocol revision the test clients speak, in `initialize` and in
    /// the `MCP-Protocol-Version` header.
    pub const PROTOCOL_REVISION: &'static str = "2025-11-25";

    /// The headers of a test client's POST, as a conforming client sends
    /// them: both answer types accepted, a JSON body, the protocol revision.
    /// Other methods send them without `content-type`.
    pub const POST_HEADERS: [(&'static str, &'static str); 3] = [
        ("accept", "application/json, text/event-stream"),
        ("content-type", "application/json"),
        (PROTOCOL_VERSION, Self::PROTOCOL_REVISION),
    ];

    /// What a test client declares unless told otherwise: sampling,
    /// elicitation and roots, so that any handler may ask the client.
    pub fn default_capabilities() -> Value {
        json!({"sampling": {}, "elicitation": {}, "roots": {}})
    }

    /// The `initialize` params of a test client declaring `capabilities`.
    pub fn initialize_params(capabilities: Value) -> Value {
        json!({
            "protocolVersion": Self::PROTOCOL_REVISION,
            "capabilities": capabilities,
            "clientInfo": {"name": "mcp-test-client", "version": "0"},
        })
    }

    /// A client for `router`, talking to `/mcp`.
    pub fn new(router: Router) -> Self {
        Self { router, path: "/mcp".into(), session: None, next_id: 0 }
    }

    /// Talks to `path` instead of `/mcp`.
    #[must_use]
    pub fn path(mut self, path: &str) -> Self {
        self.path = path.into();
        self
    }

    /// The session id, once initialized in session mode.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// Runs `initialize` and `notifications/initialized`; returns the
    /// initialize result.
    pub async fn initialize(&mut self) -> Value {
        let params = Self::initialize_params(Self::default_capabilities());
        let response = self.request("initialize", params).await;
        self.notify("notifications/initialized", json!({})).await;
        response
    }

    /// Sends request `method` and returns its `result` (or the whole
    /// response when it is an error).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let body = json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params});
        let response = self.post(&body).await;
        if let Some(id) = response.headers.get(SESSION_ID).and_then(|v| v.to_str().ok()) {
            self.session = Some(id.to_owned());
        }
        let last = response.last().clone();
        last.get("result").cloned().unwrap_or(last)
    }

    /// Calls tool `name` with `arguments`.
    pub async fn call_tool(&mut self, name: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": arguments})).await
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str, params: Value) -> TestResponse {
        self.post(&json!({"jsonrpc": "2.0", "method": method, "params": params})).await
    }

    /// POSTs `body` (any JSON) with the usual headers and this session.
    pub async fn post(&self, body: &Value) -> TestResponse {
        let request = self.builder("POST").body(Body::from(body.to_string()));
        self.send(request.expect("valid request")).await
    }

    /// A request builder with [`POST_HEADERS`](Self::POST_HEADERS) (but
    /// `content-type` on a POST only) and the session header set, for
    /// hand-made requests.
    pub fn builder(&self, method: &str) -> http::request::Builder {
        let mut builder = Request::builder().method(method).uri(&self.path).header(header::HOST, "127.0.0.1");
        for (name, value) in Self::POST_HEADERS {
            if method == "POST" || name != header::CONTENT_TYPE {
                builder = builder.header(name, value);
            }
        }
        if let Some(session) = &self.session {
            builder = builder.header(SESSION_ID, session);
        }
        builder
    }

    /// Sends any request through the router and collects the answer.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        TestResponse { status, headers, messages: parse_messages(&bytes) }
    }
}

/// A JSON body as one message, or an SSE body as its `data:` messages.
pub fn parse_messages(bytes: &[u8]) -> Vec<Value> {
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        return vec![value];
    }
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str(data.trim()).ok())
        .collect()
}
