//! `POST`: one JSON-RPC message in; a JSON answer, or an SSE stream when the
//! handler sends anything before its result. Host, Origin, `Accept` and
//! `Content-Type` were checked by the layers in front.

use super::{Endpoint, store_unavailable};
use crate::layers::client_addr;
use crate::reply::{self, PROTOCOL_VERSION_NAME};
use crate::sse;
use crate::standard_headers;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::Response;
use futures_util::future::BoxFuture;
use http::{HeaderMap, StatusCode};
use mcp_core::auth::Principal;
use mcp_core::era::codes;
use mcp_core::jsonrpc::{self, Message, RequestId, RpcError, code};
use mcp_core::protocol::version;
use mcp_core::session::{Session, SessionRecord, StreamId};
use mcp_core::transport::{self, Outbound, Outbox, RequestEnv, StatelessRequest, outbox};
use serde_json::value::RawValue;
use std::sync::Arc;

type Outcome = Result<Box<RawValue>, RpcError>;

pub(super) async fn handle(State(endpoint): State<Arc<Endpoint>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match read_body(body, endpoint.config.max_body).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let message = match Message::decode(&body) {
        Ok(message) => message,
        Err(e) => return reply::error(StatusCode::BAD_REQUEST, e.id.as_ref(), &e.error),
    };
    let headers = &parts.headers;
    let extensions = parts.extensions;
    let header_version = headers.get(PROTOCOL_VERSION_NAME).map(|v| v.to_str().unwrap_or(""));
    let request = match message {
        Message::Request(request) if transport::is_stateless_request(header_version, request.params.as_deref()) => {
            return stateless_request(endpoint, headers, header_version, request, extensions).await;
        }
        message => message,
    };
    if let Some(v) = header_version.filter(|v| !version::is_supported(v) && !version::is_stateless(v)) {
        let supported: Vec<&str> = version::all().collect();
        let error = RpcError::invalid_request(format!("unsupported MCP-Protocol-Version {v:?}"))
            .with_data(serde_json::json!({ "supported": supported, "requested": v }));
        return reply::error(StatusCode::BAD_REQUEST, None, &error);
    }
    match request {
        Message::Request(request) if request.method == "initialize" => {
            initialize(endpoint, request, headers, extensions).await
        }
        Message::Request(request) => {
            let session = match endpoint.session_for(headers, &extensions).await {
                Ok(session) => session,
                Err(response) => return response,
            };
            if session.as_ref().is_some_and(|s| s.is_in_flight(&request.id)) {
                let error = RpcError::invalid_request(format!("request id {} is already in use", request.id));
                return reply::error(StatusCode::BAD_REQUEST, Some(&request.id), &error);
            }
            let env = RequestEnv { session, extensions, ..RequestEnv::default() };
            respond(endpoint, request, env).await
        }
        // The stateless era has no sessions and nothing to deliver to.
        Message::Notification(_) | Message::Response(_) if header_version.is_some_and(version::is_stateless) => {
            reply::accepted()
        }
        Message::Notification(notification) => match endpoint.session_for(headers, &extensions).await {
            Ok(session) => {
                endpoint.server.handle_notification(&notification, session.as_ref()).await;
                reply::accepted()
            }
            Err(response) => response,
        },
        Message::Response(response) => match endpoint.session_for(headers, &extensions).await {
            Ok(session) => {
                endpoint.server.handle_response(response, session.as_ref());
                reply::accepted()
            }
            Err(response) => response,
        },
    }
}

/// The body, up to `limit` bytes (413 beyond).
async fn read_body(body: axum::body::Body, limit: usize) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large =
            std::error::Error::source(&error).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if too_large {
            let response = reply::refuse(StatusCode::PAYLOAD_TOO_LARGE, code::INVALID_REQUEST, "Payload Too Large");
            reply::rejected(response, "body_size")
        } else {
            reply::refuse(StatusCode::BAD_REQUEST, code::INVALID_REQUEST, format!("Failed to read the body: {error}"))
        }
    })
}

