//! The downstream calls in flight on one upstream connection, and what the
//! remote sends back through them: its questions (sampling, elicitation,
//! roots) are asked of the caller whose call it is running, its progress
//! reaches the call it belongs to, its logs the caller too.
//!
//! Which call a question belongs to: over the 2026-07-28 era the library
//! answers it inside the call's own request, which marks it
//! ([`CALL`]); over a 2025-11-25 session the remote asks on its own, and
//! the question goes to the latest call of the connection. A session's
//! connection carries one client's calls only; on the shared connection a
//! question that cannot be placed is refused rather than shown to
//! another caller.

use super::upstream::{Asked, Downstream};
use super::{Remote, RemoteInner};
use crate::Context;
use crate::protocol::LoggingLevel;
use crate::protocol::jsonrpc::{self, RpcError, code};
use futures_util::FutureExt as _;
use serde_json::{Value, json};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// The stateless era's request `_meta` key for the lowest log level sent.
const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// The stateless era's request `_meta` key for the client's capabilities.
const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";

tokio::task_local! {
    /// The relay's number of the call whose request is running.
    static CALL: u64;
}

struct Call {
    id: u64,
    ctx: Context,
}

pub(super) struct Relay {
    /// The downstream session of this connection (`None`: the shared one).
    session: Option<String>,
    remote: Weak<RemoteInner>,
    calls: Mutex<Vec<Call>>,
    next: AtomicU64,
}

impl Relay {
    pub(super) fn new(session: Option<String>, remote: Weak<RemoteInner>) -> Self {
        Self { session, remote, calls: Mutex::default(), next: AtomicU64::new(1) }
    }

    /// What the connection hands the remote's requests and notifications to.
    pub(super) fn downstream(self: &Arc<Self>, capabilities: Value) -> Downstream {
        let (asked, told, paused) = (Arc::downgrade(self), Arc::downgrade(self), Arc::downgrade(self));
        Downstream::new(
            capabilities,
            move |question: Asked| {
                let relay = asked.upgrade();
                Box::pin(async move {
                    match relay {
                        Some(relay) => relay.ask(question).await,
                        None => Err(RpcError::internal("the proxy closed this connection")),
                    }
                })
            },
            move |method, params| {
                if let Some(relay) = told.upgrade() {
                    relay.notified(&method, params);
                }
            },
        )
        .on_stream_paused(move || {
            if let Some(ctx) = paused.upgrade().and_then(|relay| relay.latest_call()) {
                ctx.close_stream();
            }
        })
    }

