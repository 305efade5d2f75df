//! The remote's listing as this server's definitions: each tool, resource,
//! template and prompt keeps the remote's description (renamed by the
//! prefix) and gets a handler that asks the remote, on the connection of
//! the session it runs in.

use super::Remote;
use super::links::Link;
use crate::Context;
use crate::handler::{CompleteFn, CompletionRequest, PromptDef, ResourceDef, ResourceRequest, ToolDef, ToolHandler};
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::{
    CallToolResult, Completion, GetPromptResult, Prompt, Resource, ResourceContents, ResourceTemplate,
};
use crate::protocol::{Tool, jsonrpc::code};
use crate::server::catalog::{Catalog, Inserted, OnTaken, Synced};
use crate::server::prefix;
use crate::tasks::{TaskPolicy, TaskSupport};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Where a call hands the remote's task to the task of ours it becomes.
const REMOTE_TASK: &str = "io.modelcontextprotocol/proxy/remoteTask";

/// Pages of one list the proxy follows before it stops (the remote's
/// `nextCursor` never ending).
const MAX_PAGES: usize = 100;

/// What the remote offers, as it lists it.
#[derive(Clone, Default)]
pub(super) struct Listing {
    tools: Vec<Value>,
    resources: Vec<Resource>,
    templates: Vec<ResourceTemplate>,
    prompts: Vec<Prompt>,
}

/// What the remote's components are registered under, to replace them.
#[derive(Default)]
pub(super) struct Placed {
    tools: Vec<String>,
    pub(super) resources: Vec<String>,
    prompts: Vec<String>,
}

impl Listing {
    /// Every list the remote declared a capability for, all pages.
    pub(super) async fn fetch(link: &Link) -> Result<Self, RpcError> {
        let declared = &link.upstream.server()["capabilities"];
        let mut listing = Self::default();
        if declared.get("tools").is_some() {
            listing.tools = list(link, "tools/list", "tools").await?;
        }
        if declared.get("resources").is_some() {
            listing.resources = list(link, "resources/list", "resources").await?;
            listing.templates = list(link, "resources/templates/list", "resourceTemplates").await?;
        }
        if declared.get("prompts").is_some() {
            listing.prompts = list(link, "prompts/list", "prompts").await?;
        }
        Ok(listing)
    }
}

/// Every item of a paginated list, as `T` (items that are not are skipped).
async fn list<T: DeserializeOwned>(link: &Link, method: &str, key: &str) -> Result<Vec<T>, RpcError> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let params = cursor.as_ref().map_or_else(|| json!({}), |cursor| json!({"cursor": cursor}));
        let mut page = link.upstream.request(method, params).await?;
        for item in page.get_mut(key).and_then(Value::as_array_mut).map(std::mem::take).unwrap_or_default() {
            match serde_json::from_value(item) {
                Ok(item) => items.push(item),
                Err(error) => tracing::warn!(%error, "the remote server's {method} holds an item that is not MCP"),
            }
        }
        cursor = page["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return Ok(items);
        }
    }
    tracing::warn!("the remote server's {method} has more than {MAX_PAGES} pages; the rest is not served");
    Ok(items)
}

