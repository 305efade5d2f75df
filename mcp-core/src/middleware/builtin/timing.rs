//! [`Timing`]: one `tracing` event per request, with its method, the tool,
//! resource or prompt it names, how long it took and how it ended.

use crate::middleware::{McpRequest, chain::Hook, method_label};
use crate::middleware::{Middleware, Next, Outcome, PromptGet, ResourceRead, ToolCall};
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::{CallToolResult, GetPromptResult, ResourceContents};
use serde_json::value::RawValue;
use std::time::{Duration, Instant};

/// Logs every request with its duration and outcome (`tracing` target
/// `mcp::timing`): at `info`, or at `warn` when it took longer than
/// [`slow_after`](Timing::slow_after).
///
/// ```
/// use quickmcp::Server;
/// use quickmcp::middleware::Timing;
/// use std::time::Duration;
///
/// let server = Server::builder("demo", "1.0.0").middleware(Timing::new().slow_after(Duration::from_secs(2))).build();
/// # let _ = server;
/// ```
#[derive(Debug, Clone)]
pub struct Timing {
    slow_after: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self::new()
    }
}

impl Timing {
    /// Logs at `info`; requests slower than one second at `warn`.
    pub fn new() -> Self {
        Self { slow_after: Duration::from_secs(1) }
    }

    /// Requests slower than `limit` are logged at `warn`.
    #[must_use]
    pub fn slow_after(mut self, limit: Duration) -> Self {
        self.slow_after = limit;
        self
    }

    fn timed<'a, R: Hook>(
        &'a self,
        method: &'static str,
        name: String,
        request: R,
        next: Next<'a, R>,
        outcome: fn(&R::Output) -> &'static str,
    ) -> Outcome<'a, R::Output> {
        Box::pin(async move {
            let started = Instant::now();
            let result = next.run(request).await;
            let elapsed = started.elapsed();
            let (outcome, code) = match &result {
                Ok(output) => (outcome(output), None),
                Err(RpcError { code, .. }) => ("error", Some(*code)),
            };
            if elapsed > self.slow_after {
                tracing::warn!(target: "mcp::timing", method, name, outcome, code, ?elapsed, "slow MCP request");
            } else {
                tracing::info!(target: "mcp::timing", method, name, outcome, code, ?elapsed, "MCP request");
            }
            result
        })
    }
}

fn ok<T>(_: &T) -> &'static str {
    "ok"
}

impl Middleware for Timing {
    fn on_request<'a>(&'a self, request: McpRequest, next: Next<'a, McpRequest>) -> Outcome<'a, Box<RawValue>> {
        // The three calls are timed by their own hooks, with their names.
        match request.method() {
            "tools/call" | "resources/read" | "prompts/get" => next.run(request),
            _ => {
                let method = method_label(request.method());
                self.timed(method, String::new(), request, next, ok)
            }
        }
    }

    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        let name = call.name().to_owned();
        self.timed("tools/call", name, call, next, |r| if r.is_error { "tool_error" } else { "ok" })
    }

    fn on_read_resource<'a>(
        &'a self,
        read: ResourceRead,
        next: Next<'a, ResourceRead>,
    ) -> Outcome<'a, Vec<ResourceContents>> {
        let uri = read.uri().to_owned();
        self.timed("resources/read", uri, read, next, ok)
    }

    fn on_get_prompt<'a>(&'a self, get: PromptGet, next: Next<'a, PromptGet>) -> Outcome<'a, GetPromptResult> {
        let name = get.name().to_owned();
        self.timed("prompts/get", name, get, next, ok)
    }
}
