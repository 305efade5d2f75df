//! Tool transformation: a new tool made from an existing one, whatever
//! made it (`#[tool]`, a mounted server, a remote server, OpenAPI), without
//! touching the original. A [`ToolTransform`] renames and re-describes the
//! tool, renames, re-describes, defaults or hides its arguments, adds tags,
//! annotations and `_meta`, and may wrap the call in a function of its own.
//!
//! The transformed tool's handler maps a call back before the original
//! runs: new argument names become the original ones, omitted arguments
//! get their defaults and hidden ones their fixed values. A caller that
//! sends a hidden argument, or an argument under the name it had before a
//! rename, is answered `-32602`, whatever the schema says of additional
//! properties: passing it through would let a caller override a fixed
//! value or reach an argument by a name it no longer has. Any other name is
//! passed through as it came, for the original to accept or refuse as it
//! always does.

mod arguments;
#[cfg(test)]
mod tests;

pub use arguments::ArgTransform;

use super::tool::valid_tool_name;
use super::{BoxFuture, ToolDef, ToolHandler};
use crate::context::Context;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::{CallToolResult, ToolAnnotations};
use arguments::Mapping;
use serde_json::{Map, Value};
use std::fmt;
use std::future::Future;
use std::sync::Arc;

type Wrapper =
    Arc<dyn Fn(Context, Map<String, Value>, Original) -> BoxFuture<Result<CallToolResult, RpcError>> + Send + Sync>;

/// How to make a new tool from an existing one; [`apply`](Self::apply)
/// makes it, and [`ServerBuilder::transform_tool`](crate::server::ServerBuilder::transform_tool)
/// applies it to a tool of a server whenever that tool enters the catalog.
///
/// ```
/// use quickmcp::handler::{ArgTransform, ToolTransform};
/// use quickmcp::prelude::*;
/// use serde_json::json;
///
/// /// Current weather.
/// #[tool]
/// async fn get_weather(city: String, units: String) -> String {
///     format!("21 degrees {units} in {city}")
/// }
///
/// let transform = ToolTransform::new()
///     .rename("weather")
///     .describe("The weather where the user is")
///     .argument("city", ArgTransform::new().rename("location").default(json!("Paris")))
///     .hide_argument("units", json!("metric"))
///     .tags(["public"]);
/// let original = tools![get_weather].remove(0);
/// let weather = transform.apply(&original).unwrap();
/// assert_eq!(weather.tool.name, "weather");
/// assert_eq!(weather.tool.input_schema["properties"]["location"]["default"], "Paris");
/// assert!(weather.tool.input_schema["properties"].get("units").is_none());
/// assert_eq!(original.tool.name, "get_weather", "the original is left as it was");
/// ```
#[derive(Clone, Default)]
pub struct ToolTransform {
    name: Option<String>,
    title: Option<String>,
    description: Option<String>,
    arguments: Vec<(String, ArgTransform)>,
    tags: Vec<String>,
    annotations: Option<ToolAnnotations>,
    meta: Vec<(String, Value)>,
    output_schema: Option<Value>,
    wrapper: Option<Wrapper>,
}

