//! What a session has running in this process: requests in flight (to
//! cancel), answers awaited from the client, resource subscriptions, and the
//! connections attached to its streams. None of it can be stored; it lives
//! while the process does and is created on first use, so an idle session
//! costs nothing here.

use super::delivery::EventSink;
use super::events::{Event, EventId, StreamId};
use crate::jsonrpc::{RequestId, RpcError};
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// The client's answer to a server→client request.
pub(crate) type ClientAnswer = Result<Box<RawValue>, RpcError>;

/// The live handles of one session.
#[derive(Debug, Default)]
pub(crate) struct LiveSession {
    inner: Mutex<Live>,
}

#[derive(Debug, Default)]
struct Live {
    in_flight: HashMap<RequestId, CancellationToken>,
    awaiting: HashMap<RequestId, oneshot::Sender<ClientAnswer>>,
    subscriptions: HashSet<String>,
    attached: HashMap<StreamId, Attached>,
    standalone: Option<StreamId>,
    next_request: u64,
}

impl LiveSession {
    fn lock(&self) -> MutexGuard<'_, Live> {
        // A panic while holding this lock leaves plain maps behind; keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers request `id` as running; `None` when a request with that
    /// id already runs (checked and registered under one lock).
    pub(crate) fn begin_request(self: &Arc<Self>, id: RequestId) -> Option<InFlight> {
        let token = CancellationToken::new();
        match self.lock().in_flight.entry(id.clone()) {
            std::collections::hash_map::Entry::Occupied(_) => return None,
            std::collections::hash_map::Entry::Vacant(slot) => slot.insert(token.clone()),
        };
        Some(InFlight { live: Arc::clone(self), id, token })
    }

    pub(crate) fn cancel_request(&self, id: &RequestId) -> bool {
        self.lock().in_flight.get(id).map(CancellationToken::cancel).is_some()
    }

    pub(crate) fn is_in_flight(&self, id: &RequestId) -> bool {
        self.lock().in_flight.contains_key(id)
    }

    pub(crate) fn await_client(&self) -> (RequestId, oneshot::Receiver<ClientAnswer>) {
        let (tx, rx) = oneshot::channel();
        let mut live = self.lock();
        live.next_request += 1;
        // Random as well as counted: with several replicas serving the
        // session, the answer may arrive at another one, which routes it by id.
        let id = RequestId::String(format!("srv-{}-{:x}", live.next_request, rand::random::<u32>()));
        live.awaiting.insert(id.clone(), tx);
        (id, rx)
    }

    pub(crate) fn complete_client_request(&self, id: &RequestId, answer: ClientAnswer) -> bool {
        self.lock().awaiting.remove(id).is_some_and(|tx| tx.send(answer).is_ok())
    }

    pub(crate) fn is_awaiting(&self, id: &RequestId) -> bool {
        self.lock().awaiting.contains_key(id)
    }

    pub(crate) fn abandon_client_request(&self, id: &RequestId) {
        self.lock().awaiting.remove(id);
    }

    pub(crate) fn subscribe(&self, uri: &str, max: usize) -> bool {
        let mut live = self.lock();
        if live.subscriptions.len() >= max && !live.subscriptions.contains(uri) {
            return false;
        }
        live.subscriptions.insert(uri.to_owned());
        true
    }

    pub(crate) fn unsubscribe(&self, uri: &str) {
        self.lock().subscriptions.remove(uri);
    }

    pub(crate) fn is_subscribed(&self, uri: &str) -> bool {
        self.lock().subscriptions.contains(uri)
    }

    /// Attaches `sink` to a new stream (nothing sent on it yet).
    pub(crate) fn attach(&self, stream: StreamId, sink: EventSink) {
        self.lock().attached.insert(stream, Attached { sink, last: Some(0) });
    }

    /// Attaches a resumed connection to `stream`; `false` when `stream` is
    /// the standalone stream and another open connection holds it (one GET
    /// stream per session, resumed or not).
    /// The connection goes on from event `after` (which the replay
    /// starts after).
    pub(crate) fn attach_resumed(&self, after: EventId, sink: EventSink) -> bool {
        let mut live = self.lock();
        let held = live.attached.get(&after.stream).is_some_and(|a| !a.sink.is_closed());
        if live.standalone == Some(after.stream) && held {
            return false;
        }
        live.attached.insert(after.stream, Attached { sink, last: Some(after.seq) });
        true
    }

    pub(crate) fn detach(&self, stream: StreamId) {
        self.lock().attached.remove(&stream);
    }

    /// Sends `event` to the connection attached to its stream, if any, in
    /// the stream's order: an event already sent is skipped, and one that
    /// comes before those ahead of it (appended on another replica, say) is
    /// held back as a [`Delivery::Gap`], for the caller to fill from the
    /// event store. A connection that is gone or too far behind is detached
    /// (the client resumes from the event store).
    pub(crate) fn deliver(&self, event: Event) -> Delivery {
        let mut live = self.lock();
        let stream = event.id.stream;
        let Some(attached) = live.attached.get_mut(&stream) else {
            return Delivery::NotHere;
        };
        match attached.last {
            Some(last) if event.id.seq <= last => return Delivery::Sent,
            Some(last) if event.id.seq > last + 1 => return Delivery::Gap { after: EventId { stream, seq: last } },
            _ => {}
        }
        let seq = event.id.seq;
        if attached.sink.send(event).is_err() {
            live.attached.remove(&stream);
            return Delivery::NotHere;
        }
        attached.last = Some(attached.last.map_or(seq, |last| last.max(seq)));
        Delivery::Sent
    }

