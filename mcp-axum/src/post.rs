//! `POST`: one JSON-RPC message in; a JSON answer, or an SSE stream when the
//! handler sends anything before its result.

use crate::accept::{accepts, is_json};
use crate::reply::{self, PROTOCOL_VERSION};
use crate::router::{MissingSession, Transport};
use crate::sse;
use crate::standard_headers;
use axum::body::Bytes;
use axum::response::Response;
use futures_util::future::BoxFuture;
use http::{HeaderMap, StatusCode};
use mcp_core::RequestEnv;
use mcp_core::jsonrpc::{self, Message, Request, RequestId, RpcError, code};
use mcp_core::outbox::{Outbound, Outbox, outbox};
use mcp_core::protocol::version;
use mcp_core::session::Session;
use mcp_core::stateless::{self, RequestMeta, codes};
use serde_json::value::RawValue;
use std::sync::Arc;
use tokio::sync::mpsc;

type Outcome = Result<Box<RawValue>, RpcError>;

pub(crate) async fn handle(
    t: Arc<Transport>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    if let Err(refusal) = crate::security::check(&headers, &t.config) {
        return reply::refuse(StatusCode::FORBIDDEN, code::SESSION_ERROR, refusal.to_string());
    }
    if !(accepts(&headers, "application/json") && accepts(&headers, "text/event-stream")) {
        return reply::refuse(
            StatusCode::NOT_ACCEPTABLE,
            code::SESSION_ERROR,
            "Not Acceptable: Accept must list application/json and text/event-stream",
        );
    }
    if !is_json(&headers) {
        return reply::refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::SESSION_ERROR,
            "Unsupported Media Type: Content-Type must be application/json",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return reply::refuse(rejection.status(), code::INVALID_REQUEST, rejection.body_text());
        }
    };
    if body.len() > t.config.max_body {
        return reply::refuse(StatusCode::PAYLOAD_TOO_LARGE, code::INVALID_REQUEST, "Payload Too Large");
    }
    let message = match Message::decode(&body) {
        Ok(message) => message,
        Err(e) => return reply::error(StatusCode::BAD_REQUEST, e.id.as_ref(), &e.error),
    };
    let header_version = headers.get(PROTOCOL_VERSION).map(|v| v.to_str().unwrap_or(""));
    if let Message::Request(request) = &message {
        if stateless::is_stateless_request(header_version, request.params.as_deref()) {
            let Message::Request(request) = message else { unreachable!("matched above") };
            return stateless_request(t, &headers, header_version, request).await;
        }
    }
    if let Some(v) = header_version.filter(|v| !version::is_supported(v) && !version::is_stateless(v)) {
        let supported: Vec<&str> = version::all().collect();
        let error = RpcError::invalid_request(format!("unsupported MCP-Protocol-Version {v:?}"))
            .with_data(serde_json::json!({ "supported": supported, "requested": v }));
        return reply::error(StatusCode::BAD_REQUEST, None, &error);
    }
    match message {
        Message::Request(request) if request.method == "initialize" => initialize(t, request).await,
        Message::Request(request) => {
            let session = match session_for(&t, &headers) {
                Ok(session) => session,
                Err(missing) => return missing.into_response(),
            };
            if session.as_ref().is_some_and(|s| s.is_in_flight(&request.id)) {
                let error = RpcError::invalid_request(format!("request id {} is already in use", request.id));
                return reply::error(StatusCode::BAD_REQUEST, Some(&request.id), &error);
            }
            respond(t, request, session, None).await
        }
        // The stateless era has no sessions and nothing to deliver to.
        Message::Notification(_) | Message::Response(_) if header_version.is_some_and(version::is_stateless) => {
            reply::accepted()
        }
        Message::Notification(notification) => match session_for(&t, &headers) {
            Ok(session) => {
                t.server.handle_notification(&notification, session.as_ref());
                reply::accepted()
            }
            Err(missing) => missing.into_response(),
        },
        Message::Response(response) => match session_for(&t, &headers) {
            Ok(session) => {
                t.server.handle_response(response, session.as_ref());
                reply::accepted()
            }
            Err(missing) => missing.into_response(),
        },
    }
}

/// The session of a non-initialize message (`None` in stateless mode).
fn session_for(t: &Transport, headers: &HeaderMap) -> Result<Option<Arc<Session>>, MissingSession> {
    if t.config.stateless { Ok(None) } else { t.require_session(headers).map(Some) }
}

