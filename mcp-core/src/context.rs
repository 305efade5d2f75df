//! What a running handler can do: report progress, log to the client, notice
//! cancellation, ask the client (sampling, elicitation, roots), read other
//! resources, and reach shared state.

use crate::jsonrpc::{self, RequestId, RpcError, code};
use crate::protocol::{ClientCapabilities, LoggingLevel, LoggingMessageParams, ProgressParams, ResourceContents};
use crate::server::Server;
use crate::session::{Outbound, Session, Sink};
use crate::stateless::RequestMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The request a handler is running for. Take it as a parameter of any
/// `#[tool]`, `#[resource]` or `#[prompt]` function.
///
/// ```
/// use mcp_core::{Context, tool};
///
/// /// Counts to three, reporting progress.
/// #[tool]
/// async fn count(ctx: Context) -> String {
///     for step in 1..=3 {
///         ctx.report_progress(step as f64, Some(3.0), None).await;
///     }
///     "done".into()
/// }
/// ```
#[derive(Clone)]
pub struct Context {
    scope: Arc<Scope>,
}

struct Scope {
    server: Server,
    session: Option<Arc<Session>>,
    stateless: Option<Arc<StatelessCall>>,
    request_id: Option<RequestId>,
    progress_token: Option<Value>,
    sink: Option<Sink>,
    /// Present when something can cancel the request (a session's
    /// `notifications/cancelled`); a dropped connection drops the future.
    cancel: Option<CancellationToken>,
    extensions: http::Extensions,
}

/// How a request reached the server: its session, where messages sent
/// before the result go, and transport data (auth claims, headers).
#[derive(Default)]
pub struct RequestEnv {
    /// The session, in session mode.
    pub session: Option<Arc<Session>>,
    /// The request's validated `_meta`, in the stateless era (2026-07-28).
    pub stateless: Option<RequestMeta>,
    /// Where progress, logs and server→client requests go before the result.
    pub sink: Option<Sink>,
    /// Typed data the transport attached (e.g. validated token claims).
    pub extensions: http::Extensions,
}

impl Context {
    pub(crate) fn new(
        server: Server,
        env: RequestEnv,
        request_id: Option<RequestId>,
        progress_token: Option<Value>,
        cancel: Option<CancellationToken>,
        stateless: Option<Arc<StatelessCall>>,
    ) -> Self {
        let RequestEnv { session, sink, extensions, stateless: _ } = env;
        Self {
            scope: Arc::new(Scope { server, session, stateless, request_id, progress_token, sink, cancel, extensions }),
        }
    }

    /// The server running this request.
    pub fn server(&self) -> &Server {
        &self.scope.server
    }

    /// The id of the request being handled.
    pub fn request_id(&self) -> Option<&RequestId> {
        self.scope.request_id.as_ref()
    }

    /// The session id, in session mode.
    pub fn session_id(&self) -> Option<&str> {
        self.scope.session.as_deref().map(Session::id)
    }

    /// The session, in session mode.
    pub fn session(&self) -> Option<&Arc<Session>> {
        self.scope.session.as_ref()
    }

    /// The protocol revision of this request: the session's negotiated one,
    /// or the stateless request's own.
    pub fn protocol_version(&self) -> Option<&str> {
        match &self.scope.stateless {
            Some(call) => Some(&call.meta.protocol_version),
            None => self.session()?.client().map(|c| c.protocol_version),
        }
    }

    /// What the client declared it can do: at `initialize` in session mode,
    /// in this request's `_meta` in the stateless era.
    pub fn client_capabilities(&self) -> Option<&ClientCapabilities> {
        match &self.scope.stateless {
            Some(call) => Some(&call.meta.client_capabilities),
            None => self.session()?.client().map(|c| &c.capabilities),
        }
    }

