//! What the macros generate against: handler definitions, the parameter
//! traits that tell arguments from extractors, and return-type conversions.
//!
//! Users implement [`Extractor`] for their own extractors, make new tools
//! from existing ones with [`ToolTransform`], and otherwise only meet these
//! types through `#[tool]`, `#[resource]` and `#[prompt]`.

pub(crate) mod arguments;
pub(crate) mod completion;
pub(crate) mod extract;
mod prompt;
pub(crate) mod resource;
pub(crate) mod text;
mod tool;
mod transform;

pub use completion::{CompleteFn, CompletionRequest, IntoCompletion};
pub use extract::{ExtractError, Extractor, RequiredState, State};
pub use prompt::{IntoPromptResult, PromptDef, PromptError, PromptHandler};
pub use resource::{IntoResourceResult, ResourceDef, ResourceError, ResourceHandler, ResourceKind, ResourceRequest};
pub use tool::{ArgumentsCheck, IntoToolResult, Json, ToolDef, ToolError, ToolHandler};
pub use transform::{ArgTransform, Original, ToolTransform, TransformError};

use std::future::Future;
use std::pin::Pin;

/// A boxed `Send` future, the shape every stored handler returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
