//! [`RequireScopes`]: the scopes declared on tools, resources and prompts,
//! checked against the caller's [`Principal`] before the function runs.

use super::Principal;
use crate::middleware::{Caller, Component, Middleware, Next, Outcome, PromptGet, ResourceRead, ToolCall};
use crate::protocol::jsonrpc::{RpcError, code};
use crate::protocol::{CallToolResult, GetPromptResult, ResourceContents};
use serde_json::{Value, json};

/// Refuses a call unless the caller's token holds every scope the tool,
/// resource or prompt declares (`scopes(..)` on the attribute), before the
/// function runs. The refusal is `-32003` with the scopes needed; the HTTP
/// transport answers it `403` with `WWW-Authenticate: Bearer
/// error="insufficient_scope", scope="…"` so that the client can ask for
/// more (step-up). By default the lists also hide what the caller may not
/// use; [`list_all`](Self::list_all) shows everything.
///
/// ```
/// use mcp_core::auth::RequireScopes;
/// use mcp_core::prelude::*;
///
/// /// Deletes a note.
/// #[tool(scopes("notes:write"))]
/// async fn delete_note(id: u64) -> String {
///     format!("deleted {id}")
/// }
///
/// let server = Server::builder("notes", "1.0.0").tools(tools![delete_note]).middleware(RequireScopes::new()).build();
/// # let _ = server;
/// ```
#[derive(Debug, Clone)]
pub struct RequireScopes {
    hide_in_lists: bool,
}

impl Default for RequireScopes {
    fn default() -> Self {
        Self::new()
    }
}

impl RequireScopes {
    /// Checks scopes, and hides from lists what the caller may not use.
    pub fn new() -> Self {
        Self { hide_in_lists: true }
    }

    /// Lists every component, whatever the caller's scopes (calls are
    /// still checked).
    #[must_use]
    pub fn list_all(mut self) -> Self {
        self.hide_in_lists = false;
        self
    }
}

/// The scopes of `needed` that `principal` lacks.
fn missing<'a>(needed: &'a [String], principal: Option<&Principal>) -> Vec<&'a str> {
    needed.iter().filter(|s| !principal.is_some_and(|p| p.has_scope(s))).map(String::as_str).collect()
}

/// Whether the caller of a request with `extensions` holds every scope of
/// `needed` (what `Server::may_see` asks where scopes are checked).
pub(crate) fn grants(needed: &[String], extensions: &http::Extensions) -> bool {
    missing(needed, super::caller(extensions)).is_empty()
}

/// The refusal of a call that needs `scopes`.
fn insufficient(needed: &[String]) -> RpcError {
    RpcError::new(code::INSUFFICIENT_SCOPE, format!("Insufficient scope: this needs {}", needed.join(" ")))
        .with_data(json!({ "scope": needed.join(" ") }))
}

fn check<'a, T: Send + 'a>(needed: &[String], principal: Option<&Principal>) -> Option<Outcome<'a, T>> {
    if missing(needed, principal).is_empty() {
        return None;
    }
    let error = insufficient(needed);
    Some(Box::pin(std::future::ready(Err(error))))
}

impl Middleware for RequireScopes {
    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        let principal = call.context().extensions().get::<Principal>();
        check(&call.def().scopes, principal).unwrap_or_else(|| next.run(call))
    }

    fn on_get_prompt<'a>(&'a self, get: PromptGet, next: Next<'a, PromptGet>) -> Outcome<'a, GetPromptResult> {
        let principal = get.context().extensions().get::<Principal>();
        check(&get.def().scopes, principal).unwrap_or_else(|| next.run(get))
    }

    fn on_read_resource<'a>(
        &'a self,
        read: ResourceRead,
        next: Next<'a, ResourceRead>,
    ) -> Outcome<'a, Vec<ResourceContents>> {
        let principal = read.context().extensions().get::<Principal>();
        let needed = read.context().server().resource_scopes(read.uri());
        check(&needed, principal).unwrap_or_else(|| next.run(read))
    }

    fn on_list(&self, component: Component<'_>, _: &mut Value, caller: &Caller<'_>) -> bool {
        !self.hide_in_lists || missing(component.scopes(), caller.extensions().get::<Principal>()).is_empty()
    }
}
