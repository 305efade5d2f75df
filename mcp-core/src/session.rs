//! Session state of the 2025-11-25 era and the in-memory session registry.
//!
//! An idle session is kept small: its id, what the client declared at
//! `initialize`, its log level and last-seen time. The maps a running
//! session needs (requests in flight, answers awaited from the client,
//! subscriptions, the standalone stream) start empty and allocate nothing
//! until used.

use crate::jsonrpc::{RequestId, RpcError};
use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel};
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

pub use crate::outbox::{Outbound, Sink};

/// What the client declared in `initialize`.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// The negotiated protocol revision.
    pub protocol_version: &'static str,
    /// The client's capabilities.
    pub capabilities: ClientCapabilities,
    /// The client's name and version.
    pub implementation: Implementation,
}

/// One client session (`Mcp-Session-Id`).
#[derive(Debug)]
pub struct Session {
    id: Box<str>,
    client: OnceLock<ClientInfo>,
    initialized: AtomicBool,
    log_level: AtomicU8,
    last_seen: AtomicU64,
    live: Mutex<Live>,
}

#[derive(Debug, Default)]
struct Live {
    in_flight: HashMap<RequestId, CancellationToken>,
    awaiting: HashMap<RequestId, oneshot::Sender<Result<Box<RawValue>, RpcError>>>,
    subscriptions: HashSet<String>,
    streams: HashMap<u64, StreamLog>,
    next_request: u64,
    next_stream: u64,
}

/// An event on a stream: its id (`<stream>-<seq>`) and one JSON-RPC message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `<stream>-<seq>`: says which stream it belongs to, so a resumed
    /// stream never replays another stream's events.
    pub id: String,
    /// The encoded message.
    pub data: Vec<u8>,
}

/// Where events of a stream go while a connection is attached.
pub type EventSink = mpsc::UnboundedSender<Event>;

/// The recent events of one stream, for `Last-Event-ID` resumption.
#[derive(Debug)]
struct StreamLog {
    events: VecDeque<(u64, Vec<u8>)>,
    /// Starts at 1: `<stream>-0` is the priming event's id.
    next_seq: u64,
    live: Option<EventSink>,
    finished: bool,
}

impl Default for StreamLog {
    fn default() -> Self {
        Self { events: VecDeque::new(), next_seq: 1, live: None, finished: false }
    }
}

/// Events kept per stream for resumption.
const EVENTS_PER_STREAM: usize = 512;
/// Finished streams kept per session for resumption.
const FINISHED_STREAMS_KEPT: usize = 16;
/// The standalone (GET) stream's number.
pub const STANDALONE_STREAM: u64 = 0;

/// Why a stream could not be resumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeError {
    /// The event id is not one this server issued.
    Malformed,
    /// The stream is unknown or its events were discarded.
    Gone,
}

