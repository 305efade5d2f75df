//! The server: the catalog of tools, resources and prompts, and the
//! dispatch of JSON-RPC messages, whatever transport carried them.

mod builder;
mod listen;
mod stateless;

pub use builder::{BuildError, ServerBuilder};
pub use listen::{META_SUBSCRIPTION_ID, SubscriptionFilter};

use crate::context::{Context, RequestEnv, StatelessCall};
use crate::handler::{PromptDef, ResourceDef, ResourceRequest, ToolDef};
use crate::jsonrpc::{self, Notification, Request, RequestId, Response, RpcError, code, decode_params, to_raw};
use crate::protocol::{self as p, Implementation, version};
use crate::registry::Registry;
use crate::session::{ClientInfo, InFlight, Session, Sessions};
use arc_swap::ArcSwap;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::sync::Arc;

const TOOLS_CHANGED: &str = "notifications/tools/list_changed";
const RESOURCES_CHANGED: &str = "notifications/resources/list_changed";
const PROMPTS_CHANGED: &str = "notifications/prompts/list_changed";

/// An MCP server: cheap to clone, shared by every transport that serves it.
///
/// ```
/// use mcp_core::{Server, tool, tools};
///
/// /// Adds two numbers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> String {
///     (a + b).to_string()
/// }
///
/// let server = Server::builder("calculator", "1.0.0").tools(tools![add]).build();
/// assert_eq!(server.info().name, "calculator");
/// ```
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    info: Implementation,
    instructions: Option<String>,
    capabilities: Value,
    stateless_capabilities: Value,
    state_keys: crate::stateless::StateKeys,
    catalog: ArcSwap<Catalog>,
    catalog_writer: std::sync::Mutex<()>,
    listeners: listen::Listeners,
    state: http::Extensions,
    sessions: Sessions,
    page_size: usize,
}

#[derive(Default, Clone)]
struct Catalog {
    tools: Registry<ToolDef>,
    resources: Registry<ResourceDef>,
    templates: Registry<ResourceDef>,
    prompts: Registry<PromptDef>,
}

impl Catalog {
    fn add_resource(&mut self, def: ResourceDef) -> bool {
        let key = def.key().to_owned();
        if def.template.is_some() { self.templates.insert(key, def) } else { self.resources.insert(key, def) }
    }
}

impl Server {
    /// Name and version.
    pub fn info(&self) -> &Implementation {
        &self.inner.info
    }

