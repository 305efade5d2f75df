//! [`Client`]: one connection to one server, in either protocol era.

use crate::error::ClientError;
use crate::handlers::Handlers;
use crate::inbox::{Inbox, PENDING_SERVER_REQUESTS, ServerNotification};
use crate::transport::{Outgoing, Transport};
use mcp_core::middleware::Era;
use mcp_core::protocol::CallToolResult;
use mcp_core::protocol::jsonrpc::{self, Request, RequestId, RpcError};
use mcp_core::protocol::version;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// Pages a list may span before the client stops following `nextCursor`.
const MAX_PAGES: usize = 1000;

/// `input_required` rounds a stateless-era request may take.
const MAX_ROUNDS: usize = 16;

/// The stateless era's "unsupported protocol version" error.
const UNSUPPORTED_VERSION: i64 = -32022;

/// How a [`Client`] connects: its era, name, capabilities and time limit.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    era: Option<Era>,
    info: Value,
    capabilities: Value,
    timeout: Duration,
    handlers: Handlers,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            era: None,
            info: json!({"name": "mcp-client", "version": env!("CARGO_PKG_VERSION")}),
            capabilities: json!({}),
            timeout: Duration::from_secs(60),
            handlers: Handlers::default(),
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
        let inner = Arc::new(Inner {
            transport: Box::new(transport),
            inbox,
            timeout: self.timeout,
            info: self.info,
            capabilities: self.capabilities,
            handlers: self.handlers,
            agreed: std::sync::OnceLock::new(),
        });
        tokio::spawn(answer_server_requests(Arc::downgrade(&inner), server_requests));
        let client = Client { inner };
        let agreed = match self.era {
            Some(Era::Stateless) => client.discover().await?,
            Some(Era::Session) => client.initialize().await?,
            None => match client.discover().await {
                Ok(agreed) => agreed,
                Err(ClientError::Rpc(_) | ClientError::Transport(_) | ClientError::Protocol(_)) => {
                    client.initialize().await?
                }
                Err(other) => return Err(other),
            },
        };
        let _ = client.inner.agreed.set(agreed);
        if client.era() == Era::Session {
            client.notify("notifications/initialized", json!({})).await?;
        }
        Ok(client)
    }

    /// Connects to the Streamable HTTP endpoint at `url`.
    pub async fn connect_http(self, url: &str) -> Result<Client, ClientError> {
        self.connect(crate::transport::http::HttpTransport::new(url)).await
    }

    /// Connects to `server` in this process (no socket, no child process).
    pub async fn connect_in_process(self, server: mcp_core::Server) -> Result<Client, ClientError> {
        self.connect(crate::transport::lines::LineTransport::in_process(server)).await
    }
}

/// What the handshake settled.
#[derive(Debug)]
struct Agreed {
    era: Era,
    revision: &'static str,
    /// The `initialize` or `server/discover` result.
    server: Value,
    /// What every stateless-era request says of the client in `_meta`
    /// (`Null` in the session era).
    meta: Value,
}

struct Inner {
    transport: Box<dyn Transport>,
    inbox: Inbox,
    timeout: Duration,
    info: Value,
    capabilities: Value,
    handlers: Handlers,
    agreed: std::sync::OnceLock<Agreed>,
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
/// use mcp_core::prelude::*;
///
/// /// Adds two integers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> String {
///     (a + b).to_string()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), mcp_client::ClientError> {
/// let server = Server::builder("calc", "1.0.0").tools(tools![add]).build();
/// let client = mcp_client::Client::builder().connect_in_process(server).await?;
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

    /// Whether the server answers: `ping`, or in the 2026-07-28 era, which
    /// has none, `server/discover`.
    pub async fn ping(&self) -> Result<(), ClientError> {
        let method = if self.era() == Era::Stateless { "server/discover" } else { "ping" };
        self.request(method, json!({})).await.map(drop)
    }