    /// Shared state of type `T` registered with the builder's `.state(..)`.
    pub fn state<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.scope.server.state::<T>()
    }

    /// Typed data the transport attached to this request.
    pub fn extensions(&self) -> &http::Extensions {
        &self.scope.extensions
    }

    /// Resolves when the client cancels the request or the connection drops.
    pub async fn cancelled(&self) {
        match &self.scope.cancel {
            Some(token) => token.cancelled().await,
            None => std::future::pending().await,
        }
    }

    /// Whether the request was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.scope.cancel.as_ref().is_some_and(CancellationToken::is_cancelled)
    }

    /// The progress token the client sent, exactly as received.
    pub fn progress_token(&self) -> Option<&Value> {
        self.scope.progress_token.as_ref()
    }

    /// Sends `notifications/progress` when the client asked for progress.
    pub async fn report_progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.scope.progress_token else {
            return;
        };
        let params = ProgressParams { progress_token: token, progress, total, message };
        self.send(jsonrpc::encode_notification("notifications/progress", &params));
    }

    /// Sends `notifications/message` at `level` unless the client asked for
    /// a higher minimum level.
    pub async fn log(&self, level: LoggingLevel, data: impl Serialize) {
        self.log_to(level, None, data).await;
    }

    /// Like [`Context::log`], naming the `logger`.
    pub async fn log_to(&self, level: LoggingLevel, logger: Option<&str>, data: impl Serialize) {
        let minimum = match &self.scope.stateless {
            // The stateless era sends logs only when the request asked for them.
            Some(call) => match call.meta.log_level {
                Some(minimum) => minimum,
                None => return,
            },
            None => self.session().map_or(LoggingLevel::Debug, |s| s.log_level()),
        };
        if level < minimum {
            return;
        }
        let Ok(data) = serde_json::to_value(data) else {
            return;
        };
        let params = LoggingMessageParams { level, logger, data: &data };
        self.send(jsonrpc::encode_notification("notifications/message", &params));
    }

    /// Logs at `info`.
    pub async fn info(&self, message: impl Serialize) {
        self.log(LoggingLevel::Info, message).await;
    }

    /// Logs at `debug`.
    pub async fn debug(&self, message: impl Serialize) {
        self.log(LoggingLevel::Debug, message).await;
    }

    /// Logs at `warning`.
    pub async fn warning(&self, message: impl Serialize) {
        self.log(LoggingLevel::Warning, message).await;
    }

    /// Logs at `error`.
    pub async fn error(&self, message: impl Serialize) {
        self.log(LoggingLevel::Error, message).await;
    }

    /// Sends any notification related to this request.
    pub fn notify(&self, method: &str, params: impl Serialize) {
        self.send(jsonrpc::encode_notification(method, &params));
    }

    fn send(&self, message: Vec<u8>) {
        if let Some(sink) = &self.scope.sink {
            let _ = sink.send(Outbound::Message(message));
        }
    }

    /// Ends the response stream now while the handler keeps running: the
    /// client reconnects with `Last-Event-ID` and receives the rest (SSE
    /// polling). Only session-mode streams are resumable; elsewhere this
    /// does nothing.
    pub fn close_stream(&self) {
        if let (Some(sink), Some(_)) = (&self.scope.sink, &self.scope.session) {
            let _ = sink.send(Outbound::CloseStream);
        }
    }

    /// Reads another resource of this server.
    pub async fn read_resource(&self, uri: &str) -> Result<Vec<ResourceContents>, RpcError> {
        self.scope.server.read_resource_as(self.clone(), uri).await
    }

    /// Sends a request to the client and awaits its answer. In session mode
    /// it goes out on this request's stream; in the stateless era the call
    /// ends with an `input_required` result and the answer arrives when the
    /// client retries (the handler then runs again from the start, and this
    /// call returns the answer). Fails when there is no way to reach the
    /// client, when the client answers with an error, or on cancellation.
    pub async fn request_client<R: DeserializeOwned>(
        &self,
        method: &str,
        params: impl Serialize,
    ) -> Result<R, RpcError> {
        self.ask(None, method, params).await
    }

    /// Asks the client under a chosen input key (the key of the
    /// `inputRequests` entry in the stateless era; ignored in session mode).
    ///
    /// ```
    /// # async fn f(ctx: mcp_core::Context) -> Result<(), mcp_core::jsonrpc::RpcError> {
    /// let answer = ctx.input("user_name").elicit("Your name?", serde_json::json!({
    ///     "type": "object", "properties": {"name": {"type": "string"}}
    /// })).await?;
    /// # Ok(()) }
    /// ```
    pub fn input<'a>(&'a self, key: &'a str) -> Input<'a> {
        Input { ctx: self, key: Some(key) }
    }

    async fn ask<R: DeserializeOwned>(
        &self,
        key: Option<&str>,
        method: &str,
        params: impl Serialize,
    ) -> Result<R, RpcError> {
        if let Some(call) = &self.scope.stateless {
            return call.answer(key, method, params).await;
        }
        let (Some(session), Some(sink)) = (self.session(), &self.scope.sink) else {
            return Err(RpcError::new(
                code::INVALID_REQUEST,
                format!("`{method}` needs a session with an open stream"),
            ));
        };
        let (id, answer) = session.await_client();
        // However this ends (answer, cancellation, the future dropped with its
        // connection), the session stops waiting for the answer.
        let _waiting = Waiting { session, id: &id };
        if sink.send(Outbound::Message(jsonrpc::encode_request(&id, method, &params))).is_err() {
            return Err(RpcError::internal("the request's stream is closed"));
        }
        let outcome = tokio::select! {
            outcome = answer => outcome.map_err(|_| RpcError::internal("the session ended"))?,
            () = self.cancelled() => return Err(RpcError::new(code::REQUEST_CANCELLED, "request cancelled")),
        };
        serde_json::from_str(outcome?.get())
            .map_err(|e| RpcError::internal(format!("unexpected answer to `{method}`: {e}")))
    }

    /// Checks the client declared capability `name`. In the stateless era
    /// a missing capability ends the request with the revision's `-32021`
    /// error; in session mode the caller gets the error.
    async fn require_capability(
        &self,
        name: &str,
        declared: impl Fn(&ClientCapabilities) -> bool,
    ) -> Result<(), RpcError> {
        if self.client_capabilities().is_some_and(declared) {
            return Ok(());
        }
        if let Some(call) = &self.scope.stateless {
            call.interrupt(Interrupt::MissingCapability(name.to_owned()));
            std::future::pending::<()>().await;
        }
        Err(RpcError::new(code::INVALID_REQUEST, format!("the client did not declare the `{name}` capability")))
    }

    /// Asks the client's model for a message (`sampling/createMessage`).
    /// `params` follows the specification's `CreateMessageRequest` params.
    pub async fn sample(&self, params: Value) -> Result<Value, RpcError> {
        Input { ctx: self, key: None }.sample(params).await
    }

    /// Asks the user to fill in a form (`elicitation/create`, form mode).
    /// `requested_schema` is a flat object schema of primitive properties.
    pub async fn elicit(&self, message: &str, requested_schema: Value) -> Result<ElicitResult, RpcError> {
        Input { ctx: self, key: None }.elicit(message, requested_schema).await
    }

    /// Sends the user to `url` (`elicitation/create`, URL mode).
    pub async fn elicit_url(&self, message: &str, url: &str, elicitation_id: &str) -> Result<ElicitResult, RpcError> {
        self.require_capability("elicitation", |c| c.elicitation.as_ref().is_some_and(|e| e.get("url").is_some()))
            .await?;
        let params =
            serde_json::json!({ "mode": "url", "message": message, "url": url, "elicitationId": elicitation_id });
        self.ask(None, "elicitation/create", params).await
    }

    /// The client's roots (`roots/list`).
    pub async fn roots(&self) -> Result<Value, RpcError> {
        Input { ctx: self, key: None }.roots().await
    }
}

