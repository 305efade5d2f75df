//! What middleware hooks receive: the request of each hook, who makes it
//! ([`Caller`]), and the components that visibility rules look at.

use crate::Context;
pub use crate::era::Era;
use crate::handler::{PromptDef, ResourceDef, ToolDef};
use crate::peer::RequestEnv;
use crate::protocol::ClientCapabilities;
use crate::protocol::jsonrpc::Request;
use crate::session::SessionRecord;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::Arc;

/// Who makes a request: its session (2025-11-25 era), what the transport
/// attached (a verified principal, put there by a tower layer), its era.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    session: Option<&'a SessionRecord>,
    extensions: &'a http::Extensions,
    era: Era,
    capabilities: Option<ClientCapabilities>,
}

impl<'a> Caller<'a> {
    pub(crate) fn new(session: Option<&'a SessionRecord>, extensions: &'a http::Extensions, era: Era) -> Self {
        let capabilities = session.and_then(SessionRecord::client_capabilities);
        Self { session, extensions, era, capabilities }
    }

    pub(crate) fn of_env(env: &'a RequestEnv) -> Self {
        let caller = Self::new(env.session.as_ref().map(|s| s.record()), &env.extensions, env.era());
        match &env.stateless {
            Some(request) => caller.with_capabilities(Some(request.meta.client_capabilities)),
            None => caller,
        }
    }

    /// The same caller, with the capabilities its request declared (the
    /// stateless era declares them on every request).
    pub(crate) fn with_capabilities(mut self, capabilities: Option<ClientCapabilities>) -> Self {
        if capabilities.is_some() {
            self.capabilities = capabilities;
        }
        self
    }

    /// What the client declared it can do: at `initialize` (2025-11-25
    /// era), or in the request's `_meta` (2026-07-28 era).
    pub fn client_capabilities(&self) -> Option<&ClientCapabilities> {
        self.capabilities.as_ref()
    }

    /// The session's record, in the 2025-11-25 era.
    pub fn session(&self) -> Option<&'a SessionRecord> {
        self.session
    }

    /// Typed data the transport attached to the request (HTTP extensions).
    pub fn extensions(&self) -> &'a http::Extensions {
        self.extensions
    }

    /// The request's protocol era.
    pub fn era(&self) -> Era {
        self.era
    }
}

impl<'a> From<&'a Context> for Caller<'a> {
    fn from(ctx: &'a Context) -> Self {
        Self::new(ctx.session(), ctx.extensions(), ctx.era()).with_capabilities(ctx.client_capabilities().copied())
    }
}

/// A tool, resource or prompt, as visibility rules see it.
#[derive(Debug, Clone, Copy)]
pub enum Component<'a> {
    /// A tool.
    Tool(&'a ToolDef),
    /// A fixed resource or a resource template.
    Resource(&'a ResourceDef),
    /// A prompt.
    Prompt(&'a PromptDef),
}

impl Component<'_> {
    /// The tool's or prompt's name, the resource's URI or URI template.
    pub fn name(&self) -> &str {
        match self {
            Component::Tool(def) => &def.tool.name,
            Component::Resource(def) => def.key(),
            Component::Prompt(def) => &def.prompt.name,
        }
    }

    /// Its tags (`tags(..)` on the attribute).
    pub fn tags(&self) -> &[String] {
        match self {
            Component::Tool(def) => &def.tags,
            Component::Resource(def) => &def.tags,
            Component::Prompt(def) => &def.tags,
        }
    }

    /// The OAuth scopes a caller needs (`scopes(..)` on the attribute).
    pub fn scopes(&self) -> &[String] {
        match self {
            Component::Tool(def) => &def.scopes,
            Component::Resource(def) => &def.scopes,
            Component::Prompt(def) => &def.scopes,
        }
    }
}

/// Any request, as [`on_request`](super::Middleware::on_request) sees it.
/// (`initialize` opens the session before middleware runs; every later
/// request, and every request of the stateless era, comes through here.)
#[derive(Debug)]
pub struct McpRequest {
    pub(crate) request: Request,
    pub(crate) env: RequestEnv,
}

impl McpRequest {
    /// The method (`tools/call`, `resources/list`, …).
    pub fn method(&self) -> &str {
        &self.request.method
    }

    /// The params as received.
    pub fn params(&self) -> Option<&RawValue> {
        self.request.params.as_deref()
    }

    /// Replaces the params.
    pub fn set_params(&mut self, params: &Value) {
        self.request.params = serde_json::value::to_raw_value(params).ok();
    }

    /// Who makes the request.
    pub fn caller(&self) -> Caller<'_> {
        Caller::of_env(&self.env)
    }

    /// The request's extensions, to pass data to later middleware and to
    /// handlers (`ctx.extensions()`).
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.env.extensions
    }
}

/// A `tools/call`, as [`on_call_tool`](super::Middleware::on_call_tool) sees it.
#[derive(Debug)]
pub struct ToolCall {
    pub(crate) def: Arc<ToolDef>,
    pub(crate) arguments: Option<Box<RawValue>>,
    pub(crate) ctx: Context,
}

impl ToolCall {
    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.def.tool.name
    }

    /// The tool's definition: its description, annotations, scopes, tags.
    pub fn def(&self) -> &ToolDef {
        &self.def
    }

    /// The arguments as received (`None` when the call had none).
    pub fn arguments(&self) -> Option<&RawValue> {
        self.arguments.as_deref()
    }

    /// Replaces the arguments.
    pub fn set_arguments(&mut self, arguments: &Value) {
        self.arguments = serde_json::value::to_raw_value(arguments).ok();
    }

    /// The call's context: session, extensions, progress, logging.
    pub fn context(&self) -> &Context {
        &self.ctx
    }
}

/// A `resources/read`, as [`on_read_resource`](super::Middleware::on_read_resource) sees it.
#[derive(Debug)]
pub struct ResourceRead {
    pub(crate) uri: String,
    pub(crate) ctx: Context,
}

impl ResourceRead {
    /// The URI to read.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Reads `uri` instead.
    pub fn set_uri(&mut self, uri: impl Into<String>) {
        self.uri = uri.into();
    }

    /// The read's context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }
}

/// A `prompts/get`, as [`on_get_prompt`](super::Middleware::on_get_prompt) sees it.
#[derive(Debug)]
pub struct PromptGet {
    pub(crate) def: Arc<PromptDef>,
    pub(crate) arguments: HashMap<String, String>,
    pub(crate) ctx: Context,
}

impl PromptGet {
    /// The prompt's name.
    pub fn name(&self) -> &str {
        &self.def.prompt.name
    }

    /// The prompt's definition.
    pub fn def(&self) -> &PromptDef {
        &self.def
    }

    /// The arguments, as strings.
    pub fn arguments(&self) -> &HashMap<String, String> {
        &self.arguments
    }

    /// The arguments, to change.
    pub fn arguments_mut(&mut self) -> &mut HashMap<String, String> {
        &mut self.arguments
    }

    /// The call's context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }
}
