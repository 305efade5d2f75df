use super::{BoxFuture, CompleteFn, RequiredState};
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::{Content, GetPromptResult, Prompt, PromptMessage};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The stored handler of a prompt: string arguments and context in.
pub type PromptHandler =
    Arc<dyn Fn(crate::Context, HashMap<String, String>) -> BoxFuture<Result<GetPromptResult, RpcError>> + Send + Sync>;

/// A registered prompt.
#[derive(Clone)]
pub struct PromptDef {
    /// What `prompts/list` shows.
    pub prompt: Prompt,
    /// What `prompts/get` runs.
    pub handler: PromptHandler,
    /// Completion sources by argument name.
    pub completions: Vec<(String, CompleteFn)>,
    /// OAuth scopes a caller needs (empty: none).
    pub scopes: Vec<String>,
    /// Shared state the handler needs (checked when the server is built).
    pub required_state: Vec<RequiredState>,
    /// Tags (`#[tool(tags(..))]`), for middleware that filters by them;
    /// also listed in the component's `_meta`.
    pub tags: Vec<String>,
}

impl PromptDef {
    /// A prompt from its description and a handler closure.
    pub fn new<F, Fut>(prompt: Prompt, handler: F) -> Self
    where
        F: Fn(crate::Context, HashMap<String, String>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<GetPromptResult, RpcError>> + Send + 'static,
    {
        let handler: PromptHandler = Arc::new(move |ctx, args| Box::pin(handler(ctx, args)));
        Self {
            prompt,
            handler,
            completions: Vec::new(),
            scopes: Vec::new(),
            required_state: Vec::new(),
            tags: Vec::new(),
        }
    }
}

impl fmt::Debug for PromptDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromptDef").field("prompt", &self.prompt).finish_non_exhaustive()
    }
}

/// A prompt could not be rendered, reported as the JSON-RPC error it holds:
/// an argument the client got wrong (`-32602`), or a failure of the server
/// (`-32603`). A returned [`RpcError`] keeps its code.
///
/// ```
/// use quickmcp::prelude::*;
///
/// /// Summarises a note.
/// #[prompt]
/// async fn summarize(id: u64) -> Result<String, PromptError> {
///     if id > 100 {
///         return Err(PromptError::not_found(format!("note {id}")));
///     }
///     Ok(format!("Summarise note {id}."))
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PromptError(pub RpcError);

impl PromptError {
    /// Something the prompt refers to does not exist (`-32602`, "Not found: …").
    pub fn not_found(what: impl fmt::Display) -> Self {
        Self(RpcError::new(crate::protocol::jsonrpc::code::INVALID_PARAMS, format!("Not found: {what}")))
    }
    /// An argument has a value the prompt cannot use (`-32602`).
    pub fn invalid(message: impl fmt::Display) -> Self {
        Self(RpcError::invalid_params(message))
    }
    /// Any other failure, explained by `message` (`-32603`).
    pub fn new(message: impl fmt::Display) -> Self {
        Self(RpcError::internal(message))
    }
}

impl fmt::Display for PromptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for PromptError {}

impl From<String> for PromptError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}
impl From<&str> for PromptError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}
impl From<std::io::Error> for PromptError {
    fn from(e: std::io::Error) -> Self {
        Self::new(e)
    }
}
impl From<RpcError> for PromptError {
    fn from(e: RpcError) -> Self {
        Self(e)
    }
}

/// What a `#[prompt]` function may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a `#[prompt]`",
    label = "unsupported prompt return type",
    note = "return `String`, `PromptMessage`, `Vec<PromptMessage>`, `GetPromptResult` or `Result<T, E: Into<PromptError>>` of one of these"
)]
pub trait IntoPromptResult {
    /// Converts the value into the `prompts/get` result.
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError>;
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        Ok(self)
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        Ok(GetPromptResult { description: None, messages: self })
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        vec![self].into_prompt_result()
    }
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        PromptMessage::user(Content::text(self)).into_prompt_result()
    }
}

impl IntoPromptResult for &'static str {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        PromptMessage::user(Content::text(self)).into_prompt_result()
    }
}

impl<T: IntoPromptResult, E: Into<PromptError>> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        self.map_err(|e| e.into().0)?.into_prompt_result()
    }
}
