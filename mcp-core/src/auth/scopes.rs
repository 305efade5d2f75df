//! Scopes: what a declared `scopes(..)` needs of a caller ([`needs`]), and
//! [`RequireScopes`], the middleware that also refuses callers without a
//! verified principal.
//!
//! The server checks declared scopes by itself for every authenticated
//! caller (see `Server::check_scopes` in `server/access.rs`); this file
//! holds what that check and the middleware share.

use super::Principal;
use crate::middleware::{Caller, Component, Middleware, Next, Outcome, PromptGet, ResourceRead, ToolCall};
use crate::protocol::jsonrpc::{RpcError, code};
use crate::protocol::{CallToolResult, GetPromptResult, ResourceContents};
use serde_json::{Value, json};

/// Refuses calls of tools, resources and prompts that declare scopes
/// (`scopes(..)` on the attribute) unless the caller's token holds every
/// one, **including callers without a verified principal**.
///
/// You rarely need it: the server already checks declared scopes for
/// every authenticated caller (every request, once `quickmcp_axum`'s
/// `McpRouter::auth` protects the endpoint), before the function runs and
/// before a task is created, and leaves out of lists what the caller may
/// not use. Install this middleware when some requests may reach the
/// server without a principal (your own authentication layer lets some
/// through, or another transport serves the same server) and those must
/// not use scoped components either.
///
/// The refusal is `-32003` with the scopes needed; the HTTP transport
/// answers it `403` with `WWW-Authenticate: Bearer
/// error="insufficient_scope", scope="…"` so that the client can ask for
/// more (step-up).
///
/// ```
/// use quickmcp::auth::RequireScopes;
/// use quickmcp::prelude::*;
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

    /// Lets this middleware list every component, whatever the caller's
    /// scopes (calls are still checked).
    #[deprecated(
        since = "0.1.0",
        note = "the server itself hides from authenticated callers what their scopes do not allow; \
                use `ServerBuilder::show_scoped_in_lists(true)` to list everything"
    )]
    #[must_use]
    pub fn list_all(mut self) -> Self {
        self.hide_in_lists = false;
        self
    }
}

/// `Ok` when `principal` holds every scope of `needed` (none needed:
/// always), else the `-32003` refusal naming them, in its message and in
/// `data.scope` (the HTTP transport's step-up challenge names them).
pub(crate) fn needs(needed: &[String], principal: Option<&Principal>) -> Result<(), RpcError> {
    match needed.iter().all(|scope| principal.is_some_and(|p| p.has_scope(scope))) {
        true => Ok(()),
        false => {
            let scope = needed.join(" ");
            Err(RpcError::new(code::INSUFFICIENT_SCOPE, format!("Insufficient scope: this needs {scope}"))
                .with_data(json!({ "scope": scope })))
        }
    }
}

fn check<'a, T: Send + 'a>(needed: &[String], principal: Option<&Principal>) -> Option<Outcome<'a, T>> {
    let error = needs(needed, principal).err()?;
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

    fn admits(&self, component: Component<'_>, caller: &Caller<'_>) -> Result<(), RpcError> {
        needs(component.scopes(), caller.extensions().get::<Principal>())
    }

    fn on_list(&self, component: Component<'_>, _: &mut Value, caller: &Caller<'_>) -> bool {
        !self.hide_in_lists || needs(component.scopes(), caller.extensions().get::<Principal>()).is_ok()
    }
}