impl ToolTransform {
    /// A transform that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tool's new name (1 to 128 characters among `A-Z a-z 0-9 _ - .`).
    #[must_use]
    pub fn rename(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The tool's new display name.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The tool's new description, what the model reads.
    #[must_use]
    pub fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Transforms the argument the original tool calls `name` (see
    /// [`ArgTransform`]); a second call for the same argument replaces the
    /// first.
    #[must_use]
    pub fn argument(mut self, name: impl Into<String>, transform: ArgTransform) -> Self {
        let name = name.into();
        self.arguments.retain(|(argument, _)| *argument != name);
        self.arguments.push((name, transform));
        self
    }

    /// Hides the argument `name`: callers no longer see or send it, and the
    /// original always receives `value`.
    #[must_use]
    pub fn hide_argument(self, name: impl Into<String>, value: Value) -> Self {
        self.argument(name, ArgTransform::new().default(value).hide())
    }

    /// Adds tags (listed in `_meta.tags`, seen by middleware that filters
    /// by tag); the original's tags are kept.
    #[must_use]
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Replaces the tool's behaviour hints.
    #[must_use]
    pub fn annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.annotations = Some(annotations);
        self
    }

    /// Sets `key` in the tool's `_meta` (other keys are kept).
    #[must_use]
    pub fn meta(mut self, key: impl Into<String>, value: Value) -> Self {
        self.meta.push((key.into(), value));
        self
    }

    /// Replaces the tool's `outputSchema` (kept otherwise); for a wrapper
    /// that changes what the tool returns.
    #[must_use]
    pub fn output_schema(mut self, schema: Value) -> Self {
        self.output_schema = Some(schema);
        self
    }

    /// Runs `wrapper` instead of the original: it receives the call's
    /// arguments as callers name them (defaults filled in, hidden ones
    /// absent) and the [`Original`], which it may call, with these
    /// arguments or others, any number of times; so it can check arguments
    /// first, change the result, or answer by itself. A tool's own failure
    /// is a result ([`CallToolResult::error`]); `Err` is a JSON-RPC error.
    ///
    /// ```
    /// use quickmcp::handler::ToolTransform;
    /// use quickmcp::protocol::{CallToolResult, Content};
    ///
    /// let polite = ToolTransform::new().wrap(|ctx, arguments, original| async move {
    ///     if arguments.get("city").and_then(|c| c.as_str()) == Some("Atlantis") {
    ///         return Ok(CallToolResult::error("no weather under the sea"));
    ///     }
    ///     let mut result = original.call(ctx, arguments).await?;
    ///     result.content.push(Content::text("Have a nice day."));
    ///     Ok(result)
    /// });
    /// # let _ = polite;
    /// ```
    #[must_use]
    pub fn wrap<F, Fut>(mut self, wrapper: F) -> Self
    where
        F: Fn(Context, Map<String, Value>, Original) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CallToolResult, RpcError>> + Send + 'static,
    {
        self.wrapper = Some(Arc::new(move |ctx, arguments, original| Box::pin(wrapper(ctx, arguments, original))));
        self
    }

    /// The tool `def` transformed; `def` itself is left as it was. Its
    /// scopes, required state and task policy carry over, and so does its
    /// output schema unless [`output_schema`](Self::output_schema) replaces it.
    ///
    /// # Errors
    /// A [`TransformError`] naming the tool and the argument: an argument
    /// the tool does not have, two arguments that would share a name, a
    /// required argument hidden without a value, an invalid name.
    pub fn apply(&self, def: &ToolDef) -> Result<ToolDef, TransformError> {
        let mut tool = def.tool.clone();
        if let Some(name) = &self.name {
            if !valid_tool_name(name) {
                return Err(TransformError::InvalidToolName { tool: tool.name, name: name.clone() });
            }
            tool.name.clone_from(name);
        }
        let mapping = arguments::rewrite(&mut tool.input_schema, &def.tool.name, &tool.name, &self.arguments)?;
        if let Some(title) = &self.title {
            tool.title = Some(title.clone());
        }
        if let Some(description) = &self.description {
            tool.description = Some(description.clone());
        }
        if let Some(annotations) = &self.annotations {
            tool.annotations = Some(annotations.clone());
        }
        if let Some(schema) = &self.output_schema {
            tool.output_schema = Some(schema.clone());
        }
        let mut tags = def.tags.clone();
        for tag in &self.tags {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        let mut meta: Vec<(String, Value)> = Vec::new();
        if tags != def.tags {
            meta.push(("tags".into(), tags.clone().into()));
        }
        meta.extend(self.meta.iter().cloned());
        if !meta.is_empty() {
            let mut fields = match tool.meta.take() {
                Some(Value::Object(fields)) => fields,
                _ => Map::new(),
            };
            fields.extend(meta);
            tool.meta = Some(Value::Object(fields));
        }
        // The original's check holds only for the original's arguments.
        let check = (self.wrapper.is_none() && mapping.is_identity()).then(|| def.check.clone()).flatten();
        Ok(ToolDef {
            tool,
            handler: self.handler(&def.handler, mapping),
            scopes: def.scopes.clone(),
            required_state: def.required_state.clone(),
            tags,
            task: def.task,
            check,
        })
    }

    /// The transformed tool's handler: the wrapper if any, else the
    /// original behind the argument mapping (or the original itself when
    /// there is nothing to map).
    fn handler(&self, original: &ToolHandler, mapping: Mapping) -> ToolHandler {
        let original = Original { handler: Arc::clone(original), mapping: Arc::new(mapping) };
        match &self.wrapper {
            None if original.mapping.is_identity() => original.handler,
            None => Arc::new(move |ctx, raw| match original.mapping.incoming(raw.as_deref()) {
                Ok(arguments) => original.call(ctx, arguments),
                Err(error) => Box::pin(std::future::ready(Err(error))),
            }),
            Some(wrapper) => {
                let wrapper = Arc::clone(wrapper);
                Arc::new(move |ctx, raw| match original.mapping.incoming(raw.as_deref()) {
                    Ok(arguments) => wrapper(ctx, arguments, original.clone()),
                    Err(error) => Box::pin(std::future::ready(Err(error))),
                })
            }
        }
    }
}

impl fmt::Debug for ToolTransform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolTransform")
            .field("name", &self.name)
            .field("arguments", &self.arguments)
            .field("tags", &self.tags)
            .field("wrapped", &self.wrapper.is_some())
            .finish_non_exhaustive()
    }
}

