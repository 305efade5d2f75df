//! Streamable HTTP: each message is a POST; the answer comes as JSON or as
//! an SSE stream of the request's messages and then its result. The
//! session id the server hands out at `initialize` goes on every later
//! request, and closing the client DELETEs the session.

use super::{Outgoing, Transport};
use crate::auth::{Authorizer, MAX_REFUSALS, Refusal};
use crate::error::ClientError;
use crate::inbox::{Inbox, MAX_MESSAGE, Routed};
use futures_util::future::BoxFuture;
use quickmcp::protocol::jsonrpc::{RequestId, RpcError};
use quickmcp::protocol::version;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use std::sync::{Arc, Mutex};

const SESSION_ID: &str = "mcp-session-id";
const PROTOCOL_VERSION: &str = "mcp-protocol-version";

/// A Streamable HTTP endpoint, e.g. `http://127.0.0.1:8000/mcp`.
pub struct HttpTransport {
    http: reqwest::Client,
    url: String,
    /// `url` parsed once (`None`: not a URL; each request then says so).
    parsed: Option<reqwest::Url>,
    session: Mutex<Option<String>>,
    revision: Mutex<Option<&'static str>>,
    /// Whether the session's GET stream is being listened to.
    listening: std::sync::atomic::AtomicBool,
    /// Who authorizes requests (OAuth, a fixed token), if the server needs it.
    auth: Option<Arc<dyn Authorizer>>,
}

impl HttpTransport {
    /// The endpoint at `url`, through a client of its own (its own
    /// connections; the TLS settings are shared by the process's transports).
    pub fn new(url: impl Into<String>) -> Self {
        Self::with_client(default_http(), url)
    }

    /// The endpoint at `url`, through `http` (your proxy, TLS roots or
    /// default headers, such as `Authorization`).
    pub fn with_client(http: reqwest::Client, url: impl Into<String>) -> Self {
        let url = url.into();
        Self {
            http,
            parsed: reqwest::Url::parse(&url).ok(),
            url,
            session: Mutex::new(None),
            revision: Mutex::new(None),
            listening: std::sync::atomic::AtomicBool::new(false),
            auth: None,
        }
    }

    /// Authorizes every request with `auth` ([`OAuth`](crate::auth::OAuth),
    /// [`StaticToken`](crate::auth::StaticToken)); a request the server
    /// refuses (401, 403) is sent again once `auth` has new credentials, at
    /// most [`MAX_REFUSALS`] times.
    #[must_use]
    pub fn with_authorizer(mut self, auth: Arc<dyn Authorizer>) -> Self {
        self.auth = Some(auth);
        self
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
                // A name a header cannot carry as it is goes in base64.
                let name = message.name.as_deref().map(crate::param_headers::encode_text);
                put("mcp-name", name.as_deref());
                for (name, value) in &message.headers {
                    if let (Ok(name), Ok(value)) =
                        (reqwest::header::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value))
                    {
                        headers.insert(name, value);
                    }
                }
            }
        }
        if let Some(session) = self.session_id().and_then(|s| HeaderValue::from_str(&s).ok()) {
            headers.insert(SESSION_ID, session);
        }
        headers
    }
}

