//! Where calls go: the user's own app in this process, through its
//! `tower::Service` (no socket), or an HTTP server at a base URL. Either
//! way the answer's body is read up to a bound.

use crate::request::Outgoing;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, Limited};
use quickmcp::handler::BoxFuture;
use std::sync::Arc;
use tower::{BoxError, Service, ServiceExt};

/// The answer of the API, its body read whole (within the bound).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why no answer came.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The body was longer than the bound.
    TooLarge(usize),
    /// The request could not be made or the answer not read.
    Transport(String),
}

/// Sends one request; cheap to clone.
pub(crate) type Sender = Arc<dyn Fn(Outgoing, usize) -> BoxFuture<Result<Answer, Failure>> + Send + Sync>;

/// The user's service, called in process.
pub(crate) fn in_process<S, B>(service: S) -> Sender
where
    S: Service<http::Request<Body>, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    Arc::new(move |outgoing: Outgoing, limit: usize| {
        let service = service.clone();
        Box::pin(async move {
            let mut request = http::Request::builder()
                .method(outgoing.method)
                .uri(outgoing.path_and_query)
                .body(outgoing.body.map_or_else(Body::empty, Body::from))
                .map_err(|e| Failure::Transport(e.to_string()))?;
            *request.headers_mut() = outgoing.headers;
            let response = service.oneshot(request).await.map_err(|e| Failure::Transport(e.into().to_string()))?;
            let (parts, body) = response.into_parts();
            let body = match Limited::new(body, limit).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(Failure::TooLarge(limit)),
                Err(e) => return Err(Failure::Transport(e.to_string())),
            };
            Ok(Answer { status: parts.status, headers: parts.headers, body })
        })
    })
}

/// An HTTP server at `base` (e.g. `https://api.example.com/v1`).
#[cfg(feature = "http")]
pub(crate) fn http(client: reqwest::Client, base: String) -> Sender {
    let base: Arc<str> = base.trim_end_matches('/').into();
    Arc::new(move |outgoing: Outgoing, limit: usize| {
        let client = client.clone();
        let url = format!("{base}{}", outgoing.path_and_query);
        Box::pin(async move {
            let mut request = client.request(outgoing.method, url).headers(outgoing.headers);
            if let Some(body) = outgoing.body {
                request = request.body(body);
            }
            let mut response = request.send().await.map_err(|e| Failure::Transport(e.to_string()))?;
            if response.content_length().is_some_and(|length| length > limit as u64) {
                return Err(Failure::TooLarge(limit));
            }
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| Failure::Transport(e.to_string()))? {
                if body.len() + chunk.len() > limit {
                    return Err(Failure::TooLarge(limit));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer { status, headers, body: Bytes::from(body) })
        })
    })
}