impl Session {
    fn new(id: Box<str>, now: u64) -> Self {
        Self {
            id,
            client: OnceLock::new(),
            initialized: AtomicBool::new(false),
            log_level: AtomicU8::new(LoggingLevel::Debug.as_u8()),
            last_seen: AtomicU64::new(now),
            live: Mutex::new(Live::default()),
        }
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the client declared, once `initialize` ran.
    pub fn client(&self) -> Option<&ClientInfo> {
        self.client.get()
    }

    /// Records the client's `initialize` (only the first one counts).
    pub fn set_client(&self, info: ClientInfo) -> bool {
        self.client.set(info).is_ok()
    }

    /// Whether `notifications/initialized` arrived.
    pub fn is_initialized(&self) -> bool {
        self.initialized.load(Ordering::Relaxed)
    }

    /// Marks the session initialized.
    pub fn mark_initialized(&self) {
        self.initialized.store(true, Ordering::Relaxed);
    }

    /// The minimum level of log messages the client wants.
    pub fn log_level(&self) -> LoggingLevel {
        LoggingLevel::from_u8(self.log_level.load(Ordering::Relaxed))
    }

    /// Sets the minimum log level (`logging/setLevel`).
    pub fn set_log_level(&self, level: LoggingLevel) {
        self.log_level.store(level.as_u8(), Ordering::Relaxed);
    }

    fn live(&self) -> MutexGuard<'_, Live> {
        // A panic while holding this lock leaves plain maps behind; keep going.
        self.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a request in flight; the guard unregisters it when dropped.
    pub fn begin_request(self: &Arc<Self>, id: RequestId) -> InFlight {
        let token = CancellationToken::new();
        self.live().in_flight.insert(id.clone(), token.clone());
        InFlight { session: Arc::clone(self), id, token }
    }

    /// Cancels a request in flight (`notifications/cancelled`).
    pub fn cancel_request(&self, id: &RequestId) -> bool {
        match self.live().in_flight.get(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Whether a request with `id` is still running.
    pub fn is_in_flight(&self, id: &RequestId) -> bool {
        self.live().in_flight.contains_key(id)
    }

    /// Allocates an id for a server→client request and a receiver for its answer.
    pub fn await_client(&self) -> (RequestId, oneshot::Receiver<Result<Box<RawValue>, RpcError>>) {
        let (tx, rx) = oneshot::channel();
        let mut live = self.live();
        live.next_request += 1;
        let id = RequestId::String(format!("srv-{}", live.next_request));
        live.awaiting.insert(id.clone(), tx);
        (id, rx)
    }

    /// Delivers the client's answer to a server→client request; `false` when
    /// nothing awaited it.
    pub fn complete_client_request(&self, id: &RequestId, outcome: Result<Box<RawValue>, RpcError>) -> bool {
        match self.live().awaiting.remove(id) {
            Some(tx) => tx.send(outcome).is_ok(),
            None => false,
        }
    }

    /// Forgets an awaited answer (the handler stopped waiting).
    pub fn abandon_client_request(&self, id: &RequestId) {
        self.live().awaiting.remove(id);
    }

    /// Subscribes to `notifications/resources/updated` for `uri`.
    pub fn subscribe(&self, uri: &str) {
        self.live().subscriptions.insert(uri.to_owned());
    }

    /// Ends a subscription.
    pub fn unsubscribe(&self, uri: &str) {
        self.live().subscriptions.remove(uri);
    }

    /// Whether the session subscribed to `uri`.
    pub fn is_subscribed(&self, uri: &str) -> bool {
        self.live().subscriptions.contains(uri)
    }

    /// Starts a new response stream and returns its number.
    pub fn open_stream(&self) -> u64 {
        let mut live = self.live();
        live.next_stream += 1;
        let stream = live.next_stream;
        live.streams.insert(stream, StreamLog::default());
        stream
    }

    /// Attaches a connection to the standalone (GET) stream and returns the
    /// id of its priming event; `None` when another connection holds it.
    pub fn open_standalone(&self, sink: EventSink) -> Option<String> {
        let mut live = self.live();
        let log = live.streams.entry(STANDALONE_STREAM).or_default();
        if log.live.as_ref().is_some_and(|s| !s.is_closed()) {
            return None;
        }
        log.live = Some(sink);
        Some(format!("{STANDALONE_STREAM}-{}", log.next_seq - 1))
    }

    /// Sends `message` on the standalone stream, when one was ever opened
    /// (kept for resumption while no connection is attached).
    pub fn send_standalone(&self, message: Vec<u8>) -> bool {
        self.push_event(STANDALONE_STREAM, message).is_some()
    }

    /// Records `message` on `stream` and forwards it to the attached
    /// connection; returns the event id (`None`: no such stream).
    pub fn push_event(&self, stream: u64, message: Vec<u8>) -> Option<String> {
        let mut live = self.live();
        let log = live.streams.get_mut(&stream)?;
        let seq = log.next_seq;
        log.next_seq += 1;
        let id = format!("{stream}-{seq}");
        if let Some(sink) = &log.live {
            if sink.send(Event { id: id.clone(), data: message.clone() }).is_err() {
                log.live = None;
            }
        }
        log.events.push_back((seq, message));
        if log.events.len() > EVENTS_PER_STREAM {
            log.events.pop_front();
        }
        Some(id)
    }

    /// Attaches `sink` to `stream` (the connection that will receive its
    /// new events).
    pub fn attach(&self, stream: u64, sink: EventSink) {
        if let Some(log) = self.live().streams.get_mut(&stream) {
            log.live = Some(sink);
        }
    }

    /// Closes the connection attached to `stream`, keeping the stream
    /// resumable.
    pub fn detach(&self, stream: u64) {
        if let Some(log) = self.live().streams.get_mut(&stream) {
            log.live = None;
        }
    }

    /// Marks `stream` complete (its response was sent) and closes its
    /// connection; its events stay for a while for late resumption.
    pub fn finish_stream(&self, stream: u64) {
        let mut live = self.live();
        if let Some(log) = live.streams.get_mut(&stream) {
            log.finished = true;
            log.live = None;
        }
        let finished: Vec<u64> = live.streams.iter().filter(|(_, l)| l.finished).map(|(&n, _)| n).collect();
        if finished.len() > FINISHED_STREAMS_KEPT {
            let mut oldest = finished;
            oldest.sort_unstable();
            for n in &oldest[..oldest.len() - FINISHED_STREAMS_KEPT] {
                live.streams.remove(n);
            }
        }
    }

    /// Resumes the stream named in `last_event_id`: the events after it, and
    /// whether the stream is still open (then `sink` receives what follows).
    pub fn resume(&self, last_event_id: &str, sink: EventSink) -> Result<(u64, Vec<Event>, bool), ResumeError> {
        let (stream, seq) = last_event_id.split_once('-').ok_or(ResumeError::Malformed)?;
        let stream: u64 = stream.parse().map_err(|_| ResumeError::Malformed)?;
        let seq: u64 = seq.parse().map_err(|_| ResumeError::Malformed)?;
        let mut live = self.live();
        let log = live.streams.get_mut(&stream).ok_or(ResumeError::Gone)?;
        if log.events.front().is_some_and(|(first, _)| *first > seq + 1) {
            return Err(ResumeError::Gone);
        }
        let missed = log
            .events
            .iter()
            .filter(|(s, _)| *s > seq)
            .map(|(s, data)| Event { id: format!("{stream}-{s}"), data: data.clone() })
            .collect();
        let open = !log.finished;
        if open {
            log.live = Some(sink);
        }
        Ok((stream, missed, open))
    }

    /// Marks the session used now.
    pub fn touch(&self, now: u64) {
        self.last_seen.store(now, Ordering::Relaxed);
    }

    fn idle_since(&self) -> u64 {
        self.last_seen.load(Ordering::Relaxed)
    }

    /// Cancels everything in flight and closes streams (the session ended).
    fn close(&self) {
        let mut live = self.live();
        for token in live.in_flight.values() {
            token.cancel();
        }
        live.awaiting.clear();
        live.streams.clear();
    }
}

/// A request in flight; unregisters itself when dropped.
#[derive(Debug)]
pub struct InFlight {
    session: Arc<Session>,
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
        self.session.live().in_flight.remove(&self.id);
    }
}

/// Why a session could not be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLimit {
    /// `max_sessions` sessions are open.
    Full(usize),
}

/// The sessions of one server, in memory, bounded and expiring.
#[derive(Debug)]
pub struct Sessions {
    map: RwLock<HashMap<Box<str>, Arc<Session>>>,
    max: usize,
    idle_timeout: Duration,
    epoch: Instant,
}

impl Sessions {
    /// A registry holding at most `max` sessions, each expiring after
    /// `idle_timeout` without requests.
    pub fn new(max: usize, idle_timeout: Duration) -> Self {
        Self { map: RwLock::new(HashMap::new()), max, idle_timeout, epoch: Instant::now() }
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_secs()
    }

