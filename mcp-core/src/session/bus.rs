//! The [`SessionBus`]: how replicas that share session stores hand each
//! other what only the replica holding a live handle can act on.
//!
//! A session's live handles (the connection attached to a stream, a
//! handler awaiting the client's answer, a running request) exist in one
//! process, but the session's next request may reach any replica. When a
//! replica has something for a handle it does not hold, it publishes a
//! [`Signal`]; every other replica receives it and the one holding the
//! handle acts. Delivery is at most once: an event a connection misses this
//! way is still in the event store, and the client gets it by resuming.

use crate::protocol::jsonrpc::{RequestId, RpcError};
use crate::store::StoreFuture;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// What one replica hands the others.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Signal {
    /// An event appended to a stream: for the connection attached to it.
    Event {
        /// The session.
        session: String,
        /// The stream (see [`StreamId`](super::StreamId)).
        stream: u64,
        /// The event's position in it.
        seq: u64,
        /// The encoded message.
        data: Box<RawValue>,
    },
    /// The client's answer to a server→client request: for the handler
    /// awaiting it.
    Answer {
        /// The session.
        session: String,
        /// The server's request id.
        id: RequestId,
        /// The result, or the client's error.
        answer: Result<Box<RawValue>, RpcError>,
    },
    /// A connection attached to the session's standalone (GET) stream on
    /// the sending replica: one attached elsewhere with an older
    /// [`Claim`](super::Claim) closes, so that the session has one GET
    /// stream across replicas, the newest.
    Claimed {
        /// The session.
        session: String,
        /// The standalone stream.
        stream: u64,
        /// When the new connection attached.
        claim: super::Claim,
    },
    /// The session ended (deleted, or expired): every replica lets go of
    /// what it holds for it (requests cancelled, connections closed).
    Ended {
        /// The session.
        session: String,
    },
    /// `notifications/cancelled`: for the replica running the request.
    Cancel {
        /// The session.
        session: String,
        /// The client's request id.
        id: RequestId,
    },
    /// A notification for every listening client: a `list_changed`
    /// (`uri` unset), or `notifications/resources/updated` for `uri`, which
    /// the sending replica already appended to subscribed sessions' streams.
    Notice {
        /// The notification's method.
        method: String,
        /// The resource that changed, for `resources/updated`.
        uri: Option<String>,
    },
}

/// Carries [`Signal`]s between the replicas that share a session store
/// (see the module docs). Replicas without one (a single process, memory
/// stores) need none.
pub trait SessionBus: Send + Sync + 'static {
    /// Sends `signal` to every other replica.
    fn publish(&self, signal: Signal) -> StoreFuture<'_, ()>;
    /// The signals of other replicas, from now on; called once, when the
    /// sessions start. The bus reconnects on its own after failures.
    fn listen(&self) -> tokio::sync::mpsc::Receiver<Signal>;
}
