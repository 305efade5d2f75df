//! The 2025-11-25 era's method table: `initialize`, `ping`, logging, the
//! lists, subscriptions, completion and the calls (run by `call`); the
//! client's notifications and its answers to server→client requests.

use super::Server;
use super::call::Call;
use crate::handler::{CompletionRequest, ResourceError};
use crate::middleware::{Caller, Component, Era, McpRequest, Next, Outcome};
use crate::peer::RequestEnv;
use crate::protocol::jsonrpc::{Notification, Request, Response, RpcError, code, decode_params, to_raw};
use crate::protocol::{self as p, version};
use crate::session::{ClientInfo, Session, StoreError};
use futures_util::FutureExt as _;
use serde_json::json;
use serde_json::value::RawValue;
use std::sync::Arc;

/// Most resource subscriptions one session holds.
pub const MAX_SUBSCRIPTIONS: usize = 256;
/// Longest URI a session may subscribe to.
pub const MAX_SUBSCRIBED_URI: usize = 2048;

impl Server {
    /// Answers a request. `env` says how it arrived; server→client messages
    /// sent while it runs go to `env.sink`. Requests of the stateless era
    /// (`env.stateless` set) take that era's method table. Middleware runs
    /// around it when the server has any.
    ///
    /// With sessions shared by replicas, the answer waits until the
    /// `resources/updated` notifications the request raised are on their
    /// streams, as they are at once with one process.
    #[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
    pub fn handle_request(
        &self,
        request: Request,
        env: RequestEnv,
    ) -> impl Future<Output = Result<Box<RawValue>, RpcError>> + Send + '_ {
        async move {
            let chain = &self.inner.middleware[..];
            let answer = if chain.is_empty() {
                self.dispatch(request, env).await
            } else {
                let end = |r: McpRequest| -> Outcome<'_, Box<RawValue>> { Box::pin(self.dispatch(r.request, r.env)) };
                Next::new(chain, end).run(McpRequest { request, env }).await
            };
            self.inner.sessions.updates_appended().await;
            answer
        }
    }

    /// The 2025-11-25 era's method table (the 2026-07-28 era's is
    /// `handle_stateless`).
    #[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
    fn dispatch(
        &self,
        request: Request,
        env: RequestEnv,
    ) -> impl Future<Output = Result<Box<RawValue>, RpcError>> + Send + '_ {
        async move {
            // Each method's work is awaited boxed: a request's future would
            // otherwise be as large as the largest method's, and one over
            // about a kilobyte takes the allocator's slow path every time,
            // where a box of the method's own size does not.
            if env.stateless.is_some() {
                return self.handle_stateless(request, env).boxed().await;
            }
            let params = request.params.as_deref();
            match request.method.as_str() {
                "initialize" => {
                    let (result, client) = self.initialize(params)?;
                    if let Some(session) = &env.session {
                        session.set_client(client).boxed().await.map_err(store_failed)?;
                    }
                    Ok(result)
                }
                "ping" => Ok(empty_result()),
                "logging/setLevel" => {
                    let p: p::SetLevelParams = decode_params(params)?;
                    if let Some(session) = &env.session {
                        session.set_log_level(p.level).boxed().await.map_err(store_failed)?;
                    }
                    Ok(empty_result())
                }
                "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
                    self.list_method(&request.method, params, &Caller::of_env(&env))
                }
                "tools/call" => self.call(Call::Tool, request, env, None).boxed().await,
                "resources/read" => self.call(Call::Read, request, env, None).boxed().await,
                "prompts/get" => self.call(Call::Prompt, request, env, None).boxed().await,
                "resources/subscribe" | "resources/unsubscribe" => {
                    self.subscription(&request.method, params, &env).boxed().await
                }
                "completion/complete" => self.complete(params, &Caller::of_env(&env)).boxed().await,
                "skills/list" | "skills/get" | "resources/directory/read" => {
                    self.skills_method(&request.method, params, &env).boxed().await
                }
                "tasks/get" | "tasks/update" | "tasks/cancel" => {
                    let capabilities = env.session.as_ref().and_then(|s| s.record().client_capabilities());
                    self.task_method(&request.method, params, &env, capabilities.as_ref()).boxed().await
                }
                method => Err(RpcError::method_not_found(method)),
            }
        }
    }

    /// `resources/subscribe` and `resources/unsubscribe`.
    async fn subscription(
        &self,
        method: &str,
        params: Option<&RawValue>,
        env: &RequestEnv,
    ) -> Result<Box<RawValue>, RpcError> {
        let p: p::UriParams = decode_params(params)?;
        let session = env
            .session
            .as_ref()
            .ok_or_else(|| RpcError::new(code::INVALID_REQUEST, "resource subscriptions need a session"))?;
        if method == "resources/unsubscribe" {
            session.unsubscribe(&p.uri).await.map_err(RpcError::internal)?;
            self.forward_subscription(session, &p.uri, false).await?;
            return Ok(empty_result());
        }
        if p.uri.len() > MAX_SUBSCRIBED_URI {
            return Err(RpcError::invalid_params(format!(
                "URIs to subscribe to are at most {MAX_SUBSCRIBED_URI} bytes"
            )));
        }
        if self.visible_resource(&p.uri, &Caller::of_env(env)).is_none() {
            return Err(ResourceError::not_found(&p.uri).0);
        }
        if !session.subscribe(&p.uri, MAX_SUBSCRIPTIONS).await.map_err(RpcError::internal)? {
            return Err(RpcError::invalid_params(format!("a session holds at most {MAX_SUBSCRIPTIONS} subscriptions")));
        }
        self.forward_subscription(session, &p.uri, true).await?;
        Ok(empty_result())
    }

    /// Handles a notification from the client (after middleware looked at it).
    pub async fn handle_notification(&self, notification: &Notification, session: Option<&Session>) {
        if !self.inner.middleware.is_empty() {
            let extensions = http::Extensions::new();
            let caller = Caller::new(session.map(Session::record), &extensions, Era::Session);
            for middleware in &self.inner.middleware {
                middleware.on_notification(notification, &caller);
            }
        }
        match (notification.method.as_str(), session) {
            ("notifications/initialized", Some(session)) => {
                if let Err(error) = session.mark_initialized().await {
                    tracing::warn!(%error, "could not record notifications/initialized");
                }
            }
            ("notifications/cancelled", Some(session)) => {
                if let Ok(p) = decode_params::<p::CancelledParams>(notification.params.as_deref()) {
                    session.cancel_request(&p.request_id);
                }
            }
            _ => {}
        }
    }

    /// Delivers the client's answer to a server→client request; `false`
    /// when nothing here awaited it.
    pub fn handle_response(&self, response: Response, session: Option<&Session>) -> bool {
        session.is_some_and(|s| s.complete_client_request(&response.id, response.outcome))
    }

    /// Answers `initialize` and says what the client declared, so that a
    /// transport opens a session only for an `initialize` that succeeded.
    pub fn initialize(&self, params: Option<&RawValue>) -> Result<(Box<RawValue>, ClientInfo), RpcError> {
        let p: p::InitializeParams = decode_params(params)?;
        let negotiated = version::negotiate(&p.protocol_version);
        let result = to_raw(&p::InitializeResult {
            protocol_version: negotiated,
            capabilities: &self.inner.capabilities,
            server_info: &self.inner.info,
            instructions: self.inner.instructions.as_deref(),
        })?;
        let client = ClientInfo {
            protocol_version: negotiated.to_owned(),
            capabilities: p.capabilities,
            implementation: p.client_info.bounded(),
        };
        Ok((result, client))
    }

    /// Answers `completion/complete` for `caller`: a prompt or template it
    /// may not see ([`permits`](Self::permits)) is an unknown reference,
    /// and its completion source does not run.
    pub(super) async fn complete(
        &self,
        params: Option<&RawValue>,
        caller: &Caller<'_>,
    ) -> Result<Box<RawValue>, RpcError> {
        let p: p::CompleteParams = decode_params(params)?;
        let source = {
            let catalog = self.inner.catalog.load();
            let sources = match &p.reference {
                p::CompletionRef::Prompt { name } => catalog
                    .prompts
                    .get(name)
                    .filter(|d| self.permits(Component::Prompt(d), caller))
                    .map(|d| &d.completions),
                p::CompletionRef::Resource { uri } => catalog
                    .templates
                    .get(uri)
                    .filter(|d| self.permits(Component::Resource(d), caller))
                    .map(|d| &d.completions),
            };
            let Some(sources) = sources else {
                return Err(RpcError::invalid_params("Unknown completion reference"));
            };
            sources.iter().find(|(name, _)| *name == p.argument.name).map(|(_, f)| Arc::clone(f))
        };
        let completion = match source {
            Some(source) => {
                use futures_util::FutureExt as _;
                let request = CompletionRequest {
                    argument: p.argument.name,
                    value: p.argument.value,
                    context: p.context.map(|c| c.arguments).unwrap_or_default(),
                };
                // A completion source is user code too: a panic is an error, not a dropped connection.
                std::panic::AssertUnwindSafe(source(request)).catch_unwind().await.map_err(|_| {
                    tracing::error!("an MCP completion source panicked");
                    RpcError::internal("the completion source panicked")
                })?
            }
            None => p::Completion::default(),
        };
        to_raw(&json!({ "completion": completion }))
    }
}

impl Server {
    /// Passes a session's (un)subscription on to the remote server that
    /// serves `uri`, if one does.
    async fn forward_subscription(&self, session: &Session, uri: &str, subscribe: bool) -> Result<(), RpcError> {
        let Some(def) = self.resource_def(uri) else { return Ok(()) };
        for remote in self.inner.remotes.iter().filter(|remote| remote.serves_resource(def.key())) {
            remote.forward_subscription(session, uri, subscribe).await?;
        }
        Ok(())
    }
}

/// A session store failure, as the client sees it.
fn store_failed(error: StoreError) -> RpcError {
    RpcError::internal(error)
}

pub(super) fn empty_result() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).expect("`{}` is JSON")
}
