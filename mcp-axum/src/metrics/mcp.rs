//! The MCP half: middleware counting and timing every MCP request by
//! method, tool and outcome.

use super::{McpLabels, Metrics};
use quickmcp::middleware::{McpRequest, Middleware, Next, Outcome, PromptGet, ResourceRead, ToolCall, method_label};
use quickmcp::protocol::jsonrpc::RpcError;
use quickmcp::protocol::{CallToolResult, GetPromptResult, ResourceContents};
use serde_json::value::RawValue;
use std::time::Instant;

/// Counts and times MCP requests (see [`super`]); made by
/// [`Metrics::middleware`].
#[derive(Clone, Debug)]
pub struct McpMetrics {
    pub(super) metrics: Metrics,
}

impl McpMetrics {
    fn observe<T>(
        &self,
        method: &'static str,
        tool: &'static str,
        started: Instant,
        result: &Result<T, RpcError>,
        tool_error: bool,
    ) {
        let outcome = match result {
            Ok(_) if tool_error => "tool_error",
            Ok(_) => "ok",
            Err(error) => code_label(error.code),
        };
        let labels = McpLabels { mcp_method_name: method, gen_ai_tool_name: tool, outcome };
        self.metrics.count_mcp(labels, started.elapsed().as_secs_f64());
    }
}

/// A JSON-RPC error code as a label: the codes this framework answers with,
/// or `error`.
fn code_label(code: i64) -> &'static str {
    const CODES: &[(i64, &str)] = &[
        (-32700, "-32700"),
        (-32600, "-32600"),
        (-32601, "-32601"),
        (-32602, "-32602"),
        (-32603, "-32603"),
        (-32800, "-32800"),
        (-32042, "-32042"),
        (-32022, "-32022"),
        (-32021, "-32021"),
        (-32020, "-32020"),
        (-32003, "-32003"),
        (-32002, "-32002"),
        (-32001, "-32001"),
        (-32000, "-32000"),
    ];
    CODES.iter().find(|(c, _)| *c == code).map_or("error", |(_, label)| label)
}

impl Middleware for McpMetrics {
    fn on_request<'a>(&'a self, request: McpRequest, next: Next<'a, McpRequest>) -> Outcome<'a, Box<RawValue>> {
        // The three calls are counted by their own hooks (with their names).
        let method = match request.method() {
            "tools/call" | "resources/read" | "prompts/get" => return next.run(request),
            method => method_label(method),
        };
        Box::pin(async move {
            let started = Instant::now();
            let result = next.run(request).await;
            self.observe(method, "", started, &result, false);
            result
        })
    }

    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        Box::pin(async move {
            let (started, tool) = (Instant::now(), self.metrics.tool_label(call.name()));
            let result = next.run(call).await;
            let tool_error = result.as_ref().is_ok_and(|r| r.is_error);
            self.observe("tools/call", tool, started, &result, tool_error);
            result
        })
    }

    fn on_read_resource<'a>(
        &'a self,
        read: ResourceRead,
        next: Next<'a, ResourceRead>,
    ) -> Outcome<'a, Vec<ResourceContents>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = next.run(read).await;
            self.observe("resources/read", "", started, &result, false);
            result
        })
    }

    fn on_get_prompt<'a>(&'a self, get: PromptGet, next: Next<'a, PromptGet>) -> Outcome<'a, GetPromptResult> {
        Box::pin(async move {
            let started = Instant::now();
            let result = next.run(get).await;
            self.observe("prompts/get", "", started, &result, false);
            result
        })
    }
}
