//! Where the server's messages land, whatever carried them: answers go to
//! the request awaiting them (mcp-core's [`PendingRequests`]), notifications
//! to the client's subscribers, and the server's own requests to the task
//! that answers them.

use mcp_core::peer::PendingRequests;
use mcp_core::protocol::jsonrpc::{Message, Request, RequestId};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};

/// The largest message the client reads from a server (as the server's own
/// body limit): a larger one fails the call it answers.
pub const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// Server requests waiting for the client to answer them; more are
/// refused (`-32603`) rather than queued.
const PENDING_SERVER_REQUESTS: usize = 64;

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
        };
        (inbox, requests)
    }

    /// Hands one message from the server to whoever waits for it. A message
    /// that is not JSON-RPC is dropped (and logged): what it answered, if
    /// anything, fails by its time limit or when its exchange ends.
    pub fn deliver(&self, bytes: &[u8]) {
        match Message::decode(bytes) {
            Ok(Message::Response(response)) => {
                if !self.pending.complete(&response.id, response.outcome) {
                    tracing::debug!(id = %response.id, "an answer nobody awaits");
                }
            }
            Ok(Message::Notification(notification)) => {
                let params = notification
                    .params
                    .map_or(Value::Null, |raw| serde_json::from_str(raw.get()).unwrap_or(Value::Null));
                let _ = self.notifications.send(ServerNotification { method: notification.method, params });
            }
            Ok(Message::Request(request)) => {
                if self.server_requests.try_send(request).is_err() {
                    tracing::warn!("too many server requests waiting for answers; one is dropped");
                }
            }
            Err(error) => {
                // An error answer whose id is known still reaches its caller.
                if let Some(id) = error.id {
                    self.pending.complete(&id, Err(error.error));
                } else {
                    tracing::warn!(error = %error.error.message, "the server sent something that is not JSON-RPC");
                }
            }
        }
    }

    /// Fails request `id` (its exchange ended without an answer).
    pub fn fail(&self, id: &RequestId, error: mcp_core::protocol::jsonrpc::RpcError) {
        self.pending.complete(id, Err(error));
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
