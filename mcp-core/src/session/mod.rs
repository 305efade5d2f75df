//! Sessions of the 2025-11-25 era.
//!
//! A session has two halves that live in different places:
//! - its [`SessionRecord`] (id, what the client declared, log level, owner,
//!   timestamps): plain data kept by a [`SessionStore`], so that with a
//!   shared store any replica can serve the session's next request;
//! - its live handles (requests in flight, answers awaited from the client,
//!   connections attached to its streams): in this process only, created on
//!   first use.
//!
//! The events of its SSE streams, for `Last-Event-ID` resumption, are kept
//! by an [`EventStore`]. [`Sessions`] ties the three together for the
//! server and its transport; stateless mode is [`Sessions::none`], a store
//! that keeps nothing.

mod bus;
mod delivery;
mod events;
mod live;
mod record;
#[cfg(feature = "redis")]
pub mod redis;
mod shared;
mod state;
mod store;

pub use bus::{SessionBus, Signal};
pub use delivery::{DEFAULT_STREAM_BUFFER, EventReceiver, EventSink, event_channel};
pub use events::{Event, EventId, EventStore, MemoryEventStore, Replay, ResumeError, StreamId};
pub use record::{ClientInfo, SessionRecord};
pub use state::{SessionState, StateError};
pub use store::{MemorySessionStore, NoSessions, SessionStore, StoreError, StoreFuture, Swap};

use crate::jsonrpc::RequestId;
use crate::peer::{Answer, InFlight};
use crate::protocol::LoggingLevel;
use live::Delivery;
pub(crate) use live::LiveSession;
use live::LiveTable;
use serde_json::value::RawValue;
use shared::NoticeHandler;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The sessions of one server: a [`SessionStore`] for records, an
/// [`EventStore`] for stream events, and this process's live handles.
/// Cheap to clone.
#[derive(Clone)]
pub struct Sessions {
    shared: Arc<Shared>,
}

struct Shared {
    store: Box<dyn SessionStore>,
    events: Box<dyn EventStore>,
    live: LiveTable,
    /// Signals to and from other replicas, when stores are shared.
    bus: Option<Box<dyn SessionBus>>,
    listening: AtomicBool,
    /// What the server does with other replicas' notices.
    notices: OnceLock<NoticeHandler>,
    /// `resources/updated` for subscribed sessions, in order, with shared stores.
    updates: OnceLock<tokio::sync::mpsc::Sender<(String, Vec<u8>)>>,
    sweeping: AtomicBool,
    /// When a full store was last swept on behalf of `create`; held while
    /// sweeping, so concurrent creates share one sweep.
    full_sweep: tokio::sync::Mutex<Option<Instant>>,
}

/// How often a full store may be swept on the request path; in between,
/// creates are refused at once (the periodic sweeper still runs).
const FULL_SWEEP_EVERY: Duration = Duration::from_secs(1);

impl Sessions {
    /// Sessions kept by `store`, with stream events kept by `events`.
    pub fn new(store: impl SessionStore, events: impl EventStore) -> Self {
        Self::build(Box::new(store), Box::new(events), None)
    }

    /// Sessions kept by stores that other replicas share, with `bus`
    /// carrying what one replica has for a live handle another holds (see
    /// [`SessionBus`]).
    pub fn shared(store: impl SessionStore, events: impl EventStore, bus: impl SessionBus) -> Self {
        Self::build(Box::new(store), Box::new(events), Some(Box::new(bus)))
    }

