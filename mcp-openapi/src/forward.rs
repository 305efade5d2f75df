//! Forwarding the MCP caller's `Authorization` to the API.
//!
//! A tool handler sees its request's extensions, not its headers, so the
//! header is copied into the extensions on the way in by
//! [`ForwardAuthorization`], a tower layer put around the MCP endpoint;
//! [`OpenApi::forward_authorization`](crate::OpenApi::forward_authorization)
//! then sends it on with every call.

use http::{HeaderValue, Request};
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// The `Authorization` header of the MCP request being served, as
/// [`ForwardAuthorization`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerAuthorization(pub HeaderValue);

/// A tower layer that keeps each request's `Authorization` header in its
/// extensions as [`CallerAuthorization`], for OpenAPI tools to forward.
///
/// ```
/// use quickmcp_openapi::ForwardAuthorization;
///
/// let app: axum::Router = axum::Router::new().layer(ForwardAuthorization);
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ForwardAuthorization;

impl<S> Layer<S> for ForwardAuthorization {
    type Service = ForwardAuthorizationService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ForwardAuthorizationService { inner }
    }
}

/// The service [`ForwardAuthorization`] wraps around another.
#[derive(Debug, Clone)]
pub struct ForwardAuthorizationService<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for ForwardAuthorizationService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        if let Some(value) = request.headers().get(http::header::AUTHORIZATION).cloned() {
            request.extensions_mut().insert(CallerAuthorization(value));
        }
        self.inner.call(request)
    }
}
