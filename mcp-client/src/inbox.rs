//! Where the server's messages land, whatever carried them: answers go to
//! the request awaiting them (mcp-core's [`PendingRequests`]), notifications
//! to the client's subscribers, and the server's own requests to the task
//! that answers them.

use crate::error::ClientError;
use quickmcp::peer::PendingRequests;
use quickmcp::protocol::jsonrpc::{Message, Request, RequestId, RpcError};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc};

/// The largest message the client reads from a server (as the server's own
/// body limit): a larger one fails the call it answers.
pub const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// Server requests waiting for the client to answer them (and, apart, being
/// answered); more are dropped rather than queued.
pub(crate) const PENDING_SERVER_REQUESTS: usize = 64;

/// Notifications kept for a subscriber that reads slowly; past it the
/// oldest are dropped (the subscriber learns how many).
const NOTIFICATIONS_KEPT: usize = 256;

/// A notification from the server: its method and params.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerNotification {
    /// E.g. `notifications/progress`.
    pub method: String,
    /// Its params (`Null` when absent).
    pub params: Value,
}

/// The client's half of the connection's state that transports deliver to.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Inbox {
    pub(crate) pending: Arc<PendingRequests>,
    /// `true` once the connection ended; watched by notification streams.
    closed: Arc<tokio::sync::watch::Sender<bool>>,
    notifications: broadcast::Sender<ServerNotification>,
    server_requests: mpsc::Sender<Request>,
    /// Why requests failed on the client's side (a broken stream, an answer
    /// that is not MCP), kept until their caller reads it: the pending
    /// table carries only JSON-RPC errors.
    local_failures: Arc<Mutex<HashMap<RequestId, ClientError>>>,
    /// Sees every notification first, in order, as it is delivered; and
    /// each request stream the server paused.
    watcher: Arc<std::sync::OnceLock<Watcher>>,
}

/// A callback that sees each notification as it arrives
/// ([`ClientBuilder::on_notification`](crate::ClientBuilder::on_notification)).
pub type NotificationWatcher = Arc<dyn Fn(&ServerNotification) + Send + Sync>;

/// What a builder holds until it connects: a [`NotificationWatcher`],
/// and a callback for paused streams.
#[derive(Clone, Default)]
pub(crate) struct Watcher {
    pub(crate) notifications: Option<NotificationWatcher>,
    pub(crate) paused: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watcher")
    }
}

/// What became of one message from the server.
#[derive(Debug, PartialEq)]
pub(crate) enum Routed {
    /// Delivered: an answer awaited, a notification, a server request.
    Delivered,
    /// An answer to a request nobody awaits (its id).
    Unawaited(RequestId),
    /// Not JSON-RPC, and no request could be told of it; why.
    Unreadable(String),
}

impl Inbox {
    pub(crate) fn new() -> (Self, mpsc::Receiver<Request>) {
        let (server_requests, requests) = mpsc::channel(PENDING_SERVER_REQUESTS);
        let (notifications, _) = broadcast::channel(NOTIFICATIONS_KEPT);
        let inbox = Self {
            pending: Arc::new(PendingRequests::new("c")),
            closed: Arc::new(tokio::sync::watch::Sender::new(false)),
            notifications,
            server_requests,
            local_failures: Arc::default(),
            watcher: Arc::default(),
        };
        (inbox, requests)
    }

    /// Hands one message from the server to whoever waits for it. A message
    /// that is not JSON-RPC fails the request it names when its id can be
    /// read, and is otherwise dropped (and logged).
    pub fn deliver(&self, bytes: &[u8]) {
        let _ = self.route(bytes);
    }

    /// [`deliver`](Self::deliver), saying what became of the message.
    pub(crate) fn route(&self, bytes: &[u8]) -> Routed {
        match Message::decode(bytes) {
            Ok(Message::Response(response)) => {
                if self.pending.complete(&response.id, response.outcome) {
                    Routed::Delivered
                } else {
                    tracing::debug!(id = %response.id, "an answer nobody awaits");
                    Routed::Unawaited(response.id)
                }
            }
            Ok(Message::Notification(notification)) => {
                let params = notification
                    .params
                    .map_or(Value::Null, |raw| serde_json::from_str(raw.get()).unwrap_or(Value::Null));
                let notification = ServerNotification { method: notification.method, params };
                if let Some(watcher) = self.watcher.get().and_then(|w| w.notifications.as_ref()) {
                    watcher(&notification);
                }
                let _ = self.notifications.send(notification);
                Routed::Delivered
            }
            Ok(Message::Request(request)) => {
                if self.server_requests.try_send(request).is_err() {
                    tracing::warn!("too many server requests waiting for answers; one is dropped");
                }
                Routed::Delivered
            }
            Err(error) => {
                let why = format!("a message that is not JSON-RPC ({})", error.error.message);
                match error.id.or_else(|| leading_id(bytes)) {
                    Some(id) if self.pending.contains(&id) => {
                        self.fail_with(&id, ClientError::Protocol(format!("the server answered with {why}")));
                        Routed::Delivered
                    }
                    _ => {
                        tracing::warn!(error = %error.error.message, "the server sent something that is not JSON-RPC");
                        Routed::Unreadable(why)
                    }
                }
            }
        }
    }