    fn build(store: Box<dyn SessionStore>, events: Box<dyn EventStore>, bus: Option<Box<dyn SessionBus>>) -> Self {
        Self {
            shared: Arc::new(Shared {
                store,
                events,
                live: LiveTable::default(),
                bus,
                listening: AtomicBool::new(false),
                notices: OnceLock::new(),
                updates: OnceLock::new(),
                sweeping: AtomicBool::new(false),
                full_sweep: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// At most `max` sessions in memory, each expiring after `idle_timeout`
    /// without requests.
    pub fn in_memory(max: usize, idle_timeout: Duration) -> Self {
        Self::new(MemorySessionStore::new(max, idle_timeout), MemoryEventStore::default())
    }

    /// No sessions at all (stateless mode).
    pub fn none() -> Self {
        Self::new(NoSessions, MemoryEventStore::new(0, 0))
    }

    /// Whether requests have sessions; `false` in stateless mode.
    pub fn keeps_sessions(&self) -> bool {
        self.shared.store.keeps_sessions()
    }

    /// The session store.
    pub fn store(&self) -> &dyn SessionStore {
        &*self.shared.store
    }

    /// The event store.
    pub fn events(&self) -> &dyn EventStore {
        &*self.shared.events
    }

    /// Stores a new session (`SessionRecord::new()` gives it a fresh id);
    /// `None` when this store keeps no sessions. When the store is full,
    /// idle sessions are expired first, at most once a second however many
    /// requests find it full (a flood of `initialize` costs no scans).
    /// Starts the idle sweeper with the first session.
    pub async fn create(&self, record: SessionRecord) -> Result<Option<Session>, StoreError> {
        if !self.keeps_sessions() {
            return Ok(None);
        }
        match self.shared.store.create(record.clone()).await {
            Err(StoreError::Full(max)) => {
                if !self.sweep_full_store().await? {
                    return Err(StoreError::Full(max));
                }
                self.shared.store.create(record.clone()).await?;
            }
            created => created?,
        }
        self.start_sweeper();
        self.start_listener();
        Ok(Some(self.handle(Arc::new(record))))
    }

    /// The session with `id`, marked used; `None` when it is unknown,
    /// expired or deleted.
    pub async fn open(&self, id: &str) -> Result<Option<Session>, StoreError> {
        self.start_listener();
        // A session busy here (a long call, a listening stream) is in use
        // however long ago its last request came.
        if self.shared.live.get(id).is_some_and(|live| live.is_busy()) {
            self.shared.store.touch(id).await?;
        }
        match self.shared.store.load(id).await? {
            Some(record) => Ok(Some(self.handle(record))),
            None => {
                // Expired on access: what it ran here ends with it.
                if self.shared.live.get(id).is_some() {
                    self.forget(id).await;
                }
                Ok(None)
            }
        }
    }

    /// Ends session `id`: cancels what it runs, closes its streams and
    /// forgets its events. `false` when it did not exist.
    pub async fn remove(&self, id: &str) -> Result<bool, StoreError> {
        let existed = self.shared.store.remove(id).await?;
        self.forget(id).await;
        Ok(existed)
    }

    /// Ends every idle session; returns how many. A session running a
    /// request or holding an open stream here is not idle: it is marked
    /// used first.
    pub async fn expire_idle(&self) -> Result<usize, StoreError> {
        for (id, live) in self.shared.live.all() {
            if live.is_busy() {
                self.shared.store.touch(&id).await?;
            }
        }
        let expired = self.shared.store.expire_idle().await?;
        for id in &expired {
            self.forget(id).await;
        }
        Ok(expired.len())
    }

    /// Expires idle sessions for a `create` that found the store full,
    /// unless that was done less than [`FULL_SWEEP_EVERY`] ago; whether it
    /// expired any.
    async fn sweep_full_store(&self) -> Result<bool, StoreError> {
        let mut last = self.shared.full_sweep.lock().await;
        if last.is_some_and(|at| at.elapsed() < FULL_SWEEP_EVERY) {
            return Ok(false);
        }
        let expired = self.expire_idle().await?;
        *last = Some(Instant::now());
        Ok(expired > 0)
    }

    /// Whether the session store and the event store answer; the error
    /// names the one that does not.
    pub async fn ready(&self) -> Result<(), String> {
        self.shared.store.ready().await.map_err(|e| format!("session store: {e}"))?;
        self.shared.events.ready().await.map_err(|e| format!("event store: {e}"))
    }

    /// How many sessions the store holds.
    pub async fn count(&self) -> Result<usize, StoreError> {
        self.shared.store.count().await
    }

    async fn forget(&self, id: &str) {
        self.shared.live.close(id);
        if let Err(error) = self.shared.events.remove_session(id).await {
            tracing::warn!(%error, "could not drop the events of an ended session");
        }
    }

    fn handle(&self, record: Arc<SessionRecord>) -> Session {
        Session { record, live: OnceLock::new(), sessions: self.clone() }
    }

    /// Sends `message` on the standalone stream of every session here for
    /// which `wanted` holds and that opened one. With stores that answer at
    /// once (memory) it is delivered before this returns, in order;
    /// otherwise on a task of its own.
    pub(crate) fn broadcast(&self, message: &[u8], wanted: impl Fn(&LiveSession) -> bool) {
        for (id, live) in self.shared.live.all() {
            let Some(stream) = live.standalone().filter(|_| wanted(&live)) else {
                continue;
            };
            let (sessions, message) = (self.clone(), message.to_vec());
            run_now_or_spawn(async move {
                if let Err(error) = sessions.publish(&id, &live, stream, message).await {
                    tracing::debug!(?error, "a standalone stream could not take a notification");
                }
            });
        }
    }

    /// Records `message` as the next event of `stream` and sends it to the
    /// connection attached there.
    async fn publish(
        &self,
        id: &str,
        live: &LiveSession,
        stream: StreamId,
        message: Vec<u8>,
    ) -> Result<EventId, ResumeError> {
        let event = self.shared.events.append(id, stream, &message).await?;
        let data = self.shared.bus.is_some().then(|| message.clone());
        match live.deliver(Event { id: event, data: message }) {
            Delivery::Sent => {}
            Delivery::Gap { after } => self.fill(id, live, after).await,
            Delivery::NotHere => {
                // Its connection, if any, is on another replica.
                let data = data.and_then(|d| String::from_utf8(d).ok()).and_then(|t| RawValue::from_string(t).ok());
                if let (Some(bus), Some(data)) = (&self.shared.bus, data) {
                    let signal = Signal::Event { session: id.to_owned(), stream: stream.0, seq: event.seq, data };
                    if let Err(error) = bus.publish(signal).await {
                        tracing::debug!(%error, "an event could not be handed to other replicas");
                    }
                }
            }
        }
        Ok(event)
    }

    /// Sends the connection attached here the events of its stream after
    /// `after`, from the event store, in order (another replica appended
    /// them and their signals are late or lost). When they are gone the
    /// connection is closed: the client resumes and learns it.
    async fn fill(&self, id: &str, live: &LiveSession, after: EventId) {
        match self.shared.events.replay_after(id, after).await {
            Ok(replay) => {
                for event in replay.events {
                    live.deliver(event);
                }
            }
            Err(error) => {
                tracing::debug!(?error, "a stream's missing events could not be read; closing its connection");
                live.detach(after.stream);
            }
        }
    }

    /// Drops idle sessions every `sweep_interval`, once per `Sessions`, while
    /// it exists; needs a running Tokio runtime (it is started by `create`).
    fn start_sweeper(&self) {
        let Some(every) = self.shared.store.sweep_interval() else {
            return;
        };
        if self.shared.sweeping.swap(true, Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.shared.sweeping.store(false, Ordering::Relaxed);
            return;
        };
        let shared = Arc::downgrade(&self.shared);
        runtime.spawn(async move {
            let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                ticker.tick().await;
                let Some(shared) = shared.upgrade() else {
                    break;
                };
                match (Sessions { shared }).expire_idle().await {
                    Ok(0) => {}
                    Ok(expired) => tracing::debug!(expired, "expired idle MCP sessions"),
                    Err(error) => tracing::warn!(%error, "could not expire idle MCP sessions"),
                }
            }
        });
    }
}

/// Milliseconds since the Unix epoch (what stores keep times in).
pub(crate) fn now_ms() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Runs `work` to completion now when it never waits (memory stores), else
/// on a task of its own.
fn run_now_or_spawn(work: impl Future<Output = ()> + Send + 'static) {
    let mut work = Box::pin(work);
    if futures_util::FutureExt::now_or_never(&mut work).is_none() {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(work);
        }
    }
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").field("keeps_sessions", &self.keeps_sessions()).finish_non_exhaustive()
    }
}

/// One session as a request sees it: a snapshot of its record, taken when
/// the request arrived, and its live handles in this process. Transports
/// use it to run streams; handlers see only the record
/// ([`Context::session`](crate::Context::session)).
#[derive(Clone)]
pub struct Session {
    record: Arc<SessionRecord>,
    live: OnceLock<Arc<LiveSession>>,
    sessions: Sessions,
}

impl Session {
    /// The session id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// The record as it was when the request arrived.
    pub fn record(&self) -> &SessionRecord {
        &self.record
    }

