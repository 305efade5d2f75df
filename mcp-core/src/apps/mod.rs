//! MCP Apps (SEP-1865, the `io.modelcontextprotocol/ui` extension): a tool
//! that shows an interactive page. The server ships the page as a `ui://`
//! resource of type `text/html;profile=mcp-app` ([`App`]); tools point at it
//! with `_meta.ui.resourceUri` ([`ToolUi`], or `#[tool(ui = "ui://..")]`);
//! the host renders it in a sandboxed iframe under a Content Security
//! Policy built from what the page declared, and relays the page's tool
//! calls back here.
//!
//! What the server guarantees:
//! - every `ui://` page a tool points at exists: a missing one fails
//!   [`ServerBuilder::try_build`](crate::server::ServerBuilder::try_build);
//! - what a page declares (network origins, permissions) is checked when
//!   the server is built, so a typo cannot loosen a host's policy;
//! - tools only the page may call ([`Visibility::App`]) are listed and
//!   callable only for clients that declared the extension (hosts that can
//!   render a page); a host hides them from its model itself;
//! - the extension is declared in the server's capabilities, in both
//!   protocol eras, as soon as a tool shows a page.
//!
//! ```
//! use quickmcp::apps::App;
//! use quickmcp::prelude::*;
//!
//! /// This week's forecast, drawn as a chart by hosts that show apps.
//! #[tool(ui = "ui://weather/forecast")]
//! async fn forecast(city: String) -> String {
//!     format!("{city}: sunny all week")
//! }
//!
//! let page = App::html("ui://weather/forecast", "<!doctype html><html><body>…</body></html>")
//!     .title("Forecast")
//!     .prefers_border(true);
//! let server = Server::builder("weather", "1.0.0").tools(tools![forecast]).app(page).build();
//! # let _ = server;
//! ```

mod app;
mod tool_ui;

pub use app::{App, Permission};
pub use tool_ui::{ToolUi, Visibility};

use crate::protocol::Tool;
use serde_json::Value;

/// The extension's identifier, under `capabilities.extensions`.
pub const EXTENSION: &str = "io.modelcontextprotocol/ui";
/// The media type of an app's page.
pub const MIME_TYPE: &str = "text/html;profile=mcp-app";
/// The flat `_meta` key older hosts read a tool's page from (the spec
/// deprecates it; both are written).
pub const LEGACY_RESOURCE_URI: &str = "ui/resourceUri";
/// The scheme every app's URI has.
pub const SCHEME: &str = "ui://";

/// The page a tool's `_meta` points at: `ui.resourceUri`, else the legacy
/// flat key.
pub(crate) fn resource_uri(meta: Option<&Value>) -> Option<&str> {
    let meta = meta?;
    meta.get("ui").and_then(|ui| ui.get("resourceUri")).or_else(|| meta.get(LEGACY_RESOURCE_URI))?.as_str()
}

/// Whether only an app may call `tool`: it declares a visibility without
/// `"model"`.
pub(crate) fn app_only(tool: &Tool) -> bool {
    let Some(visibility) = tool.meta.as_ref().and_then(|m| m.get("ui")).and_then(|ui| ui.get("visibility")) else {
        return false;
    };
    !visibility.as_array().is_some_and(|v| v.iter().any(|who| who == "model"))
}

/// Renames the page `meta` points at (both keys), for a server mounted
/// under a prefix, whose resources gain the prefix too.
pub(crate) fn rename_page(meta: &mut Option<Value>, rename: impl Fn(&str) -> String) {
    let Some(Value::Object(meta)) = meta else { return };
    if let Some(Value::Object(ui)) = meta.get_mut("ui")
        && let Some(Value::String(uri)) = ui.get_mut("resourceUri")
    {
        *uri = rename(uri);
    }
    if let Some(Value::String(uri)) = meta.get_mut(LEGACY_RESOURCE_URI) {
        *uri = rename(uri);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(meta: Value) -> Tool {
        serde_json::from_value(json!({"name": "t", "inputSchema": {"type": "object"}, "_meta": meta})).unwrap()
    }

    #[test]
    fn a_tool_is_app_only_when_its_visibility_leaves_out_the_model() {
        assert!(app_only(&tool(json!({"ui": {"visibility": ["app"]}}))));
        assert!(app_only(&tool(json!({"ui": {"visibility": []}}))));
        assert!(!app_only(&tool(json!({"ui": {"visibility": ["model", "app"]}}))));
        assert!(!app_only(&tool(json!({"ui": {"resourceUri": "ui://a"}}))));
        assert!(!app_only(&tool(json!({"tags": ["x"]}))));
    }

    #[test]
    fn the_page_is_read_from_either_key_and_renamed_in_both() {
        assert_eq!(resource_uri(Some(&json!({"ui": {"resourceUri": "ui://a"}}))), Some("ui://a"));
        assert_eq!(resource_uri(Some(&json!({"ui/resourceUri": "ui://b"}))), Some("ui://b"));
        assert_eq!(resource_uri(Some(&json!({"ui": {}}))), None);
        let mut meta = Some(json!({"ui": {"resourceUri": "ui://a"}, "ui/resourceUri": "ui://a"}));
        rename_page(&mut meta, |uri| uri.replace("ui://", "ui://x/"));
        assert_eq!(meta, Some(json!({"ui": {"resourceUri": "ui://x/a"}, "ui/resourceUri": "ui://x/a"})));
    }
}
