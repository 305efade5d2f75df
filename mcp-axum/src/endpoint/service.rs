//! The endpoint as one tower service: POST, GET and DELETE go to their
//! handlers, any other method is 405 with `Allow`.
//!
//! One service behind the layer stack, rather than axum's `MethodRouter`
//! with the stack around each method, costs a request one boxed clone of
//! the route and one boxed future instead of three of each: measurable on
//! a tool call that itself takes a few microseconds.

use super::{Endpoint, delete, get, post};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt as _;
use http::{HeaderValue, Method, StatusCode, header};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The endpoint's handlers by method.
#[derive(Clone)]
pub(crate) struct EndpointService(pub(crate) Arc<Endpoint>);

/// What [`EndpointService`] answers with.
pub(crate) type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl tower::Service<Request> for EndpointService {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Answer {
        let endpoint = Arc::clone(&self.0);
        // The handlers take the parts they read, so their futures hold one
        // copy of them (a future's size decides how costly its allocation is).
        let (parts, body) = request.into_parts();
        match parts.method {
            Method::POST => Box::pin(post::handle(endpoint, parts, body).map(Ok)),
            Method::GET => Box::pin(get::handle(endpoint, parts).map(Ok)),
            Method::DELETE => Box::pin(delete::handle(endpoint, parts).map(Ok)),
            _ => Box::pin(std::future::ready(Ok(not_allowed()))),
        }
    }
}

/// 405 for a method the endpoint has no handler for, naming those it has.
fn not_allowed() -> Response {
    let allow = [(header::ALLOW, HeaderValue::from_static("GET,POST,DELETE"))];
    (StatusCode::METHOD_NOT_ALLOWED, allow).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::McpConfig;
    use tower::Service as _;

    #[test]
    fn a_post_allocates_a_future_the_allocators_cache_serves() {
        // glibc serves up to 1032 bytes from its per-thread cache; a larger
        // future takes its slow path on every request.
        let mut service =
            Endpoint::new(quickmcp::Server::builder("t", "0").build(), McpConfig::default()).into_service();
        let request = Request::post("/mcp").body(axum::body::Body::empty()).unwrap();
        let answer = service.call(request);
        let size = std::mem::size_of_val(&*answer);
        assert!(size <= 1032, "a POST's future is {size} bytes");
    }
}