    fn live(&self) -> &Arc<LiveSession> {
        self.live.get_or_init(|| self.sessions.shared.live.get_or_create(&self.record.id))
    }

    /// Applies `edit` to the stored record (a session ended meanwhile stays
    /// ended).
    async fn update(&self, edit: impl FnOnce(&mut SessionRecord)) -> Result<(), StoreError> {
        let store = &self.sessions.shared.store;
        let Some(current) = store.load(self.id()).await? else {
            return Ok(());
        };
        let mut record = SessionRecord::clone(&current);
        edit(&mut record);
        store.save(record).await
    }

    /// Records what the client declared in `initialize`.
    pub(crate) async fn set_client(&self, client: ClientInfo) -> Result<(), StoreError> {
        self.update(|r| r.client = Some(client)).await
    }

    /// Records `notifications/initialized`.
    pub(crate) async fn mark_initialized(&self) -> Result<(), StoreError> {
        self.update(|r| r.initialized = true).await
    }

    /// Records `logging/setLevel`.
    pub(crate) async fn set_log_level(&self, level: LoggingLevel) -> Result<(), StoreError> {
        self.update(|r| r.log_level = level).await
    }

    /// Registers a request in flight; the guard unregisters it when dropped.
    /// `None` when a request with the same id already runs.
    pub(crate) fn begin_request(&self, id: RequestId) -> Option<InFlight> {
        self.live().running.begin(id)
    }

