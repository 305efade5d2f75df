//! The catalog of tools, resources and prompts. Readers load a snapshot and
//! never wait; a change swaps in a new snapshot and tells listening clients
//! (`notifications/*/list_changed` on session streams and to
//! `subscriptions/listen` listeners).

use super::Server;
use super::registry::Registry;
use crate::handler::{PromptDef, ResourceDef, ResourceKind, ToolDef, ToolTransform, TransformError};
use crate::middleware::{Caller, Component};
use crate::protocol as p;
use crate::protocol::jsonrpc::{self, RpcError, decode_params, to_raw};
use crate::tasks::TaskSupport;
use arc_swap::{ArcSwap, Guard};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

const TOOLS_CHANGED: &str = "notifications/tools/list_changed";
const RESOURCES_CHANGED: &str = "notifications/resources/list_changed";
const PROMPTS_CHANGED: &str = "notifications/prompts/list_changed";

/// What the server offers, by name.
#[derive(Default, Clone)]
pub(super) struct Catalog {
    pub(super) tools: Registry<ToolDef>,
    pub(super) resources: Registry<ResourceDef>,
    pub(super) templates: Registry<ResourceDef>,
    pub(super) prompts: Registry<PromptDef>,
    /// Transforms of tools, by the name a tool enters with, applied in
    /// order ([`ServerBuilder::transform_tool`](super::ServerBuilder::transform_tool)).
    pub(super) transforms: Arc<HashMap<String, Vec<ToolTransform>>>,
    /// While the builder builds: the names tools entered with (to warn of
    /// transforms that name none).
    pub(super) entered: Option<HashSet<String>>,
}

/// What [`Catalog::insert_tool`] does when the name is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OnTaken {
    /// The new tool replaces the one there (`Server::add_tool`).
    Replace,
    /// The one there stays; the new tool is left out (proxies: a clash).
    Keep,
}

/// What a mount or a remote could not place when it synced its tools,
/// resources and prompts into the catalog.
#[derive(Debug, Default)]
pub(super) struct Synced {
    /// Names the catalog already had, as "tool `name` (this server and …)".
    pub(super) clashes: Vec<String>,
    /// Transforms that did not apply to a tool (left out).
    pub(super) failed: Vec<TransformError>,
}

/// Where [`Catalog::insert_tool`] put a tool.
#[derive(Debug)]
pub(super) struct Inserted {
    /// The name it has in the catalog (a transform may have renamed it).
    pub(super) name: String,
    /// Whether the name was taken (the tool replaced, or was left out, as
    /// [`OnTaken`] said).
    pub(super) taken: bool,
}

impl Catalog {
    /// Every handler whose shared state is not in `state`, as
    /// "tool `name` needs `State<Type>`".
    pub(super) fn missing_state(&self, state: &http::Extensions) -> Vec<String> {
        let tools = self.tools.iter().map(|d| ("tool", d.tool.name.as_str(), &d.required_state));
        let resources = self.resources.iter().chain(self.templates.iter());
        let resources = resources.map(|d| ("resource", d.key(), &d.required_state));
        let prompts = self.prompts.iter().map(|d| ("prompt", d.prompt.name.as_str(), &d.required_state));
        let mut missing: Vec<String> = tools
            .chain(resources)
            .chain(prompts)
            .flat_map(|(kind, name, needs)| {
                needs
                    .iter()
                    .filter(|need| !need.is_registered(state))
                    .map(move |need| format!("{kind} `{name}` needs `State<{}>`", need.type_name()))
            })
            .collect();
        missing.dedup();
        missing
    }

    /// Registers `def` after the transforms registered for its name, under
    /// the name it has then. Every tool enters the catalog here: the
    /// builder's, `Server::add_tool`'s, mounted and remote servers'
    /// proxies. `Err` (the tool left out) when a transform does not apply.
    pub(super) fn insert_tool(&mut self, def: ToolDef, on_taken: OnTaken) -> Result<Inserted, TransformError> {
        if let Some(entered) = &mut self.entered {
            entered.insert(def.tool.name.clone());
        }
        let def = match self.transforms.get(&def.tool.name) {
            Some(transforms) => transforms.iter().try_fold(def, |def, transform| transform.apply(&def))?,
            None => def,
        };
        let name = def.tool.name.clone();
        let taken = self.tools.get(&name).is_some();
        if !taken || on_taken == OnTaken::Replace {
            self.tools.insert(name.clone(), def);
        }
        Ok(Inserted { name, taken })
    }

    /// Puts the tools registered so far through [`insert_tool`](Self::insert_tool)
    /// again, once the builder knows every transform: returns the names
    /// then taken twice, and the transforms that did not apply.
    pub(super) fn transform_tools(&mut self) -> (Vec<String>, Vec<TransformError>) {
        let (mut duplicates, mut failed) = (Vec::new(), Vec::new());
        if self.transforms.is_empty() {
            return (duplicates, failed);
        }
        for def in std::mem::take(&mut self.tools).iter() {
            match self.insert_tool(ToolDef::clone(def), OnTaken::Replace) {
                Ok(Inserted { name, taken: true }) => duplicates.push(format!("tool `{name}`")),
                Ok(_) => {}
                Err(error) => failed.push(error),
            }
        }
        (duplicates, failed)
    }

