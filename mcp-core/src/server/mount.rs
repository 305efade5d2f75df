//! Composition: a server mounted inside another under a prefix. The parent
//! lists the child's tools and prompts as `prefix_name` and its resources
//! as `scheme://prefix/path`; each is a proxy in the parent's catalog that
//! runs the child's handler with the child's state and middleware (inside
//! the parent's middleware). When the child's catalog changes, the parent's
//! proxies follow and the parent's clients hear `list_changed`. Tool
//! proxies enter through the parent's transforms, so a proxy may be served
//! under another name: the mount remembers which child tool each is.

use super::catalog::{Catalog, Inserted, OnTaken, Synced};
use super::prefix;
use super::registry::Registry;
use super::{Inner, Server};
use crate::Context;
use crate::handler::{PromptDef, ResourceDef, ResourceKind, ResourceRequest, ToolDef, ToolHandler};
use crate::middleware::{Caller, Component};
use crate::protocol::jsonrpc::{RpcError, echoed};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// One mounted server and the names its proxies hold in the parent.
pub(super) struct Mount {
    pub(super) prefix: String,
    pub(super) server: Server,
    /// What the proxies are registered under, to replace them on a change.
    proxied: Mutex<Proxied>,
}

#[derive(Default)]
struct Proxied {
    /// The name in the parent (a transform may have changed it) → the
    /// child's own name.
    tools: HashMap<String, String>,
    resources: Vec<String>,
    prompts: Vec<String>,
}

pub(super) use super::prefix::valid_prefix;

impl Mount {
    pub(super) fn new(prefix: String, server: Server) -> Self {
        Self { prefix, server, proxied: Mutex::default() }
    }

    /// A child's tool or prompt name as the parent lists it.
    fn name(&self, name: &str) -> String {
        prefix::name(&self.prefix, name)
    }

    /// A child's resource URI (or URI template) as the parent lists it.
    fn uri(&self, uri: &str) -> String {
        prefix::uri(&self.prefix, uri)
    }

    /// The child's URI for a URI the parent received.
    fn child_uri(&self, uri: &str) -> Option<String> {
        prefix::own_uri(&self.prefix, uri)
    }

    /// Whether the child's middleware admits `caller` to the tool
    /// `component` proxies (`Ok` for components that are not this mount's
    /// tool proxies).
    pub(super) fn child_admits(&self, component: Component<'_>, caller: &Caller<'_>) -> Result<(), RpcError> {
        let Component::Tool(def) = component else { return Ok(()) };
        match self.child_tool(&def.tool.name) {
            Some(def) => self.server.admits(Component::Tool(&def), caller),
            None => Ok(()),
        }
    }

    /// Whether the child lets `caller` see what `component` proxies (true
    /// for components that are not this mount's proxies).
    pub(super) fn child_allows(&self, component: Component<'_>, caller: &Caller<'_>) -> bool {
        let child = &self.server;
        let own_name = |name: &str| prefix::own_name(&self.prefix, name).map(str::to_owned);
        match component {
            Component::Tool(def) => {
                self.child_tool(&def.tool.name).is_none_or(|def| child.is_visible(Component::Tool(&def), caller))
            }
            Component::Prompt(def) => own_name(&def.prompt.name)
                .and_then(|name| child.prompt(&name))
                .is_none_or(|def| child.is_visible(Component::Prompt(&def), caller)),
            Component::Resource(def) => {
                let Some(key) = self.child_uri(def.key()) else { return true };
                let catalog = child.inner.catalog.load();
                let found = catalog.resources.get(&key).or_else(|| catalog.templates.get(&key));
                found.is_none_or(|def| child.is_visible(Component::Resource(def), caller))
            }
        }
    }

