//! Running a request through the middleware chain: [`Next`] holds the
//! middleware still to run and the handler at the end.

use super::Middleware;
use super::requests::{McpRequest, PromptGet, ResourceRead, ToolCall};
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::{CallToolResult, GetPromptResult, ResourceContents};
use serde_json::value::RawValue;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What a hook returns: the result, or the JSON-RPC error to answer with.
pub type Outcome<'a, T> = Pin<Box<dyn Future<Output = Result<T, RpcError>> + Send + 'a>>;

/// A request that goes through a hook of [`Middleware`]: which hook, and
/// what it produces. Implemented for [`McpRequest`], [`ToolCall`],
/// [`ResourceRead`] and [`PromptGet`].
pub trait Hook: Send + Sized + 'static {
    /// What the request produces.
    type Output: Send + 'static;
    /// Calls this request's hook of `middleware`.
    #[doc(hidden)]
    fn enter<'a>(middleware: &'a dyn Middleware, request: Self, next: Next<'a, Self>) -> Outcome<'a, Self::Output>;
}

impl Hook for McpRequest {
    type Output = Box<RawValue>;
    fn enter<'a>(middleware: &'a dyn Middleware, request: Self, next: Next<'a, Self>) -> Outcome<'a, Self::Output> {
        middleware.on_request(request, next)
    }
}

impl Hook for ToolCall {
    type Output = CallToolResult;
    fn enter<'a>(middleware: &'a dyn Middleware, request: Self, next: Next<'a, Self>) -> Outcome<'a, Self::Output> {
        middleware.on_call_tool(request, next)
    }
}

impl Hook for ResourceRead {
    type Output = Vec<ResourceContents>;
    fn enter<'a>(middleware: &'a dyn Middleware, request: Self, next: Next<'a, Self>) -> Outcome<'a, Self::Output> {
        middleware.on_read_resource(request, next)
    }
}

impl Hook for PromptGet {
    type Output = GetPromptResult;
    fn enter<'a>(middleware: &'a dyn Middleware, request: Self, next: Next<'a, Self>) -> Outcome<'a, Self::Output> {
        middleware.on_get_prompt(request, next)
    }
}

/// The rest of the chain: the middleware after this one, then the handler.
/// [`run`](Next::run) it to pass the request on, or drop it to answer
/// without running the handler.
pub struct Next<'a, R: Hook> {
    rest: &'a [Arc<dyn Middleware>],
    end: Box<dyn FnOnce(R) -> Outcome<'a, R::Output> + Send + 'a>,
}

impl<'a, R: Hook> Next<'a, R> {
    /// The chain `middleware`, ending in `end`.
    pub(crate) fn new(
        middleware: &'a [Arc<dyn Middleware>],
        end: impl FnOnce(R) -> Outcome<'a, R::Output> + Send + 'a,
    ) -> Self {
        Self { rest: middleware, end: Box::new(end) }
    }

    /// Passes `request` to the next middleware, or to the handler after
    /// the last one.
    pub fn run(self, request: R) -> Outcome<'a, R::Output> {
        match self.rest.split_first() {
            Some((first, rest)) => R::enter(&**first, request, Next { rest, end: self.end }),
            None => (self.end)(request),
        }
    }
}

impl<R: Hook> std::fmt::Debug for Next<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next").field("middleware_left", &self.rest.len()).finish_non_exhaustive()
    }
}
