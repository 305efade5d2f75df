//! Streamable HTTP: each message is a POST; the answer comes as JSON or as
//! an SSE stream of the request's messages and then its result. The
//! session id the server hands out at `initialize` goes on every later
//! request, and closing the client DELETEs the session.

use super::{Outgoing, Transport};
use crate::error::ClientError;
use crate::inbox::{Inbox, MAX_MESSAGE};
use futures_util::future::BoxFuture;
use mcp_core::protocol::jsonrpc::{RequestId, RpcError};
use mcp_core::protocol::version;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use std::sync::Mutex;

const SESSION_ID: &str = "mcp-session-id";
const PROTOCOL_VERSION: &str = "mcp-protocol-version";

/// A Streamable HTTP endpoint, e.g. `http://127.0.0.1:8000/mcp`.
pub struct HttpTransport {
    http: reqwest::Client,
    url: String,
    session: Mutex<Option<String>>,
    revision: Mutex<Option<&'static str>>,
}

impl HttpTransport {
    /// The endpoint at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self::with_client(reqwest::Client::new(), url)
    }

    /// The endpoint at `url`, through `http` (your proxy, TLS roots or
    /// default headers, such as `Authorization`).
    pub fn with_client(http: reqwest::Client, url: impl Into<String>) -> Self {
        Self { http, url: url.into(), session: Mutex::new(None), revision: Mutex::new(None) }
    }

    /// The session id the server gave, if any.
    pub fn session_id(&self) -> Option<String> {
        self.session.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn headers(&self, message: &Outgoing) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json, text/event-stream"));
        if let Some(revision) = message.revision {
            headers.insert(PROTOCOL_VERSION, HeaderValue::from_static(revision));
            if version::is_stateless(revision) {
                let mut put = |name: &'static str, value: Option<&str>| {
                    if let Some(value) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
                        headers.insert(name, value);
                    }
                };
                put("mcp-method", message.method.as_deref());
                put("mcp-name", message.name.as_deref());
            }
        }
        if let Some(session) = self.session_id().and_then(|s| HeaderValue::from_str(&s).ok()) {
            headers.insert(SESSION_ID, session);
        }
        headers
    }
}

impl Transport for HttpTransport {
    fn send<'a>(&'a self, message: Outgoing, inbox: &'a Inbox) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            if let Some(revision) = message.revision {
                *self.revision.lock().unwrap_or_else(|p| p.into_inner()) = Some(revision);
            }
            let headers = self.headers(&message);
            let response = self
                .http
                .post(&self.url)
                .headers(headers)
                .body(message.bytes)
                .send()
                .await
                .map_err(|e| ClientError::Transport(format!("POST {}: {e}", self.url)))?;
            if let Some(session) = response.headers().get(SESSION_ID).and_then(|v| v.to_str().ok()) {
                *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(session.to_owned());
            }
            let status = response.status();
            if status == reqwest::StatusCode::ACCEPTED {
                return Ok(());
            }
            let is_sse = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/event-stream"));
            if is_sse && status.is_success() {
                tokio::spawn(read_events(response, inbox.clone(), message.id));
                return Ok(());
            }
            let body = read_bounded(response).await?;
            if body.first() == Some(&b'{') {
                deliver_answer(inbox, &body, message.id.as_ref());
                return Ok(());
            }
            Err(ClientError::Transport(format!("POST {} answered {status}", self.url)))
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let Some(session) = self.session.lock().unwrap_or_else(|p| p.into_inner()).take() else { return };
            let revision = *self.revision.lock().unwrap_or_else(|p| p.into_inner());
            let mut delete = self.http.delete(&self.url).header(SESSION_ID, session);
            if let Some(revision) = revision {
                delete = delete.header(PROTOCOL_VERSION, revision);
            }
            let _ = delete.send().await;
        })
    }
}

/// Delivers a JSON body: an answer, or an error whose id the server could
/// not tell (`null`), which then fails the request that was sent.
fn deliver_answer(inbox: &Inbox, body: &[u8], sent: Option<&RequestId>) {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    match (value.get("id"), value.get("error"), sent) {
        (Some(serde_json::Value::Null) | None, Some(error), Some(id)) => {
            let error = serde_json::from_value::<RpcError>(error.clone())
                .unwrap_or_else(|_| RpcError::internal("the server answered with an unreadable error"));
            inbox.fail(id, error);
        }
        _ => inbox.deliver(body),
    }
}

/// The body of `response`, at most [`MAX_MESSAGE`] bytes.
async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| ClientError::Transport(e.to_string()))? {
        if body.len() + chunk.len() > MAX_MESSAGE {
            return Err(ClientError::Protocol(format!("an answer over {MAX_MESSAGE} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Delivers each event of an SSE answer; when the stream ends (or breaks a
/// bound) before the request's answer came, the request fails.
async fn read_events(mut response: reqwest::Response, inbox: Inbox, sent: Option<RequestId>) {
    let mut buffer: Vec<u8> = Vec::new();
    let failure = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                buffer.extend_from_slice(&chunk);
                while let Some(end) = event_end(&buffer) {
                    let event: Vec<u8> = buffer.drain(..end).collect();
                    if let Some(data) = event_data(&event) {
                        inbox.deliver(&data);
                    }
                }
                if buffer.len() > MAX_MESSAGE {
                    break format!("an event over {MAX_MESSAGE} bytes");
                }
            }
            Ok(None) => break "the stream ended before the answer".to_owned(),
            Err(error) => break format!("the stream broke: {error}"),
        }
    };
    if let Some(id) = sent {
        // Nothing happens when the answer already arrived.
        inbox.fail(&id, RpcError::internal(failure));
    }
}

/// Where the first complete event of `buffer` ends (after its blank line).
fn event_end(buffer: &[u8]) -> Option<usize> {
    let lf = buffer.windows(2).position(|w| w == b"\n\n").map(|at| at + 2);
    let crlf = buffer.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 4);
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The data of one event (its `data:` lines joined), if it has any.
fn event_data(event: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(event).ok()?;
    let mut data = Vec::new();
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push(b'\n');
            }
            data.extend_from_slice(value.strip_prefix(' ').unwrap_or(value).as_bytes());
        }
    }
    (!data.iter().all(u8::is_ascii_whitespace)).then_some(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_on_blank_lines_and_their_data_joined() {
        let buffer = b"id: 1\nretry: 500\ndata: \n\nevent: message\ndata: {\"a\":1}\n\ndata: x";
        let end = event_end(buffer).unwrap();
        assert_eq!(event_data(&buffer[..end]), None, "the priming event has no data");
        let rest = &buffer[end..];
        let end = event_end(rest).unwrap();
        assert_eq!(event_data(&rest[..end]).unwrap(), b"{\"a\":1}");
        assert_eq!(event_end(&rest[end..]), None, "an event without its blank line waits");
    }
}