    /// Every tool (all pages of `tools/list`), as the server describes them.
    pub async fn list_tools(&self) -> Result<Vec<Value>, ClientError> {
        self.list("tools/list", "tools").await
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
    /// `is_error`; a protocol failure is an `Err`.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<CallToolResult, ClientError> {
        let params = json!({"name": name, "arguments": arguments});
        let result = self.request_raw("tools/call", params, Some(name)).await?;
        serde_json::from_str(result.get()).map_err(|e| ClientError::Protocol(format!("a tools/call result: {e}")))
    }

    /// Calls tool `name` and decodes its `structuredContent` into `T`; a
    /// result with `isError` is [`ClientError::Tool`] with its text.
    pub async fn call_tool_as<T: DeserializeOwned>(&self, name: &str, arguments: Value) -> Result<T, ClientError> {
        let result = self.call_tool(name, arguments).await?;
        if result.is_error {
            return Err(ClientError::Tool(result.text()));
        }
        let structured = result
            .structured_content
            .ok_or_else(|| ClientError::Protocol(format!("tool `{name}` returned no structuredContent")))?;
        serde_json::from_value(structured).map_err(|e| ClientError::Protocol(format!("tool `{name}`'s result: {e}")))
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

    /// Any request: `method` with `params`, answered with its result.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.request_named(method, params, None).await
    }

    /// Ends the connection (HTTP: DELETE the session; a child process: its
    /// input ends, then it is killed). Requests still waiting fail.
    pub async fn close(&self) {
        self.inner.transport.close().await;
        self.inner.inbox.close();
    }

