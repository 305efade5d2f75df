//! MCP Apps in the server: who sees app-only tools, the build-time check
//! that every page a tool points at is a resource of this server with the
//! app type, and whether the server declares the extension.

use super::catalog::Catalog;
use crate::apps::{self, MIME_TYPE, SCHEME};
use crate::handler::ResourceKind;
use crate::middleware::{Caller, Component};

/// Whether `caller` sees `component`: a tool only an app may call only by
/// clients that can show apps (nothing else could call it on a page's
/// behalf).
pub(super) fn shown_to(component: Component<'_>, caller: &Caller<'_>) -> bool {
    match component {
        Component::Tool(def) if def.tool.meta.is_some() && apps::app_only(&def.tool) => {
            caller.client_capabilities().is_some_and(|c| c.apps())
        }
        _ => true,
    }
}

/// Each tool whose page is not a `ui://` resource of this server with the
/// app type, as a sentence naming the tool, the page and the fix.
pub(super) fn missing_pages(catalog: &Catalog) -> Vec<String> {
    let mut problems = Vec::new();
    for def in catalog.tools.iter() {
        let Some(page) = apps::resource_uri(def.tool.meta.as_ref()) else { continue };
        let tool = &def.tool.name;
        if !page.starts_with(SCHEME) {
            problems.push(format!("tool `{tool}` shows `{page}`: an app's URI starts with `{SCHEME}`"));
            continue;
        }
        let fixed = catalog.resources.get(page).map(|def| &def.kind);
        let templated = || {
            catalog
                .templates
                .iter()
                .any(|def| matches!(&def.kind, ResourceKind::Template(_, m) if m.matches(page).is_some()))
        };
        match fixed {
            Some(ResourceKind::Fixed(resource)) if resource.mime_type.as_deref() != Some(MIME_TYPE) => {
                problems.push(format!(
                    "tool `{tool}` shows `{page}`, whose type is `{}`, not `{MIME_TYPE}`",
                    resource.mime_type.as_deref().unwrap_or("unsaid")
                ));
            }
            Some(_) => {}
            None if templated() => {}
            None => problems.push(format!(
                "tool `{tool}` shows `{page}`, which no resource serves (register the page with `.app(App::html(\"{page}\", ..))`)"
            )),
        }
    }
    problems
}

/// Whether the server offers apps: a tool shows a page, or a page is served.
pub(super) fn offered(catalog: &Catalog) -> bool {
    catalog.tools.iter().any(|def| apps::resource_uri(def.tool.meta.as_ref()).is_some())
        || catalog.resources.iter().any(|def| {
            matches!(&def.kind, ResourceKind::Fixed(resource) if resource.mime_type.as_deref() == Some(MIME_TYPE))
        })
}