    /// The child's tool that the parent's tool `name` proxies, if it is
    /// one of this mount's (by the name it was placed under, which a
    /// transform may have changed).
    fn child_tool(&self, name: &str) -> Option<Arc<ToolDef>> {
        let proxied = self.proxied.lock().unwrap_or_else(|p| p.into_inner());
        let own = proxied.tools.get(name)?.clone();
        drop(proxied);
        self.server.tool(&own)
    }

    /// Puts proxies of the child's current catalog into `catalog`, after
    /// removing the previous ones; tools go through the catalog's
    /// transforms. Names already taken there are skipped and returned as
    /// clashes, with the transforms that did not apply.
    pub(super) fn sync(self: &Arc<Self>, catalog: &mut Catalog) -> Synced {
        let mut proxied = self.proxied.lock().unwrap_or_else(|p| p.into_inner());
        for (name, _) in proxied.tools.drain() {
            catalog.tools.remove(&name);
        }
        for key in proxied.resources.drain(..) {
            catalog.resources.remove(&key);
            catalog.templates.remove(&key);
        }
        for name in proxied.prompts.drain(..) {
            catalog.prompts.remove(&name);
        }
        let child = self.server.inner.catalog.load();
        let mut synced = Synced::default();
        let clashes = &mut synced.clashes;
        for def in child.tools.iter() {
            match catalog.insert_tool(self.tool(def), OnTaken::Keep) {
                Ok(Inserted { name, taken: false }) => {
                    proxied.tools.insert(name, def.tool.name.clone());
                }
                Ok(Inserted { name, taken: true }) => {
                    clashes.push(format!("tool `{name}` (this server and mount `{}`)", self.prefix));
                }
                Err(error) => synced.failed.push(error),
            }
        }
        for def in child.resources.iter().chain(child.templates.iter()) {
            let Some(proxy) = self.resource(def) else { continue };
            let key = proxy.key().to_owned();
            if catalog.resources.get(&key).is_some() || catalog.templates.get(&key).is_some() {
                clashes.push(format!("resource `{key}` (this server and mount `{}`)", self.prefix));
                continue;
            }
            catalog.add_resource(proxy);
            proxied.resources.push(key);
        }
        for def in child.prompts.iter() {
            let proxy = self.prompt(def);
            let name = proxy.prompt.name.clone();
            self.place(&mut catalog.prompts, ("prompt", name), proxy, &mut proxied.prompts, &mut synced.clashes);
        }
        synced
    }

    /// Registers `proxy` under `name` unless the name is taken (a clash).
    fn place<T>(
        &self,
        registry: &mut Registry<T>,
        (kind, name): (&str, String),
        proxy: T,
        proxied: &mut Vec<String>,
        clashes: &mut Vec<String>,
    ) {
        if registry.get(&name).is_some() {
            clashes.push(format!("{kind} `{name}` (this server and mount `{}`)", self.prefix));
        } else {
            registry.insert(name.clone(), proxy);
            proxied.push(name);
        }
    }

    fn tool(&self, def: &Arc<ToolDef>) -> ToolDef {
        let mut tool = def.tool.clone();
        tool.name = self.name(&tool.name);
        crate::apps::rename_page(&mut tool.meta, |uri| self.uri(uri));
        let (child, inner) = (self.server.clone(), Arc::clone(def));
        let handler: ToolHandler = Arc::new(move |ctx, arguments| {
            let (child, def) = (child.clone(), Arc::clone(&inner));
            Box::pin(async move {
                if !child.is_visible(Component::Tool(&def), &Caller::from(&ctx)) {
                    return Err(RpcError::invalid_params(format!("Unknown tool: {}", echoed(&def.tool.name))));
                }
                let ctx = ctx.for_server(child.clone());
                child.run_tool(&def, ctx, arguments).await
            })
        });
        ToolDef {
            tool,
            handler,
            scopes: def.scopes.clone(),
            required_state: Vec::new(),
            tags: def.tags.clone(),
            task: def.task,
            check: def.check.clone(),
        }
    }