    /// Cancels a request in flight (`notifications/cancelled`), here or,
    /// through the bus, on the replica that runs it.
    pub(crate) fn cancel_request(&self, id: &RequestId) -> bool {
        self.live().running.cancel(id)
            || self.sessions.signal_others(Signal::Cancel { session: self.id().to_owned(), id: id.clone() })
    }

    /// Whether a request with `id` is still running here.
    pub fn is_in_flight(&self, id: &RequestId) -> bool {
        self.live().running.contains(id)
    }

    /// Allocates an id for a server→client request and a receiver for its answer.
    pub(crate) fn await_client(&self) -> (RequestId, oneshot::Receiver<Answer>) {
        self.live().pending.begin()
    }

    /// Delivers the client's answer; `false` when nothing awaited it.
    pub(crate) fn complete_client_request(&self, id: &RequestId, answer: Answer) -> bool {
        if self.live().pending.contains(id) {
            return self.live().pending.complete(id, answer);
        }
        // The handler awaiting it may run on another replica.
        self.sessions.signal_others(Signal::Answer { session: self.id().to_owned(), id: id.clone(), answer })
    }

    /// Forgets an awaited answer (the handler stopped waiting).
    pub(crate) fn abandon_client_request(&self, id: &RequestId) {
        self.live().pending.abandon(id);
    }

