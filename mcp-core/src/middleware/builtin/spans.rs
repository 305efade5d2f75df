//! [`Spans`]: a `tracing` span around every MCP request, named and
//! labelled after the OpenTelemetry semantic conventions for MCP.

use crate::middleware::{McpRequest, Middleware, Next, Outcome, ToolCall, method_label};
use crate::protocol::CallToolResult;
use crate::protocol::jsonrpc::RpcError;
use serde_json::value::RawValue;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Instrument as _;
use tracing::field::Empty;

/// Opens a span `mcp.request` (level DEBUG, target `mcp::spans`) around
/// every request, with `mcp.method.name`, `mcp.session.id`,
/// `mcp.protocol.era`, the W3C `traceparent` of the request's `_meta` when
/// it has one (with the `otel` feature, the span joins that trace: its
/// parent is the caller's span rather than the HTTP request's), `gen_ai.tool.name` for tool calls, and `outcome` (`ok`,
/// `tool_error` or `error`) with `error.type` (the JSON-RPC code). Log
/// events of the handler happen inside it; a subscriber that exports spans
/// (OpenTelemetry, say) sees the request's duration. Enable it with a
/// filter such as `RUST_LOG=info,mcp::spans=debug`; when the level is off
/// it costs a level check.
///
/// ```
/// use quickmcp::Server;
/// use quickmcp::middleware::Spans;
///
/// let server = Server::builder("demo", "1.0.0").middleware(Spans).build();
/// # let _ = server;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Spans;

/// Set by `on_call_tool` when the tool failed, read by `on_request` (which
/// records the outcome once).
#[derive(Clone, Default)]
struct ToolFailed(Arc<AtomicBool>);

/// The W3C trace context of a request's `_meta`: `traceparent` (recorded
/// on the span) and `tracestate` (used to join the trace with `otel`).
#[derive(serde::Deserialize)]
struct TraceMeta {
    traceparent: String,
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    tracestate: Option<String>,
}

/// `_meta`'s trace context, when the request's params carry a sane one.
fn trace_meta(params: Option<&RawValue>) -> Option<TraceMeta> {
    #[derive(serde::Deserialize)]
    struct Params {
        #[serde(rename = "_meta")]
        meta: Option<TraceMeta>,
    }
    let params: Params = serde_json::from_str(params?.get()).ok()?;
    params.meta.filter(|m| m.traceparent.len() <= 64)
}

impl Middleware for Spans {
    fn on_request<'a>(&'a self, mut request: McpRequest, next: Next<'a, McpRequest>) -> Outcome<'a, Box<RawValue>> {
        let caller = request.caller();
        let span = tracing::debug_span!(
            target: "mcp::spans",
            "mcp.request",
            mcp.method.name = method_label(request.method()),
            mcp.session.id = caller.session().map(|s| s.id.as_str()),
            mcp.protocol.era = ?caller.era(),
            traceparent = Empty,
            gen_ai.tool.name = Empty,
            outcome = Empty,
            error.type = Empty,
        );
        if span.is_disabled() {
            return next.run(request);
        }
        if let Some(meta) = trace_meta(request.params()) {
            span.record("traceparent", meta.traceparent.as_str());
            #[cfg(feature = "otel")]
            crate::otel::join_remote_trace(
                &span,
                &meta.traceparent,
                meta.tracestate.as_deref().filter(|s| s.len() <= 512),
            );
        }
        let recorded = span.clone();
        let tool_failed = ToolFailed::default();
        request.extensions_mut().insert(tool_failed.clone());
        Box::pin(
            async move {
                let result = next.run(request).await;
                match &result {
                    Ok(_) if tool_failed.0.load(Ordering::Relaxed) => {
                        recorded.record("outcome", "tool_error");
                    }
                    Ok(_) => {
                        recorded.record("outcome", "ok");
                    }
                    Err(RpcError { code, .. }) => {
                        recorded.record("outcome", "error");
                        recorded.record("error.type", code);
                    }
                }
                result
            }
            .instrument(span),
        )
    }

    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        let span = tracing::Span::current();
        if span.is_disabled() {
            return next.run(call);
        }
        span.record("gen_ai.tool.name", call.name());
        let Some(tool_failed) = call.context().extensions().get::<ToolFailed>().cloned() else {
            return next.run(call);
        };
        Box::pin(async move {
            let result = next.run(call).await;
            if result.as_ref().is_ok_and(|r| r.is_error) {
                tool_failed.0.store(true, Ordering::Relaxed);
            }
            result
        })
    }
}
