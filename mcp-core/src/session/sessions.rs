//! The sessions of one server: their lifecycle (create, open, remove), the
//! bound on how many exist and the sweeper that expires idle ones.

use super::live::LiveTable;
use super::shared::NoticeHandler;
use super::{
    EventStore, MemoryEventStore, MemorySessionStore, NoSessions, Session, SessionBus, SessionRecord, SessionStore,
    Signal,
};
use crate::store::StoreError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The sessions of one server: a [`SessionStore`] for records, an
/// [`EventStore`] for stream events, and this process's live handles.
/// Cheap to clone.
#[derive(Clone)]
pub struct Sessions {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) store: Box<dyn SessionStore>,
    pub(super) events: Box<dyn EventStore>,
    pub(super) live: LiveTable,
    /// Signals to and from other replicas, when stores are shared.
    pub(super) bus: Option<Box<dyn SessionBus>>,
    pub(super) listening: AtomicBool,
    /// Ends the bus listener (and its Redis connection) when these
    /// sessions are dropped.
    pub(super) listener: OnceLock<tokio_util::sync::DropGuard>,
    /// What the server does with other replicas' notices.
    pub(super) notices: OnceLock<NoticeHandler>,
    /// `resources/updated` for subscribed sessions, in order, with shared stores.
    pub(super) updates: OnceLock<super::updates::UpdateQueue>,
    pub(super) sweeping: AtomicBool,
    /// When a full store was last swept on behalf of `create`; held while
    /// sweeping, so concurrent creates share one sweep.
    pub(super) full_sweep: tokio::sync::Mutex<Option<Instant>>,
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
                listener: OnceLock::new(),
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
    /// Starts the idle sweeper with the first session (as `open` does).
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
        // A replica that created no session still sweeps those it serves:
        // with shared stores, a stream held here is what keeps its session.
        self.start_sweeper();
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
    /// used first. What this process holds for a session the store lost
    /// (a shared store restarted empty) is let go as well.
    pub async fn expire_idle(&self) -> Result<usize, StoreError> {
        let held = self.shared.live.all();
        for (id, live) in &held {
            if live.is_busy() {
                self.shared.store.touch(id).await?;
            }
        }
        let expired = self.shared.store.expire_idle().await?;
        for id in &expired {
            self.forget(id).await;
        }
        let ended: std::collections::HashSet<&str> = expired.iter().map(String::as_str).collect();
        let held: Vec<String> = held.into_iter().map(|(id, _)| id).filter(|id| !ended.contains(id.as_str())).collect();
        self.let_go_of_lost(&held).await?;
        Ok(expired.len())
    }

    /// Forgets those of `held` (sessions with live handles here) that the
    /// store no longer has: no expiry will name them, and their handles
    /// would stay for the life of the process.
    async fn let_go_of_lost(&self, held: &[String]) -> Result<(), StoreError> {
        let kept = self.shared.store.holds(held).await?;
        for (id, kept) in held.iter().zip(kept) {
            if !kept {
                tracing::debug!(session = %id, "a session the store lost is let go");
                self.forget(id).await;
            }
        }
        Ok(())
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

    /// Whether session `id` is live on this replica: it ran a request here
    /// and has not ended (deleted, expired) since.
    pub(crate) fn is_live_here(&self, id: &str) -> bool {
        self.shared.live.get(id).is_some()
    }

    /// How many sessions hold something in this process: requests running,
    /// answers awaited, connections attached (a gauge for operators; with
    /// shared stores, a session that ended on another replica is let go
    /// here too).
    pub fn held_here(&self) -> usize {
        self.shared.live.len()
    }

    pub(super) async fn forget(&self, id: &str) {
        self.shared.live.close(id);
        // Other replicas that served it let go of what they hold for it.
        self.signal_others(Signal::Ended { session: id.to_owned() });
        if let Err(error) = self.shared.events.remove_session(id).await {
            tracing::warn!(%error, "could not drop the events of an ended session");
        }
    }

    pub(super) fn handle(&self, record: Arc<SessionRecord>) -> Session {
        Session { record, live: OnceLock::new(), sessions: self.clone() }
    }

    /// Drops idle sessions every `sweep_interval`, once per `Sessions`, while
    /// it exists; needs a running Tokio runtime (it is started by `create`
    /// and `open`).
    fn start_sweeper(&self) {
        // Called on every request of a session: one load once it runs.
        if self.shared.sweeping.load(Ordering::Relaxed) {
            return;
        }
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

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").field("keeps_sessions", &self.keeps_sessions()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::jsonrpc::RequestId;
    use crate::session::{DEFAULT_STREAM_BUFFER, EventId, ResumeError, event_channel};

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
