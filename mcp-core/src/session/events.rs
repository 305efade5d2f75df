//! The events of a session's SSE streams, kept for `Last-Event-ID`
//! resumption: the [`EventStore`] contract and the bounded
//! [`MemoryEventStore`].
//!
//! An event id is `<stream>-<seq>`: the stream's globally unique id and the
//! event's position in it, so a resumed stream replays only its own events
//! and never another stream's. `<stream>-0` is the priming event's id.

use crate::store::{StoreError, StoreFuture, ready};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};

/// A stream's id, unique across every session and replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(pub u64);

impl StreamId {
    /// A fresh random id (64 random bits: unique in practice, never reused).
    pub fn random() -> Self {
        Self(crate::random::u64())
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}", self.0)
    }
}

/// An event's id: its stream and its position there (from 1; 0 is the
/// priming event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventId {
    /// The stream it belongs to.
    pub stream: StreamId,
    /// Its position in the stream.
    pub seq: u64,
}

impl EventId {
    /// The priming event's id of `stream`: resuming from it replays the whole stream.
    pub fn priming(stream: StreamId) -> Self {
        Self { stream, seq: 0 }
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.stream, self.seq)
    }
}

impl FromStr for EventId {
    type Err = ResumeError;

    fn from_str(s: &str) -> Result<Self, ResumeError> {
        let (stream, seq) = s.split_once('-').ok_or(ResumeError::Malformed)?;
        let stream = u64::from_str_radix(stream, 16).map_err(|_| ResumeError::Malformed)?;
        let seq = seq.parse().map_err(|_| ResumeError::Malformed)?;
        Ok(Self { stream: StreamId(stream), seq })
    }
}

/// One event: its id and one encoded JSON-RPC message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Where it sits in its stream.
    pub id: EventId,
    /// The encoded message.
    pub data: Vec<u8>,
}

/// What a resumed stream receives first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    /// The events after the one the client last saw, in order.
    pub events: Vec<Event>,
    /// Whether the stream is still open (its response not sent yet).
    pub open: bool,
}

/// Why a stream could not be resumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeError {
    /// The event id is not one this server issued (answered 400).
    Malformed,
    /// The stream is unknown, belongs to another session, or the events
    /// after the given one were discarded (answered 404).
    Gone,
    /// Another connection holds the session's standalone stream (answered 409).
    Held,
    /// The store failed (answered 503).
    Store(StoreError),
}

impl From<StoreError> for ResumeError {
    fn from(error: StoreError) -> Self {
        ResumeError::Store(error)
    }
}

/// Keeps the events of each session's streams for resumption.
///
/// The contract every implementation keeps:
/// - `open_stream` creates an empty stream of `session` with an id no other
///   stream (of any session, on any replica) has;
/// - `append` gives each event of a stream the next position (1, 2, …) and
///   returns its id; appending to an unknown stream fails with
///   [`ResumeError::Gone`];
/// - `replay_after` returns the events of the stream named in the id that
///   follow it, and whether the stream is open; a stream of another session,
///   or one whose events after the id were discarded, is
///   [`ResumeError::Gone`] — never a partial replay;
/// - `finish` marks a stream complete; its events stay available for a while
///   (bounded per session) for late resumption;
/// - `remove_session` forgets every stream of a session.
///
/// Stores bound what they keep: events per stream and finished streams per
/// session. Live delivery to an attached connection is not the store's job.
pub trait EventStore: Send + Sync + 'static {
    /// Creates a stream of `session`.
    fn open_stream<'a>(&'a self, session: &'a str) -> StoreFuture<'a, StreamId>;
    /// Records `message` as the next event of `stream`.
    fn append<'a>(
        &'a self,
        session: &'a str,
        stream: StreamId,
        message: &'a [u8],
    ) -> StoreFuture<'a, EventId, ResumeError>;
    /// The id of the last event of `stream` (its priming id when empty).
    fn last_event_id<'a>(&'a self, session: &'a str, stream: StreamId) -> StoreFuture<'a, EventId, ResumeError>;
    /// The events after `after`, and whether its stream is open.
    fn replay_after<'a>(&'a self, session: &'a str, after: EventId) -> StoreFuture<'a, Replay, ResumeError>;
    /// Marks `stream` complete.
    fn finish<'a>(&'a self, session: &'a str, stream: StreamId) -> StoreFuture<'a, ()>;
    /// Forgets every stream of `session`.
    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()>;
    /// Whether the store answers (readiness probes); memory stores always do.
    fn ready(&self) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Events in this process's memory: the last `events_per_stream` events of
