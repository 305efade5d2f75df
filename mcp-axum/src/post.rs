//! `POST`: one JSON-RPC message in; a JSON answer, or an SSE stream when the
//! handler sends anything before its result.

use crate::accept::{accepts, is_json};
use crate::reply::{self, PROTOCOL_VERSION};
use crate::router::Transport;
use crate::sse;
use axum::body::Bytes;
use axum::response::Response;
use futures_util::future::BoxFuture;
use http::{HeaderMap, StatusCode};
use mcp_core::jsonrpc::{self, Message, Request, RequestId, RpcError, code};
use mcp_core::protocol::version;
use mcp_core::session::Session;
use mcp_core::RequestEnv;
use serde_json::value::RawValue;
use std::sync::Arc;
use tokio::sync::mpsc;

type Outcome = Result<Box<RawValue>, RpcError>;

pub(crate) async fn handle(t: Arc<Transport>, headers: HeaderMap, body: Result<Bytes, axum::extract::rejection::BytesRejection>) -> Response {
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
    if let Some(v) = headers.get(PROTOCOL_VERSION) {
        let v = v.to_str().unwrap_or("");
        if !version::is_supported(v) {
            let message = format!("Bad Request: unsupported MCP-Protocol-Version {v:?} (supported: {})", version::SUPPORTED.join(", "));
            return reply::refuse(StatusCode::BAD_REQUEST, code::INVALID_REQUEST, message);
        }
    }
    let message = match Message::decode(&body) {
        Ok(message) => message,
        Err(e) => return reply::error(StatusCode::BAD_REQUEST, e.id.as_ref(), &e.error),
    };
    match message {
        Message::Request(request) if request.method == "initialize" => initialize(t, request).await,
        Message::Request(request) => {
            let session = match session_for(&t, &headers) {
                Ok(session) => session,
                Err(response) => return response,
            };
            if session.as_ref().is_some_and(|s| s.is_in_flight(&request.id)) {
                let error = RpcError::invalid_request(format!("request id {} is already in use", request.id));
                return reply::error(StatusCode::BAD_REQUEST, Some(&request.id), &error);
            }
            respond(t, request, session).await
        }
        Message::Notification(notification) => match session_for(&t, &headers) {
            Ok(session) => {
                t.server.handle_notification(&notification, session.as_ref());
                reply::accepted()
            }
            Err(response) => response,
        },
        Message::Response(response) => match session_for(&t, &headers) {
            Ok(session) => {
                t.server.handle_response(response, session.as_ref());
                reply::accepted()
            }
            Err(response) => response,
        },
    }
}

/// The session of a non-initialize message (`None` in stateless mode).
fn session_for(t: &Transport, headers: &HeaderMap) -> Result<Option<Arc<Session>>, Response> {
    if t.config.stateless { Ok(None) } else { t.require_session(headers).map(Some) }
}

async fn initialize(t: Arc<Transport>, request: Request) -> Response {
    if t.config.stateless {
        return respond(t, request, None).await;
    }
    let session = match t.server.sessions().create() {
        Ok(session) => session,
        Err(mcp_core::session::SessionLimit::Full(max)) => {
            let message = format!("Service Unavailable: the server holds its maximum of {max} sessions");
            return reply::refuse(StatusCode::SERVICE_UNAVAILABLE, code::SESSION_ERROR, message);
        }
    };
    let id = session.id().to_owned();
    let response = respond(Arc::clone(&t), request, Some(session)).await;
    if response.status().is_success() {
        reply::with_session(response, &id)
    } else {
        t.server.sessions().remove(&id);
        response
    }
}

/// Runs the request: a JSON answer when it completes before sending
/// anything, otherwise an SSE stream of what it sends, then its result.
async fn respond(t: Arc<Transport>, request: Request, session: Option<Arc<Session>>) -> Response {
    let (sink, mut outbox) = mpsc::unbounded_channel::<Vec<u8>>();
    let id = request.id.clone();
    let server = t.server.clone();
    let env = RequestEnv { session: session.clone(), sink: Some(sink), ..RequestEnv::default() };
    let mut work: BoxFuture<'static, Outcome> = Box::pin(async move { server.handle_request(request, env).await });
    let first = tokio::select! {
        biased;
        outcome = &mut work => {
            let early = drain(&mut outbox);
            if early.is_empty() {
                return answer(&id, outcome);
            }
            return stream(t, session, id, early, Box::pin(std::future::ready(outcome)), outbox);
        }
        Some(first) = outbox.recv() => first,
    };
    stream(t, session, id, vec![first], work, outbox)
}

fn drain(outbox: &mut mpsc::UnboundedReceiver<Vec<u8>>) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| outbox.try_recv().ok()).collect()
}

fn encode(id: &RequestId, outcome: &Outcome) -> Vec<u8> {
    match outcome {
        Ok(result) => jsonrpc::encode_result(id, result),
        Err(error) => jsonrpc::encode_error(Some(id), error),
    }
}

fn answer(id: &RequestId, outcome: Outcome) -> Response {
    reply::json(StatusCode::OK, encode(id, &outcome))
}

/// Switches to SSE. With a session the stream is resumable: the request runs
/// on its own task, every event is logged, and a dropped connection can
/// resume with `Last-Event-ID`. Without one, the stream drives the request
/// itself, so a dropped connection cancels it.
fn stream(
    t: Arc<Transport>,
    session: Option<Arc<Session>>,
    id: RequestId,
    early: Vec<Vec<u8>>,
    work: BoxFuture<'static, Outcome>,
    outbox: mpsc::UnboundedReceiver<Vec<u8>>,
) -> Response {
    match session {
        Some(session) => {
            let stream_no = session.open_stream();
            let (events, received) = mpsc::unbounded_channel();
            session.attach(stream_no, events);
            let head = vec![sse::priming(&format!("{stream_no}-0"), t.config.retry_ms)];
            for message in early {
                session.push_event(stream_no, message);
            }
            tokio::spawn(pump(session, stream_no, id, work, outbox));
            reply::sse(sse::event_stream(head, received, t.config.keep_alive))
        }
        None => reply::sse(async_stream::stream! {
            let (mut work, mut outbox) = (work, outbox);
            for message in early {
                yield Ok(sse::frame(None, &message));
            }
            loop {
                tokio::select! {
                    biased;
                    Some(message) = outbox.recv() => yield Ok(sse::frame(None, &message)),
                    outcome = &mut work => {
                        for message in drain(&mut outbox) {
                            yield Ok(sse::frame(None, &message));
                        }
                        yield Ok(sse::frame(None, &encode(&id, &outcome)));
                        break;
                    }
                }
            }
        }),
    }
}

/// Moves a running request's messages, then its result, into its stream's log.
async fn pump(
    session: Arc<Session>,
    stream_no: u64,
    id: RequestId,
    mut work: BoxFuture<'static, Outcome>,
    mut outbox: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let outcome = loop {
        tokio::select! {
            biased;
            Some(message) = outbox.recv() => { session.push_event(stream_no, message); }
            outcome = &mut work => break outcome,
        }
    };
    for message in drain(&mut outbox) {
        session.push_event(stream_no, message);
    }
    // A cancelled request gets no response (the client stopped waiting).
    if !matches!(&outcome, Err(e) if e.code == code::REQUEST_CANCELLED) {
        session.push_event(stream_no, encode(&id, &outcome));
    }
    session.finish_stream(stream_no);
}