    /// Fails request `id` (its exchange ended without an answer).
    pub fn fail(&self, id: &RequestId, error: quickmcp::protocol::jsonrpc::RpcError) {
        self.pending.complete(id, Err(error));
    }

    /// Fails request `id` with `error`, as its caller will see it (nothing
    /// happens when it was answered already).
    pub fn fail_with(&self, id: &RequestId, error: ClientError) {
        let message = error.to_string();
        self.local().insert(id.clone(), error);
        if !self.pending.complete(id, Err(RpcError::internal(message))) {
            self.local().remove(id);
        }
    }

    /// The client-side failure of request `id`, if it had one.
    pub(crate) fn local_failure(&self, id: &RequestId) -> Option<ClientError> {
        self.local().remove(id)
    }

    fn local(&self) -> std::sync::MutexGuard<'_, HashMap<RequestId, ClientError>> {
        self.local_failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether request `id` still awaits its answer (not answered, not
    /// abandoned by its caller).
    pub(crate) fn awaits(&self, id: &RequestId) -> bool {
        self.pending.contains(id)
    }

    /// The connection ended: every request awaiting an answer fails
    /// ([`ClientError::Closed`](crate::ClientError::Closed)), and so does
    /// every later one.
    pub fn close(&self) {
        self.closed.send_replace(true);
        self.pending.clear();
    }

    /// Whether [`close`](Self::close) was called.
    pub(crate) fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }

    /// The server ended a request's stream before its answer; the client
    /// resumes it.
    pub(crate) fn stream_paused(&self) {
        if let Some(paused) = self.watcher.get().and_then(|w| w.paused.as_ref()) {
            paused();
        }
    }

    /// Hands every notification to `watcher` first (once per inbox).
    pub(crate) fn watch(&self, watcher: Watcher) {
        let _ = self.watcher.set(watcher);
    }

    /// A new subscriber to the server's notifications.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<ServerNotification> {
        self.notifications.subscribe()
    }

    /// The server's notifications from now on, ending when the connection
    /// does; a reader more than [`NOTIFICATIONS_KEPT`] behind skips the
    /// oldest.
    pub(crate) fn stream(&self) -> impl futures_util::Stream<Item = ServerNotification> + Send + 'static {
        let state = (self.notifications.subscribe(), self.closed.subscribe());
        futures_util::stream::unfold(state, |(mut notifications, mut closed)| async move {
            use broadcast::error::{RecvError, TryRecvError};
            loop {
                // What came before the end is still delivered.
                match notifications.try_recv() {
                    Ok(notification) => return Some((notification, (notifications, closed))),
                    Err(TryRecvError::Lagged(_)) => continue,
                    Err(TryRecvError::Closed) => return None,
                    Err(TryRecvError::Empty) => {}
                }
                if *closed.borrow_and_update() {
                    return None;
                }
                tokio::select! {
                    received = notifications.recv() => match received {
                        Ok(notification) => return Some((notification, (notifications, closed))),
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    },
                    changed = closed.changed() => if changed.is_err() { return None },
                }
            }
        })
    }
}

/// The top-level `id` of a JSON object's first bytes, when they hold one:
/// what names the request a message too large or too broken to parse
/// answers. Only ids before any nested value or the cut are found, as
/// JSON-RPC encoders write them (`{"jsonrpc":"2.0","id":..,"result":..}`).
pub(crate) fn leading_id(bytes: &[u8]) -> Option<RequestId> {
    let text = &bytes[..bytes.len().min(4096)];
    let mut at = skip_space(text, 0);
    if text.get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    loop {
        at = skip_space(text, at);
        let key_end = string_end(text, at)?;
        let key = &text[at..key_end];
        at = skip_space(text, key_end);
        if text.get(at) != Some(&b':') {
            return None;
        }
        at = skip_space(text, at + 1);
        let value_end = match text.get(at)? {
            b'"' => string_end(text, at)?,
            b'-' | b'0'..=b'9' => at + text[at..].iter().take_while(|b| b.is_ascii_digit() || **b == b'-').count(),
            // Nested values are not followed: the id comes before them.
            _ => return None,
        };
        if key == b"\"id\"" {
            return serde_json::from_slice(&text[at..value_end]).ok();
        }
        at = skip_space(text, value_end);
        if text.get(at) != Some(&b',') {
            return None;
        }
        at += 1;
    }
}

fn skip_space(text: &[u8], mut at: usize) -> usize {
    while text.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// Where the JSON string starting at `at` ends (after its closing quote).
fn string_end(text: &[u8], at: usize) -> Option<usize> {
    if text.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leading_id_of_a_cut_or_broken_message_is_found() {
        let id = |s: &str| leading_id(s.as_bytes());
        assert_eq!(
            id(r#"{"jsonrpc":"2.0","id":"c-1-ab","result":{"pad":"xxx"#),
            Some(RequestId::String("c-1-ab".into()))
        );
        assert_eq!(id(r#" { "jsonrpc" : "2.0" , "id" : 7 , "result": ["#), Some(RequestId::Number(7)));
        assert_eq!(id(r#"{"jsonrpc":"2.0","result":{"id":"inner"}}"#), None, "a nested id is not the message's");
        assert_eq!(id(r#"{"jsonrpc":"2.0","method":"x\"id\"","id":"#), None);
        assert_eq!(id("not json"), None);
    }
}
