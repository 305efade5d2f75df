//! The HTTP half: a tower layer around the endpoint counting requests by
//! method and status, those in flight, refusals by reason (from the
//! `Rejected` mark refusing layers leave on their answer) and open SSE
//! streams (until their body is dropped).

use super::{Metrics, Reason};
use crate::reply::Rejected;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::{Method, header};
use http_body::{Body as HttpBody, Frame, SizeHint};
use prometheus_client::metrics::gauge::Gauge;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// The layer: put outermost, so that it sees every refusal.
#[derive(Clone)]
pub(crate) struct HttpMetricsLayer(pub(crate) Metrics);

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;
    fn layer(&self, inner: S) -> HttpMetrics<S> {
        HttpMetrics { metrics: self.0.clone(), inner }
    }
}

#[derive(Clone)]
pub(crate) struct HttpMetrics<S> {
    metrics: Metrics,
    inner: S,
}

/// The method as a label, and its slot in the handle cache.
fn method_label(method: &Method) -> (&'static str, usize) {
    match *method {
        Method::POST => ("POST", 0),
        Method::GET => ("GET", 1),
        Method::DELETE => ("DELETE", 2),
        Method::OPTIONS => ("OPTIONS", 3),
        Method::HEAD => ("HEAD", 4),
        _ => ("_OTHER", 5),
    }
}

impl<S> Service<Request> for HttpMetrics<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Counting<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let method = method_label(request.method());
        self.metrics.shared.in_flight.inc();
        Counting { answer: self.inner.call(request), metrics: Some(self.metrics.clone()), method }
    }
}

pin_project_lite::pin_project! {
    /// The inner answer, counted when it is ready (or dropped unanswered).
    pub(crate) struct Counting<F> {
        #[pin]
        answer: F,
        metrics: Option<Metrics>,
        method: (&'static str, usize),
    }

    impl<F> PinnedDrop for Counting<F> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped before it answered (the client went away).
            if let Some(metrics) = this.project().metrics.take() {
                metrics.shared.in_flight.dec();
            }
        }
    }
}

impl<F, E> Future for Counting<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.answer.poll(cx));
        let Some(metrics) = this.metrics.take() else {
            return Poll::Ready(result);
        };
        let shared = &metrics.shared;
        shared.in_flight.dec();
        let Ok(mut response) = result else {
            return Poll::Ready(result);
        };
        let (method, slot) = *this.method;
        metrics.count_http(method, slot, response.status().as_u16());
        if let Some(Rejected(reason)) = response.extensions().get::<Rejected>() {
            shared.rejections.get_or_create(&Reason { reason }).inc();
        }
        let is_sse = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        if is_sse {
            let gauge = shared.sse_open.clone();
            gauge.inc();
            let body = std::mem::replace(response.body_mut(), Body::empty());
            *response.body_mut() = Body::new(Counted { inner: body, _open: Open(gauge) });
        }
        Poll::Ready(Ok(response))
    }
}

/// Decrements the open-streams gauge when the stream's body is dropped.
struct Open(Gauge);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// A body that holds an [`Open`] while it lives.
struct Counted {
    inner: Body,
    _open: Open,
}

impl HttpBody for Counted {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
