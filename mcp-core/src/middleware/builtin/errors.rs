//! [`ErrorMapping`]: what the client is told when something fails, chosen
//! by the error's Rust type, with internals kept in the server's logs.

use crate::middleware::{McpRequest, Middleware, Next, Outcome, ToolCall};
use crate::protocol::jsonrpc::{RpcError, code};
use crate::protocol::{CallToolResult, Content, ErrorSource};
use serde_json::value::RawValue;
use std::sync::Arc;

type Mapper = dyn Fn(&ErrorSource) -> Option<String> + Send + Sync;

/// Rewrites failures before they reach the client:
/// - [`map`](Self::map): a tool that failed with an error of type `E` (its
///   `Err` value) answers the message you choose instead of the error's own
///   text;
/// - [`hide_internal_errors`](Self::hide_internal_errors): JSON-RPC internal
///   errors (`-32603`: panics, failed extractors) carry a fixed message;
///   the original is logged (`tracing` target `mcp::errors`).
///
/// ```
/// use quickmcp::middleware::ErrorMapping;
/// use quickmcp::prelude::*;
///
/// /// Reads a file.
/// #[tool]
/// async fn read_file(path: String) -> Result<String, std::io::Error> {
///     std::fs::read_to_string(path)
/// }
///
/// let errors = ErrorMapping::new()
///     .map(|e: &std::io::Error| format!("the file could not be read ({:?})", e.kind()))
///     .hide_internal_errors("something went wrong on our side");
/// let server = Server::builder("files", "1.0.0").tools(tools![read_file]).middleware(errors).build();
/// # let _ = server;
/// ```
#[derive(Default)]
pub struct ErrorMapping {
    mappers: Vec<Arc<Mapper>>,
    internal_message: Option<String>,
}

impl std::fmt::Debug for ErrorMapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorMapping")
            .field("mappers", &self.mappers.len())
            .field("internal_message", &self.internal_message)
            .finish()
    }
}

impl ErrorMapping {
    /// Maps nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tool that returned `Err(e)` with `e: E` tells the model
    /// `message(&e)` instead of `e`'s own text. The first matching mapping
    /// wins.
    #[must_use]
    pub fn map<E: 'static>(mut self, message: impl Fn(&E) -> String + Send + Sync + 'static) -> Self {
        self.mappers.push(Arc::new(move |source: &ErrorSource| source.downcast_ref::<E>().map(&message)));
        self
    }

    /// Internal errors (`-32603`) answer `message`; the original is logged.
    #[must_use]
    pub fn hide_internal_errors(mut self, message: impl Into<String>) -> Self {
        self.internal_message = Some(message.into());
        self
    }

    fn hide(&self, error: RpcError) -> RpcError {
        match &self.internal_message {
            Some(message) if error.code == code::INTERNAL_ERROR => {
                tracing::error!(target: "mcp::errors", error = %error.message, "internal error hidden from the client");
                RpcError::new(code::INTERNAL_ERROR, message.clone())
            }
            _ => error,
        }
    }
}

impl Middleware for ErrorMapping {
    fn on_request<'a>(&'a self, request: McpRequest, next: Next<'a, McpRequest>) -> Outcome<'a, Box<RawValue>> {
        if self.internal_message.is_none() {
            return next.run(request);
        }
        Box::pin(async move { next.run(request).await.map_err(|e| self.hide(e)) })
    }

    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        if self.mappers.is_empty() {
            return next.run(call);
        }
        Box::pin(async move {
            let mut result = next.run(call).await?;
            let mapped = result.error_source.as_ref().and_then(|source| self.mappers.iter().find_map(|m| m(source)));
            if let Some(message) = mapped {
                result.content = vec![Content::text(message)];
                result.structured_content = None;
            }
            Ok(result)
        })
    }
}