    fn resource(self: &Arc<Self>, def: &Arc<ResourceDef>) -> Option<ResourceDef> {
        let (child, mount) = (self.server.clone(), Arc::downgrade(self));
        let handler = move |ctx: Context, request: ResourceRequest| {
            let (child, mount) = (child.clone(), mount.clone());
            async move {
                let uri = mount.upgrade().and_then(|m| m.child_uri(&request.uri));
                let uri = uri.ok_or_else(|| crate::handler::ResourceError::not_found(&request.uri).0)?;
                let mut contents = child.run_read(ctx.for_server(child.clone()), uri.clone()).await?;
                // The client asked for the prefixed URI: it gets that back.
                for content in contents.iter_mut().filter(|c| c.uri == uri) {
                    content.uri.clone_from(&request.uri);
                }
                Ok(contents)
            }
        };
        let mut proxy = match &def.kind {
            ResourceKind::Fixed(resource) => {
                let mut resource = resource.clone();
                resource.uri = self.uri(&resource.uri);
                ResourceDef::fixed(resource, handler)
            }
            ResourceKind::Template(template, _) => {
                let mut template = template.clone();
                template.uri_template = self.uri(&template.uri_template);
                ResourceDef::template(template, handler).ok()?
            }
        };
        proxy.completions.clone_from(&def.completions);
        proxy.scopes.clone_from(&def.scopes);
        proxy.tags.clone_from(&def.tags);
        Some(proxy)
    }

    fn prompt(&self, def: &Arc<PromptDef>) -> PromptDef {
        let mut prompt = def.prompt.clone();
        prompt.name = self.name(&prompt.name);
        let (child, inner) = (self.server.clone(), Arc::clone(def));
        let mut proxy = PromptDef::new(prompt, move |ctx, arguments| {
            let (child, def) = (child.clone(), Arc::clone(&inner));
            async move {
                if !child.is_visible(Component::Prompt(&def), &Caller::from(&ctx)) {
                    return Err(RpcError::invalid_params(format!("Unknown prompt: {}", echoed(&def.prompt.name))));
                }
                let ctx = ctx.for_server(child.clone());
                child.run_prompt(&def, ctx, arguments).await
            }
        });
        proxy.completions.clone_from(&def.completions);
        proxy.scopes.clone_from(&def.scopes);
        proxy.tags.clone_from(&def.tags);
        proxy
    }
}

impl Server {
    /// Tells the servers this one is mounted in that its catalog changed
    /// (`method` is the `list_changed` notification): they update their
    /// proxies and tell their own clients.
    pub(super) fn tell_parents_list_changed(&self, method: &str) {
        for (parent, mount) in self.parents() {
            let synced = parent.inner.catalog.edit(|catalog| mount.sync(catalog), &parent.inner.state);
            for clash in synced.clashes {
                tracing::warn!("mounted {clash} is not served: the name is taken");
            }
            for error in synced.failed {
                tracing::error!("{error}: the mounted tool is not served");
            }
            parent.announce_list_changed(method);
        }
    }

    /// Tells the servers this one is mounted in that `uri` changed.
    pub(super) fn tell_parents_resource_updated(&self, uri: &str) {
        for (parent, mount) in self.parents() {
            parent.notify_resource_updated(&mount.uri(uri));
        }
    }

    /// The live servers this one is mounted in, with the mount.
    fn parents(&self) -> Vec<(Server, Arc<Mount>)> {
        let parents = self.inner.parents.lock().unwrap_or_else(|p| p.into_inner());
        parents
            .iter()
            .filter_map(|(parent, mount)| Some((Server { inner: parent.upgrade()? }, mount.upgrade()?)))
            .collect()
    }

    /// Registers `parent` as mounting this server through `mount`.
    pub(super) fn add_parent(&self, parent: Weak<Inner>, mount: Weak<Mount>) {
        self.inner.parents.lock().unwrap_or_else(|p| p.into_inner()).push((parent, mount));
    }
}