    /// Adds a resource or template; `false` (replacing it) when its key was taken.
    pub(super) fn add_resource(&mut self, def: ResourceDef) -> bool {
        let key = def.key().to_owned();
        match def.kind {
            ResourceKind::Fixed(_) => self.resources.insert(key, def),
            ResourceKind::Template(..) => self.templates.insert(key, def),
        }
    }
}

/// The current catalog, swapped whole on every change.
pub(super) struct SharedCatalog {
    current: ArcSwap<Catalog>,
    writer: Mutex<()>,
}

impl SharedCatalog {
    pub(super) fn new(catalog: Catalog) -> Self {
        Self { current: ArcSwap::from_pointee(catalog), writer: Mutex::new(()) }
    }

    pub(super) fn load(&self) -> Guard<Arc<Catalog>> {
        self.current.load()
    }

    pub(super) fn edit<R>(&self, edit: impl FnOnce(&mut Catalog) -> R, state: &http::Extensions) -> R {
        // Writers take turns; readers never wait (they load a snapshot).
        let _writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = Catalog::clone(&self.current.load());
        let result = edit(&mut next);
        for missing in next.missing_state(state) {
            tracing::error!("{missing}, which was never registered with `.state(..)`: its calls will fail");
        }
        self.current.store(Arc::new(next));
        result
    }
}

