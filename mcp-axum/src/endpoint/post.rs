//! `POST`: one JSON-RPC message in; a JSON answer, or an SSE stream when the
//! handler sends anything before its result. Host, Origin, `Accept` and
//! `Content-Type` were checked by the layers in front; what the message
//! means is the inbound router's business ([`Server::receive`]).
//!
//! [`Server::receive`]: quickmcp::Server::receive

use super::{Endpoint, refused, stream};
use crate::drain::Draining;
use crate::layers::client_addr;
use crate::reply::{self, PROTOCOL_VERSION_NAME};
use crate::standard_headers;
use axum::body::{Body, Bytes};
use axum::response::Response;
use bytes::BytesMut;
use http::StatusCode;
use http::request::Parts;
use http_body_util::BodyExt as _;
use quickmcp::era::{Era, StatelessRequest, codes};
use quickmcp::peer::{Exchange, Outcome, Step};
use quickmcp::protocol::jsonrpc::{self, Message, code};
use quickmcp::server::{Arrival, Routed};
use std::sync::Arc;

/// Answers one POST. A plain function returning its future, not an `async
/// fn`: an `async fn`'s future keeps its arguments twice (as passed, and
/// moved into its body), and past about 1 KB a future's allocation no longer
/// comes from the allocator's per-thread cache. What only the routing needs
/// (the body, the message) lives in a block of its own, so the answer's
/// wait does not keep room for it.
#[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
pub(super) fn handle(endpoint: Arc<Endpoint>, parts: Parts, body: Body) -> impl Future<Output = Response> + Send {
    async move {
        let draining = parts.extensions.get::<Draining>().cloned();
        let routed = {
            let body = match read_body(body, endpoint.config.max_body).await {
                Ok(body) => body,
                Err(response) => return response,
            };
            let message = match Message::decode(&body) {
                Ok(message) => message,
                Err(e) => return reply::error(StatusCode::BAD_REQUEST, e.id.as_ref(), &e.error),
            };
            let headers = &parts.headers;
            let check = |request: &jsonrpc::Request, era: &StatelessRequest| {
                standard_headers::check(headers, request, era, &endpoint.server)
            };
            // Only per-client bounds need the address: the sessions
            // `initialize` opens, the tasks an anonymous caller creates
            // (`tools/call`) and `subscriptions/listen` streams.
            let counted = matches!(&message, Message::Request(r)
                if matches!(r.method.as_str(), "initialize" | "tools/call" | "subscriptions/listen"));
            let arrival = Arrival {
                protocol_version: headers.get(PROTOCOL_VERSION_NAME).map(|v| v.to_str().unwrap_or("")),
                session: endpoint.session_source(headers),
                client_addr: counted
                    .then(|| client_addr(headers, &parts.extensions, &endpoint.config.trusted_proxies))
                    .flatten(),
                extensions: parts.extensions,
                check: Some(&check),
            };
            endpoint.server.receive(message, arrival).await
        };
        match routed {
            Routed::Accepted => reply::accepted(),
            Routed::Refused { id, refusal } => refused(id.as_ref(), &refusal),
            Routed::Opened { answer, session } => {
                let answer = reply::json(StatusCode::OK, answer);
                match session {
                    Some(session) => reply::with_session(answer, session.id()),
                    None => answer,
                }
            }
            Routed::Running(exchange) => respond(&endpoint, exchange, draining).await,
        }
    }
}

/// The body, up to `limit` bytes (413 beyond). A body that arrives as one
/// frame, as nearly every request does, is kept as that frame: nothing is
/// queued or copied.
async fn read_body(mut body: Body, limit: usize) -> Result<Bytes, Response> {
    let too_large = || {
        let response = reply::refuse(StatusCode::PAYLOAD_TOO_LARGE, code::INVALID_REQUEST, "Payload Too Large");
        reply::rejected(response, "body_size")
    };
    let mut first = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            reply::refuse(StatusCode::BAD_REQUEST, code::INVALID_REQUEST, format!("Failed to read the body: {error}"))
        })?;
        // Trailers carry nothing a JSON-RPC message needs.
        let Ok(data) = frame.into_data() else { continue };
        let length = joined.as_ref().map_or(first.len(), BytesMut::len) + data.len();
        if length > limit {
            return Err(too_large());
        }
        match &mut joined {
            Some(buffer) => buffer.extend_from_slice(&data),
            None if first.is_empty() => first = data,
            None => {
                let mut buffer = BytesMut::with_capacity(length);
                buffer.extend_from_slice(&first);
                buffer.extend_from_slice(&data);
                joined = Some(buffer);
            }
        }
    }
    Ok(joined.map_or(first, BytesMut::freeze))
}

/// A JSON answer when the request completes before sending anything,
/// otherwise an SSE stream of what it sends, then its result. (A plain
/// function for the reason [`handle`] is.)
#[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
fn respond(
    endpoint: &Arc<Endpoint>,
    mut exchange: Exchange,
    draining: Option<Draining>,
) -> impl Future<Output = Response> + Send + '_ {
    async move {
        match exchange.next().await {
            Some(Step::Done(outcome)) => answer(&exchange, &outcome, endpoint.resource_metadata.as_deref()),
            // Boxed: only a call that sends before its result streams, and
            // every other call's future stays the smaller for it.
            Some(Step::Send(first)) => Box::pin(stream::open(endpoint, exchange, first, draining)).await,
            None => reply::status(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

fn answer(exchange: &Exchange, outcome: &Outcome, resource_metadata: Option<&str>) -> Response {
    if let Err(error) = outcome {
        if error.code == code::INSUFFICIENT_SCOPE {
            let refusal = reply::rejected(reply::error(StatusCode::FORBIDDEN, Some(exchange.id()), error), "scope");
            return reply::insufficient_scope(refusal, error, resource_metadata);
        }
        if error.code == code::LIMIT_REACHED {
            let refusal = reply::error(StatusCode::TOO_MANY_REQUESTS, Some(exchange.id()), error);
            return reply::rejected(refusal, "client_limit");
        }
        if error.code == code::SERVER_FULL {
            let mut refusal = reply::error(StatusCode::SERVICE_UNAVAILABLE, Some(exchange.id()), error);
            refusal.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
            return reply::rejected(refusal, "server_cap");
        }
    }
    let status = match (outcome, exchange.era()) {
        (Err(e), Era::Stateless) => stateless_status(e.code),
        _ => StatusCode::OK,
    };
    reply::json(status, exchange.answer(outcome))
}

/// HTTP statuses the stateless era prescribes for its errors.
fn stateless_status(code: i64) -> StatusCode {
    match code {
        code::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        codes::HEADER_MISMATCH | codes::MISSING_REQUIRED_CLIENT_CAPABILITY | codes::UNSUPPORTED_PROTOCOL_VERSION => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::OK,
    }
}