/// `initialize` opens a session (when the endpoint keeps them) only once it
/// succeeded, and answers with its id; a failed `initialize` leaves nothing.
async fn initialize(
    endpoint: Arc<Endpoint>,
    request: jsonrpc::Request,
    headers: &HeaderMap,
    extensions: http::Extensions,
) -> Response {
    if !endpoint.sessions.keeps_sessions() {
        return respond(endpoint, request, RequestEnv { extensions, ..RequestEnv::default() }).await;
    }
    let (result, client) = match endpoint.server.initialize(request.params.as_deref()) {
        Ok(answer) => answer,
        Err(error) => return reply::json(StatusCode::OK, jsonrpc::encode_error(Some(&request.id), &error)),
    };
    let mut record = SessionRecord::new();
    record.client = Some(client);
    record.client_addr = client_addr(headers, &extensions, &endpoint.config.trusted_proxies);
    record.owner = extensions.get::<Principal>().map(|p| p.subject().to_owned());
    let session = match endpoint.sessions.create(record).await {
        Ok(session) => session,
        Err(error) => return store_unavailable(&error),
    };
    let answer = reply::json(StatusCode::OK, jsonrpc::encode_result(&request.id, &result));
    match session {
        Some(session) => reply::with_session(answer, session.id()),
        None => answer,
    }
}

/// Runs the request: a JSON answer when it completes before sending
/// anything, otherwise an SSE stream of what it sends, then its result.
async fn respond(endpoint: Arc<Endpoint>, request: jsonrpc::Request, mut env: RequestEnv) -> Response {
    let (sink, mut outbox) = outbox();
    env.sink = Some(sink);
    let id = request.id.clone();
    let session = env.session.clone();
    let era = if env.stateless.is_some() { Era::Stateless } else { Era::Session };
    let server = endpoint.server.clone();
    let mut work: BoxFuture<'static, Outcome> = Box::pin(async move { server.handle_request(request, env).await });
    let first = tokio::select! {
        biased;
        outcome = &mut work => {
            let early = drain(&mut outbox);
            if early.is_empty() {
                return answer(&id, outcome, era, endpoint.resource_metadata.as_deref());
            }
            return stream(endpoint, session, id, early, Box::pin(std::future::ready(outcome)), outbox).await;
        }
        first = outbox.recv() => first,
    };
    stream(endpoint, session, id, vec![first], work, outbox).await
}

fn drain(outbox: &mut Outbox) -> Vec<Outbound> {
    std::iter::from_fn(|| outbox.try_recv()).collect()
}

fn encode(id: &RequestId, outcome: &Outcome) -> Vec<u8> {
    match outcome {
        Ok(result) => jsonrpc::encode_result(id, result),
        Err(error) => jsonrpc::encode_error(Some(id), error),
    }
}

/// Which protocol era a request belongs to; it decides error statuses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Era {
    Session,
    Stateless,
}