impl HttpTransport {
    /// Opens the session's GET stream (what the server sends outside any
    /// request: its own requests, notifications) once a session and its
    /// revision are known, and keeps it open, resuming from the last event
    /// after the `retry` the server asked for, until the session ends.
    ///
    /// Returns, when it opened the stream now, a signal that fires once the
    /// server answered the first GET (or it failed): the request that opened
    /// it waits for that (at most [`LISTEN_READY`]), so the stream is in
    /// place before the requests that follow; a server may answer one of
    /// them on it.
    fn listen_once(&self, inbox: &Inbox) -> Option<tokio::sync::oneshot::Receiver<()>> {
        use std::sync::atomic::Ordering;
        if self.listening.load(Ordering::Acquire) {
            return None;
        }
        let (Some(session), Some(revision)) =
            (self.session_id(), *self.revision.lock().unwrap_or_else(|p| p.into_inner()))
        else {
            return None;
        };
        if self.listening.swap(true, Ordering::AcqRel) {
            return None;
        }
        let (http, url, inbox, auth) = (self.http.clone(), self.url.clone(), inbox.clone(), self.auth.clone());
        let (opened, ready) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            // Dropped (fired) after the first GET's answer, or when the loop ends.
            let mut opened = Some(opened);
            let mut position = Position::default();
            while !inbox.is_closed() {
                let Ok(authorized) = authorization(auth.as_deref(), "GET", &url).await else { break };
                let mut get = http
                    .get(&url)
                    .headers(authorized)
                    .header(ACCEPT, "text/event-stream")
                    .header(SESSION_ID, &session)
                    .header(PROTOCOL_VERSION, revision);
                if let Some(last) = &position.last_id {
                    get = get.header("last-event-id", last);
                }
                let answered = get.send().await;
                drop(opened.take());
                let Ok(response) = answered else { break };
                if !response.status().is_success() {
                    // 405: the server has no GET stream; 404: the session ended.
                    break;
                }
                let _ = read_stream(response, &inbox, &mut position, None).await;
                // A server that ends the stream at once, asking for no pause,
                // is not reconnected to in a tight loop.
                let pause = position.retry_ms.max(LISTEN_PAUSE_MS);
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
        });
        Some(ready)
    }
}

/// How long the request that opens the session's GET stream waits for the
/// server to answer that GET.
const LISTEN_READY: std::time::Duration = std::time::Duration::from_secs(1);

/// A reqwest client as `reqwest::Client::new()` makes it, but with TLS
/// settings (the web PKI roots, parsed) built once per process: a client
/// holding many connections does not pay ~35 KiB for each.
fn default_http() -> reqwest::Client {
    static TLS: std::sync::OnceLock<Option<rustls::ClientConfig>> = std::sync::OnceLock::new();
    let tls = TLS.get_or_init(|| {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .ok()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Some(config)
    });
    shared_tls_client(tls).unwrap_or_default()
}

/// A client with `tls` (`None` when reqwest refuses it).
fn shared_tls_client(tls: &Option<rustls::ClientConfig>) -> Option<reqwest::Client> {
    reqwest::Client::builder().use_preconfigured_tls(tls.clone()?).build().ok()
}

/// The least pause before the GET stream is opened again.
const LISTEN_PAUSE_MS: u64 = 250;

/// Where a stream is: its last event id and the server's `retry`.
struct Position {
    last_id: Option<String>,
    retry_ms: u64,
}

impl Default for Position {
    fn default() -> Self {
        Self { last_id: None, retry_ms: 1000 }
    }
}

impl HttpTransport {
    /// POSTs `message`, with the authorizer's headers; a refusal (401, 403)
    /// goes to the authorizer and, once it has new credentials, the
    /// message is sent again.
    /// `body` is the message's bytes, shared (not copied) by each attempt.
    async fn post_authorized(&self, message: &Outgoing, body: bytes::Bytes) -> Result<reqwest::Response, ClientError> {
        let mut refusals = 0;
        loop {
            let sent = authorization(self.auth.as_deref(), "POST", &self.url).await?;
            let post = match &self.parsed {
                Some(url) => self.http.post(url.clone()),
                None => self.http.post(&self.url),
            };
            let response = post
                .headers(self.headers(message))
                .headers(sent.clone())
                .body(body.clone())
                .send()
                .await
                .map_err(|e| ClientError::Transport(format!("POST {}: {}", self.url, causes(&e))))?;
            let status = response.status().as_u16();
            let Some(auth) = self.auth.as_deref().filter(|_| status == 401 || status == 403) else {
                return Ok(response);
            };
            if refusals == MAX_REFUSALS {
                return Err(ClientError::Auth(format!(
                    "POST {} refused {status} after {refusals} new credentials",
                    self.url
                )));
            }
            refusals += 1;
            let refusal = Refusal { url: self.url.clone(), status, headers: response.headers().clone(), sent };
            auth.refused(&refusal).await?;
        }
    }
}

