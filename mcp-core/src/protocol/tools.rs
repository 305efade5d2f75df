use super::{Content, Icon};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// A tool as `tools/list` describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// Unique name.
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it does, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of `arguments` (object root).
    pub input_schema: Value,
    /// JSON Schema of `structuredContent`, when the tool returns JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Behaviour hints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ToolAnnotations>,
    /// Icons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icons: Option<Vec<Icon>>,
    /// Extra data (`_meta`): the framework puts a component's tags here.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

/// Hints about a tool's behaviour (never security guarantees).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Does not modify its environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// May perform destructive updates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Repeating a call with the same arguments has no further effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// Interacts with an open world of external entities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

/// `tools/call` params; `arguments` stay raw until the tool decodes them.
#[derive(Debug, Deserialize)]
pub struct CallToolParams {
    /// The tool to run.
    pub name: String,
    /// Its arguments (an object).
    #[serde(default)]
    pub arguments: Option<Box<RawValue>>,
    /// Progress token and other request metadata.
    #[serde(rename = "_meta", default)]
    pub meta: Option<super::RequestMeta>,
}

/// What a tool call produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// Unstructured content.
    pub content: Vec<Content>,
    /// Structured result matching the tool's `outputSchema`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// The tool failed; `content` says why.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
    /// The Rust error a failed tool returned, for middleware that maps
    /// errors ([`ErrorMapping`](crate::middleware::ErrorMapping)); never sent.
    #[serde(skip)]
    pub error_source: Option<ErrorSource>,
}

impl CallToolResult {
    /// A successful result with `content`.
    pub fn success(content: Vec<Content>) -> Self {
        Self { content, ..Self::default() }
    }
    /// A failed result explaining `message` to the model.
    pub fn error(message: impl Into<String>) -> Self {
        Self { content: vec![Content::text(message)], is_error: true, ..Self::default() }
    }

    /// The text of its text contents, one per line (what a client shows).
    ///
    /// ```
    /// use quickmcp::protocol::CallToolResult;
    /// assert_eq!(CallToolResult::error("no such city").text(), "no such city");
    /// ```
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self
            .content
            .iter()
            .filter_map(|c| match c {
                Content::Text(text) => Some(text.text.as_str()),
                _ => None,
            })
            .collect();
        texts.join("\n")
    }
}

/// The error value a tool returned, kept beside its text so middleware can
/// look at its type.
#[derive(Clone)]
pub struct ErrorSource(std::sync::Arc<dyn std::any::Any + Send + Sync>, &'static str);

impl ErrorSource {
    /// Keeps `error`.
    pub fn new<E: Send + Sync + 'static>(error: E) -> Self {
        Self(std::sync::Arc::new(error), std::any::type_name::<E>())
    }

    /// The error, when it is an `E`.
    pub fn downcast_ref<E: 'static>(&self) -> Option<&E> {
        self.0.downcast_ref()
    }

    /// The error type's name.
    pub fn type_name(&self) -> &'static str {
        self.1
    }
}

impl std::fmt::Debug for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ErrorSource").field(&self.1).finish()
    }
}

/// Two results are equal whatever error values they keep.
impl PartialEq for ErrorSource {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