    /// The connection attached to `stream` has seen everything up to
    /// `seq` (its priming event's position).
    pub(crate) fn seen(&self, stream: StreamId, seq: u64) {
        if let Some(attached) = self.lock().attached.get_mut(&stream) {
            attached.last = Some(attached.last.map_or(seq, |last| last.max(seq)));
        }
    }

    /// Whether the session is in use here though no request arrives: a
    /// request still running, or a connection listening on a stream.
    pub(crate) fn is_busy(&self) -> bool {
        let live = self.lock();
        !live.in_flight.is_empty() || live.attached.values().any(|a| !a.sink.is_closed())
    }

    /// Marks `stream` as the standalone stream (resumed here).
    pub(crate) fn set_standalone(&self, stream: StreamId) {
        self.lock().standalone = Some(stream);
    }

    /// The standalone stream, once one was opened.
    pub(crate) fn standalone(&self) -> Option<StreamId> {
        self.lock().standalone
    }

    /// Attaches `sink` to the standalone stream (`stream` when none exists
    /// yet); `None` when another connection holds it.
    pub(crate) fn claim_standalone(&self, stream: StreamId, sink: EventSink) -> Option<StreamId> {
        let mut live = self.lock();
        let stream = *live.standalone.get_or_insert(stream);
        if live.attached.get(&stream).is_some_and(|a| !a.sink.is_closed()) {
            return None;
        }
        // Where the client starts is known once the priming id is read (`seen`).
        live.attached.insert(stream, Attached { sink, last: None });
        Some(stream)
    }

    /// Cancels everything in flight and closes every connection (the
    /// session ended).
    pub(crate) fn close(&self) {
        let mut live = self.lock();
        for token in live.in_flight.values() {
            token.cancel();
        }
        live.awaiting.clear();
        live.attached.clear();
    }
}

/// A connection attached to a stream.
#[derive(Debug)]
struct Attached {
    sink: EventSink,
    /// The position of the last event it has (`None` until known: then
    /// every event is sent as it comes).
    last: Option<u64>,
}

/// What [`LiveSession::deliver`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// The connection here has it now (or had it).
    Sent,
    /// No connection here holds the stream.
    NotHere,
    /// Events between `after` and this one are missing here: read them
    /// from the event store and deliver them first.
    Gap {
        /// The last event the connection has.
        after: EventId,
    },
}

/// A request in flight; unregisters itself when dropped.
#[derive(Debug)]
pub struct InFlight {
    live: Arc<LiveSession>,
    id: RequestId,
    token: CancellationToken,
}

impl InFlight {
    /// Cancelled by `notifications/cancelled` or when the session ends.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.live.lock().in_flight.remove(&self.id);
    }
}

/// The live handles of this process's sessions, by session id.
#[derive(Debug, Default)]
pub(crate) struct LiveTable {
    map: RwLock<HashMap<Box<str>, Arc<LiveSession>>>,
}

impl LiveTable {
    pub(crate) fn get_or_create(&self, id: &str) -> Arc<LiveSession> {
        if let Some(live) = self.map.read().unwrap_or_else(|p| p.into_inner()).get(id) {
            return Arc::clone(live);
        }
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        Arc::clone(map.entry(id.into()).or_default())
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<LiveSession>> {
        self.map.read().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    /// Closes and forgets the live handles of session `id`.
    pub(crate) fn close(&self, id: &str) {
        let removed = self.map.write().unwrap_or_else(|p| p.into_inner()).remove(id);
        if let Some(live) = removed {
            live.close();
        }
    }

    /// Every session with live handles here (for broadcasts).
    pub(crate) fn all(&self) -> Vec<(String, Arc<LiveSession>)> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        map.iter().map(|(id, live)| (id.to_string(), Arc::clone(live))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_requests_cancel_and_unregister() {
        let live = Arc::new(LiveSession::default());
        let guard = live.begin_request(RequestId::Number(1)).unwrap();
        assert!(live.begin_request(RequestId::Number(1)).is_none(), "an id runs once at a time");
        assert!(live.cancel_request(&RequestId::Number(1)));
        assert!(guard.token().is_cancelled());
        drop(guard);
        assert!(!live.cancel_request(&RequestId::Number(1)));
    }

    #[test]
    fn one_connection_holds_the_standalone_stream() {
        let live = LiveSession::default();
        let (tx, rx) = crate::session::event_channel(1024);
        let stream = live.claim_standalone(StreamId(7), tx).unwrap();
        let (tx2, _rx2) = crate::session::event_channel(1024);
        assert!(live.claim_standalone(StreamId(8), tx2.clone()).is_none());
        drop(rx);
        assert_eq!(live.claim_standalone(StreamId(8), tx2), Some(stream), "a closed connection frees it");
    }
}
