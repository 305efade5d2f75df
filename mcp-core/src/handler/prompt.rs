use super::{BoxFuture, CompleteFn};
use crate::jsonrpc::RpcError;
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
}

impl PromptDef {
    /// A prompt from its description and a handler closure.
    pub fn new<F, Fut>(prompt: Prompt, handler: F) -> Self
    where
        F: Fn(crate::Context, HashMap<String, String>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<GetPromptResult, RpcError>> + Send + 'static,
    {
        Self { prompt, handler: Arc::new(move |ctx, args| Box::pin(handler(ctx, args))), completions: Vec::new() }
    }
}

impl fmt::Debug for PromptDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromptDef").field("prompt", &self.prompt).finish_non_exhaustive()
    }
}

/// A prompt could not be rendered; reported as a JSON-RPC error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptError(pub String);

impl fmt::Display for PromptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PromptError {}

/// What a `#[prompt]` function may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a `#[prompt]`",
    label = "unsupported prompt return type",
    note = "return `String`, `PromptMessage`, `Vec<PromptMessage>`, `GetPromptResult` or `Result<T, E: Display>` of one of these"
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

impl<T: IntoPromptResult, E: fmt::Display> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        self.map_err(RpcError::internal)?.into_prompt_result()
    }
}
