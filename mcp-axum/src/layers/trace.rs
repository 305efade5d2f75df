//! A `tracing` span around every HTTP request to the endpoint: `http.request`
//! (level DEBUG, target `mcp::spans`) with the method, the path, the W3C
//! `traceparent` header when present and the response status. MCP spans
//! (`quickmcp::middleware::Spans`) open inside it. With the `otel` feature
//! the span joins the caller's trace (`traceparent` and `tracestate`).

use axum::extract::Request;
use axum::response::Response;
use http::header::HeaderName;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::{Layer, Service};
use tracing::Instrument as _;
use tracing::field::Empty;
use tracing::instrument::Instrumented;

const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
#[cfg(feature = "otel")]
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Wraps the endpoint in an `http.request` span (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpSpanLayer;

impl<S> Layer<S> for HttpSpanLayer {
    type Service = HttpSpan<S>;
    fn layer(&self, inner: S) -> HttpSpan<S> {
        HttpSpan { inner }
    }
}

/// The service of [`HttpSpanLayer`].
#[derive(Debug, Clone)]
pub struct HttpSpan<S> {
    inner: S,
}

impl<S> Service<Request> for HttpSpan<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Spanned<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let span = tracing::debug_span!(
            target: "mcp::spans",
            "http.request",
            http.request.method = %request.method(),
            url.path = request.uri().path(),
            traceparent = Empty,
            http.response.status_code = Empty,
        );
        if !span.is_disabled() {
            let parent = request.headers().get(TRACEPARENT).and_then(|v| v.to_str().ok());
            if let Some(parent) = parent.filter(|p| p.len() <= 64) {
                span.record("traceparent", parent);
                #[cfg(feature = "otel")]
                {
                    let state = request.headers().get(TRACESTATE).and_then(|v| v.to_str().ok());
                    quickmcp::otel::join_remote_trace(&span, parent, state.filter(|s| s.len() <= 512));
                }
            }
        }
        let answer = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        Spanned { answer: answer.instrument(span) }
    }
}

pin_project_lite::pin_project! {
    /// The inner answer inside its span; the status is recorded on it.
    pub struct Spanned<F> {
        #[pin]
        answer: Instrumented<F>,
    }
}

impl<F, E> Future for Spanned<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut answer = self.project().answer;
        let result = std::task::ready!(answer.as_mut().poll(cx));
        if let Ok(response) = &result {
            answer.span().record("http.response.status_code", response.status().as_u16());
        }
        Poll::Ready(result)
    }
}