/// Forgets an awaited client answer when dropped.
struct Waiting<'a> {
    session: &'a Session,
    id: &'a RequestId,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.session.abandon_client_request(self.id);
    }
}

/// A question to the client under a chosen key; see [`Context::input`].
pub struct Input<'a> {
    ctx: &'a Context,
    key: Option<&'a str>,
}

impl Input<'_> {
    /// `sampling/createMessage`.
    pub async fn sample(self, params: Value) -> Result<Value, RpcError> {
        self.ctx.require_capability("sampling", |c| c.sampling.is_some()).await?;
        self.ctx.ask(self.key, "sampling/createMessage", params).await
    }

    /// `elicitation/create` in form mode.
    pub async fn elicit(self, message: &str, requested_schema: Value) -> Result<ElicitResult, RpcError> {
        self.ctx.require_capability("elicitation", |c| c.elicitation.is_some()).await?;
        let params = serde_json::json!({ "mode": "form", "message": message, "requestedSchema": requested_schema });
        self.ctx.ask(self.key, "elicitation/create", params).await
    }

    /// `roots/list`.
    pub async fn roots(self) -> Result<Value, RpcError> {
        self.ctx.require_capability("roots", |c| c.roots.is_some()).await?;
        self.ctx.ask(self.key, "roots/list", serde_json::json!({})).await
    }
}

