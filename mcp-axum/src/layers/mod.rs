//! The endpoint's transport policy as tower layers, composed in the router
//! in front of the handlers: [`security_headers`] on every answer, then
//! [`HostOriginCheck`] (DNS rebinding and cross-site protection), then
//! [`cors_layer`] (when CORS origins are configured), then
//! [`RateLimitCheck`] (requests per client address), then [`ContentCheck`]
//! (`Accept` and `Content-Type`), then [`LoadShedLayer`] (at most so many
//! requests at once). Authentication joins the same stack.
//!
//! A [`RequestCheck`] looks at a request's head and either lets the
//! request through or answers it; [`CheckLayer`] makes one a layer that
//! costs no allocation.
//!
//! ```
//! use axum::{Router, routing::post};
//! use quickmcp_axum::McpConfig;
//! use quickmcp_axum::layers::{CheckLayer, HostOriginCheck};
//!
//! // The same Host/Origin policy in front of one of your own routes.
//! let app: Router = Router::new()
//!     .route("/api/upload", post(|| async { "ok" }))
//!     .layer(CheckLayer::new(HostOriginCheck::new(&McpConfig::default())));
//! ```

mod client;
mod content;
mod cors;
mod headers;
mod origin;
mod rate;
mod shed;
mod trace;

pub use client::client_addr;
pub use content::ContentCheck;
pub use cors::cors_layer;
pub use headers::{security_headers, security_headers_layer};
pub use origin::{HostOriginCheck, Refusal};
pub use rate::RateLimitCheck;
pub use shed::{LoadShed, LoadShedLayer, Shed};
pub use trace::{HttpSpan, HttpSpanLayer, Spanned};

use axum::response::Response;
use futures_util::future::{Either, Ready, ready};
use http::Request;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// A check on a request's head (method, headers, extensions), run before
/// the endpoint.
pub trait RequestCheck: Clone + Send + Sync + 'static {
    /// `Ok` lets the request through; `Err` is the response sent instead.
    // A refusal is the rare path and becomes the response as it is.
    #[allow(clippy::result_large_err)]
    fn check<B>(&self, request: &Request<B>) -> Result<(), Response>;
}

/// Runs a [`RequestCheck`] in front of a service.
#[derive(Debug, Clone)]
pub struct CheckLayer<C> {
    check: C,
}

impl<C> CheckLayer<C> {
    /// A layer running `check`.
    pub fn new(check: C) -> Self {
        Self { check }
    }
}

impl<S, C: Clone> Layer<S> for CheckLayer<C> {
    type Service = CheckService<S, C>;

    fn layer(&self, inner: S) -> Self::Service {
        CheckService { inner, check: self.check.clone() }
    }
}

/// The service [`CheckLayer`] builds.
#[derive(Debug, Clone)]
pub struct CheckService<S, C> {
    inner: S,
    check: C,
}

impl<S, C, B> Service<Request<B>> for CheckService<S, C>
where
    S: Service<Request<B>, Response = Response>,
    C: RequestCheck,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match self.check.check(&request) {
            Ok(()) => Either::Right(self.inner.call(request)),
            Err(response) => Either::Left(ready(Ok(response))),
        }
    }
}