    /// Runs `request` (given the `_meta` it should carry upstream)
    /// as `ctx`'s call: the remote's questions and progress reach `ctx`
    /// meanwhile, and the caller's cancellation drops it (which tells the
    /// remote).
    pub(super) async fn run<F, Fut>(&self, ctx: &Context, request: F) -> Result<Value, RpcError>
    where
        F: FnOnce(serde_json::Map<String, Value>) -> Fut,
        Fut: Future<Output = Result<Value, RpcError>>,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).push(Call { id, ctx: ctx.clone() });
        let _leaves = Leaves { relay: self, id };
        let mut meta = serde_json::Map::new();
        if ctx.progress_token().is_some() {
            meta.insert("progressToken".into(), progress_token(id).into());
        }
        // Logs the caller takes (a stateless-era remote sends only those
        // asked for; a session's sends what its level allows).
        if let Some(level) = ctx.log_minimum().and_then(|level| serde_json::to_value(level).ok()) {
            meta.insert(LOG_LEVEL.into(), level);
        }
        // A stateless-era caller's capabilities hold for this request only:
        // a stateless-era remote then asks only what the caller can answer.
        if let (None, Some(declared)) = (ctx.session_id(), ctx.client_capabilities()) {
            meta.insert(CLIENT_CAPABILITIES.into(), super::links::mirrored(declared));
        }
        tokio::select! {
            result = CALL.scope(id, request(meta)) => result,
            () = ctx.cancelled() => Err(RpcError::new(code::REQUEST_CANCELLED, "request cancelled")),
        }
    }

    /// The call a question of the remote's belongs to.
    fn asking_call(&self) -> Option<Context> {
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let marked = CALL.try_with(|id| *id).ok();
        let call = match marked {
            Some(id) => calls.iter().find(|call| call.id == id),
            // Only a session's own calls share its connection.
            None if self.session.is_some() || calls.len() == 1 => calls.last(),
            None => None,
        };
        call.map(|call| call.ctx.clone())
    }

    /// Asks the caller what the remote asks.
    async fn ask(&self, asked: Asked) -> Result<Value, RpcError> {
        if asked.method == "ping" {
            return Ok(json!({}));
        }
        match self.asking_call() {
            Some(ctx) => ctx.ask_relayed(asked.key.as_deref(), &asked.method, asked.params).await,
            None => self.ask_session(&asked.method, asked.params).await,
        }
    }

    /// Asks the session's client on the session's own stream: a 2025-11-25
    /// remote asks when it likes (roots as soon as it connects), not only
    /// while a call of this session runs.
    async fn ask_session(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let no_way = || RpcError::new(code::INVALID_REQUEST, "the proxy has no way to ask this client now");
        let (Some(id), Some(remote)) = (&self.session, self.remote.upgrade()) else { return Err(no_way()) };
        let server = (Remote { inner: remote }).server().ok_or_else(no_way)?;
        let session = server.sessions().open(id).await.map_err(RpcError::internal)?.ok_or_else(no_way)?;
        let declared = session.record().client_capabilities().unwrap_or_default();
        let able = match method {
            "sampling/createMessage" => declared.sampling.is_some(),
            "elicitation/create" => declared.elicitation.is_some(),
            "roots/list" => declared.roots.is_some(),
            _ => true,
        };
        if !able {
            return Err(RpcError::new(code::INVALID_REQUEST, format!("the client cannot answer `{method}`")));
        }
        let (request_id, answer) = session.await_client();
        let message = jsonrpc::encode_request(&request_id, method, &params);
        if !server.sessions().notify_session(id, &message) {
            session.abandon_client_request(&request_id);
            return Err(no_way());
        }
        let patience = server.client_request_timeout();
        let answer = match tokio::time::timeout(patience, answer).await {
            Ok(Ok(answer)) => answer?,
            Ok(Err(_)) => return Err(RpcError::internal("the session ended")),
            Err(_) => {
                session.abandon_client_request(&request_id);
                return Err(RpcError::new(code::REQUEST_TIMEOUT, format!("the client did not answer `{method}`")));
            }
        };
        serde_json::from_str(answer.get()).map_err(RpcError::internal)
    }

    /// Passes on a notification of the remote's.
    fn notified(&self, method: &str, mut params: Value) {
        let remote = self.remote.upgrade().map(|inner| Remote { inner });
        match method {
            "notifications/tools/list_changed"
            | "notifications/resources/list_changed"
            | "notifications/prompts/list_changed" => {
                if let Some(remote) = remote {
                    remote.relist(method.to_owned());
                }
            }
            "notifications/resources/updated" => {
                let Some(remote) = remote else { return };
                let Some(uri) = params["uri"].as_str() else { return };
                remote.resource_updated(self.session.as_deref(), uri);
            }
            "notifications/progress" => {
                let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
                let token = params["progressToken"].as_str().unwrap_or_default();
                let call = calls.iter().find(|call| progress_token(call.id) == token);
                if let Some(call) = call
                    && let Some(theirs) = call.ctx.progress_token()
                {
                    params["progressToken"] = theirs.clone();
                    call.ctx.notify(method, &params);
                }
            }
            "notifications/message" => match self.latest_call() {
                Some(ctx) => {
                    let level = serde_json::from_value(params["level"].take()).unwrap_or(LoggingLevel::Info);
                    let logger = params["logger"].as_str();
                    // Sent at once: before the call's result, as the remote sent it.
                    let _ = ctx.log_to(level, logger, &params["data"]).now_or_never();
                }
                None => self.tell_session(method, &params),
            },
            _ => match self.latest_call() {
                Some(ctx) => ctx.notify(method, &params),
                None => self.tell_session(method, &params),
            },
        }
    }

    /// Whether no call is in flight on the connection.
    pub(super) fn is_idle(&self) -> bool {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    fn latest_call(&self) -> Option<Context> {
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        match (&self.session, calls.len()) {
            (Some(_), _) | (None, 1) => calls.last().map(|call| call.ctx.clone()),
            _ => None,
        }
    }

    /// Sends a notification on the downstream session's own stream.
    fn tell_session(&self, method: &str, params: &Value) {
        let (Some(session), Some(remote)) = (&self.session, self.remote.upgrade()) else { return };
        if let Some(server) = (Remote { inner: remote }).server() {
            server.sessions().notify_session(session, &jsonrpc::encode_notification(method, params));
        }
    }
}

/// Takes a call off the relay when it ends, however it ends.
struct Leaves<'a> {
    relay: &'a Relay,
    id: u64,
}

impl Drop for Leaves<'_> {
    fn drop(&mut self) {
        self.relay.calls.lock().unwrap_or_else(|p| p.into_inner()).retain(|call| call.id != self.id);
    }
}

/// The progress token a call carries upstream.
fn progress_token(id: u64) -> String {
    format!("proxy-{id}")
}