/// each stream (and at most [`MemoryEventStore::BYTES_PER_STREAM`] bytes of
/// them), and the last `finished_streams` finished streams of each session.
#[derive(Debug)]
pub struct MemoryEventStore {
    sessions: Mutex<HashMap<Box<str>, SessionStreams>>,
    events_per_stream: usize,
    finished_streams: usize,
}

#[derive(Debug, Default)]
struct SessionStreams {
    streams: HashMap<StreamId, StreamLog>,
    /// Finished streams, oldest first.
    finished: VecDeque<StreamId>,
}

#[derive(Debug)]
struct StreamLog {
    events: VecDeque<(u64, Vec<u8>)>,
    /// Bytes of the kept events.
    bytes: usize,
    next_seq: u64,
    finished: bool,
}

impl Default for MemoryEventStore {
    fn default() -> Self {
        Self::new(512, 16)
    }
}

impl MemoryEventStore {
    /// Most bytes of events kept per stream; older events go first.
    pub const BYTES_PER_STREAM: usize = 1024 * 1024;

    /// Keeps `events_per_stream` events per stream and `finished_streams`
    /// finished streams per session (the defaults are 512 and 16).
    pub fn new(events_per_stream: usize, finished_streams: usize) -> Self {
        Self { sessions: Mutex::new(HashMap::new()), events_per_stream, finished_streams }
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<Box<str>, SessionStreams>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn open(&self, session: &str) -> StreamId {
        let mut sessions = self.sessions();
        let streams = &mut sessions.entry(session.into()).or_default().streams;
        let mut id = StreamId::random();
        while streams.contains_key(&id) {
            id = StreamId::random();
        }
        streams.insert(id, StreamLog { events: VecDeque::new(), bytes: 0, next_seq: 1, finished: false });
        id
    }

    fn with_stream<T>(
        &self,
        session: &str,
        stream: StreamId,
        f: impl FnOnce(&mut StreamLog) -> T,
    ) -> Result<T, ResumeError> {
        let mut sessions = self.sessions();
        let log = sessions.get_mut(session).and_then(|s| s.streams.get_mut(&stream)).ok_or(ResumeError::Gone)?;
        Ok(f(log))
    }

    fn push(&self, session: &str, stream: StreamId, message: &[u8]) -> Result<EventId, ResumeError> {
        let limit = self.events_per_stream;
        self.with_stream(session, stream, |log| {
            let seq = log.next_seq;
            log.next_seq += 1;
            log.events.push_back((seq, message.to_vec()));
            log.bytes += message.len();
            while log.events.len() > limit || (log.bytes > Self::BYTES_PER_STREAM && log.events.len() > 1) {
                if let Some((_, dropped)) = log.events.pop_front() {
                    log.bytes -= dropped.len();
                }
            }
            EventId { stream, seq }
        })
    }

    fn replay(&self, session: &str, after: EventId) -> Result<Replay, ResumeError> {
        self.with_stream(session, after.stream, |log| {
            if log.events.front().is_some_and(|(first, _)| *first > after.seq.saturating_add(1)) {
                return Err(ResumeError::Gone);
            }
            let events = log
                .events
                .iter()
                .filter(|(seq, _)| *seq > after.seq)
                .map(|(seq, data)| Event { id: EventId { stream: after.stream, seq: *seq }, data: data.clone() })
                .collect();
            Ok(Replay { events, open: !log.finished })
        })?
    }

    fn mark_finished(&self, session: &str, stream: StreamId) {
        let mut sessions = self.sessions();
        let Some(streams) = sessions.get_mut(session) else {
            return;
        };
        match streams.streams.get_mut(&stream) {
            Some(log) if !log.finished => log.finished = true,
            _ => return,
        }
        streams.finished.push_back(stream);
        while streams.finished.len() > self.finished_streams {
            if let Some(oldest) = streams.finished.pop_front() {
                streams.streams.remove(&oldest);
            }
        }
    }
}

impl EventStore for MemoryEventStore {
    fn open_stream<'a>(&'a self, session: &'a str) -> StoreFuture<'a, StreamId> {
        ready(Ok(self.open(session)))
    }