/// The authorization headers of a request (none without an authorizer).
async fn authorization(auth: Option<&dyn Authorizer>, method: &str, url: &str) -> Result<HeaderMap, ClientError> {
    match auth {
        Some(auth) => auth.headers(method, url).await,
        None => Ok(HeaderMap::new()),
    }
}

impl Transport for HttpTransport {
    fn send<'a>(&'a self, mut message: Outgoing, inbox: &'a Inbox) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            if let Some(revision) = message.revision {
                *self.revision.lock().unwrap_or_else(|p| p.into_inner()) = Some(revision);
            }
            if let Some(ready) = self.listen_once(inbox) {
                let _ = tokio::time::timeout(LISTEN_READY, ready).await;
            }
            let body = bytes::Bytes::from(std::mem::take(&mut message.bytes));
            let response = self.post_authorized(&message, body).await?;
            let status = response.status();
            // Only a request that succeeded opens a session: the Python SDK
            // 1.x names (and at once ends) one on its 400 to a request
            // without a session, such as `server/discover`.
            if let Some(session) = response.headers().get(SESSION_ID).and_then(|v| v.to_str().ok())
                && status.is_success()
            {
                *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(session.to_owned());
            }
            if status == reqwest::StatusCode::ACCEPTED {
                return Ok(());
            }
            let is_sse = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/event-stream"));
            if is_sse && status.is_success() {
                let resume = self.session_id().map(|session| Resume {
                    auth: self.auth.clone(),
                    http: self.http.clone(),
                    url: self.url.clone(),
                    session,
                    revision: message.revision,
                });
                tokio::spawn(read_events(response, inbox.clone(), message.id, resume));
                return Ok(());
            }
            let body = read_bounded(response).await?;
            if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                return deliver_answer(inbox, &body, message.id.as_ref());
            }
            if !status.is_success() {
                return Err(ClientError::Transport(format!("POST {} answered {status}", self.url)));
            }
            match message.id {
                None => Ok(()),
                Some(_) if body.is_empty() => {
                    Err(ClientError::Protocol(format!("POST {} answered {status} with an empty body", self.url)))
                }
                Some(_) => Err(ClientError::Protocol(format!(
                    "POST {} answered {status} with a body that is not JSON-RPC: {:?}",
                    self.url,
                    String::from_utf8_lossy(&body[..body.len().min(64)])
                ))),
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let Some(session) = self.session.lock().unwrap_or_else(|p| p.into_inner()).take() else { return };
            let revision = *self.revision.lock().unwrap_or_else(|p| p.into_inner());
            let authorized = authorization(self.auth.as_deref(), "DELETE", &self.url).await.unwrap_or_default();
            let mut delete = self.http.delete(&self.url).headers(authorized).header(SESSION_ID, session);
            if let Some(revision) = revision {
                delete = delete.header(PROTOCOL_VERSION, revision);
            }
            let _ = delete.send().await;
        })
    }
}

/// An error and its causes, `: `-separated (reqwest's own message leaves
/// out why: the connection refused, reset, …).
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Delivers a JSON body. The POST carried one request: an error under
/// another id (`null`, or the Python SDK 1.x's `"server-error"`) is its
/// answer, and a body that leaves it unanswered otherwise (not JSON-RPC,
/// a result under another id) fails it.
fn deliver_answer(inbox: &Inbox, body: &[u8], sent: Option<&RequestId>) -> Result<(), ClientError> {
    let routed = inbox.route(body);
    let Some(sent) = sent.filter(|sent| inbox.awaits(sent)) else { return Ok(()) };
    if !matches!(routed, Routed::Delivered) {
        let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        if let Some(error) = value.get("error") {
            let error = serde_json::from_value::<RpcError>(error.clone())
                .unwrap_or_else(|_| RpcError::internal("the server answered with an unreadable error"));
            inbox.fail(sent, error);
            return Ok(());
        }
    }
    Err(ClientError::Protocol(match routed {
        Routed::Unawaited(other) => format!("the server answered request {other}, not {sent}"),
        Routed::Unreadable(why) => format!("the server answered with {why}"),
        Routed::Delivered => "the server's JSON body holds no answer to the request".to_owned(),
    }))
}

