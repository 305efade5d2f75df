//! Running handlers: the one path every `tools/call`, `resources/read` and
//! `prompts/get` takes, in either era. It finds the handler, builds its
//! [`Context`], registers the request as cancellable in session mode, and
//! turns a panic or a cancellation into a JSON-RPC error.

use super::Server;
use super::tasks::{self, Creator, Dispatch};
use crate::context::{Context, Scope, guarded};
use crate::era::Era;
use crate::era::rounds::StatelessCall;
use crate::handler::{PromptDef, ResourceError, ResourceKind, ResourceRequest, ToolDef};
use crate::middleware::{Caller, Component, Next, Outcome, PromptGet, ResourceRead, ToolCall};
use crate::peer::RequestEnv;
use crate::protocol as p;
use crate::protocol::jsonrpc::{Request, RequestId, RpcError, decode_params, decode_params_borrowed, echoed};
use crate::tasks::run::TaskGate;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// The three methods that run a handler; the method tables name one once,
/// and everything after goes by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    /// `tools/call`.
    Tool,
    /// `resources/read`.
    Read,
    /// `prompts/get`.
    Prompt,
}

impl Call {
    /// The method's name (what a round trip's signed state is bound to).
    pub(super) fn method(self) -> &'static str {
        match self {
            Call::Tool => "tools/call",
            Call::Read => "resources/read",
            Call::Prompt => "prompts/get",
        }
    }
}

/// `tools/call` params as the session era reads them: borrowed from the
/// request, so the tool's name is looked up without a copy.
#[derive(Deserialize)]
struct ToolCallParams<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
    #[serde(rename = "_meta", default)]
    meta: Option<p::RequestMeta>,
}

/// What running a tool needs from its call, in either era.
pub(super) struct ToolCallRun<'a> {
    /// The tool called.
    pub(super) name: &'a str,
    /// Its arguments, as sent.
    pub(super) arguments: Option<Box<RawValue>>,
    /// `_meta.progressToken`, when the client asked for progress.
    pub(super) progress_token: Option<Value>,
}

