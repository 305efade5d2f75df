//! What a running handler can do: report progress, log to the client, notice
//! cancellation, ask the client (sampling, elicitation, roots), read other
//! resources, and reach shared state.

mod client;
mod guard;
mod progress;
mod session_state;

pub use client::{ElicitResult, Input};
pub(crate) use guard::{guarded, guarded_for};
pub use progress::{Progress, ProgressAmount};
pub use session_state::{SessionState, StateError};

use crate::era::Era;
use crate::era::rounds::StatelessCall;
use crate::peer::{Outbound, Sink};
use crate::protocol::jsonrpc::{self, RequestId, RpcError};
use crate::protocol::{ClientCapabilities, LoggingLevel, LoggingMessageParams, ResourceContents};
use crate::server::Server;
use crate::session::{Session, SessionRecord};
use crate::tasks::run::{TaskGate, TaskRun};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The request a handler is running for. Take it as a parameter of any
/// `#[tool]`, `#[resource]` or `#[prompt]` function.
///
/// ```
/// use quickmcp::prelude::*;
///
/// /// Counts to three, reporting progress.
/// #[tool]
/// async fn count(ctx: Context) -> String {
///     for step in 1..=3 {
///         ctx.progress(step).of(3).message(format!("step {step}")).await;
///     }
///     "done".into()
/// }
/// ```
#[derive(Clone)]
pub struct Context {
    scope: Arc<Scope>,
}

/// Everything a handler run can reach; built once per call.
pub(crate) struct Scope {
    pub(crate) server: Server,
    pub(crate) session: Option<Session>,
    pub(crate) stateless: Option<Arc<StatelessCall>>,
    pub(crate) request_id: Option<RequestId>,
    pub(crate) progress_token: Option<Value>,
    pub(crate) sink: Option<Sink>,
    /// Present when something can cancel the request (a session's
    /// `notifications/cancelled`); a dropped connection drops the future.
    pub(crate) cancel: Option<CancellationToken>,
    pub(crate) extensions: http::Extensions,
    /// The task this run belongs to, when a worker runs a task.
    pub(crate) task: Option<Arc<TaskRun>>,
    /// Open when a tool that asks first begins its task.
    pub(crate) gate: Option<Arc<TaskGate>>,
}

impl Context {
    pub(crate) fn new(scope: Scope) -> Self {
        Self { scope: Arc::new(scope) }
    }

    /// The same request, run by `server` (a mounted server runs its
    /// handlers with its own state).
    pub(crate) fn for_server(&self, server: Server) -> Self {
        let scope = &self.scope;
        Self::new(Scope {
            server,
            session: scope.session.clone(),
            stateless: scope.stateless.clone(),
            request_id: scope.request_id.clone(),
            progress_token: scope.progress_token.clone(),
            sink: scope.sink.clone(),
            cancel: scope.cancel.clone(),
            extensions: scope.extensions.clone(),
            task: scope.task.clone(),
            gate: scope.gate.clone(),
        })
    }

    /// The context of a task's run by a worker.
    /// `extensions` holds the creator's principal, when there was one.
    pub(crate) fn for_task(server: Server, task: Arc<TaskRun>, extensions: http::Extensions) -> Self {
        Self::new(Scope {
            server,
            session: None,
            stateless: None,
            request_id: None,
            progress_token: None,
            sink: None,
            cancel: None,
            extensions,
            task: Some(task),
            gate: None,
        })
    }

    /// The same request, with the gate of a tool that asks first.
    pub(crate) fn with_gate(self, gate: Arc<TaskGate>) -> Self {
        let scope = Arc::try_unwrap(self.scope).unwrap_or_else(|shared| Scope {
            server: shared.server.clone(),
            session: shared.session.clone(),
            stateless: shared.stateless.clone(),
            request_id: shared.request_id.clone(),
            progress_token: shared.progress_token.clone(),
            sink: shared.sink.clone(),
            cancel: shared.cancel.clone(),
            extensions: shared.extensions.clone(),
            task: shared.task.clone(),
            gate: None,
        });
        Self::new(Scope { gate: Some(gate), ..scope })
    }

    /// The id of the task this handler runs in, when it runs as one.
    pub fn task_id(&self) -> Option<&str> {
        self.scope.task.as_ref().map(|t| t.id.as_str())
    }