/// The body of `response`, at most [`MAX_MESSAGE`] bytes.
async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::new();
    let broke = |e: reqwest::Error| ClientError::Transport(format!("the answer's body broke: {}", causes(&e)));
    while let Some(chunk) = response.chunk().await.map_err(broke)? {
        if body.len() + chunk.len() > MAX_MESSAGE {
            return Err(ClientError::Protocol(format!("an answer over {MAX_MESSAGE} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What it takes to resume a session's stream with a GET.
struct Resume {
    auth: Option<Arc<dyn Authorizer>>,
    http: reqwest::Client,
    url: String,
    session: String,
    revision: Option<&'static str>,
}

/// Times a stream that ended before its answer is resumed.
const RESUMPTIONS: usize = 3;

/// Delivers each event of an SSE answer. When the stream ends before the
/// request's answer came, a stream with event ids (in a session) is
/// resumed with a GET and `Last-Event-ID` after the server's `retry`, a
/// few times; otherwise (or in the end) the request fails.
async fn read_events(response: reqwest::Response, inbox: Inbox, sent: Option<RequestId>, resume: Option<Resume>) {
    let mut position = Position::default();
    let mut outcome = read_stream(response, &inbox, &mut position, sent.as_ref()).await;
    let answered = |inbox: &Inbox| sent.as_ref().is_none_or(|id| !inbox.awaits(id));
    if let Some(resume) = resume {
        for _ in 0..RESUMPTIONS {
            let Some(last) = position.last_id.clone() else { break };
            if outcome.is_err() || answered(&inbox) || inbox.is_closed() {
                break;
            }
            inbox.stream_paused();
            tokio::time::sleep(std::time::Duration::from_millis(position.retry_ms)).await;
            let authorized = match authorization(resume.auth.as_deref(), "GET", &resume.url).await {
                Ok(headers) => headers,
                Err(error) => {
                    outcome = Err(error);
                    break;
                }
            };
            let mut get = resume
                .http
                .get(&resume.url)
                .headers(authorized)
                .header(ACCEPT, "text/event-stream")
                .header(SESSION_ID, &resume.session)
                .header("last-event-id", last);
            if let Some(revision) = resume.revision {
                get = get.header(PROTOCOL_VERSION, revision);
            }
            outcome = match get.send().await {
                Ok(response) if response.status().is_success() => {
                    read_stream(response, &inbox, &mut position, sent.as_ref()).await
                }
                Ok(response) => Err(ClientError::Transport(format!(
                    "resuming the answer's stream: GET answered {}",
                    response.status()
                ))),
                Err(error) => Err(ClientError::Transport(format!("resuming the answer's stream: {error}"))),
            };
        }
    }
    let failure = match outcome {
        Ok(()) => ClientError::Transport("the answer's stream ended before the answer".to_owned()),
        Err(why) => why,
    };
    if let Some(id) = sent {
        // Nothing happens when the answer already arrived.
        inbox.fail_with(&id, failure);
    }
}

/// How often a silent stream checks that its request is still awaited.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Delivers each event of `response` until it ends (`Ok`) or breaks a
/// bound or the connection (`Err`), keeping `position` up to date. The
/// stream of request `until` stops once that request is no longer awaited
/// (answered, timed out, dropped), and fails on what cannot be its answer.
async fn read_stream(
    mut response: reqwest::Response,
    inbox: &Inbox,
    position: &mut Position,
    until: Option<&RequestId>,
) -> Result<(), ClientError> {
    let mut buffer: Vec<u8> = Vec::new();
    let mut scanned: usize = 0;
    loop {
        let next = match until {
            Some(id) => match tokio::time::timeout(IDLE_CHECK, response.chunk()).await {
                Ok(next) => next,
                Err(_) if inbox.awaits(id) => continue,
                Err(_) => return Ok(()),
            },
            None => response.chunk().await,
        };
        let chunk = match next {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return Ok(()),
            Err(error) => return Err(ClientError::Transport(format!("the stream broke: {}", causes(&error)))),
        };
        buffer.extend_from_slice(&chunk);
        let mut start = 0;
        while let Some(end) = event_end(&buffer[start..], scanned.saturating_sub(start)) {
            let event = &buffer[start..start + end];
            start += end;
            position.note(event);
            let Some(data) = event_data(event) else { continue };
            if data.len() > MAX_MESSAGE {
                return Err(ClientError::Protocol(format!("an event over {MAX_MESSAGE} bytes")));
            }
            match (inbox.route(&data), until) {
                (Routed::Unreadable(why), Some(_)) => {
                    return Err(ClientError::Protocol(format!("the server sent {why} on the answer's stream")));
                }
                (Routed::Unawaited(other), Some(id)) if inbox.awaits(id) => {
                    return Err(ClientError::Protocol(format!(
                        "the server answered request {other} on the stream of {id}"
                    )));
                }
                _ => {}
            }
        }
        buffer.drain(..start);
        scanned = buffer.len();
        if buffer.len() > MAX_MESSAGE {
            return Err(ClientError::Protocol(format!("an event over {MAX_MESSAGE} bytes")));
        }
        if until.is_some_and(|id| !inbox.awaits(id)) {
            return Ok(());
        }
    }
}

impl Position {
    /// Keeps the `id` and `retry` fields of `event`.
    fn note(&mut self, event: &[u8]) {
        let Ok(text) = std::str::from_utf8(event) else { return };
        for line in text.lines() {
            if let Some(id) = line.strip_prefix("id:") {
                self.last_id = Some(id.trim().to_owned());
            } else if let Some(retry) = line.strip_prefix("retry:").and_then(|r| r.trim().parse::<u64>().ok()) {
                // A server may ask for a pause, not for a minute of silence.
                self.retry_ms = retry.min(60_000);
            }
        }
    }
}

/// Where the first complete event of `buffer` ends (after its blank
/// line); no blank line ends before `from` (what was already searched).
fn event_end(buffer: &[u8], from: usize) -> Option<usize> {
    let from = from.saturating_sub(3).min(buffer.len());
    let rest = &buffer[from..];
    let lf = rest.windows(2).position(|w| w == b"\n\n").map(|at| from + at + 2);
    let crlf = rest.windows(4).position(|w| w == b"\r\n\r\n").map(|at| from + at + 4);
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
    fn the_shared_tls_settings_are_the_ones_reqwest_takes() {
        // reqwest takes a rustls config only of its own rustls version.
        let _ = default_http();
        let tls =
            rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
        assert!(shared_tls_client(&Some(tls)).is_some());
    }

    #[test]
    fn events_are_split_on_blank_lines_and_their_data_joined() {
        let buffer = b"id: 1\nretry: 500\ndata: \n\nevent: message\ndata: {\"a\":1}\n\ndata: x";
        let end = event_end(buffer, 0).unwrap();
        assert_eq!(event_data(&buffer[..end]), None, "the priming event has no data");
        let rest = &buffer[end..];
        let end = event_end(rest, 0).unwrap();
        assert_eq!(event_data(&rest[..end]).unwrap(), b"{\"a\":1}");
        assert_eq!(event_end(&rest[end..], 0), None, "an event without its blank line waits");
        assert_eq!(event_end(b"data: x\n\n", 8), Some(9), "a blank line split across reads is found");
    }

    #[tokio::test]
    async fn an_error_under_another_id_fails_the_request_the_post_carried() {
        let (inbox, _requests) = Inbox::new();
        let (id, answer) = inbox.pending.begin();
        let body = br#"{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Bad Request: Missing session ID"}}"#;
        deliver_answer(&inbox, body, Some(&id)).unwrap();
        let error = answer.await.unwrap().unwrap_err();
        assert_eq!((error.code, error.message.as_str()), (-32600, "Bad Request: Missing session ID"));
    }
}
