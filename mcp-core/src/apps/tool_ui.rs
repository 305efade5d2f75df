//! What a tool says about apps in its `_meta.ui`: the page that shows its
//! results, and who may call it.

use super::LEGACY_RESOURCE_URI;
use crate::handler::ToolDef;
use serde_json::{Map, Value, json};

/// Who may call a tool ([`ToolUi::visibility`]); both when unsaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The model: the host lists the tool to it.
    Model,
    /// The app's page, through the host.
    App,
}

impl Visibility {
    fn as_str(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::App => "app",
        }
    }
}

/// A tool's `_meta.ui`: what [`ToolDef::with_ui`] adds and
/// `#[tool(ui = "ui://..")]` / `#[tool(ui(resource = "ui://..", visibility("app")))]`
/// generate.
///
/// ```
/// use quickmcp::apps::{ToolUi, Visibility};
/// use quickmcp::prelude::*;
///
/// #[tool]
/// async fn refresh() -> String { "fresh".into() }
///
/// let def = tools![refresh].remove(0).with_ui(ToolUi::new("ui://dash/main").visibility([Visibility::App]));
/// let meta = def.tool.meta.unwrap();
/// assert_eq!(meta["ui"]["resourceUri"], "ui://dash/main");
/// assert_eq!(meta["ui/resourceUri"], "ui://dash/main");
/// assert_eq!(meta["ui"]["visibility"], serde_json::json!(["app"]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolUi {
    resource: Option<String>,
    visibility: Option<Vec<Visibility>>,
}

impl ToolUi {
    /// Results shown by the page at `resource` (a `ui://` URI).
    pub fn new(resource: impl Into<String>) -> Self {
        Self { resource: Some(resource.into()), visibility: None }
    }

    /// Who may call the tool: `[Visibility::App]` keeps it from the model
    /// (a page's refresh button), `[Visibility::Model]` from the page.
    #[must_use]
    pub fn visibility(mut self, who: impl IntoIterator<Item = Visibility>) -> Self {
        let mut who: Vec<Visibility> = who.into_iter().collect();
        who.dedup();
        self.visibility = Some(who);
        self
    }

    /// Writes this into `meta` (kept: everything else there).
    fn write(&self, meta: &mut Map<String, Value>) {
        let ui = meta.entry("ui").or_insert_with(|| json!({}));
        if !ui.is_object() {
            *ui = json!({});
        }
        if let Value::Object(ui) = ui {
            if let Some(resource) = &self.resource {
                ui.insert("resourceUri".into(), resource.as_str().into());
            }
            if let Some(who) = &self.visibility {
                ui.insert("visibility".into(), who.iter().map(|w| w.as_str()).collect::<Vec<_>>().into());
            }
        }
        if let Some(resource) = &self.resource {
            meta.insert(LEGACY_RESOURCE_URI.into(), resource.as_str().into());
        }
    }
}

impl ToolDef {
    /// This tool with `ui` in its `_meta` (see [`ToolUi`]); the server
    /// checks when it is built that the page exists.
    #[must_use]
    pub fn with_ui(mut self, ui: ToolUi) -> Self {
        let meta = self.tool.meta.get_or_insert_with(|| json!({}));
        if !meta.is_object() {
            *meta = json!({});
        }
        if let Value::Object(meta) = meta {
            ui.write(meta);
        }
        self
    }
}