    fn append<'a>(
        &'a self,
        session: &'a str,
        stream: StreamId,
        message: &'a [u8],
    ) -> StoreFuture<'a, EventId, ResumeError> {
        ready(self.push(session, stream, message))
    }

    fn last_event_id<'a>(&'a self, session: &'a str, stream: StreamId) -> StoreFuture<'a, EventId, ResumeError> {
        ready(self.with_stream(session, stream, |log| EventId { stream, seq: log.next_seq - 1 }))
    }

    fn replay_after<'a>(&'a self, session: &'a str, after: EventId) -> StoreFuture<'a, Replay, ResumeError> {
        ready(self.replay(session, after))
    }

    fn finish<'a>(&'a self, session: &'a str, stream: StreamId) -> StoreFuture<'a, ()> {
        self.mark_finished(session, stream);
        ready(Ok(()))
    }

    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()> {
        self.sessions().remove(session);
        ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt as _;

    fn now<T, E: fmt::Debug>(future: StoreFuture<'_, T, E>) -> Result<T, E> {
        future.now_or_never().expect("memory stores answer at once")
    }

    #[test]
    fn streams_replay_after_the_last_seen_event_only() {
        let store = MemoryEventStore::default();
        let (a, b) = (now(store.open_stream("s")).unwrap(), now(store.open_stream("s")).unwrap());
        assert_ne!(a, b);
        let first = now(store.append("s", a, b"1")).unwrap();
        now(store.append("s", a, b"2")).unwrap();
        now(store.append("s", b, b"other")).unwrap();
        let replay = now(store.replay_after("s", first)).unwrap();
        assert_eq!(replay.events.iter().map(|e| e.data.as_slice()).collect::<Vec<_>>(), [b"2"]);
        assert!(replay.open);
        now(store.finish("s", a)).unwrap();
        assert!(!now(store.replay_after("s", first)).unwrap().open);
        assert_eq!(now(store.replay_after("s", EventId::priming(a))).unwrap().events.len(), 2, "priming replays all");
        assert_eq!(now(store.last_event_id("s", a)).unwrap().seq, 2);
        assert_eq!(now(store.replay_after("other", first)).unwrap_err(), ResumeError::Gone, "scoped to its session");
        assert_eq!("nope".parse::<EventId>().unwrap_err(), ResumeError::Malformed);
        let last = EventId { stream: a, seq: u64::MAX };
        assert!(now(store.replay_after("s", last)).unwrap().events.is_empty(), "the largest position never overflows");
        assert_eq!(first.to_string().parse::<EventId>().unwrap(), first);
    }

    #[test]
    fn stores_are_bounded() {
        let store = MemoryEventStore::new(2, 1);
        let a = now(store.open_stream("s")).unwrap();
        let first = now(store.append("s", a, b"1")).unwrap();
        for _ in 0..2 {
            now(store.append("s", a, b"n")).unwrap();
        }
        assert_eq!(now(store.replay_after("s", first)).unwrap().events.len(), 2);
        let big = now(store.open_stream("s")).unwrap();
        let chunk = vec![b'x'; MemoryEventStore::BYTES_PER_STREAM / 2 + 1];
        let oldest = now(store.append("s", big, &chunk)).unwrap();
        now(store.append("s", big, &chunk)).unwrap();
        assert_eq!(now(store.replay_after("s", oldest)).unwrap().events.len(), 1, "bytes bound the log too");
        assert_eq!(now(store.replay_after("s", EventId::priming(big))).unwrap_err(), ResumeError::Gone);
        assert_eq!(now(store.replay_after("s", EventId::priming(a))).unwrap_err(), ResumeError::Gone);
        let b = now(store.open_stream("s")).unwrap();
        now(store.finish("s", a)).unwrap();
        now(store.finish("s", b)).unwrap();
        assert_eq!(now(store.replay_after("s", first)).unwrap_err(), ResumeError::Gone, "oldest finished dropped");
        now(store.remove_session("s")).unwrap();
        assert_eq!(now(store.replay_after("s", EventId::priming(b))).unwrap_err(), ResumeError::Gone);
    }
}
