//! [`Client`]: one connection to one server, in either protocol era.
//!
//! The builder and the calls live here; the handshake (`handshake.rs`), the
//! 2026-07-28 `input_required` rounds (`rounds.rs`) and one request's
//! exchange with the transport (`exchange.rs`) each have a file.

mod calls;
mod exchange;
mod handshake;
mod pages;
mod rounds;
mod skills;
mod tasks;
mod tool_headers;

use crate::error::ClientError;
use crate::handlers::Handlers;
use crate::inbox::{Inbox, ServerNotification};
use crate::transport::Transport;
pub(crate) use exchange::parse;
use handshake::Agreed;
use quickmcp::middleware::Era;
use quickmcp::protocol::CallToolResult;
use quickmcp::protocol::jsonrpc::RpcError;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Pages a list may span before the client stops following `nextCursor`.
const MAX_PAGES: usize = 1000;

/// How a [`Client`] connects: its era, name, capabilities and time limit.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    pub(crate) era: Option<Era>,
    info: Value,
    capabilities: Value,
    timeout: Duration,
    handlers: Handlers,
    authorizer: Option<crate::auth::SharedAuthorizer>,
    watcher: crate::inbox::Watcher,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            era: None,
            info: json!({"name": "mcp-client", "version": env!("CARGO_PKG_VERSION")}),
            capabilities: json!({}),
            timeout: Duration::from_secs(60),
            handlers: Handlers::default(),
            authorizer: None,
            watcher: crate::inbox::Watcher::default(),
        }
    }
}

impl ClientBuilder {
    /// Speaks `era` only. By default the client tries the 2026-07-28
    /// `server/discover` and falls back to the 2025-11-25 `initialize`, as
    /// the official SDKs do.
    #[must_use]
    pub fn era(mut self, era: Era) -> Self {
        self.era = Some(era);
        self
    }

    /// The `clientInfo` the server sees.
    #[must_use]
    pub fn client_info(mut self, name: &str, version: &str) -> Self {
        self.info = json!({"name": name, "version": version});
        self
    }

    /// The time a request may take before it fails with
    /// [`ClientError::Timeout`] and the server is told to stop (default 60 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Declares the tasks extension (`io.modelcontextprotocol/tasks`) on
    /// every request: a task-capable tool then runs as a task, which
    /// [`Client::call_tool`] awaits (see also [`Client::call_tool_as_task`]).
    #[must_use]
    pub fn tasks(mut self) -> Self {
        self.capabilities["extensions"][crate::tasks::EXTENSION] = json!({});
        self
    }

    /// Answers the server's `sampling/createMessage` with `handler` (and
    /// declares the `sampling` capability).
    #[must_use]
    pub fn on_sampling<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, RpcError>> + Send + 'static,
    {
        self.handle("sampling/createMessage", "sampling", json!({}), handler)
    }

    /// Answers the server's `elicitation/create` (form and URL modes) with
    /// `handler`: its result is `{"action": "accept", "content": {..}}`,
    /// `decline` or `cancel`.
    #[must_use]
    pub fn on_elicitation<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, RpcError>> + Send + 'static,
    {
        self.handle("elicitation/create", "elicitation", json!({"form": {}, "url": {}}), handler)
    }

    /// Answers the server's `roots/list` with `handler` (`{"roots": [..]}`).
    #[must_use]
    pub fn on_roots<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, RpcError>> + Send + 'static,
    {
        self.handle("roots/list", "roots", json!({}), handler)
    }

    /// Calls `watcher` with every notification of the server's, at once and
    /// in the order they arrive: before the answer that follows them on
    /// the same stream is handed to its caller (which a
    /// [`Client::notifications`] subscriber may see first). It must not
    /// block.
    #[must_use]
    pub fn on_notification(mut self, watcher: impl Fn(&ServerNotification) + Send + Sync + 'static) -> Self {
        self.watcher.notifications = Some(Arc::new(watcher));
        self
    }

    /// Calls `paused` when the server ends a request's stream before its
    /// answer (SSE polling, 2025-11-25): the client resumes the stream
    /// after the server's `retry`, and a proxy tells its own caller the same.
    #[must_use]
    pub fn on_stream_paused(mut self, paused: impl Fn() + Send + Sync + 'static) -> Self {
        self.watcher.paused = Some(Arc::new(paused));
        self
    }