    /// Creates a session with a fresh unguessable id.
    pub fn create(&self) -> Result<Arc<Session>, SessionLimit> {
        let id = new_session_id();
        let session = Arc::new(Session::new(id.clone(), self.now()));
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.max {
            drop(map);
            self.expire_idle();
            map = self.map.write().unwrap_or_else(|p| p.into_inner());
            if map.len() >= self.max {
                return Err(SessionLimit::Full(self.max));
            }
        }
        map.insert(id, Arc::clone(&session));
        Ok(session)
    }

    /// The live session with `id`, marked as used.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        let session = self.map.read().unwrap_or_else(|p| p.into_inner()).get(id).cloned()?;
        let now = self.now();
        if now.saturating_sub(session.idle_since()) > self.idle_timeout.as_secs() {
            self.remove(id);
            return None;
        }
        session.touch(now);
        Some(session)
    }

    /// Ends session `id`; `false` when it did not exist.
    pub fn remove(&self, id: &str) -> bool {
        let removed = self.map.write().unwrap_or_else(|p| p.into_inner()).remove(id);
        removed.map(|s| s.close()).is_some()
    }

    /// Drops sessions idle for longer than the timeout; returns how many.
    pub fn expire_idle(&self) -> usize {
        let now = self.now();
        let timeout = self.idle_timeout.as_secs();
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        let before = map.len();
        map.retain(|_, s| {
            let keep = now.saturating_sub(s.idle_since()) <= timeout;
            if !keep {
                s.close();
            }
            keep
        });
        before - map.len()
    }