/// The tool a [`ToolTransform::wrap`] wrapper stands in front of.
#[derive(Clone)]
pub struct Original {
    handler: ToolHandler,
    mapping: Arc<Mapping>,
}

impl Original {
    /// Runs the original tool with `arguments` named as the transformed
    /// tool's callers name them: they are mapped back (original names,
    /// defaults, hidden values) first; a hidden or renamed-away name is
    /// `-32602`.
    pub fn call(&self, ctx: Context, arguments: Map<String, Value>) -> BoxFuture<Result<CallToolResult, RpcError>> {
        match self.mapping.to_original(arguments) {
            Ok(arguments) => (self.handler)(ctx, Some(arguments)),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}

impl fmt::Debug for Original {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Original").finish_non_exhaustive()
    }
}

/// Why a [`ToolTransform`] cannot apply to a tool; each names the tool (by
/// its name before the transform) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransformError {
    /// The tool has no argument of that name.
    UnknownArgument {
        /// The tool.
        tool: String,
        /// The argument named by the transform.
        argument: String,
    },
    /// Two arguments renamed to the same name.
    SameName {
        /// The tool.
        tool: String,
        /// The name both would have.
        name: String,
        /// The two arguments, by their original names.
        arguments: [String; 2],
    },
    /// An argument renamed to the name another argument keeps.
    NameTaken {
        /// The tool.
        tool: String,
        /// The renamed argument.
        argument: String,
        /// Its new name, which another argument has.
        name: String,
    },
    /// A required argument hidden without a value to send in its place.
    HiddenRequired {
        /// The tool.
        tool: String,
        /// The argument.
        argument: String,
    },
    /// An argument renamed to the empty name.
    InvalidArgumentName {
        /// The tool.
        tool: String,
        /// The argument.
        argument: String,
        /// The new name.
        name: String,
    },
    /// A new tool name outside 1 to 128 characters among `A-Z a-z 0-9 _ - .`.
    InvalidToolName {
        /// The tool.
        tool: String,
        /// The new name.
        name: String,
    },
}

impl fmt::Display for TransformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownArgument { tool, argument } => {
                write!(f, "cannot transform tool `{tool}`: it has no argument `{argument}`")
            }
            Self::SameName { tool, name, arguments: [a, b] } => {
                write!(f, "cannot transform tool `{tool}`: arguments `{a}` and `{b}` would both be named `{name}`")
            }
            Self::NameTaken { tool, argument, name } => write!(
                f,
                "cannot transform tool `{tool}`: argument `{argument}` cannot be renamed `{name}`, another argument has that name"
            ),
            Self::HiddenRequired { tool, argument } => write!(
                f,
                "cannot transform tool `{tool}`: argument `{argument}` is required, so hiding it needs a value (`hide_argument(name, value)`)"
            ),
            Self::InvalidArgumentName { tool, argument, name } => {
                write!(f, "cannot transform tool `{tool}`: argument `{argument}` cannot be renamed `{name}`")
            }
            Self::InvalidToolName { tool, name } => write!(
                f,
                "cannot transform tool `{tool}`: `{name}` is not a tool name (1 to 128 characters among `A-Z a-z 0-9 _ - .`)"
            ),
        }
    }
}

impl std::error::Error for TransformError {}
