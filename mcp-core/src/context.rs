//! What a running handler can do: report progress, log to the client, notice
//! cancellation, ask the client (sampling, elicitation, roots), read other
//! resources, and reach shared state.

use crate::jsonrpc::{self, RequestId, RpcError, code};
use crate::protocol::{LoggingLevel, LoggingMessageParams, ProgressParams, ResourceContents};
use crate::server::Server;
use crate::session::{Session, Sink};
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
    request_id: Option<RequestId>,
    progress_token: Option<Value>,
    sink: Option<Sink>,
    cancel: CancellationToken,
    extensions: http::Extensions,
}

/// How a request reached the server: its session, where messages sent
/// before the result go, and transport data (auth claims, headers).
#[derive(Default)]
pub struct RequestEnv {
    /// The session, in session mode.
    pub session: Option<Arc<Session>>,
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
        cancel: CancellationToken,
    ) -> Self {
        let RequestEnv { session, sink, extensions } = env;
        Self { scope: Arc::new(Scope { server, session, request_id, progress_token, sink, cancel, extensions }) }
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

    /// The negotiated protocol revision, in session mode.
    pub fn protocol_version(&self) -> Option<&'static str> {
        self.session()?.client().map(|c| c.protocol_version)
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
        self.scope.cancel.cancelled().await;
    }

    /// Whether the request was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.scope.cancel.is_cancelled()
    }

    /// The progress token the client sent, exactly as received.
    pub fn progress_token(&self) -> Option<&Value> {
        self.scope.progress_token.as_ref()
    }

    /// Sends `notifications/progress` when the client asked for progress.
    pub async fn report_progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.scope.progress_token else { return };
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
        if self.session().is_some_and(|s| level < s.log_level()) {
            return;
        }
        let Ok(data) = serde_json::to_value(data) else { return };
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
            let _ = sink.send(message);
        }
    }

    /// Reads another resource of this server.
    pub async fn read_resource(&self, uri: &str) -> Result<Vec<ResourceContents>, RpcError> {
        self.scope.server.read_resource_as(self.clone(), uri).await
    }

    /// Sends a request to the client and awaits its answer (session mode,
    /// on this request's stream). Fails when there is no session or stream,
    /// when the client answers with an error, or when the request is cancelled.
    pub async fn request_client<R: DeserializeOwned>(&self, method: &str, params: impl Serialize) -> Result<R, RpcError> {
        let (Some(session), Some(sink)) = (self.session(), &self.scope.sink) else {
            return Err(RpcError::new(code::INVALID_REQUEST, format!("`{method}` needs a session with an open stream")));
        };
        let (id, answer) = session.await_client();
        if sink.send(jsonrpc::encode_request(&id, method, &params)).is_err() {
            session.abandon_client_request(&id);
            return Err(RpcError::internal("the request's stream is closed"));
        }
        let outcome = tokio::select! {
            outcome = answer => outcome.map_err(|_| RpcError::internal("the session ended"))?,
            () = self.cancelled() => {
                session.abandon_client_request(&id);
                return Err(RpcError::new(code::REQUEST_CANCELLED, "request cancelled"));
            }
        };
        serde_json::from_str(outcome?.get()).map_err(|e| RpcError::internal(format!("unexpected answer to `{method}`: {e}")))
    }

    fn require_capability(&self, name: &str, declared: impl Fn(&crate::protocol::ClientCapabilities) -> bool) -> Result<(), RpcError> {
        match self.session().and_then(|s| s.client()) {
            Some(client) if declared(&client.capabilities) => Ok(()),
            _ => Err(RpcError::new(code::INVALID_REQUEST, format!("the client did not declare the `{name}` capability"))),
        }
    }

    /// Asks the client's model for a message (`sampling/createMessage`).
    /// `params` follows the specification's `CreateMessageRequest` params.
    pub async fn sample(&self, params: Value) -> Result<Value, RpcError> {
        self.require_capability("sampling", |c| c.sampling.is_some())?;
        self.request_client("sampling/createMessage", params).await
    }

    /// Asks the user to fill in a form (`elicitation/create`, form mode).
    /// `requested_schema` is a flat object schema of primitive properties.
    pub async fn elicit(&self, message: &str, requested_schema: Value) -> Result<ElicitResult, RpcError> {
        self.require_capability("elicitation", |c| c.elicitation.is_some())?;
        let params = serde_json::json!({ "mode": "form", "message": message, "requestedSchema": requested_schema });
        self.request_client("elicitation/create", params).await
    }

    /// Sends the user to `url` (`elicitation/create`, URL mode).
    pub async fn elicit_url(&self, message: &str, url: &str, elicitation_id: &str) -> Result<ElicitResult, RpcError> {
        self.require_capability("elicitation.url", |c| c.elicitation.as_ref().is_some_and(|e| e.get("url").is_some()))?;
        let params = serde_json::json!({ "mode": "url", "message": message, "url": url, "elicitationId": elicitation_id });
        self.request_client("elicitation/create", params).await
    }

    /// The client's roots (`roots/list`).
    pub async fn roots(&self) -> Result<Value, RpcError> {
        self.require_capability("roots", |c| c.roots.is_some())?;
        self.request_client("roots/list", serde_json::json!({})).await
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