    /// How many sessions are open.
    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every open session (for broadcasts).
    pub fn all(&self) -> Vec<Arc<Session>> {
        self.map.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }
}

/// 128 random bits as 32 hex characters (visible ASCII, as the transport
/// specification requires).
fn new_session_id() -> Box<str> {
    let bits: u128 = rand::random();
    format!("{bits:032x}").into_boxed_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_bounded_and_removable() {
        let sessions = Sessions::new(2, Duration::from_secs(60));
        let a = sessions.create().unwrap();
        let _b = sessions.create().unwrap();
        assert_eq!(sessions.create().unwrap_err(), SessionLimit::Full(2));
        assert!(sessions.get(a.id()).is_some());
        assert!(sessions.remove(a.id()));
        assert!(sessions.get(a.id()).is_none());
        assert!(!sessions.remove(a.id()));
        assert_eq!(a.id().len(), 32);
    }

    #[test]
    fn in_flight_requests_cancel_and_unregister() {
        let sessions = Sessions::new(1, Duration::from_secs(60));
        let s = sessions.create().unwrap();
        let guard = s.begin_request(RequestId::Number(1));
        assert!(s.cancel_request(&RequestId::Number(1)));
        assert!(guard.token().is_cancelled());
        drop(guard);
        assert!(!s.cancel_request(&RequestId::Number(1)));
    }

    #[test]
    fn streams_resume_after_the_last_seen_event_only() {
        let sessions = Sessions::new(1, Duration::from_secs(60));
        let s = sessions.create().unwrap();
        let a = s.open_stream();
        let b = s.open_stream();
        let first = s.push_event(a, b"1".to_vec()).unwrap();
        s.push_event(a, b"2".to_vec());
        s.push_event(b, b"other".to_vec());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (stream, missed, open) = s.resume(&first, tx).unwrap();
        assert_eq!((stream, open), (a, true));
        assert_eq!(missed.iter().map(|e| e.data.as_slice()).collect::<Vec<_>>(), [b"2"]);
        s.push_event(a, b"3".to_vec());
        assert_eq!(rx.try_recv().unwrap().data, b"3");
        s.finish_stream(a);
        let (tx, _rx) = mpsc::unbounded_channel();
        assert!(!s.resume(&first, tx).unwrap().2);
        let (tx, _rx) = mpsc::unbounded_channel();
        assert_eq!(s.resume(&format!("{a}-0"), tx).unwrap().1.len(), 3, "the priming id replays all");
        let (tx, _rx) = mpsc::unbounded_channel();
        assert_eq!(s.resume("nope", tx).unwrap_err(), ResumeError::Malformed);
    }
}
