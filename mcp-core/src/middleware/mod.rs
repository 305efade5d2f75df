//! MCP middleware: code that runs around every request, after JSON-RPC
//! decoding and before dispatch, the same in both protocol eras and over
//! any transport.
//!
//! A [`Middleware`] overrides the hooks it needs; each hook gets the request
//! and a [`Next`] to run the rest of the chain (the later middleware, then
//! the handler). It can look at or change the request, answer without
//! calling `next` (short-circuit), and look at or change the result.
//! Middleware added first with [`ServerBuilder::middleware`] runs outermost.
//! With none installed, requests take the same path as before: no chain is
//! built and nothing is allocated.
//!
//! | hook | runs for | sees |
//! | ---- | -------- | ---- |
//! | [`on_request`](Middleware::on_request) | every request | [`McpRequest`]: method, params, the caller |
//! | [`on_call_tool`](Middleware::on_call_tool) | `tools/call` | [`ToolCall`]: the tool's definition, its arguments, the [`Context`](crate::Context) |
//! | [`on_read_resource`](Middleware::on_read_resource) | `resources/read` | [`ResourceRead`] |
//! | [`on_get_prompt`](Middleware::on_get_prompt) | `prompts/get` | [`PromptGet`] |
//! | [`on_list`](Middleware::on_list) | the four list methods | each listed item, as JSON, and its [`Component`] |
//! | [`is_visible`](Middleware::is_visible) | lists and calls alike | a [`Component`] and its [`Caller`] |
//! | [`on_notification`](Middleware::on_notification) | the client's notifications | the notification |
//!
//! Built in: [`Timing`], [`Spans`], [`ResponseCache`], [`RateLimit`],
//! [`ConcurrencyLimit`], [`ErrorMapping`], [`Visibility`].
//!
//! ```
//! use quickmcp::middleware::{Middleware, Next, Outcome, ToolCall};
//! use quickmcp::{prelude::*, protocol::CallToolResult};
//!
//! /// Refuses every tool call on Sundays (here: always).
//! struct Closed;
//!
//! impl Middleware for Closed {
//!     fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
//!         if call.name() == "open_anyway" {
//!             return next.run(call);
//!         }
//!         Box::pin(async { Ok(CallToolResult::error("closed today")) })
//!     }
//! }
//!
//! /// Says hello.
//! #[tool]
//! async fn hello() -> &'static str {
//!     "hello"
//! }
//!
//! let server = Server::builder("shop", "1.0.0").tools(tools![hello]).middleware(Closed).build();
//! # let _ = server;
//! ```
//!
//! [`ServerBuilder::middleware`]: crate::server::ServerBuilder::middleware

mod builtin;
mod chain;
mod requests;

pub use builtin::{
    CacheFuture, CacheStore, ConcurrencyLimit, ErrorMapping, MemoryCache, RateLimit, ResponseCache, Spans, Timing,
    Visibility,
};
pub use chain::{Hook, Next, Outcome};
pub use requests::{Caller, Component, Era, McpRequest, PromptGet, ResourceRead, ToolCall};

use crate::protocol::jsonrpc::{Notification, RpcError};
use crate::protocol::{CallToolResult, GetPromptResult, ResourceContents};
use serde_json::Value;
use serde_json::value::RawValue;

/// `method` as a label for logs and metrics: the methods of the
/// specification as they are, anything else `other`, so that a client
/// cannot grow the set of labels.
///
/// ```
/// use quickmcp::middleware::method_label;
///
/// assert_eq!(method_label("tools/list"), "tools/list");
/// assert_eq!(method_label("made/up"), "other");
/// ```
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "initialize",
        "ping",
        "tools/list",
        "tools/call",
        "resources/list",
        "resources/templates/list",
        "resources/read",
        "resources/subscribe",
        "resources/unsubscribe",
        "prompts/list",
        "prompts/get",
        "logging/setLevel",
        "completion/complete",
        "server/discover",
        "subscriptions/listen",
        "skills/list",
        "skills/get",
        "resources/directory/read",
        "tasks/get",
        "tasks/update",
        "tasks/cancel",
    ];
    KNOWN.iter().find(|known| **known == method).copied().unwrap_or("other")
}

/// Code that runs around MCP requests. Every hook has a default that passes
/// the request on unchanged, so an implementation overrides only what it
/// needs. See the [module documentation](self) for an example.
pub trait Middleware: Send + Sync + 'static {
    /// Any request (method, params and caller), before its method runs;
    /// the result is the raw JSON-RPC result.
    fn on_request<'a>(&'a self, request: McpRequest, next: Next<'a, McpRequest>) -> Outcome<'a, Box<RawValue>> {
        next.run(request)
    }

    /// A `tools/call` of a tool that exists and is visible to the caller.
    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        next.run(call)
    }

    /// A `resources/read`.
    fn on_read_resource<'a>(
        &'a self,
        read: ResourceRead,
        next: Next<'a, ResourceRead>,
    ) -> Outcome<'a, Vec<ResourceContents>> {
        next.run(read)
    }

    /// A `prompts/get` of a prompt that exists and is visible to the caller.
    fn on_get_prompt<'a>(&'a self, get: PromptGet, next: Next<'a, PromptGet>) -> Outcome<'a, GetPromptResult> {
        next.run(get)
    }

    /// One item of a list result (`tools/list`, `resources/list`,
    /// `resources/templates/list`, `prompts/list`), as the JSON sent, with
    /// the component it describes; may change it, or leave it out of the
    /// list (`false`) while calls still reach it (for a caller who may learn
    /// of it otherwise). Items hidden by [`is_visible`](Self::is_visible)
    /// never get here.
    fn on_list(&self, _component: Component<'_>, _item: &mut Value, _caller: &Caller<'_>) -> bool {
        true
    }

    /// Whether `component` exists for `caller`. A component hidden here is
    /// left out of lists and answered as unknown when called, so that
    /// lists and calls always agree.
    fn is_visible(&self, _component: Component<'_>, _caller: &Caller<'_>) -> bool {
        true
    }

    /// Whether `caller` may use `component` (one it can see): `Err` is the
    /// answer of a call refused. Asked before a tool call becomes a task,
    /// so that a refused caller gets this answer rather than a task handle
    /// (a call that runs now is checked by [`on_call_tool`](Self::on_call_tool)
    /// as usual), and by the paths that name a component outside a call
    /// (`completion/complete`, `resources/subscribe`, `subscriptions/listen`),
    /// which answer a refused one as unknown.
    fn admits(&self, _component: Component<'_>, _caller: &Caller<'_>) -> Result<(), RpcError> {
        Ok(())
    }

    /// A notification from the client (`notifications/initialized`,
    /// `notifications/cancelled`, …), before the server handles it.
    fn on_notification(&self, _notification: &Notification, _caller: &Caller<'_>) {}
}
