//! May this caller use this component? The scopes tools, resources and
//! prompts declare (`#[tool(scopes("notes:write"))]`), checked by the
//! server itself against the caller's [`Principal`], so that declaring a
//! scope is enough: nothing else to install, nothing to forget.
//!
//! Scopes are checked for every caller an authentication layer verified
//! (a `Principal` in the request's extensions, as `quickmcp_axum`'s
//! `McpRouter::auth` puts there on every request). A caller without one
//! (no authentication at all) is not refused: the HTTP router says at
//! start-up which components declare scopes that nothing enforces.
//! [`RequireScopes`](crate::auth::RequireScopes) refuses such callers too.

use super::Server;
use crate::auth::{Principal, needs};
use crate::handler::{ResourceDef, ResourceKind};
use crate::middleware::{Caller, Component};
use crate::protocol::jsonrpc::RpcError;
use std::sync::Arc;

impl Server {
    /// Whether `caller` may use `component` as far as scopes go: `Ok`, or
    /// the `-32003` refusal naming the scopes it needs (the HTTP transport
    /// answers it 403 with a step-up challenge). Every path that runs a
    /// component asks here before anything runs: `tools/call` (before a
    /// task is created), `resources/read`, `prompts/get`.
    pub(crate) fn check_scopes(&self, component: Component<'_>, caller: &Caller<'_>) -> Result<(), RpcError> {
        match caller_principal(caller) {
            Some(principal) => needs(component.scopes(), Some(principal)),
            None => Ok(()),
        }
    }

    /// Whether `caller` may see and use `component`: visible to them (every
    /// middleware and mounted server agrees), holding its scopes when they
    /// are authenticated, and admitted by every middleware
    /// ([`Middleware::admits`](crate::middleware::Middleware::admits):
    /// `RequireScopes` refuses callers without a principal too). What paths that must not reveal a
    /// component ask (lists, completion, `resources/subscribe`,
    /// `subscriptions/listen`): one it may not see is answered exactly as
    /// one that does not exist, and nothing of it runs.
    pub(crate) fn permits(&self, component: Component<'_>, caller: &Caller<'_>) -> bool {
        self.is_visible(component, caller)
            && self.check_scopes(component, caller).is_ok()
            && self.admits(component, caller).is_ok()
    }

    /// [`check_scopes`](Self::check_scopes) for `resources/read` of `uri`:
    /// the resource or template serving it. A URI no visible resource
    /// serves passes, to be answered "not found" by the read itself (not
    /// 403, which would reveal it).
    pub(crate) fn check_read_scopes(&self, uri: &str, caller: &Caller<'_>) -> Result<(), RpcError> {
        let Some(principal) = caller_principal(caller) else { return Ok(()) };
        match self.resource_def(uri) {
            Some(def) if self.is_visible(Component::Resource(&def), caller) => needs(&def.scopes, Some(principal)),
            _ => Ok(()),
        }
    }

    /// The resource, else the first template, serving `uri`.
    pub(crate) fn resource_def(&self, uri: &str) -> Option<Arc<ResourceDef>> {
        let catalog = self.inner.catalog.load();
        catalog.resources.get(uri).cloned().or_else(|| {
            catalog
                .templates
                .iter()
                .find(|def| matches!(&def.kind, ResourceKind::Template(_, m) if m.matches(uri).is_some()))
                .cloned()
        })
    }

    /// Whether lists leave out, for `caller`, the components whose scopes
    /// they lack.
    pub(super) fn hides_scoped(&self, caller: &Caller<'_>) -> bool {
        !self.inner.show_scoped_in_lists && caller_principal(caller).is_some()
    }

    /// Every tool, resource, resource template and prompt that declares
    /// scopes (mounted servers' included), as ``tool `name` (a:b c:d)``: what
    /// a transport without authentication warns about, since nothing
    /// checks those scopes there.
    ///
    /// ```
    /// use quickmcp::prelude::*;
    ///
    /// /// Adds an item.
    /// #[tool(scopes("inventory:write"))]
    /// async fn add_item(name: String) -> String {
    ///     name
    /// }
    ///
    /// let server = Server::builder("inventory", "1.0.0").tools(tools![add_item]).build();
    /// assert_eq!(server.scoped_components(), ["tool `add_item` (inventory:write)"]);
    /// ```
    pub fn scoped_components(&self) -> Vec<String> {
        let catalog = self.inner.catalog.load();
        let tools = catalog.tools.iter().map(|d| ("tool", d.tool.name.as_str(), &d.scopes));
        let resources =
            catalog.resources.iter().chain(catalog.templates.iter()).map(|d| ("resource", d.key(), &d.scopes));
        let prompts = catalog.prompts.iter().map(|d| ("prompt", d.prompt.name.as_str(), &d.scopes));
        tools
            .chain(resources)
            .chain(prompts)
            .filter(|(_, _, scopes)| !scopes.is_empty())
            .map(|(kind, name, scopes)| format!("{kind} `{name}` ({})", scopes.join(" ")))
            .collect()
    }
}

fn caller_principal<'a>(caller: &Caller<'a>) -> Option<&'a Principal> {
    crate::auth::caller(caller.extensions())
}