/// Why a stateless-era handler stopped before finishing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Interrupt {
    /// It asked the client for input it does not have yet.
    NeedsInput(Vec<(String, Value)>),
    /// It needs a capability the request did not declare.
    MissingCapability(String),
}

/// One stateless-era call: its `_meta`, the client's answers so far, and
/// what the handler asked for that is not answered yet.
pub(crate) struct StatelessCall {
    pub(crate) meta: RequestMeta,
    pub(crate) answers: serde_json::Map<String, Value>,
    asked: std::sync::atomic::AtomicUsize,
    interrupt: std::sync::Mutex<Option<Interrupt>>,
}

impl StatelessCall {
    pub(crate) fn new(meta: RequestMeta, answers: serde_json::Map<String, Value>) -> Self {
        Self { meta, answers, asked: Default::default(), interrupt: Default::default() }
    }

    fn interrupt(&self, why: Interrupt) {
        let mut slot = self.interrupt.lock().unwrap_or_else(|p| p.into_inner());
        match (&mut *slot, why) {
            (Some(Interrupt::NeedsInput(needs)), Interrupt::NeedsInput(more)) => needs.extend(more),
            (Some(Interrupt::MissingCapability(_)), _) => {}
            (slot, why) => *slot = Some(why),
        }
    }

    pub(crate) fn take_interrupt(&self) -> Option<Interrupt> {
        self.interrupt.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The answer under `key` (or the next automatic key); when there is
    /// none yet (or it does not decode), records the question and waits
    /// forever: the dispatcher ends the call with `input_required`.
    async fn answer<R: DeserializeOwned>(
        &self,
        key: Option<&str>,
        method: &str,
        params: impl Serialize,
    ) -> Result<R, RpcError> {
        let n = self.asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let key = key.map_or_else(|| format!("{}-{n}", method.split('/').next().unwrap_or(method)), str::to_owned);
        if let Some(answer) = self.answers.get(&key).and_then(|a| serde_json::from_value(a.clone()).ok()) {
            return Ok(answer);
        }
        let request = serde_json::json!({ "method": method, "params": params });
        self.interrupt(Interrupt::NeedsInput(vec![(key, request)]));
        std::future::pending().await
    }
}

/// The user's answer to an elicitation.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct ElicitResult {
    /// `accept`, `decline` or `cancel`.
    pub action: String,
    /// The submitted form, when accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Value>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.scope.request_id)
            .field("session", &self.session_id())
            .finish_non_exhaustive()
    }
}