async fn initialize(t: Arc<Transport>, request: Request) -> Response {
    if t.config.stateless {
        return respond(t, request, None, None).await;
    }
    let session = match t.server.sessions().create() {
        Ok(session) => session,
        Err(mcp_core::session::SessionLimit::Full(max)) => {
            let message = format!("Service Unavailable: the server holds its maximum of {max} sessions");
            return reply::refuse(StatusCode::SERVICE_UNAVAILABLE, code::SESSION_ERROR, message);
        }
    };
    let id = session.id().to_owned();
    let response = respond(Arc::clone(&t), request, Some(session), None).await;
    if response.status().is_success() {
        reply::with_session(response, &id)
    } else {
        t.server.sessions().remove(&id);
        response
    }
}

/// Runs the request: a JSON answer when it completes before sending
/// anything, otherwise an SSE stream of what it sends, then its result.
async fn respond(
    t: Arc<Transport>,
    request: Request,
    session: Option<Arc<Session>>,
    meta: Option<RequestMeta>,
) -> Response {
    let (sink, mut outbox) = outbox();
    let id = request.id.clone();
    let server = t.server.clone();
    let era = if meta.is_some() { Era::Stateless } else { Era::Session };
    let env = RequestEnv { session: session.clone(), sink: Some(sink), stateless: meta, ..RequestEnv::default() };
    let mut work: BoxFuture<'static, Outcome> = Box::pin(async move { server.handle_request(request, env).await });
    let first = tokio::select! {
        biased;
        outcome = &mut work => {
            let early = drain(&mut outbox);
            if early.is_empty() {
                return answer(&id, outcome, era);
            }
            return stream(t, session, id, early, Box::pin(std::future::ready(outcome)), outbox);
        }
        first = outbox.recv() => first,
    };
    stream(t, session, id, vec![first], work, outbox)
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

fn answer(id: &RequestId, outcome: Outcome, era: Era) -> Response {
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
    t: Arc<Transport>,
    headers: &HeaderMap,
    header_version: Option<&str>,
    request: Request,
) -> Response {
    let checked = stateless::validate(header_version, request.params.as_deref())
        .and_then(|meta| standard_headers::check(headers, &request, &t.server).map(|()| meta));
    match checked {
        Ok(meta) => respond(t, request, None, Some(meta)).await,
        Err(error) => reply::error(StatusCode::BAD_REQUEST, Some(&request.id), &error),
    }
}

/// Switches to SSE. With a session the stream is resumable: the request runs
/// on its own task, every event is logged, and a dropped connection can
/// resume with `Last-Event-ID`. Without one, the stream drives the request
/// itself, so a dropped connection cancels it.
fn stream(
    t: Arc<Transport>,
    session: Option<Arc<Session>>,
    id: RequestId,
    early: Vec<Outbound>,
    work: BoxFuture<'static, Outcome>,
    outbox: Outbox,
) -> Response {
    match session {
        Some(session) => {
            let stream_no = session.open_stream();
            let (events, received) = mpsc::unbounded_channel();
            session.attach(stream_no, events);
            let head = sse::priming_for(&session, &format!("{stream_no}-0"), t.config.retry_ms);
            for item in early {
                forward(&session, stream_no, item);
            }
            tokio::spawn(pump(session, stream_no, id, work, outbox));
            reply::sse(sse::event_stream(head, received, t.config.keep_alive))
        }
        None => reply::sse(async_stream::stream! {
            let (mut work, mut outbox) = (work, outbox);
            for item in early {
                if let Outbound::Message(message) = item {
                    yield Ok(sse::frame(None, &message));
                }
            }
            let every = t.config.keep_alive;
            let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
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
        }),
    }
}

/// Logs a message on the stream (forwarding it to the attached connection),
/// or closes the connection when the handler asks to.
fn forward(session: &Session, stream_no: u64, item: Outbound) {
    match item {
        Outbound::Message(message) => {
            session.push_event(stream_no, message);
        }
        Outbound::CloseStream => session.detach(stream_no),
    }
}

/// Moves a running request's messages, then its result, into its stream's log.
async fn pump(
    session: Arc<Session>,
    stream_no: u64,
    id: RequestId,
    mut work: BoxFuture<'static, Outcome>,
    mut outbox: Outbox,
) {
    let outcome = loop {
        tokio::select! {
            biased;
            item = outbox.recv() => forward(&session, stream_no, item),
            outcome = &mut work => break outcome,
        }
    };
    for item in drain(&mut outbox) {
        forward(&session, stream_no, item);
    }
    // A cancelled request gets no response (the client stopped waiting).
    if !matches!(&outcome, Err(e) if e.code == code::REQUEST_CANCELLED) {
        session.push_event(stream_no, encode(&id, &outcome));
    }
    session.finish_stream(stream_no);
}