/// Replaces `remote`'s components in `catalog` by those of `listing`
/// (tools through the catalog's transforms); names already taken by others
/// are returned as clashes, with the transforms that did not apply.
pub(super) fn place(remote: &Remote, listing: &Listing, catalog: &mut Catalog, placed: &mut Placed) -> Synced {
    for name in placed.tools.drain(..) {
        catalog.tools.remove(&name);
    }
    for key in placed.resources.drain(..) {
        catalog.resources.remove(&key);
        catalog.templates.remove(&key);
    }
    for name in placed.prompts.drain(..) {
        catalog.prompts.remove(&name);
    }
    let mut clashes = Vec::new();
    let mut failed = Vec::new();
    let mut clash = |kind: &str, name: &str| clashes.push(format!("{kind} `{name}` (this server and the remote)"));
    for tool in &listing.tools {
        let Some(def) = remote.tool(tool) else { continue };
        match catalog.insert_tool(def, OnTaken::Keep) {
            Ok(Inserted { name, taken: false }) => placed.tools.push(name),
            Ok(Inserted { name, taken: true }) => clash("tool", &name),
            Err(error) => failed.push(error),
        }
    }
    let resources = listing.resources.iter().map(|r| remote.resource(r));
    let templates = listing.templates.iter().filter_map(|t| remote.template(t));
    for def in resources.chain(templates) {
        let key = def.key().to_owned();
        if catalog.resources.get(&key).is_some() || catalog.templates.get(&key).is_some() {
            clash("resource", &key);
            continue;
        }
        catalog.add_resource(def);
        placed.resources.push(key);
    }
    for prompt in &listing.prompts {
        let def = remote.prompt(prompt);
        let name = def.prompt.name.clone();
        match catalog.prompts.insert(name.clone(), def) {
            true => placed.prompts.push(name),
            false => clash("prompt", &name),
        }
    }
    Synced { clashes, failed }
}

impl Remote {
    fn tool(&self, listed: &Value) -> Option<ToolDef> {
        let mut tool: Tool = serde_json::from_value(listed.clone()).ok()?;
        let own = std::mem::take(&mut tool.name);
        tool.name = prefix::name(self.prefix(), &own);
        crate::apps::rename_page(&mut tool.meta, |uri| prefix::uri(self.prefix(), uri));
        let support = match listed["execution"]["taskSupport"].as_str() {
            Some("optional") => TaskSupport::Optional,
            Some("required") => TaskSupport::Required,
            _ => TaskSupport::Forbidden,
        };
        let remote = self.clone();
        let handler: ToolHandler = Arc::new(move |ctx, arguments| {
            let (remote, own) = (remote.clone(), own.clone());
            Box::pin(async move { remote.call_tool(ctx, &own, arguments).await })
        });
        // Runs in the request until the remote answers with a task of its own.
        let task = TaskPolicy { support, asks_first: support != TaskSupport::Forbidden, ..TaskPolicy::default() };
        let (scopes, required_state, tags, check) = (Vec::new(), Vec::new(), Vec::new(), None);
        Some(ToolDef { tool, handler, scopes, required_state, tags, task, check })
    }

    /// Calls the remote's tool `own`. When the remote answers with a task
    /// of its own: a call that may become a task of ours does (its run
    /// waits for the remote's task), any other waits for it here.
    async fn call_tool(
        &self,
        ctx: Context,
        own: &str,
        arguments: Option<Box<RawValue>>,
    ) -> Result<CallToolResult, RpcError> {
        let link = self.inner.links.for_context(&ctx).await?;
        if let Some(created) = ctx.task_run().map(|task| task.handed(REMOTE_TASK))
            && let Some(created) = created.await
        {
            let result = link.relay.run(&ctx, |_| link.upstream.await_task(created)).await?;
            return decode(result, "tools/call");
        }
        let arguments: Value = match arguments {
            Some(raw) => serde_json::from_str(raw.get()).map_err(RpcError::invalid_params)?,
            None => json!({}),
        };
        let call =
            |meta| link.upstream.request("tools/call", json!({"name": own, "arguments": arguments, "_meta": meta}));
        let mut result = link.relay.run(&ctx, call).await?;
        if result["resultType"] == "task" {
            if let Some(gate) = ctx.gate() {
                gate.hand_over(REMOTE_TASK, &result);
                ctx.begin_task().await;
            }
            result = link.relay.run(&ctx, |_| link.upstream.await_task(result)).await?;
        }
        decode(result, "tools/call")
    }

    fn resource(&self, listed: &Resource) -> ResourceDef {
        let mut resource = listed.clone();
        resource.uri = prefix::uri(self.prefix(), &listed.uri);
        ResourceDef::fixed(resource, self.reader())
    }