    /// The open sessions.
    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// Shared state of type `T`.
    pub fn state<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.inner.state.get::<T>().cloned()
    }

    /// Names of the registered tools, in order.
    pub fn tool_names(&self) -> Vec<String> {
        self.inner.catalog.load().tools.iter().map(|t| t.tool.name.clone()).collect()
    }

    /// The tool registered as `name`.
    pub fn tool(&self, name: &str) -> Option<Arc<ToolDef>> {
        self.inner.catalog.load().tools.get(name).cloned()
    }

    /// The prompt registered as `name`.
    pub fn prompt(&self, name: &str) -> Option<Arc<PromptDef>> {
        self.inner.catalog.load().prompts.get(name).cloned()
    }

    /// Adds (or replaces) a tool at runtime and tells listening clients.
    pub fn add_tool(&self, def: ToolDef) {
        self.change(TOOLS_CHANGED, |c| {
            c.tools.insert(def.tool.name.clone(), def);
            true
        });
    }

    /// Removes a tool at runtime; `false` when there was none.
    pub fn remove_tool(&self, name: &str) -> bool {
        self.change(TOOLS_CHANGED, |c| c.tools.remove(name))
    }

    /// Adds (or replaces) a resource or template at runtime.
    pub fn add_resource(&self, def: ResourceDef) {
        self.change(RESOURCES_CHANGED, |c| {
            c.add_resource(def);
            true
        });
    }

    /// Removes a resource (by URI) or template (by URI template).
    pub fn remove_resource(&self, key: &str) -> bool {
        self.change(RESOURCES_CHANGED, |c| c.resources.remove(key) | c.templates.remove(key))
    }

    /// Adds (or replaces) a prompt at runtime.
    pub fn add_prompt(&self, def: PromptDef) {
        self.change(PROMPTS_CHANGED, |c| {
            c.prompts.insert(def.prompt.name.clone(), def);
            true
        });
    }

    /// Removes a prompt at runtime; `false` when there was none.
    pub fn remove_prompt(&self, name: &str) -> bool {
        self.change(PROMPTS_CHANGED, |c| c.prompts.remove(name))
    }

    /// Applies `edit` to the catalog and, when it changed something, sends
    /// the `list_changed` notification `method` to listening clients.
    fn change(&self, method: &str, edit: impl FnOnce(&mut Catalog) -> bool) -> bool {
        let changed = self.edit_catalog(edit);
        if changed {
            self.notify_sessions(method);
        }
        changed
    }

    /// Tells sessions subscribed to `uri` that it changed
    /// (`notifications/resources/updated`, on their standalone stream).
    pub fn notify_resource_updated(&self, uri: &str) {
        let message = jsonrpc::encode_notification("notifications/resources/updated", &json!({ "uri": uri }));
        for session in self.inner.sessions.all() {
            if session.is_subscribed(uri) {
                session.send_standalone(message.clone());
            }
        }
        self.inner.listeners.resource_updated(uri);
    }

    fn edit_catalog<R>(&self, edit: impl FnOnce(&mut Catalog) -> R) -> R {
        // Writers take turns; readers never wait (they load a snapshot).
        let _writer = self.inner.catalog_writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = Catalog::clone(&self.inner.catalog.load());
        let result = edit(&mut next);
        self.inner.catalog.store(Arc::new(next));
        result
    }

    fn notify_sessions(&self, method: &str) {
        let message = jsonrpc::encode_notification(method, &json!({}));
        for session in self.inner.sessions.all() {
            session.send_standalone(message.clone());
        }
        self.inner.listeners.list_changed(method);
    }

    /// Answers a request. `env` says how it arrived; server→client messages
    /// sent while it runs go to `env.sink`.
    pub async fn handle_request(&self, request: Request, env: RequestEnv) -> Result<Box<RawValue>, RpcError> {
        if env.stateless.is_some() {
            return self.handle_stateless(request, env).await;
        }
        let params = request.params.as_deref();
        match request.method.as_str() {
            "initialize" => self.initialize(params, env.session.as_deref()),
            "ping" => Ok(empty_result()),
            "logging/setLevel" => {
                let p: p::SetLevelParams = decode_params(params)?;
                if let Some(session) = &env.session {
                    session.set_log_level(p.level);
                }
                Ok(empty_result())
            }
            "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
                self.list_method(&request.method, params)
            }
            "tools/call" => self.call_tool(request, env, None).await,
            "resources/read" => self.read(request, env, None).await,
            "resources/subscribe" | "resources/unsubscribe" => {
                let p: p::UriParams = decode_params(params)?;
                let session = env
                    .session
                    .as_ref()
                    .ok_or_else(|| RpcError::new(code::INVALID_REQUEST, "resource subscriptions need a session"))?;
                if request.method == "resources/subscribe" {
                    session.subscribe(&p.uri)
                } else {
                    session.unsubscribe(&p.uri)
                }
                Ok(empty_result())
            }
            "prompts/get" => self.get_prompt(request, env, None).await,
            "completion/complete" => self.complete(params).await,
            method => Err(RpcError::method_not_found(method)),
        }
    }

    /// Handles a notification from the client.
    pub fn handle_notification(&self, notification: &Notification, session: Option<&Arc<Session>>) {
        match (notification.method.as_str(), session) {
            ("notifications/initialized", Some(session)) => session.mark_initialized(),
            ("notifications/cancelled", Some(session)) => {
                if let Ok(p) = decode_params::<p::CancelledParams>(notification.params.as_deref()) {
                    session.cancel_request(&p.request_id);
                }
            }
            _ => {}
        }
    }

    /// Delivers the client's answer to a server→client request.
    pub fn handle_response(&self, response: Response, session: Option<&Arc<Session>>) -> bool {
        session.is_some_and(|s| s.complete_client_request(&response.id, response.outcome))
    }

    fn initialize(&self, params: Option<&RawValue>, session: Option<&Session>) -> Result<Box<RawValue>, RpcError> {
        let p: p::InitializeParams = decode_params(params)?;
        let negotiated = version::negotiate(&p.protocol_version);
        if let Some(session) = session {
            session.set_client(ClientInfo {
                protocol_version: negotiated,
                capabilities: p.capabilities,
                implementation: p.client_info,
            });
        }
        to_raw(&p::InitializeResult {
            protocol_version: negotiated,
            capabilities: &self.inner.capabilities,
            server_info: &self.inner.info,
            instructions: self.inner.instructions.as_deref(),
        })
    }

    /// `tools/list`, `resources/list`, `resources/templates/list` or `prompts/list`.
    fn list_method(&self, method: &str, params: Option<&RawValue>) -> Result<Box<RawValue>, RpcError> {
        match method {
            "tools/list" => self.list(params, |c| &c.tools, "tools", |d| to_value(&d.tool)),
            "resources/list" => self.list(params, |c| &c.resources, "resources", |d| to_value(&d.resource)),
            "resources/templates/list" => self.list(
                params,
                |c| &c.templates,
                "resourceTemplates",
                |d| to_value(&d.template.as_ref().map(|t| &t.0)),
            ),
            "prompts/list" => self.list(params, |c| &c.prompts, "prompts", |d| to_value(&d.prompt)),
            method => Err(RpcError::method_not_found(method)),
        }
    }

    fn list<T>(
        &self,
        params: Option<&RawValue>,
        registry: impl Fn(&Catalog) -> &Registry<T>,
        key: &str,
        describe: impl Fn(&T) -> Value,
    ) -> Result<Box<RawValue>, RpcError> {
        let p: p::PaginatedParams = decode_params(params)?;
        let catalog = self.inner.catalog.load();
        let (page, next) = registry(&catalog).page(p.cursor.as_deref(), self.inner.page_size)?;
        let mut result = serde_json::Map::new();
        result.insert(key.into(), page.iter().map(|item| describe(item)).collect());
        if let Some(next) = next {
            result.insert("nextCursor".into(), next.into());
        }
        to_raw(&result)
    }

    /// The context of a handler run; the guard keeps the request registered
    /// (and cancellable by `notifications/cancelled`) in session mode.
    fn context(
        &self,
        id: &RequestId,
        env: RequestEnv,
        progress: Option<Value>,
        stateless: Option<Arc<StatelessCall>>,
    ) -> (Context, Option<InFlight>) {
        let in_flight = env.session.as_ref().map(|s| s.begin_request(id.clone()));
        let cancel = in_flight.as_ref().map(|f| f.token().clone());
        (Context::new(self.clone(), env, Some(id.clone()), progress, cancel, stateless), in_flight)
    }

    async fn call_tool(
        &self,
        request: Request,
        env: RequestEnv,
        stateless: Option<Arc<StatelessCall>>,
    ) -> Result<Box<RawValue>, RpcError> {
        let p: p::CallToolParams = decode_params(request.params.as_deref())?;
        let def = self.inner.catalog.load().tools.get(&p.name).cloned();
        let def = def.ok_or_else(|| RpcError::invalid_params(format!("Unknown tool: {}", p.name)))?;
        let (ctx, _in_flight) = self.context(&request.id, env, p.meta.and_then(|m| m.progress_token), stateless);
        let call = async { Ok((def.handler)(ctx.clone(), p.arguments).await) };
        to_raw(&guarded(&ctx, call).await?)
    }

    /// Reads `uri` on behalf of the request in `ctx`.
    pub(crate) async fn read_resource_as(&self, ctx: Context, uri: &str) -> Result<Vec<p::ResourceContents>, RpcError> {
        let catalog = self.inner.catalog.load();
        if let Some(def) = catalog.resources.get(uri) {
            let request = ResourceRequest { uri: uri.to_owned(), vars: Default::default() };
            return (def.handler)(ctx, request).await;
        }
        for def in catalog.templates.iter() {
            let Some((_, template)) = &def.template else {
                continue;
            };
            if let Some(vars) = template.matches(uri) {
                return (def.handler)(ctx, ResourceRequest { uri: uri.to_owned(), vars }).await;
            }
        }
        Err(crate::handler::ResourceError::not_found(uri).0)
    }

    async fn read(
        &self,
        request: Request,
        env: RequestEnv,
        stateless: Option<Arc<StatelessCall>>,
    ) -> Result<Box<RawValue>, RpcError> {
        let p: p::UriParams = decode_params(request.params.as_deref())?;
        let (ctx, _in_flight) = self.context(&request.id, env, p.meta.and_then(|m| m.progress_token), stateless);
        let contents = guarded(&ctx, self.read_resource_as(ctx.clone(), &p.uri)).await?;
        to_raw(&p::ReadResourceResult { contents })
    }

    async fn get_prompt(
        &self,
        request: Request,
        env: RequestEnv,
        stateless: Option<Arc<StatelessCall>>,
    ) -> Result<Box<RawValue>, RpcError> {
        let p: p::GetPromptParams = decode_params(request.params.as_deref())?;
        let def = self.inner.catalog.load().prompts.get(&p.name).cloned();
        let def = def.ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {}", p.name)))?;
        let (ctx, _in_flight) = self.context(&request.id, env, p.meta.and_then(|m| m.progress_token), stateless);
        let work = async { (def.handler)(ctx.clone(), p.arguments.unwrap_or_default()).await };
        to_raw(&guarded(&ctx, work).await?)
    }

    async fn complete(&self, params: Option<&RawValue>) -> Result<Box<RawValue>, RpcError> {
        let p: p::CompleteParams = decode_params(params)?;
        let catalog = self.inner.catalog.load();
        let sources = match &p.reference {
            p::CompletionRef::Prompt { name } => catalog.prompts.get(name).map(|d| &d.completions),
            p::CompletionRef::Resource { uri } => catalog.templates.get(uri).map(|d| &d.completions),
        };
        let Some(sources) = sources else {
            return Err(RpcError::invalid_params("Unknown completion reference"));
        };
        let source = sources.iter().find(|(name, _)| *name == p.argument.name).map(|(_, f)| Arc::clone(f));
        let completion = match source {
            Some(source) => {
                source(crate::handler::CompletionRequest {
                    argument: p.argument.name,
                    value: p.argument.value,
                    context: p.context.map(|c| c.arguments).unwrap_or_default(),
                })
                .await
            }
            None => p::Completion::default(),
        };
        to_raw(&json!({ "completion": completion }))
    }
}

/// Runs a handler until it finishes or the request is cancelled. A panic in
/// it is answered with `-32603` (and logged) instead of dropping the
/// connection or leaving a stream without its response.
async fn guarded<T>(ctx: &Context, work: impl Future<Output = Result<T, RpcError>>) -> Result<T, RpcError> {
    use futures_util::FutureExt as _;
    let work = std::panic::AssertUnwindSafe(work).catch_unwind();
    tokio::select! {
        outcome = work => outcome.unwrap_or_else(|panic| {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(request = ?ctx.request_id(), %reason, "an MCP handler panicked");
            Err(RpcError::internal("the handler panicked"))
        }),
        () = ctx.cancelled() => Err(RpcError::new(code::REQUEST_CANCELLED, "request cancelled")),
    }
}

fn empty_result() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).expect("`{}` is JSON")
}

fn to_value(item: &impl serde::Serialize) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("info", &self.inner.info).finish_non_exhaustive()
    }
}