    /// Subscribes to `uri`; `false` when the session already holds `max`
    /// other subscriptions.
    /// With shared stores the subscription is recorded there too, so that
    /// a replica where the resource changes finds the session.
    pub(crate) async fn subscribe(&self, uri: &str, max: usize) -> Result<bool, StoreError> {
        if self.sessions.is_shared() {
            return self.sessions.shared.store.subscribe(self.id(), uri, max).await;
        }
        Ok(self.live().subscribe(uri, max))
    }

    pub(crate) async fn unsubscribe(&self, uri: &str) -> Result<(), StoreError> {
        if self.sessions.is_shared() {
            return self.sessions.shared.store.unsubscribe(self.id(), uri).await;
        }
        self.live().unsubscribe(uri);
        Ok(())
    }

    /// Starts a response stream; its events are kept for resumption.
    pub async fn open_stream(&self) -> Result<StreamId, StoreError> {
        self.sessions.events().open_stream(self.id()).await
    }

    /// Sends the stream's new events to `sink` from now on.
    pub fn attach(&self, stream: StreamId, sink: EventSink) {
        self.live().attach(stream, sink);
    }

    /// Closes the connection attached to `stream`; the stream stays
    /// resumable.
    pub fn detach(&self, stream: StreamId) {
        self.live().detach(stream);
    }

    /// Records `message` as the next event of `stream` and sends it to the
    /// attached connection.
    pub async fn publish(&self, stream: StreamId, message: Vec<u8>) -> Result<EventId, ResumeError> {
        self.sessions.publish(self.id(), self.live(), stream, message).await
    }

    /// Marks `stream` complete (its response was sent) and closes its
    /// connection; its events stay a while for late resumption.
    pub async fn finish_stream(&self, stream: StreamId) {
        if let Err(error) = self.sessions.events().finish(self.id(), stream).await {
            tracing::warn!(%error, "could not mark a stream finished");
        }
        self.detach(stream);
    }

    /// Resumes the stream of `after`: the events that follow it, then (when
    /// the stream is still open) its new events through `sink`. New events
    /// may reach `sink` that the replay also holds; skip those with an id at
    /// or before the replay's last.
    pub async fn resume(&self, after: EventId, sink: EventSink) -> Result<Replay, ResumeError> {
        // Attach first, so nothing appended while the replay is read is missed.
        if !self.live().attach_resumed(after, sink) {
            return Err(ResumeError::Held);
        }
        let replay = self.sessions.events().replay_after(self.id(), after).await;
        if let Some(last) = replay.as_ref().ok().and_then(|r| r.events.last()) {
            // The transport sends the replay first: the connection has those.
            self.live().seen(after.stream, last.id.seq);
        }
        if !replay.as_ref().is_ok_and(|r| r.open) {
            self.detach(after.stream);
        } else if self.sessions.is_shared() && self.sessions.stored_standalone(self.id()).await? == Some(after.stream) {
            // The standalone stream, resumed here after another replica held it.
            self.live().set_standalone(after.stream);
        }
        replay
    }

