use super::{BoxFuture, RequiredState};
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::{CallToolResult, Content, ErrorSource, ResourceContents, Tool};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// The stored handler of a tool: arguments and context in, result out. A
/// tool's own failures are results (`isError: true`); `Err` is a failure
/// of the server (a missing extractor value), answered as a JSON-RPC error.
pub type ToolHandler = Arc<
    dyn Fn(crate::Context, Option<Box<serde_json::value::RawValue>>) -> BoxFuture<Result<CallToolResult, RpcError>>
        + Send
        + Sync,
>;

/// Decodes a tool's arguments (and fills its extractors) without running
/// it: `Err` holds what the call would have answered (a tool error naming
/// the argument, or a JSON-RPC error). A task tool's call is checked with
/// it before any task exists; `#[tool(task)]` generates it.
pub type ArgumentsCheck = Arc<
    dyn Fn(&crate::Context, Option<&serde_json::value::RawValue>) -> Result<(), Result<CallToolResult, RpcError>>
        + Send
        + Sync,
>;

/// A registered tool: its description and its handler.
#[derive(Clone)]
pub struct ToolDef {
    /// What `tools/list` shows.
    pub tool: Tool,
    /// What `tools/call` runs.
    pub handler: ToolHandler,
    /// OAuth scopes a caller needs (empty: none).
    pub scopes: Vec<String>,
    /// Shared state the handler needs (checked when the server is built).
    pub required_state: Vec<RequiredState>,
    /// Tags (`#[tool(tags(..))]`), for middleware that filters by them;
    /// also listed in the component's `_meta`.
    pub tags: Vec<String>,
    /// Whether and how it runs as a task (`#[tool(task)]`).
    pub task: crate::tasks::TaskPolicy,
    /// Its arguments' check, run before a task is created for a call
    /// (`None`: the arguments are decoded when the task runs).
    pub check: Option<ArgumentsCheck>,
}

impl ToolDef {
    /// A tool from its description and a handler closure; what `#[tool]`
    /// generates, and what runtime-built tools use.
    ///
    /// ```
    /// use quickmcp::{handler::ToolDef, protocol::{Tool, CallToolResult, Content}};
    /// let tool = Tool {
    ///     name: "hello".into(), title: None, description: None,
    ///     input_schema: serde_json::json!({"type": "object", "properties": {}}),
    ///     output_schema: None, annotations: None, icons: None, meta: None,
    /// };
    /// let def = ToolDef::new(tool, |_ctx, _args| async { CallToolResult::success(vec![Content::text("hi")]) });
    /// assert_eq!(def.tool.name, "hello");
    /// ```
    pub fn new<F, Fut>(tool: Tool, handler: F) -> Self
    where
        F: Fn(crate::Context, Option<Box<serde_json::value::RawValue>>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = CallToolResult> + Send + 'static,
    {
        let handler = Arc::new(move |ctx, args| {
            let result = handler(ctx, args);
            Box::pin(async move { Ok(result.await) }) as BoxFuture<_>
        });
        Self {
            tool,
            handler,
            scopes: Vec::new(),
            required_state: Vec::new(),
            tags: Vec::new(),
            task: Default::default(),
            check: None,
        }
    }
}

impl ToolDef {
    /// Arguments mirrored in `Mcp-Param-<name>` request headers: pairs of
    /// property and header suffix, from the `x-mcp-header` annotations of
    /// the input schema (`#[arg(header = "...")]`).
    pub fn header_params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tool.input_schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(name, schema)| Some((name.as_str(), schema.get("x-mcp-header")?.as_str()?)))
    }
}

/// Whether `name` can name a tool: 1 to 128 characters among
/// `A-Z a-z 0-9 _ - .` (what `#[tool(name = ..)]` checks at compile time).
pub(crate) fn valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolDef").field("tool", &self.tool).finish_non_exhaustive()
    }
}

/// A serialisable value returned as structured content (with an
/// `outputSchema`) and as its JSON text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// A tool failure reported to the model as `isError: true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError(pub String);

impl ToolError {
    /// An error explaining `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ToolError {}

impl From<String> for ToolError {
    fn from(message: String) -> Self {
        Self(message)
    }
}

impl From<&str> for ToolError {
    fn from(message: &str) -> Self {
        Self(message.to_owned())
    }
}

/// What a `#[tool]` function may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a `#[tool]`",
    label = "unsupported tool return type",
    note = "return `String`, `&'static str`, `Json<T>`, `Content`, `Vec<Content>`, `CallToolResult`, `()` or `Result<T, E: Display>` of one of these"
)]
pub trait IntoToolResult {
    /// The `outputSchema` this return type promises, if any.
    fn output_schema() -> Option<Value> {
        None
    }
    /// Converts the value into the call's result.
    fn into_tool_result(self) -> CallToolResult;
}

impl IntoToolResult for CallToolResult {
    fn into_tool_result(self) -> CallToolResult {
        self
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

impl IntoToolResult for &'static str {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

impl IntoToolResult for () {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(Vec::new())
    }
}

impl IntoToolResult for Content {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![self])
    }
}

impl IntoToolResult for Vec<Content> {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(self)
    }
}

impl IntoToolResult for ResourceContents {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::resource(self)])
    }
}

impl<T: Serialize + JsonSchema> IntoToolResult for Json<T> {
    fn output_schema() -> Option<Value> {
        Some(crate::schema::output_schema::<T>())
    }
    fn into_tool_result(self) -> CallToolResult {
        match serde_json::to_value(&self.0) {
            Ok(value) => {
                let structured = crate::schema::wrap_structured(value);
                CallToolResult {
                    content: vec![Content::text(structured.to_string())],
                    structured_content: Some(structured),
                    ..CallToolResult::default()
                }
            }
            Err(e) => CallToolResult::error(format!("could not serialise the result: {e}")),
        }
    }
}

impl<T: IntoToolResult, E: fmt::Display + Send + Sync + 'static> IntoToolResult for Result<T, E> {
    fn output_schema() -> Option<Value> {
        T::output_schema()
    }
    fn into_tool_result(self) -> CallToolResult {
        match self {
            Ok(value) => value.into_tool_result(),
            Err(e) => {
                let message = e.to_string();
                CallToolResult { error_source: Some(ErrorSource::new(e)), ..CallToolResult::error(message) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(String::from("a").into_tool_result(), CallToolResult::success(vec![Content::text("a")]));
        let err: Result<String, ToolError> = Err(ToolError::new("boom"));
        let r = err.into_tool_result();
        assert!(r.is_error);
        let r = Json(vec![1, 2]).into_tool_result();
        assert_eq!(r.structured_content, Some(serde_json::json!({"result": [1, 2]})));
        assert!(<Result<Json<u8>, ToolError>>::output_schema().is_some());
    }
}