    /// Answers the server's requests of `method` with `handler` (declare
    /// the capability it needs with [`capability`](Self::capability)).
    #[must_use]
    pub fn on_request<F, Fut>(mut self, method: &str, handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, RpcError>> + Send + 'static,
    {
        self.handlers.insert(method, handler);
        self
    }

    /// Declares `capability` as `value` in what the client tells the server
    /// (e.g. `"extensions"`, `{"io.modelcontextprotocol/tasks": {}}`), for
    /// what the client handles by raw [`Client::request`]s.
    #[must_use]
    pub fn capability(mut self, capability: &str, value: Value) -> Self {
        self.capabilities[capability] = value;
        self
    }

    fn handle<F, Fut>(mut self, method: &str, capability: &str, declared: Value, handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, RpcError>> + Send + 'static,
    {
        self.handlers.insert(method, handler);
        self.capabilities[capability] = declared;
        self
    }

    /// Connects over `transport` and agrees on the era.
    pub async fn connect(self, transport: impl Transport) -> Result<Client, ClientError> {
        let (inbox, server_requests) = Inbox::new();
        inbox.watch(self.watcher);
        let inner = Arc::new(Inner {
            transport: Box::new(transport),
            inbox,
            timeout: self.timeout,
            info: self.info,
            capabilities: self.capabilities,
            handlers: self.handlers,
            agreed: std::sync::OnceLock::new(),
            tool_headers: tool_headers::ToolHeaders::default(),
        });
        tokio::spawn(exchange::answer_server_requests(Arc::downgrade(&inner), server_requests));
        let client = Client { inner };
        client.handshake(self.era).await?;
        Ok(client)
    }

    /// Authorizes HTTP requests with `authorizer`: an
    /// [`OAuth`](crate::auth::OAuth) flow run when the server asks, or a
    /// fixed [`StaticToken`](crate::auth::StaticToken).
    #[must_use]
    pub fn authorizer(mut self, authorizer: impl crate::auth::Authorizer) -> Self {
        self.authorizer = Some(crate::auth::SharedAuthorizer(Arc::new(authorizer)));
        self
    }

    /// Connects to the Streamable HTTP endpoint at `url`.
    pub async fn connect_http(mut self, url: &str) -> Result<Client, ClientError> {
        let mut transport = crate::transport::http::HttpTransport::new(url);
        if let Some(authorizer) = self.authorizer.take() {
            transport = transport.with_authorizer(authorizer.0);
        }
        self.connect(transport).await
    }

    /// Connects to `server` in this process (no socket, no child process).
    pub async fn connect_in_process(self, server: quickmcp::Server) -> Result<Client, ClientError> {
        self.connect(crate::transport::lines::LineTransport::in_process(server)).await
    }
}

struct Inner {
    transport: Box<dyn Transport>,
    inbox: Inbox,
    timeout: Duration,
    info: Value,
    capabilities: Value,
    handlers: Handlers,
    agreed: std::sync::OnceLock<Agreed>,
    tool_headers: tool_headers::ToolHeaders,
}

/// The last clone of a client gone: what still waits on the connection
/// (the GET stream's listener, calls in flight) stops.
impl Drop for Inner {
    fn drop(&mut self) {
        self.inbox.close();
    }
}

/// A connection to an MCP server. Cheap to clone; clones share it.
///
/// ```
/// use quickmcp::prelude::*;
///
/// /// Adds two integers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> String {
///     (a + b).to_string()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), quickmcp_client::ClientError> {
/// let server = Server::builder("calc", "1.0.0").tools(tools![add]).build();
/// let client = quickmcp_client::Client::builder().connect_in_process(server).await?;
/// let result = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
/// assert_eq!(result.text(), "5");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("agreed", &self.inner.agreed.get()).finish_non_exhaustive()
    }
}

impl Client {
    /// How to connect.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The era the client and the server speak.
    pub fn era(&self) -> Era {
        self.inner.agreed.get().map_or(Era::Session, |a| a.era)
    }