impl Server {
    /// Runs the handler `request` names. `stateless` is set for a call of the
    /// stateless era (its `_meta` and the answers gathered so far).
    #[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
    pub(super) fn call(
        &self,
        call: Call,
        request: Request,
        env: RequestEnv,
        stateless: Option<Arc<StatelessCall>>,
    ) -> impl Future<Output = Result<Box<RawValue>, RpcError>> + Send + '_ {
        async move {
            match call {
                Call::Tool => {
                    let params: ToolCallParams<'_> = decode_params_borrowed(request.params.as_deref())?;
                    let call = ToolCallRun {
                        name: &params.name,
                        arguments: params.arguments.map(ToOwned::to_owned),
                        progress_token: params.meta.and_then(|m| m.progress_token),
                    };
                    self.call_tool(&request.id, call, env, stateless).await
                }
                Call::Read => self.read(request, env, stateless).await,
                Call::Prompt => self.get_prompt(request, env, stateless).await,
            }
        }
    }

    /// The context of a handler run: cancellable when the inbound router
    /// registered the request in flight (session mode).
    fn context(
        &self,
        id: &RequestId,
        env: RequestEnv,
        progress_token: Option<Value>,
        stateless: Option<Arc<StatelessCall>>,
    ) -> Context {
        let RequestEnv { session, sink, extensions, cancel, stateless: _, client_addr: _ } = env;
        Context::new(Scope {
            server: self.clone(),
            session,
            stateless,
            request_id: Some(id.clone()),
            progress_token,
            sink,
            cancel,
            extensions,
            task: None,
            gate: None,
        })
    }

    /// The context a tool's [`ArgumentsCheck`](crate::handler::ArgumentsCheck)
    /// fills its extractors from: the request's, with nowhere to send
    /// anything (the check runs nothing).
    fn check_context(&self, id: &RequestId, env: &RequestEnv, stateless: Option<Arc<StatelessCall>>) -> Context {
        Context::new(Scope {
            server: self.clone(),
            session: env.session.clone(),
            stateless,
            request_id: Some(id.clone()),
            progress_token: None,
            sink: None,
            cancel: None,
            extensions: env.extensions.clone(),
            task: None,
            gate: None,
        })
    }

    /// Runs the tool `p` names (its params decoded by the caller: the
    /// stateless era reads them in the same pass as the rest of the request).
    ///
    /// A plain function returning its future, as are the functions every
    /// call passes through on its way here: an `async fn`'s future holds
    /// its arguments twice (as passed, and moved into its body), and one
    /// over about a kilobyte no longer comes from the allocator's cache.
    #[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
    pub(super) fn call_tool<'a>(
        &'a self,
        id: &'a RequestId,
        p: ToolCallRun<'a>,
        env: RequestEnv,
        stateless: Option<Arc<StatelessCall>>,
    ) -> impl Future<Output = Result<Box<RawValue>, RpcError>> + Send + 'a {
        async move {
            let unknown = || RpcError::invalid_params(format!("Unknown tool: {}", echoed(p.name)));
            let def = self.tool(p.name).ok_or_else(unknown)?;
            let requester =
                Caller::of_env(&env).with_capabilities(stateless.as_ref().map(|call| call.meta.client_capabilities));
            if !self.is_visible(Component::Tool(&def), &requester) {
                return Err(unknown());
            }
            // Before anything runs, and before a task is created.
            self.check_scopes(Component::Tool(&def), &requester)?;
            let capabilities = match &stateless {
                Some(call) => Some(call.meta.client_capabilities),
                None => env.session.as_ref().and_then(|s| s.record().client_capabilities()),
            };
            match tasks::dispatch_of(&def, capabilities.as_ref())? {
                Dispatch::Now => {
                    let era = Era::of(stateless.is_some());
                    let ctx = self.context(id, env, p.progress_token, stateless);
                    // Called inside the guard: middleware, argument
                    // decoding and extractors run in it too.
                    era.encode(&guarded(&ctx, self.run_tool(&def, ctx.clone(), p.arguments)).await?)
                }
                // Boxed: what a task needs would make every call's future
                // the larger.
                Dispatch::Task => {
                    let capabilities = capabilities.unwrap_or_default();
                    Box::pin(self.call_tool_as_task(id, p, env, stateless, def, capabilities)).await
                }
            }
        }
    }

    /// A call the client may be answered for with a task: one that asked
    /// for a task, or of a tool that asks its questions first and begins
    /// its task once they are answered.
    async fn call_tool_as_task(
        &self,
        id: &RequestId,
        p: ToolCallRun<'_>,
        env: RequestEnv,
        stateless: Option<Arc<StatelessCall>>,
        def: Arc<ToolDef>,
        capabilities: p::ClientCapabilities,
    ) -> Result<Box<RawValue>, RpcError> {
        let era = Era::of(stateless.is_some());
        let caller = crate::auth::caller(&env.extensions).cloned();
        let address = env.client_addr.or_else(|| env.session.as_ref().and_then(|s| s.record().client_addr));
        // The task is followed for the session that asked for it.
        let session = env.session.as_ref().map(|s| s.id().to_owned());
        // Refused as a call that runs now would be, before any task exists
        // (scopes, and any middleware's own rule).
        let requester =
            Caller::of_env(&env).with_capabilities(stateless.as_ref().map(|call| call.meta.client_capabilities));
        self.admits(Component::Tool(&def), &requester)?;
        let size = p.arguments.as_ref().map_or(0, |raw| raw.get().len());
        crate::tasks::check_arguments(size, self.tasks().options.max_payload)?;
        if !def.task.asks_first {
            // Arguments that would not decode are refused now, as a plain
            // call's are: no task is created or stored for them.
            if let Some(check) = &def.check {
                let ctx = self.check_context(id, &env, stateless.clone());
                if let Err(answer) = check(&ctx, p.arguments.as_deref()) {
                    return era.encode(&answer?);
                }
            }
            let answers = stateless.as_ref().map(|c| c.answers.clone()).unwrap_or_default();
            let creator = Creator { caller, address, session };
            return self.create_task(&def, p.arguments, creator, capabilities, answers).await;
        }
        let gate = Arc::new(TaskGate::default());
        // Kept for the task the call can become.
        let arguments = p.arguments.clone();
        let ctx = self.context(id, env, p.progress_token, stateless.clone()).with_gate(Arc::clone(&gate));
        let call = guarded(&ctx, self.run_tool(&def, ctx.clone(), p.arguments));
        // A tool that asks first runs here until it begins its task, which
        // re-runs it with the answers gathered so far.
        tokio::select! {
            result = call => era.encode(&result?),
            () = gate.opened() => {
                let mut answers = gate.answers();
                answers.extend(stateless.map(|c| c.answers.clone()).unwrap_or_default());
                let creator = Creator { caller, address, session };
                self.create_task(&def, arguments, creator, capabilities, answers).await
            }
        }
    }

    /// Runs tool `def` of this server through its middleware.
    pub(crate) async fn run_tool(
        &self,
        def: &Arc<ToolDef>,
        ctx: Context,
        arguments: Option<Box<RawValue>>,
    ) -> Result<p::CallToolResult, RpcError> {
        match &self.inner.middleware[..] {
            [] => (def.handler)(ctx, arguments).await,
            chain => {
                let end = |c: ToolCall| -> Outcome<'_, _> { (c.def.handler)(c.ctx, c.arguments) };
                Next::new(chain, end).run(ToolCall { def: Arc::clone(def), arguments, ctx }).await
            }
        }
    }

    /// Reads `uri` from this server through its middleware.
    pub(super) async fn run_read(&self, ctx: Context, uri: String) -> Result<Vec<p::ResourceContents>, RpcError> {
        match &self.inner.middleware[..] {
            [] => self.read_resource_as(ctx, &uri).await,
            chain => {
                let end = |r: ResourceRead| -> Outcome<'_, _> {
                    Box::pin(async move { self.read_resource_as(r.ctx, &r.uri).await })
                };
                Next::new(chain, end).run(ResourceRead { uri, ctx }).await
            }
        }
    }

    /// Runs prompt `def` of this server through its middleware.
    pub(super) async fn run_prompt(
        &self,
        def: &Arc<PromptDef>,
        ctx: Context,
        arguments: HashMap<String, String>,
    ) -> Result<p::GetPromptResult, RpcError> {
        match &self.inner.middleware[..] {
            [] => (def.handler)(ctx, arguments).await,
            chain => {
                let end = |g: PromptGet| -> Outcome<'_, _> { (g.def.handler)(g.ctx, g.arguments) };
                Next::new(chain, end).run(PromptGet { def: Arc::clone(def), arguments, ctx }).await
            }
        }
    }

    #[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
    fn read(
        &self,
        request: Request,
        env: RequestEnv,
        stateless: Option<Arc<StatelessCall>>,
    ) -> impl Future<Output = Result<Box<RawValue>, RpcError>> + Send + '_ {
        async move {
            let p: p::UriParams = decode_params(request.params.as_deref())?;
            self.check_read_scopes(&p.uri, &Caller::of_env(&env))?;
            let era = Era::of(stateless.is_some());
            let ctx = self.context(&request.id, env, p.meta.and_then(|m| m.progress_token), stateless);
            let contents = guarded(&ctx, self.run_read(ctx.clone(), p.uri)).await?;
            era.encode_private(&p::ReadResourceResult { contents })
        }
    }

    #[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
    fn get_prompt(
        &self,
        request: Request,
        env: RequestEnv,
        stateless: Option<Arc<StatelessCall>>,
    ) -> impl Future<Output = Result<Box<RawValue>, RpcError>> + Send + '_ {
        async move {
            let p: p::GetPromptParams = decode_params(request.params.as_deref())?;
            let unknown = || RpcError::invalid_params(format!("Unknown prompt: {}", echoed(&p.name)));
            let def = self.prompt(&p.name).ok_or_else(unknown)?;
            let requester = Caller::of_env(&env);
            if !self.is_visible(Component::Prompt(&def), &requester) {
                return Err(unknown());
            }
            self.check_scopes(Component::Prompt(&def), &requester)?;
            let era = Era::of(stateless.is_some());
            let ctx = self.context(&request.id, env, p.meta.and_then(|m| m.progress_token), stateless);
            let work = self.run_prompt(&def, ctx.clone(), p.arguments.unwrap_or_default());
            era.encode(&guarded(&ctx, work).await?)
        }
    }

    /// The scopes the resource (or template) serving `uri` declares.
    pub(crate) fn resource_scopes(&self, uri: &str) -> Vec<String> {
        self.resource_def(uri).map(|def| def.scopes.clone()).unwrap_or_default()
    }

    /// Reads `uri` on behalf of the request in `ctx`: a fixed resource, or
    /// the first template that matches.
    pub(crate) async fn read_resource_as(&self, ctx: Context, uri: &str) -> Result<Vec<p::ResourceContents>, RpcError> {
        let (def, vars) = {
            let catalog = self.inner.catalog.load();
            match catalog.resources.get(uri) {
                Some(def) => (Arc::clone(def), Default::default()),
                None => catalog
                    .templates
                    .iter()
                    .find_map(|def| match &def.kind {
                        ResourceKind::Template(_, matcher) => matcher.matches(uri).map(|vars| (Arc::clone(def), vars)),
                        ResourceKind::Fixed(_) => None,
                    })
                    .ok_or_else(|| ResourceError::not_found(uri).0)?,
            }
        };
        if !self.is_visible(Component::Resource(&def), &Caller::from(&ctx)) {
            return Err(ResourceError::not_found(uri).0);
        }
        (def.handler)(ctx, ResourceRequest { uri: uri.to_owned(), vars }).await
    }
}
