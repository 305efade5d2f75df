//! The endpoint as one tower service: POST, GET and DELETE go to their
//! handlers, any other method is 405 with `Allow`.
//!
//! One service behind the layer stack, rather than axum's `MethodRouter`
//! with the stack around each method, costs a request one boxed clone of
//! the route and one boxed future instead of three of each: measurable on
//! a tool call that itself takes a few microseconds.

use super::{Endpoint, delete, get, post};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
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
        let endpoint = State(Arc::clone(&self.0));
        match *request.method() {
            Method::POST => Box::pin(async move { Ok(post::handle(endpoint, request).await) }),
            Method::GET => Box::pin(async move { Ok(get::handle(endpoint, request).await) }),
            Method::DELETE => Box::pin(async move { Ok(delete::handle(endpoint, request).await) }),
            _ => Box::pin(std::future::ready(Ok(not_allowed()))),
        }
    }
}

/// 405 for a method the endpoint has no handler for, naming those it has.
fn not_allowed() -> Response {
    let allow = [(header::ALLOW, HeaderValue::from_static("GET,POST,DELETE"))];
    (StatusCode::METHOD_NOT_ALLOWED, allow).into_response()
}