    /// The protocol revision agreed (`2025-11-25`, `2026-07-28`, …).
    pub fn protocol_version(&self) -> Option<&'static str> {
        self.inner.agreed.get().map(|a| a.revision)
    }

    /// What the server said of itself: the `initialize` result, or the
    /// `server/discover` one (its `capabilities`, `instructions`, …).
    pub fn server(&self) -> &Value {
        static NOTHING: Value = Value::Null;
        self.inner.agreed.get().map_or(&NOTHING, |a| &a.server)
    }

    /// The server's notifications from now on (progress, logs,
    /// `list_changed`, resource updates).
    pub fn notifications(&self) -> broadcast::Receiver<ServerNotification> {
        self.inner.inbox.subscribe()
    }

    /// The server's notifications from now on, as a stream that ends when
    /// the connection does. A reader that falls more than 256 behind skips
    /// the oldest.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn run(client: quickmcp_client::Client) {
    /// let mut notifications = std::pin::pin!(client.notification_stream());
    /// while let Some(notification) = notifications.next().await {
    ///     println!("{}: {}", notification.method, notification.params);
    /// }
    /// # }
    /// ```
    pub fn notification_stream(&self) -> impl futures_util::Stream<Item = ServerNotification> + Send + 'static {
        self.inner.inbox.stream()
    }

    /// Whether the server answers: `ping`, or in the 2026-07-28 era, which
    /// has none, `server/discover`.
    pub async fn ping(&self) -> Result<(), ClientError> {
        let method = if self.era() == Era::Stateless { "server/discover" } else { "ping" };
        self.request(method, json!({})).await.map(drop)
    }

    /// Every tool (all pages of `tools/list`), as the server describes them.
    ///
    /// In the 2026-07-28 era a tool whose `x-mcp-header` annotations are
    /// invalid is left out (and cannot be called).
    pub async fn list_tools(&self) -> Result<Vec<Value>, ClientError> {
        self.list("tools/list", "tools").await
    }

    /// Every tool, typed (see [`list_tools`](Self::list_tools)); schemas
    /// are kept as the server wrote them.
    pub async fn list_tool_descriptions(&self) -> Result<Vec<crate::ToolDescription>, ClientError> {
        self.list_tools()
            .await?
            .into_iter()
            .map(|tool| serde_json::from_value(tool).map_err(|e| ClientError::Protocol(format!("a tool: {e}"))))
            .collect()
    }

    /// Every resource (all pages of `resources/list`).
    pub async fn list_resources(&self) -> Result<Vec<Value>, ClientError> {
        self.list("resources/list", "resources").await
    }

    /// Every resource template (all pages of `resources/templates/list`).
    pub async fn list_resource_templates(&self) -> Result<Vec<Value>, ClientError> {
        self.list("resources/templates/list", "resourceTemplates").await
    }

    /// Every prompt (all pages of `prompts/list`).
    pub async fn list_prompts(&self) -> Result<Vec<Value>, ClientError> {
        self.list("prompts/list", "prompts").await
    }

    /// Calls tool `name`. A tool's own failure is a result with
    /// `is_error`; a protocol failure is an `Err`. A tool run as a task
    /// (the client declared [`tasks`](ClientBuilder::tasks)) is awaited.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<CallToolResult, ClientError> {
        self.call_tool_with(name, arguments, crate::CallOptions::default()).await
    }

    /// Calls tool `name` and decodes its `structuredContent` into `T`; a
    /// result with `isError` is [`ClientError::Tool`] with its text. A value
    /// that is not an object travels as `{"result": value}` (structured
    /// content must be an object; our servers and FastMCP's wrap it so):
    /// when `T` does not decode from the object, it is decoded from that
    /// `result`.
    pub async fn call_tool_as<T: DeserializeOwned>(&self, name: &str, arguments: Value) -> Result<T, ClientError> {
        let result = self.call_tool(name, arguments).await?;
        if result.is_error {
            return Err(ClientError::Tool(result.text()));
        }
        let structured = result
            .structured_content
            .ok_or_else(|| ClientError::Protocol(format!("tool `{name}` returned no structuredContent")))?;
        decode_structured(structured).map_err(|e| ClientError::Protocol(format!("tool `{name}`'s result: {e}")))
    }

    /// Reads `uri`: the `contents` of `resources/read`.
    pub async fn read_resource(&self, uri: &str) -> Result<Vec<Value>, ClientError> {
        let mut result = self.request_named("resources/read", json!({"uri": uri}), Some(uri)).await?;
        contents(&mut result, "contents")
    }

    /// Gets prompt `name` with `arguments` (strings): the `prompts/get` result.
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<Value, ClientError> {
        self.request_named("prompts/get", json!({"name": name, "arguments": arguments}), Some(name)).await
    }

    /// Completions for `argument` (`{"name": .., "value": ..}`) of
    /// `reference` (`{"type": "ref/prompt", "name": ..}` or
    /// `{"type": "ref/resource", "uri": ..}`): the `completion` object.
    pub async fn complete(&self, reference: Value, argument: Value) -> Result<Value, ClientError> {
        let mut result = self.request("completion/complete", json!({"ref": reference, "argument": argument})).await?;
        Ok(result.get_mut("completion").map(Value::take).unwrap_or_default())
    }

    /// Follows `uri`'s changes (`notifications/resources/updated` arrive on
    /// [`notifications`](Self::notifications)); session era.
    pub async fn subscribe(&self, uri: &str) -> Result<(), ClientError> {
        self.request_named("resources/subscribe", json!({"uri": uri}), Some(uri)).await.map(drop)
    }

    /// Stops following `uri`.
    pub async fn unsubscribe(&self, uri: &str) -> Result<(), ClientError> {
        self.request_named("resources/unsubscribe", json!({"uri": uri}), Some(uri)).await.map(drop)
    }

    /// The least severe log level the server should send (`debug`, `info`,
    /// `warning`, …); session era.
    pub async fn set_level(&self, level: &str) -> Result<(), ClientError> {
        self.request("logging/setLevel", json!({"level": level})).await.map(drop)
    }

    /// Any request: `method` with `params`, answered with its result. Over
    /// HTTP in the 2026-07-28 era, `Mcp-Name` carries what the server routes
    /// on: the `name` of `tools/call` and `prompts/get`, the `uri` of
    /// `resources/read`, the `taskId` of `tasks/get`, `tasks/update` and
    /// `tasks/cancel`.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        let name = routed_name(method, &params);
        self.request_named(method, params, name.as_deref()).await
    }

    /// Whether the connection ended ([`close`](Self::close), or the
    /// process or stream it ran on is gone).
    pub fn is_closed(&self) -> bool {
        self.inner.inbox.is_closed()
    }

    /// Ends the connection (HTTP: DELETE the session; a child process: its
    /// input ends, then it is killed). Requests still waiting fail.
    pub async fn close(&self) {
        self.inner.transport.close().await;
        self.inner.inbox.close();
    }

    /// Every item of a paginated list: its stream, collected.
    async fn list(&self, method: &'static str, key: &'static str) -> Result<Vec<Value>, ClientError> {
        use futures_util::TryStreamExt as _;
        self.list_stream(method, key).try_collect().await
    }
}

/// The body field a method's `Mcp-Name` header repeats (SEP-2243).
fn routed_name(method: &str, params: &Value) -> Option<String> {
    let field = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" | "resources/subscribe" | "resources/unsubscribe" => "uri",
        "tasks/get" | "tasks/update" | "tasks/cancel" => "taskId",
        _ => return None,
    };
    params.get(field).and_then(Value::as_str).map(str::to_owned)
}

/// Takes the array `key` out of a result.
fn contents(result: &mut Value, key: &str) -> Result<Vec<Value>, ClientError> {
    match result.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(ClientError::Protocol(format!("a result without its `{key}` array"))),
    }
}

/// `structured` as `T`, or its only field `result` as `T` (how a value that
/// is not an object is wrapped).
fn decode_structured<T: DeserializeOwned>(structured: Value) -> Result<T, serde_json::Error> {
    let error = match T::deserialize(&structured) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    match structured {
        Value::Object(fields) if fields.len() == 1 => fields.get("result").map_or(Err(error), T::deserialize),
        _ => Err(error),
    }
}