fn answer(id: &RequestId, outcome: Outcome, era: Era, resource_metadata: Option<&str>) -> Response {
    if let Err(error) = &outcome {
        if error.code == code::INSUFFICIENT_SCOPE {
            let refusal = reply::rejected(reply::error(StatusCode::FORBIDDEN, Some(id), error), "scope");
            return reply::insufficient_scope(refusal, error, resource_metadata);
        }
    }
    let status = match (&outcome, era) {
        (Err(e), Era::Stateless) => stateless_status(e.code),
        _ => StatusCode::OK,
    };
    reply::json(status, encode(id, &outcome))
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

/// A stateless-era request: `_meta` and the standard headers are checked
/// before it runs; there is never a session.
async fn stateless_request(
    endpoint: Arc<Endpoint>,
    headers: &HeaderMap,
    header_version: Option<&str>,
    request: jsonrpc::Request,
    extensions: http::Extensions,
) -> Response {
    let checked = StatelessRequest::parse(header_version, request.params.as_deref())
        .and_then(|era| standard_headers::check(headers, &request, &era, &endpoint.server).map(|()| era));
    match checked {
        Ok(era) => {
            let env = RequestEnv { stateless: Some(Box::new(era)), extensions, ..RequestEnv::default() };
            respond(endpoint, request, env).await
        }
        Err(error) => reply::error(StatusCode::BAD_REQUEST, Some(&request.id), &error),
    }
}

/// Switches to SSE. With a session the stream is resumable: the request runs
/// on its own task, every event is kept, and a dropped connection can
/// resume with `Last-Event-ID`. Without one, the stream drives the request
/// itself, so a dropped connection cancels it.
async fn stream(
    endpoint: Arc<Endpoint>,
    session: Option<Session>,
    id: RequestId,
    early: Vec<Outbound>,
    work: BoxFuture<'static, Outcome>,
    outbox: Outbox,
) -> Response {
    let keep_alive = endpoint.config.keep_alive;
    let Some(session) = session else {
        return reply::sse(unresumable(id, early, work, outbox, keep_alive));
    };
    let stream_id = match session.open_stream().await {
        Ok(stream_id) => stream_id,
        Err(error) => return store_unavailable(&error),
    };
    let (events, received) = mcp_core::session::event_channel(endpoint.config.stream_buffer);
    session.attach(stream_id, events);
    let priming = mcp_core::session::EventId::priming(stream_id).to_string();
    let head = sse::priming_for(&session, &priming, endpoint.config.retry_ms);
    for item in early {
        forward(&session, stream_id, item).await;
    }
    tokio::spawn(pump(session, stream_id, id, work, outbox));
    reply::sse(sse::event_stream(head, received, 0, keep_alive))
}

/// The SSE body of a request without a session: what it sends, then its
/// result; dropping the body drops the request.
fn unresumable(
    id: RequestId,
    early: Vec<Outbound>,
    mut work: BoxFuture<'static, Outcome>,
    mut outbox: Outbox,
    every: std::time::Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send {
    async_stream::stream! {
        for item in early {
            if let Outbound::Message(message) = item {
                yield Ok(sse::frame(None, &message));
            }
        }
        let mut ticker = sse::keep_alive_ticker(every);
        loop {
            tokio::select! {
                biased;
                item = outbox.recv() => if let Outbound::Message(message) = item {
                    yield Ok(sse::frame(None, &message));
                },
                _ = ticker.tick() => yield Ok(sse::keep_alive()),
                outcome = &mut work => {
                    for item in drain(&mut outbox) {
                        if let Outbound::Message(message) = item {
                            yield Ok(sse::frame(None, &message));
                        }
                    }
                    yield Ok(sse::frame(None, &encode(&id, &outcome)));
                    break;
                }
            }
        }
    }
}

/// Records a message on the stream (forwarding it to the attached
/// connection), or closes the connection when the handler asks to.
async fn forward(session: &Session, stream_id: StreamId, item: Outbound) {
    match item {
        Outbound::Message(message) => {
            if let Err(error) = session.publish(stream_id, message).await {
                tracing::warn!(?error, "an event could not be kept for resumption");
            }
        }
        Outbound::CloseStream => session.detach(stream_id),
    }
}

/// Moves a running request's messages, then its result, into its stream.
async fn pump(
    session: Session,
    stream_id: StreamId,
    id: RequestId,
    mut work: BoxFuture<'static, Outcome>,
    mut outbox: Outbox,
) {
    let outcome = loop {
        tokio::select! {
            biased;
            item = outbox.recv() => forward(&session, stream_id, item).await,
            outcome = &mut work => break outcome,
        }
    };
    for item in drain(&mut outbox) {
        forward(&session, stream_id, item).await;
    }
    // A cancelled request gets no response (the client stopped waiting).
    if !matches!(&outcome, Err(e) if e.code == code::REQUEST_CANCELLED) {
        forward(&session, stream_id, Outbound::Message(encode(&id, &outcome))).await;
    }
    session.finish_stream(stream_id).await;
}
