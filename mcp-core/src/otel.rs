//! Joining the caller's trace (feature `otel`): W3C trace context becomes
//! the OpenTelemetry parent of a `tracing` span exported with
//! `tracing-opentelemetry`.
//!
//! The transport uses it for the `traceparent` header of an HTTP request,
//! and the [`Spans`](crate::middleware::Spans) middleware for the
//! `traceparent` in a request's `_meta`, which MCP clients use to carry
//! their context over any transport.

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Makes `span` a child of the remote span that `traceparent` names (with
/// its `tracestate`), and returns whether it did. Malformed or all-zero
/// trace context is ignored, so the span keeps its local parent; so is a
/// span that no OpenTelemetry layer records.
///
/// Call it before the span is first entered.
///
/// ```
/// let span = tracing::info_span!("work");
/// let joined = quickmcp::otel::join_remote_trace(
///     &span,
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
///     None,
/// );
/// // No subscriber with an OpenTelemetry layer here, so nothing to join.
/// assert!(!joined);
/// assert!(!quickmcp::otel::join_remote_trace(&span, "00-zz-00-01", None));
/// ```
pub fn join_remote_trace(span: &tracing::Span, traceparent: &str, tracestate: Option<&str>) -> bool {
    let carrier = TraceContext { traceparent, tracestate };
    let parent = TraceContextPropagator::new().extract(&carrier);
    if !parent.span().span_context().is_valid() {
        return false;
    }
    span.set_parent(parent).is_ok()
}

/// The two W3C headers as a propagation carrier.
struct TraceContext<'a> {
    traceparent: &'a str,
    tracestate: Option<&'a str>,
}

impl Extractor for TraceContext<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => Some(self.traceparent),
            "tracestate" => self.tracestate,
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}