    /// Attaches `sink` to the standalone (GET) stream and returns the id of
    /// its priming event; `None` when another connection holds it.
    pub async fn open_standalone(&self, sink: EventSink) -> Result<Option<EventId>, ResumeError> {
        let stream = match self.live().standalone() {
            Some(stream) => stream,
            None if self.sessions.is_shared() => self.shared_standalone().await?,
            None => self.open_stream().await?,
        };
        let Some(stream) = self.live().claim_standalone(stream, sink) else {
            return Ok(None);
        };
        let priming = self.sessions.events().last_event_id(self.id(), stream).await?;
        self.live().seen(stream, priming.seq);
        Ok(Some(priming))
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("id", &self.id()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sessions_end_with_their_live_handles_and_events() {
        let sessions = Sessions::in_memory(4, Duration::from_secs(60));
        let session = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
        let guard = session.begin_request(RequestId::Number(1)).unwrap();
        let stream = session.open_stream().await.unwrap();
        let (tx, mut rx) = event_channel(DEFAULT_STREAM_BUFFER);
        session.attach(stream, tx);
        let id = session.publish(stream, b"1".to_vec()).await.unwrap();
        assert_eq!(rx.recv().await.unwrap().id, id);
        assert!(sessions.remove(session.id()).await.unwrap());
        assert!(guard.token().is_cancelled(), "ending a session cancels its requests");
        assert!(rx.recv().await.is_none(), "and closes its streams");
        assert!(sessions.open(session.id()).await.unwrap().is_none());
        assert_eq!(sessions.events().replay_after(session.id(), id).await.unwrap_err(), ResumeError::Gone);
    }

    #[tokio::test]
    async fn resumption_replays_then_follows() {
        let sessions = Sessions::in_memory(4, Duration::from_secs(60));
        let session = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
        let stream = session.open_stream().await.unwrap();
        let first = session.publish(stream, b"1".to_vec()).await.unwrap();
        session.publish(stream, b"2".to_vec()).await.unwrap();
        let (tx, mut rx) = event_channel(DEFAULT_STREAM_BUFFER);
        let replay = session.resume(first, tx).await.unwrap();
        assert_eq!((replay.events.len(), replay.open), (1, true));
        session.publish(stream, b"3".to_vec()).await.unwrap();
        assert_eq!(rx.recv().await.unwrap().data, b"3");
        session.finish_stream(stream).await;
        assert!(rx.recv().await.is_none());
    }

    #[tokio::test]
    async fn a_session_that_expired_on_access_leaves_nothing_behind() {
        let sessions = Sessions::in_memory(1, Duration::ZERO);
        let session = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
        assert!(session.subscribe("doc://x", 8).await.unwrap());
        let stream = session.open_stream().await.unwrap();
        session.publish(stream, b"1".to_vec()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert!(sessions.open(session.id()).await.unwrap().is_none());
        let gone = sessions.events().replay_after(session.id(), EventId::priming(stream)).await;
        assert_eq!(gone.unwrap_err(), ResumeError::Gone);
        assert!(sessions.shared.live.get(session.id()).is_none(), "its live handles are closed");
        assert!(sessions.create(SessionRecord::new()).await.unwrap().is_some(), "its slot is free again");
    }

    #[tokio::test]
    async fn a_full_store_makes_room_by_expiring_idle_sessions() {
        let sessions = Sessions::in_memory(1, Duration::ZERO);
        let first = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
        let stream = first.open_stream().await.unwrap();
        first.publish(stream, b"1".to_vec()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert!(sessions.create(SessionRecord::new()).await.unwrap().is_some());
        let gone = sessions.events().replay_after(first.id(), EventId::priming(stream)).await;
        assert_eq!(gone.unwrap_err(), ResumeError::Gone, "the expired session was ended, not just dropped");
    }

    #[tokio::test]
    async fn a_session_that_runs_or_listens_is_not_idle() {
        let sessions = Sessions::in_memory(4, Duration::from_secs(1));
        let running = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
        let _guard = running.begin_request(RequestId::Number(1)).unwrap();
        let listening = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
        let (tx, _rx) = event_channel(DEFAULT_STREAM_BUFFER);
        listening.open_standalone(tx).await.unwrap().unwrap();
        let idle = sessions.create(SessionRecord::new()).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(sessions.expire_idle().await.unwrap(), 1);
        assert!(sessions.open(idle.id()).await.unwrap().is_none());
        assert!(sessions.open(running.id()).await.unwrap().is_some());
        assert!(sessions.open(listening.id()).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn stateless_mode_keeps_nothing() {
        let sessions = Sessions::none();
        assert!(!sessions.keeps_sessions());
        assert!(sessions.create(SessionRecord::new()).await.unwrap().is_none());
        assert!(sessions.open("anything").await.unwrap().is_none());
    }
}