    /// Where a tool declared with `#[tool(task, asks_first)]` stops asking
    /// and starts working: in the request, the call is answered here with a
    /// task handle, and a worker runs the handler again from the start as
    /// the task (its questions then find the answers already given).
    /// Everywhere else (in the task, or when the call runs without one)
    /// this returns at once.
    ///
    /// ```
    /// use quickmcp::prelude::*;
    ///
    /// /// Deletes a file after the user confirms, in the background.
    /// #[tool(task, asks_first)]
    /// async fn delete_file(ctx: Context, path: String) -> String {
    ///     let schema = serde_json::json!({"type": "object", "properties": {"confirm": {"type": "boolean"}}});
    ///     let answer = ctx.input("confirm").elicit(&format!("Delete {path}?"), schema).await;
    ///     if !answer.is_ok_and(|a| a.action == "accept") {
    ///         return "kept".into();
    ///     }
    ///     ctx.begin_task().await;
    ///     format!("deleted {path}")
    /// }
    /// ```
    pub async fn begin_task(&self) {
        if let (Some(gate), None) = (&self.scope.gate, &self.scope.task) {
            gate.open();
            std::future::pending::<()>().await;
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

    /// The task's run, when a worker runs this handler as a task.
    pub(crate) fn task_run(&self) -> Option<&Arc<TaskRun>> {
        self.scope.task.as_ref()
    }

    /// The gate of a tool that asks first, while it runs in the request.
    pub(crate) fn gate(&self) -> Option<&Arc<TaskGate>> {
        self.scope.gate.as_ref()
    }

    /// The session id, in session mode.
    pub fn session_id(&self) -> Option<&str> {
        self.scope.session.as_ref().map(Session::id)
    }

    /// The session, in session mode: a read-only view of its record as it
    /// was when the request arrived.
    pub fn session(&self) -> Option<&SessionRecord> {
        self.scope.session.as_ref().map(Session::record)
    }

    /// The live session handle, for the framework's own use.
    pub(crate) fn live_session(&self) -> Option<&Session> {
        self.scope.session.as_ref()
    }

    /// The request's protocol era.
    pub fn era(&self) -> Era {
        Era::of(self.scope.stateless.is_some())
    }

    /// The protocol revision of this request: the session's negotiated one,
    /// or the stateless request's own.
    pub fn protocol_version(&self) -> Option<&str> {
        match &self.scope.stateless {
            Some(call) => Some(call.meta.protocol_version),
            None => self.session()?.protocol_version(),
        }
    }

    /// What the client declared it can do: at `initialize` in session mode,
    /// in this request's `_meta` in the stateless era.
    pub fn client_capabilities(&self) -> Option<&ClientCapabilities> {
        if let Some(task) = &self.scope.task {
            return Some(&task.capabilities);
        }
        match &self.scope.stateless {
            Some(call) => Some(&call.meta.client_capabilities),
            None => self.session()?.client.as_ref().map(|c| &c.capabilities),
        }
    }

    /// Shared state of type `T` registered with the builder's `.state(..)`.
    pub fn state<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.scope.server.state::<T>()
    }

    /// Typed data the transport attached to this request: whatever the
    /// HTTP request's extensions held (a verified principal, a trace id),
    /// put there by a tower layer in front of the endpoint.
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

    /// Progress of the request: `done` so far, sent when awaited, and only
    /// when the client asked for progress. Add `.of(total)` when the total
    /// is known and `.message(..)` to say what is happening; see
    /// [`Progress`].
    pub fn progress(&self, done: impl ProgressAmount) -> Progress<'_> {
        Progress::new(self, done.amount())
    }

    /// The lowest level of log the client takes (`None`: none, as in a
    /// stateless-era request that did not ask for logs).
    pub(crate) fn log_minimum(&self) -> Option<LoggingLevel> {
        match &self.scope.stateless {
            Some(call) => call.meta.log_level,
            None => Some(self.session().map_or(LoggingLevel::Debug, |s| s.log_level)),
        }
    }

    /// Sends `notifications/message` at `level` unless the client asked for
    /// a higher minimum level.
    pub async fn log(&self, level: LoggingLevel, data: impl Serialize) {
        self.log_to(level, None, data).await;
    }

    /// Like [`Context::log`], naming the `logger`.
    pub async fn log_to(&self, level: LoggingLevel, logger: Option<&str>, data: impl Serialize) {
        // The stateless era sends logs only when the request asked for them.
        let Some(minimum) = self.log_minimum() else { return };
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

    pub(crate) fn send(&self, message: Vec<u8>) {
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
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.scope.request_id)
            .field("session", &self.session_id())
            .finish_non_exhaustive()
    }
}
