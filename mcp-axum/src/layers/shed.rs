//! Load shedding: at most so many requests handled at once; one more is
//! answered 503 with `Retry-After` at once, so a flood of large or slow
//! requests cannot take the memory and time honest ones need.

use crate::reply;
use axum::response::Response;
use http::{HeaderValue, Request, StatusCode};
use quickmcp::protocol::jsonrpc::code;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::{Layer, Service};

/// Sheds requests beyond `max` in flight (a request counts until its
/// response head is ready; a long SSE body does not hold a slot).
#[derive(Debug, Clone)]
pub struct LoadShedLayer {
    slots: Arc<Semaphore>,
}

impl LoadShedLayer {
    /// At most `max` requests handled at once.
    pub fn new(max: usize) -> Self {
        Self { slots: Arc::new(Semaphore::new(max.max(1))) }
    }
}

impl<S> Layer<S> for LoadShedLayer {
    type Service = LoadShed<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LoadShed { inner, slots: Arc::clone(&self.slots) }
    }
}

/// The service [`LoadShedLayer`] builds.
#[derive(Debug, Clone)]
pub struct LoadShed<S> {
    inner: S,
    slots: Arc<Semaphore>,
}

impl<S, B> Service<Request<B>> for LoadShed<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Shed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match Arc::clone(&self.slots).try_acquire_owned() {
            Ok(slot) => Shed { answer: Some(self.inner.call(request)), slot: Some(slot) },
            Err(_) => Shed { answer: None, slot: None },
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of [`LoadShed`]: the inner service's, holding its slot
    /// until the response head is ready, or 503 at once.
    pub struct Shed<F> {
        // `None`: refused, too many requests in progress.
        #[pin]
        answer: Option<F>,
        slot: Option<OwnedSemaphorePermit>,
    }
}

impl<F, E> Future for Shed<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(answer) = this.answer.as_pin_mut() else {
            return Poll::Ready(Ok(overloaded()));
        };
        let response = std::task::ready!(answer.poll(cx));
        drop(this.slot.take());
        Poll::Ready(response)
    }
}

/// 503 with `Retry-After: 1`.
fn overloaded() -> Response {
    let mut response = reply::refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        code::SESSION_ERROR,
        "Service Unavailable: too many requests in progress; retry shortly",
    );
    response.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
    reply::rejected(response, "overload")
}