    fn template(&self, listed: &ResourceTemplate) -> Option<ResourceDef> {
        let mut template = listed.clone();
        template.uri_template = prefix::uri(self.prefix(), &listed.uri_template);
        let mut def = ResourceDef::template(template, self.reader()).ok()?;
        let reference = json!({"type": "ref/resource", "uri": listed.uri_template});
        let variables = crate::uri_template::UriTemplate::parse(&listed.uri_template).ok()?;
        def.completions = variables.variables().map(|name| (name.to_owned(), self.completer(&reference))).collect();
        Some(def)
    }

    /// Reads a resource from the remote, under the URI the caller used.
    fn reader(
        &self,
    ) -> impl Fn(Context, ResourceRequest) -> crate::handler::BoxFuture<Result<Vec<ResourceContents>, RpcError>>
    + Send
    + Sync
    + 'static {
        let remote = self.clone();
        move |ctx, request| {
            let remote = remote.clone();
            Box::pin(async move {
                let not_found = || crate::handler::ResourceError::not_found(&request.uri).0;
                let own = prefix::own_uri(remote.prefix(), &request.uri).ok_or_else(not_found)?;
                let link = remote.inner.links.for_context(&ctx).await?;
                let run = |meta| link.upstream.request("resources/read", json!({"uri": own, "_meta": meta}));
                let result = link.relay.run(&ctx, run).await?;
                let mut contents: Vec<ResourceContents> = decode(result["contents"].clone(), "resources/read")?;
                for content in &mut contents {
                    content.uri = prefix::uri(remote.prefix(), &content.uri);
                }
                Ok(contents)
            })
        }
    }

    fn prompt(&self, listed: &Prompt) -> PromptDef {
        let mut prompt = listed.clone();
        prompt.name = prefix::name(self.prefix(), &listed.name);
        let (remote, own) = (self.clone(), listed.name.clone());
        let mut def = PromptDef::new(prompt, move |ctx, arguments: HashMap<String, String>| {
            let (remote, own) = (remote.clone(), own.clone());
            async move {
                let link = remote.inner.links.for_context(&ctx).await?;
                let params = |meta| json!({"name": own, "arguments": arguments, "_meta": meta});
                let result = link.relay.run(&ctx, |meta| link.upstream.request("prompts/get", params(meta))).await?;
                decode::<GetPromptResult>(result, "prompts/get")
            }
        });
        let reference = json!({"type": "ref/prompt", "name": listed.name});
        def.completions = listed.arguments.iter().map(|a| (a.name.clone(), self.completer(&reference))).collect();
        def
    }

    /// Completes an argument of `reference` (the remote's prompt or
    /// template) by asking the remote, on the shared connection.
    fn completer(&self, reference: &Value) -> CompleteFn {
        let (remote, reference) = (self.clone(), reference.clone());
        Arc::new(move |request: CompletionRequest| {
            let (remote, reference) = (remote.clone(), reference.clone());
            Box::pin(async move {
                let params = json!({
                    "ref": reference,
                    "argument": {"name": request.argument, "value": request.value},
                    "context": {"arguments": request.context},
                });
                let answer = match remote.inner.links.shared().await {
                    Ok(link) => link.upstream.request("completion/complete", params).await,
                    Err(error) => Err(error),
                };
                match answer.and_then(|mut result| decode::<Completion>(result["completion"].take(), "completion")) {
                    Ok(completion) => completion,
                    Err(error) => {
                        tracing::debug!(%error, "the remote server did not complete an argument");
                        Completion::default()
                    }
                }
            })
        })
    }
}

/// A remote's result as `T`, or an error naming what was malformed.
fn decode<T: DeserializeOwned>(result: Value, what: &str) -> Result<T, RpcError> {
    serde_json::from_value(result).map_err(|error| {
        RpcError::new(code::INTERNAL_ERROR, format!("the remote server's {what} result is not MCP: {error}"))
    })
}
