//! The seam between the proxy and a client library: the library opens
//! connections ([`Upstream`]) that carry requests ([`UpstreamLink`]), and
//! hands what the remote sends unasked to the proxy ([`Downstream`]).

use crate::handler::BoxFuture;
use crate::protocol::jsonrpc::RpcError;
use serde_json::Value;
use std::sync::Arc;

/// A way to open connections to one remote server; `quickmcp-client`
/// implements it for its transports.
pub trait Upstream: Send + Sync + 'static {
    /// Opens a connection (an upstream session) that declares
    /// `downstream`'s capabilities, answers the remote's requests with
    /// [`Downstream::request`] and hands its notifications to
    /// [`Downstream::notify`]. A remote that cannot be reached is an error
    /// (code `-32603`) that says why.
    fn connect(&self, downstream: Downstream) -> BoxFuture<Result<Arc<dyn UpstreamLink>, RpcError>>;
}

/// One open connection to the remote server.
pub trait UpstreamLink: Send + Sync + 'static {
    /// Sends `method` with `params` and returns the result, whatever the
    /// era spoken: the library answers the 2026-07-28 era's
    /// `input_required` rounds through the [`Downstream`] it was given.
    /// The remote's JSON-RPC errors come back as they were sent; a
    /// connection that failed is a `-32603` naming the remote. Dropping the
    /// future tells the remote the request was cancelled.
    fn request(&self, method: &str, params: Value) -> BoxFuture<Result<Value, RpcError>>;

    /// Awaits the result of the remote's task `created` (a `tools/call`
    /// result of type `task`), answering its questions through the
    /// [`Downstream`] as a call's.
    fn await_task(&self, created: Value) -> BoxFuture<Result<Value, RpcError>>;

    /// What the remote said about itself when the connection opened
    /// (`serverInfo`, `capabilities`, `instructions`).
    fn server(&self) -> &Value;

    /// Whether the connection ended (a new one is opened on next use).
    fn is_closed(&self) -> bool;

    /// Ends the connection.
    fn close(&self) -> BoxFuture<()>;
}

type RequestHandler = dyn Fn(Asked) -> BoxFuture<Result<Value, RpcError>> + Send + Sync;

/// A request of the remote's, as the client library received it.
#[derive(Debug, Clone)]
pub struct Asked {
    /// E.g. `sampling/createMessage`.
    pub method: String,
    /// Its params, as sent.
    pub params: Value,
    /// The key the remote filed it under in a 2026-07-28 `input_required`
    /// result or a task's input requests (kept when the proxy asks its own
    /// caller in that era, so that the remote's key reaches the caller).
    pub key: Option<String>,
}
type NotificationHandler = dyn Fn(String, Value) + Send + Sync;
type PauseHandler = dyn Fn() + Send + Sync;

/// Where a connection delivers what the remote sends on its own: its
/// requests (sampling, elicitation, roots) and notifications. Cheap to
/// clone.
#[derive(Clone)]
pub struct Downstream {
    capabilities: Value,
    session: bool,
    requests: Arc<RequestHandler>,
    notifications: Arc<NotificationHandler>,
    paused: Option<Arc<PauseHandler>>,
}

impl Downstream {
    /// A downstream that declares `capabilities` and hands requests and
    /// notifications to the two closures.
    pub fn new(
        capabilities: Value,
        requests: impl Fn(Asked) -> BoxFuture<Result<Value, RpcError>> + Send + Sync + 'static,
        notifications: impl Fn(String, Value) + Send + Sync + 'static,
    ) -> Self {
        let (requests, notifications) = (Arc::new(requests), Arc::new(notifications));
        Self { capabilities, session: false, requests, notifications, paused: None }
    }

    /// Calls `paused` when the remote ends a request's stream before its
    /// answer (the library resumes it).
    #[must_use]
    pub fn on_stream_paused(mut self, paused: impl Fn() + Send + Sync + 'static) -> Self {
        self.paused = Some(Arc::new(paused));
        self
    }

    /// The remote ended a request's stream before its answer: the proxy
    /// ends its caller's the same way (the caller resumes it).
    pub fn stream_paused(&self) {
        if let Some(paused) = &self.paused {
            paused();
        }
    }

    /// Marks the connection as serving one downstream session: a session
    /// of the remote's (the 2025-11-25 era, where it has one) suits it
    /// best, and what the remote sends it unasked belongs to that session.
    #[must_use]
    pub fn for_session(mut self) -> Self {
        self.session = true;
        self
    }

    /// Whether the connection serves one downstream session.
    pub fn is_for_session(&self) -> bool {
        self.session
    }

    /// The client capabilities the connection declares to the remote.
    pub fn capabilities(&self) -> &Value {
        &self.capabilities
    }

    /// Answers a request of the remote's.
    pub fn request(&self, asked: Asked) -> BoxFuture<Result<Value, RpcError>> {
        (self.requests)(asked)
    }

    /// Takes a notification of the remote's.
    pub fn notify(&self, method: String, params: Value) {
        (self.notifications)(method, params);
    }
}

impl std::fmt::Debug for Downstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downstream").field("capabilities", &self.capabilities).finish_non_exhaustive()
    }
}