impl Server {
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
    /// The transforms registered for its name
    /// ([`ServerBuilder::transform_tool`](super::ServerBuilder::transform_tool))
    /// apply first, so it may be served under another name (the one to
    /// give [`remove_tool`](Self::remove_tool)); one that does not apply
    /// leaves the tool out and logs an error.
    pub fn add_tool(&self, def: ToolDef) {
        self.change(TOOLS_CHANGED, |c| match c.insert_tool(def, OnTaken::Replace) {
            Ok(_) => true,
            Err(error) => {
                tracing::error!("{error}: the tool is not served");
                false
            }
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

    /// Tells sessions subscribed to `uri` that it changed
    /// (`notifications/resources/updated`, on their standalone stream), and
    /// `subscriptions/listen` listeners that asked for it.
    ///
    /// With sessions shared by replicas (Redis), subscribed sessions get it
    /// wherever their stream is held, and other replicas' listeners too.
    pub fn notify_resource_updated(&self, uri: &str) {
        const METHOD: &str = "notifications/resources/updated";
        let message = jsonrpc::encode_notification(METHOD, &json!({ "uri": uri }));
        let sessions = &self.inner.sessions;
        if sessions.is_shared() {
            sessions.resource_updated(uri, message);
            sessions.announce(METHOD, Some(uri));
        } else {
            sessions.broadcast(&message, |session| session.is_subscribed(uri));
        }
        self.inner.listeners.resource_updated(uri);
        self.tell_parents_resource_updated(uri);
    }

    /// Acts on another replica's notice (see [`Signal::Notice`](crate::session::Signal)):
    /// its `list_changed` goes to the streams and listeners held here; its
    /// `resources/updated` to the listeners (the sending replica already
    /// reached the subscribed sessions).
    pub(super) fn on_remote_notice(&self, method: &str, uri: Option<&str>) {
        match uri {
            Some(uri) => self.inner.listeners.resource_updated(uri),
            None => {
                let message = jsonrpc::encode_notification(method, &json!({}));
                self.inner.sessions.broadcast(&message, |_| true);
                self.inner.listeners.list_changed(method);
            }
        }
    }

    /// Applies `edit` to the catalog and, when it changed something, sends
    /// the `list_changed` notification `method` to listening clients.
    fn change(&self, method: &str, edit: impl FnOnce(&mut Catalog) -> bool) -> bool {
        let changed = self.inner.catalog.edit(edit, &self.inner.state);
        if changed {
            self.announce_list_changed(method);
        }
        changed
    }

    /// Sends the `list_changed` notification `method` to listening clients,
    /// here and in the servers this one is mounted in.
    pub(super) fn announce_list_changed(&self, method: &str) {
        let message = jsonrpc::encode_notification(method, &json!({}));
        self.inner.sessions.broadcast(&message, |_| true);
        self.inner.listeners.list_changed(method);
        self.inner.sessions.announce(method, None);
        self.tell_parents_list_changed(method);
    }

    /// `tools/list`, `resources/list`, `resources/templates/list` or
    /// `prompts/list`, as `caller` sees it (middleware may hide items, and
    /// what an authenticated caller's scopes do not allow is left out).
    pub(super) fn list_method(
        &self,
        method: &str,
        params: Option<&RawValue>,
        caller: &Caller<'_>,
    ) -> Result<Box<RawValue>, RpcError> {
        let resource = |d: &ResourceDef| match &d.kind {
            ResourceKind::Fixed(resource) => to_value(resource),
            ResourceKind::Template(template, _) => to_value(template),
        };
        match method {
            "tools/list" => self.list(params, caller, "tools", |c| &c.tools, describe_tool),
            "resources/list" => self.list(params, caller, "resources", |c| &c.resources, resource),
            "resources/templates/list" => self.list(params, caller, "resourceTemplates", |c| &c.templates, resource),
            "prompts/list" => self.list(params, caller, "prompts", |c| &c.prompts, |d| to_value(&d.prompt)),
            method => Err(RpcError::method_not_found(method)),
        }
    }

    fn list<T: Listed>(
        &self,
        params: Option<&RawValue>,
        caller: &Caller<'_>,
        key: &str,
        registry: impl Fn(&Catalog) -> &Registry<T>,
        describe: impl Fn(&T) -> Value,
    ) -> Result<Box<RawValue>, RpcError> {
        let p: p::PaginatedParams = decode_params(params)?;
        let catalog = self.inner.catalog.load();
        let (page, next) = registry(&catalog).page(p.cursor.as_deref(), self.inner.page_size)?;
        let hide_scoped = self.hides_scoped(caller);
        let items: Vec<Value> = match &self.inner.middleware[..] {
            [] if self.inner.mounts.is_empty() && !hide_scoped => page
                .iter()
                .filter(|item| super::apps::shown_to(item.component(), caller))
                .map(|item| describe(item))
                .collect(),
            chain => page
                .iter()
                .filter(|item| match hide_scoped {
                    true => self.permits(item.component(), caller),
                    false => self.is_visible(item.component(), caller),
                })
                .filter_map(|item| {
                    let mut value = describe(item);
                    chain.iter().all(|m| m.on_list(item.component(), &mut value, caller)).then_some(value)
                })
                .collect(),
        };
        let mut result = serde_json::Map::new();
        result.insert(key.into(), items.into());
        if let Some(next) = next {
            result.insert("nextCursor".into(), next.into());
        }
        to_raw(&result)
    }

    /// Whether every middleware admits `caller` to use `component` (and,
    /// for a mounted server's tool, the mounted server's middleware too);
    /// the first refusal otherwise.
    pub(crate) fn admits(&self, component: Component<'_>, caller: &Caller<'_>) -> Result<(), RpcError> {
        self.inner.middleware.iter().try_for_each(|m| m.admits(component, caller))?;
        self.inner.mounts.iter().try_for_each(|mount| mount.child_admits(component, caller))
    }

    /// Whether every middleware lets `caller` see `component` (and, for a
    /// mounted server's component, the mounted server's middleware too),
    /// and, for a tool only an app may call, whether the caller can show
    /// apps.
    /// Calls ask this: a component that passes it but lacks a scope is
    /// refused by the scope check with a step-up (`-32003`, HTTP 403).
    pub(crate) fn is_visible(&self, component: Component<'_>, caller: &Caller<'_>) -> bool {
        super::apps::shown_to(component, caller)
            && self.inner.middleware.iter().all(|m| m.is_visible(component, caller))
            && self.inner.mounts.iter().all(|mount| mount.child_allows(component, caller))
    }

    /// The resource (or template) serving `uri` when `caller` may see and
    /// use it ([`permits`](Self::permits)): a fixed resource first, then
    /// the first template that matches.
    pub(crate) fn visible_resource(&self, uri: &str, caller: &Caller<'_>) -> Option<Arc<ResourceDef>> {
        self.resource_def(uri).filter(|def| self.permits(Component::Resource(def), caller))
    }
}

/// A tool as `tools/list` shows it: with `execution.taskSupport` when it
/// can run as a task (absent means `forbidden`).
fn describe_tool(def: &ToolDef) -> Value {
    let mut tool = to_value(&def.tool);
    let support = match def.task.support {
        TaskSupport::Forbidden => return tool,
        TaskSupport::Optional => "optional",
        TaskSupport::Required => "required",
    };
    if let Value::Object(fields) = &mut tool {
        fields.insert("execution".into(), json!({ "taskSupport": support }));
    }
    tool
}

/// A registered item, as visibility rules see it.
trait Listed {
    fn component(&self) -> Component<'_>;
}

impl Listed for ToolDef {
    fn component(&self) -> Component<'_> {
        Component::Tool(self)
    }
}

impl Listed for ResourceDef {
    fn component(&self) -> Component<'_> {
        Component::Resource(self)
    }
}

impl Listed for PromptDef {
    fn component(&self) -> Component<'_> {
        Component::Prompt(self)
    }
}

fn to_value(item: &impl serde::Serialize) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}
