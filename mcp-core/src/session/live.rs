//! What a session has running in this process: requests in flight (to
//! cancel), answers awaited from the client, resource subscriptions, and the
//! connections attached to its streams. None of it can be stored; it lives
//! while the process does and is created on first use, so an idle session
//! costs nothing here.

use super::delivery::EventSink;
use super::events::{Event, EventId, StreamId};
use crate::peer::{InFlightRequests, PendingRequests};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// The live handles of one session.
#[derive(Debug, Default)]
pub(crate) struct LiveSession {
    /// The client's requests running here.
    pub(crate) running: InFlightRequests,
    /// The server's requests to the client awaiting answers here.
    pub(crate) pending: PendingRequests,
    inner: Mutex<Live>,
}

#[derive(Debug, Default)]
struct Live {
    subscriptions: HashSet<String>,
    attached: HashMap<StreamId, Attached>,
    standalone: Option<StreamId>,
    /// When the connection on the standalone stream attached here, as
    /// replicas compare it (see [`Claim`]).
    claim: Option<Claim>,
}

/// When a connection attached to a session's standalone (GET) stream: the
/// time, then a random tie-breaker. Across replicas the newest holds the
/// stream, and a replica holding an older one closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Claim {
    /// Milliseconds since the Unix epoch.
    pub at: u64,
    /// Breaks ties between claims of the same millisecond.
    pub nonce: u64,
}

impl Claim {
    fn now() -> Self {
        Self { at: crate::store::now_ms(), nonce: crate::random::u64() }
    }
}

impl LiveSession {
    fn lock(&self) -> MutexGuard<'_, Live> {
        // A panic while holding this lock leaves plain maps behind; keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
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
        let mut live = self.lock();
        live.attached.remove(&stream);
        if live.standalone == Some(stream) {
            live.claim = None;
        }
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

    /// The position of the last event the open connection attached to
    /// `stream` has; `None` without one (or before its start is known).
    pub(crate) fn position(&self, stream: StreamId) -> Option<u64> {
        self.lock().attached.get(&stream).filter(|a| !a.sink.is_closed()).and_then(|a| a.last)
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
        !self.running.is_empty() || self.lock().attached.values().any(|a| !a.sink.is_closed())
    }

    /// The standalone stream, once one was opened.
    pub(crate) fn standalone(&self) -> Option<StreamId> {
        self.lock().standalone
    }

    /// Attaches `sink` to the standalone stream (`stream` when none exists
    /// yet); `None` when another connection here holds it. Returns the
    /// stream and this connection's claim on it.
    pub(crate) fn claim_standalone(&self, stream: StreamId, sink: EventSink) -> Option<(StreamId, Claim)> {
        let mut live = self.lock();
        let stream = *live.standalone.get_or_insert(stream);
        if live.attached.get(&stream).is_some_and(|a| !a.sink.is_closed()) {
            return None;
        }
        // Where the client starts is known once the priming id is read (`seen`).
        live.attached.insert(stream, Attached { sink, last: None });
        let claim = Claim::now();
        live.claim = Some(claim);
        Some((stream, claim))
    }

    /// A connection resumed the standalone `stream` here: its claim.
    pub(crate) fn reclaim_standalone(&self, stream: StreamId) -> Claim {
        let mut live = self.lock();
        live.standalone = Some(stream);
        let claim = Claim::now();
        live.claim = Some(claim);
        claim
    }

    /// Another replica's connection claimed the standalone `stream` at
    /// `theirs`: the connection here closes when its claim is older.
    /// Whether one closed.
    pub(crate) fn yield_standalone(&self, stream: StreamId, theirs: Claim) -> bool {
        let mut live = self.lock();
        if live.standalone != Some(stream) || live.claim.is_none_or(|ours| ours >= theirs) {
            return false;
        }
        live.claim = None;
        live.attached.remove(&stream).is_some()
    }

    /// Cancels everything in flight and closes every connection (the
    /// session ended).
    pub(crate) fn close(&self) {
        self.running.cancel_all();
        self.pending.clear();
        self.lock().attached.clear();
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

    /// How many sessions have live handles here.
    pub(crate) fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|p| p.into_inner()).len()
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
    fn one_connection_holds_the_standalone_stream() {
        let live = LiveSession::default();
        let (tx, rx) = crate::session::event_channel(1024);
        let (stream, _) = live.claim_standalone(StreamId(7), tx).unwrap();
        let (tx2, _rx2) = crate::session::event_channel(1024);
        assert!(live.claim_standalone(StreamId(8), tx2.clone()).is_none());
        drop(rx);
        assert_eq!(
            live.claim_standalone(StreamId(8), tx2).map(|(s, _)| s),
            Some(stream),
            "a closed connection frees it"
        );
    }
}