    async fn list(&self, method: &str, key: &str) -> Result<Vec<Value>, ClientError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
            let mut page = self.request(method, params).await?;
            items.append(&mut contents(&mut page, key)?);
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(next) if cursor.as_deref() != Some(next) => cursor = Some(next.to_owned()),
                _ => return Ok(items),
            }
        }
        Err(ClientError::Protocol(format!("{method} went on for more than {MAX_PAGES} pages")))
    }

    async fn initialize(&self) -> Result<Agreed, ClientError> {
        let params = json!({
            "protocolVersion": version::LATEST,
            "capabilities": self.inner.capabilities,
            "clientInfo": self.inner.info,
        });
        let server = self.send_request("initialize", params, None, None).await?;
        let offered = server.get("protocolVersion").and_then(Value::as_str).unwrap_or_default();
        let revision = version::SUPPORTED
            .iter()
            .find(|v| **v == offered)
            .ok_or_else(|| ClientError::Protocol(format!("the server offers protocol version {offered:?}")))?;
        Ok(Agreed { era: Era::Session, revision, server, meta: Value::Null })
    }

    async fn discover(&self) -> Result<Agreed, ClientError> {
        let mut revision = version::STATELESS[0];
        let mut retried = false;
        loop {
            let params = json!({"_meta": self.meta(revision)});
            match self.send_request("server/discover", params, None, Some(revision)).await {
                Ok(server) => return Ok(Agreed { era: Era::Stateless, revision, server, meta: self.meta(revision) }),
                // -32022: the server names the revisions it supports; try
                // one of ours among them, once.
                Err(ClientError::Rpc(error)) if error.code == UNSUPPORTED_VERSION && !retried => {
                    let supported = error.data.as_ref().and_then(|d| d.get("supported")).and_then(Value::as_array);
                    let ours = supported
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .find_map(|v| version::STATELESS.iter().find(|ours| **ours == v));
                    match ours {
                        Some(ours) => (revision, retried) = (ours, true),
                        None => return Err(ClientError::Rpc(error)),
                    }
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// What a stateless-era request says of its client in `_meta`.
    fn meta(&self, revision: &str) -> Value {
        json!({
            "io.modelcontextprotocol/protocolVersion": revision,
            "io.modelcontextprotocol/clientInfo": self.inner.info,
            "io.modelcontextprotocol/clientCapabilities": self.inner.capabilities,
        })
    }

    async fn request_named(&self, method: &str, params: Value, name: Option<&str>) -> Result<Value, ClientError> {
        let result = self.request_raw(method, params, name).await?;
        parse(&result)
    }

    /// A request's result as the server wrote it.
    async fn request_raw(
        &self,
        method: &str,
        mut params: Value,
        name: Option<&str>,
    ) -> Result<Box<RawValue>, ClientError> {
        let agreed = self.inner.agreed.get().ok_or(ClientError::Closed)?;
        if agreed.era == Era::Session {
            return self.within(self.exchange(method, params, name, Some(agreed.revision))).await;
        }
        if let (Value::Object(fields), Value::Object(ours)) = (&mut params, &agreed.meta) {
            let meta = fields.entry("_meta").or_insert_with(|| json!({}));
            if let Value::Object(meta) = meta {
                meta.extend(ours.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        // Every round within the one time limit of the call.
        self.within(self.rounds(method, params, name, agreed.revision)).await
    }

    /// The 2026-07-28 era asks the client within the request: answer the
    /// round's questions and send the request again, with the state.
    async fn rounds(
        &self,
        method: &str,
        mut params: Value,
        name: Option<&str>,
        revision: &'static str,
    ) -> Result<Box<RawValue>, ClientError> {
        for _ in 0..MAX_ROUNDS {
            let raw = self.exchange(method, params.clone(), name, Some(revision)).await?;
            if !asks_for_input(&raw) {
                return Ok(raw);
            }
            let result = parse(&raw)?;
            let mut answers = serde_json::Map::new();
            for (key, question) in result.get("inputRequests").and_then(Value::as_object).into_iter().flatten() {
                let asked = question.get("method").and_then(Value::as_str).unwrap_or_default();
                let answer = self.inner.handlers.answer(asked, question.get("params").cloned().unwrap_or_default());
                answers.insert(key.clone(), answer.await?);
            }
            params["inputResponses"] = Value::Object(answers);
            // Echoed exactly as the server sent it, and left out when it sent none.
            match (result.get("requestState"), params.as_object_mut()) {
                (Some(state), _) => params["requestState"] = state.clone(),
                (None, Some(fields)) => drop(fields.remove("requestState")),
                (None, None) => {}
            }
        }
        Err(ClientError::Protocol(format!(
            "{method} asked for input more than {MAX_ROUNDS} times (the server's input_required rounds never end)"
        )))
    }

    /// `work` within the call's time limit, else [`ClientError::Timeout`]
    /// (the request's future is dropped: the server is told to stop).
    async fn within<T>(&self, work: impl Future<Output = Result<T, ClientError>>) -> Result<T, ClientError> {
        tokio::time::timeout(self.inner.timeout, work).await.unwrap_or(Err(ClientError::Timeout))
    }

    /// Sends a request and awaits its answer within the time limit: the
    /// sending, the answer's body or stream, and the wait.
    async fn send_request(
        &self,
        method: &str,
        params: Value,
        name: Option<&str>,
        revision: Option<&'static str>,
    ) -> Result<Value, ClientError> {
        let result = self.within(self.exchange(method, params, name, revision)).await?;
        parse(&result)
    }

    /// Sends a request and awaits its answer, without a time limit of its
    /// own; a call dropped (or timed out) tells the server
    /// (`notifications/cancelled`).
    async fn exchange(
        &self,
        method: &str,
        params: Value,
        name: Option<&str>,
        revision: Option<&'static str>,
    ) -> Result<Box<RawValue>, ClientError> {
        let inbox = &self.inner.inbox;
        if inbox.is_closed() {
            return Err(ClientError::Closed);
        }
        let (id, answer) = inbox.pending.begin();
        let mut waiting = Waiting { client: self, id: Some(id.clone()) };
        let message = Outgoing {
            bytes: jsonrpc::encode_request(&id, method, &params),
            id: Some(id.clone()),
            method: Some(method.to_owned()),
            name: name.map(str::to_owned),
            revision,
        };
        if let Err(error) = self.inner.transport.send(message, inbox).await {
            waiting.settled();
            inbox.pending.abandon(&id);
            return Err(inbox.local_failure(&id).unwrap_or(error));
        }
        let outcome = answer.await;
        waiting.settled();
        match outcome {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(error)) => Err(inbox.local_failure(&id).unwrap_or(ClientError::Rpc(error))),
            Err(_) => Err(ClientError::Closed),
        }
    }

    async fn notify(&self, method: &str, params: Value) -> Result<(), ClientError> {
        let message = Outgoing {
            bytes: jsonrpc::encode_notification(method, &params),
            id: None,
            method: Some(method.to_owned()),
            name: None,
            revision: self.protocol_version(),
        };
        self.inner.transport.send(message, &self.inner.inbox).await
    }
}

/// A request awaiting its answer: dropped before it settles (the caller's
/// future was dropped, or its time ran out), it tells the server to stop.
struct Waiting<'a> {
    client: &'a Client,
    id: Option<RequestId>,
}

impl Waiting<'_> {
    fn settled(&mut self) {
        self.id = None;
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        self.client.inner.inbox.pending.abandon(&id);
        drop(self.client.inner.inbox.local_failure(&id));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let client = self.client.clone();
        runtime.spawn(async move {
            let params = json!({"requestId": id, "reason": "the client stopped waiting"});
            let _ = client.notify("notifications/cancelled", params).await;
        });
    }
}

/// A result as JSON.
fn parse(result: &RawValue) -> Result<Value, ClientError> {
    serde_json::from_str(result.get()).map_err(|e| ClientError::Protocol(format!("a result: {e}")))
}

/// Whether a result is the 2026-07-28 era's `input_required` (read without
/// building the result).
fn asks_for_input(result: &RawValue) -> bool {
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "resultType", borrow)]
        result_type: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_str::<Kind<'_>>(result.get()).is_ok_and(|k| k.result_type.as_deref() == Some("input_required"))
}

/// Takes the array `key` out of a result.
fn contents(result: &mut Value, key: &str) -> Result<Vec<Value>, ClientError> {
    match result.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(ClientError::Protocol(format!("a result without its `{key}` array"))),
    }
}

