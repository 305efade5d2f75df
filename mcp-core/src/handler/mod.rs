//! What the macros generate against: handler definitions, the parameter
//! traits that tell arguments from extractors, and return-type conversions.
//!
//! Users implement [`Extractor`] for their own extractors and otherwise only
//! meet these types through `#[tool]`, `#[resource]` and `#[prompt]`.

mod arguments;
mod completion;
mod extract;
mod prompt;
mod resource;
mod tool;

pub use arguments::{ArgError, Arguments};
pub use completion::{CompleteFn, CompletionRequest, IntoCompletion, complete_fn};
pub use extract::{AsArg, AsExtractor, ExtractError, Extractor, Param, State};
pub use prompt::{IntoPromptResult, PromptDef, PromptError, PromptHandler};
pub use resource::{
    IntoResourceResult, Optional, Required, ResourceDef, ResourceError, ResourceHandler, ResourceRequest, TemplateVar,
};
pub use tool::{IntoToolResult, Json, ToolDef, ToolError, ToolHandler};

use std::future::Future;
use std::pin::Pin;

/// A boxed `Send` future, the shape every stored handler returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Pins the user's future and proves it is `Send`; the macros span calls to
/// this at the function name, so a non-`Send` handler is reported there.
#[doc(hidden)]
pub fn assert_send<F: Future + Send + 'static>(future: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>> {
    Box::pin(future)
}