/// Answers what the server asks while the client lives (session era), each
/// on its own task: by the builder's handlers, `ping`, else `-32601`.
/// At most [`PENDING_SERVER_REQUESTS`] are answered at once; while they
/// are, more wait in the inbox, and past that are dropped.
async fn answer_server_requests(inner: Weak<Inner>, mut requests: mpsc::Receiver<Request>) {
    let answering = Arc::new(tokio::sync::Semaphore::new(PENDING_SERVER_REQUESTS));
    while let Some(request) = requests.recv().await {
        let Ok(permit) = answering.clone().acquire_owned().await else { return };
        let Some(inner) = inner.upgrade() else { return };
        tokio::spawn(async move {
            let _permit = permit;
            let params = request.params.and_then(|raw| serde_json::from_str(raw.get()).ok()).unwrap_or_default();
            let bytes = match inner.handlers.answer(&request.method, params).await {
                Ok(result) => match serde_json::value::to_raw_value(&result) {
                    Ok(raw) => jsonrpc::encode_result(&request.id, &raw),
                    Err(e) => jsonrpc::encode_error(Some(&request.id), &RpcError::internal(e)),
                },
                Err(error) => jsonrpc::encode_error(Some(&request.id), &error),
            };
            let revision = inner.agreed.get().map(|a| a.revision);
            let answer = Outgoing { bytes, id: None, method: None, name: None, revision };
            if let Err(error) = inner.transport.send(answer, &inner.inbox).await {
                tracing::debug!(%error, "an answer to the server did not get through");
            }
        });
    }
}
