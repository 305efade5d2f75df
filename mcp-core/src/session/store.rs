//! Where session records live: the [`SessionStore`] contract, the bounded,
//! expiring [`MemorySessionStore`], and [`NoSessions`] for stateless mode.

use super::SessionRecord;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// The future a store method returns.
pub type StoreFuture<'a, T, E = StoreError> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>;

/// Why a store could not do what it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The store holds its maximum of sessions (answered 503).
    Full(usize),
    /// The store could not be reached or failed (answered 503).
    Unavailable(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Full(max) => write!(f, "the server holds its maximum of {max} sessions"),
            StoreError::Unavailable(why) => write!(f, "the session store is unavailable: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Keeps session records, so that a session outlives one request and (with a
/// shared store) one replica.
///
/// The contract every implementation keeps:
/// - `create` stores a new record, or fails with [`StoreError::Full`] when
///   the store is at its bound (the caller then expires idle sessions and
///   tries once more);
/// - `load` returns the record and marks the session used (refreshing its
///   expiry); a session unused for longer than the store's idle timeout is
///   gone: `load` answers `None` and the store forgets it;
/// - `touch` marks a stored session used even when it is past its idle
///   timeout (it is busy here: a request runs or a stream listens);
/// - `save` replaces a record that exists and does nothing for one that
///   does not (a session deleted or expired meanwhile stays gone);
/// - `remove` forgets a session and says whether it existed;
/// - `expire_idle` forgets every idle session and returns their ids, so the
///   caller can drop what else belongs to them (live handles, events). A
///   store whose backend expires keys itself may return what it knows of.
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session.
    fn create(&self, record: SessionRecord) -> StoreFuture<'_, ()>;
    /// The session with `id`, marked used.
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<SessionRecord>>>;
    /// Marks session `id` used, idle or not, while it is stored; `false`
    /// when it is not.
    fn touch<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool>;
    /// Replaces the record of an existing session.
    fn save(&self, record: SessionRecord) -> StoreFuture<'_, ()>;
    /// Forgets session `id`; `false` when it did not exist.
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool>;
    /// Forgets idle sessions and returns their ids.
    fn expire_idle(&self) -> StoreFuture<'_, Vec<String>>;
    /// How many sessions the store holds.
    fn count(&self) -> StoreFuture<'_, usize>;
    /// Whether this store keeps sessions at all; `false` for
    /// [`NoSessions`] (stateless mode: no `Mcp-Session-Id`, no GET stream).
    fn keeps_sessions(&self) -> bool {
        true
    }
    /// How often to call [`SessionStore::expire_idle`]; `None`: never.
    fn sweep_interval(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }
}

/// A store answer that is already known (memory stores never wait).
pub(super) fn ready<'a, T: Send + 'a, E: Send + 'a>(value: Result<T, E>) -> StoreFuture<'a, T, E> {
    Box::pin(std::future::ready(value))
}

/// Sessions in this process's memory: at most `max`, each forgotten after
/// `idle_timeout` without use.
#[derive(Debug)]
pub struct MemorySessionStore {
    map: RwLock<HashMap<Box<str>, Slot>>,
    max: usize,
    idle_timeout: Duration,
    epoch: Instant,
}

#[derive(Debug)]
struct Slot {
    record: Arc<SessionRecord>,
    /// Seconds since the store's epoch.
    last_used: AtomicU64,
}

impl MemorySessionStore {
    /// A store holding at most `max` sessions, each expiring after
    /// `idle_timeout` without requests.
    pub fn new(max: usize, idle_timeout: Duration) -> Self {
        Self { map: RwLock::new(HashMap::new()), max, idle_timeout, epoch: Instant::now() }
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_secs()
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<Box<str>, Slot>> {
        // A panic while holding the lock leaves a plain map behind; keep going.
        self.map.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<Box<str>, Slot>> {
        self.map.write().unwrap_or_else(|p| p.into_inner())
    }

    fn is_idle(&self, slot: &Slot, now: u64) -> bool {
        now.saturating_sub(slot.last_used.load(Ordering::Relaxed)) > self.idle_timeout.as_secs()
    }

    fn expire(&self) -> Vec<String> {
        let now = self.now();
        let mut expired = Vec::new();
        self.write().retain(|id, slot| {
            let idle = self.is_idle(slot, now);
            if idle {
                expired.push(id.to_string());
            }
            !idle
        });
        expired
    }

    fn insert(&self, record: SessionRecord) -> Result<(), StoreError> {
        let slot = Slot { last_used: AtomicU64::new(self.now()), record: Arc::new(record) };
        let mut map = self.write();
        if map.len() >= self.max {
            return Err(StoreError::Full(self.max));
        }
        map.insert(slot.record.id.as_str().into(), slot);
        Ok(())
    }

    fn get(&self, id: &str) -> Option<Arc<SessionRecord>> {
        let now = self.now();
        let map = self.read();
        let slot = map.get(id)?;
        if self.is_idle(slot, now) {
            drop(map);
            self.write().remove(id);
            return None;
        }
        slot.last_used.store(now, Ordering::Relaxed);
        Some(Arc::clone(&slot.record))
    }
}

impl SessionStore for MemorySessionStore {
    fn create(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        ready(self.insert(record))
    }

    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<SessionRecord>>> {
        ready(Ok(self.get(id)))
    }

    fn touch<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        let touched = self.read().get(id).map(|slot| slot.last_used.store(self.now(), Ordering::Relaxed));
        ready(Ok(touched.is_some()))
    }

    fn save(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        if let Some(slot) = self.write().get_mut(record.id.as_str()) {
            slot.record = Arc::new(record);
        }
        ready(Ok(()))
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        ready(Ok(self.write().remove(id).is_some()))
    }

    fn expire_idle(&self) -> StoreFuture<'_, Vec<String>> {
        ready(Ok(self.expire()))
    }

    fn count(&self) -> StoreFuture<'_, usize> {
        ready(Ok(self.read().len()))
    }
}

/// The store of stateless mode: it keeps nothing, so requests carry no
/// `Mcp-Session-Id` and the GET stream and DELETE do not exist.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSessions;

impl SessionStore for NoSessions {
    fn create(&self, _: SessionRecord) -> StoreFuture<'_, ()> {
        ready(Ok(()))
    }

    fn load<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Option<Arc<SessionRecord>>> {
        ready(Ok(None))
    }

    fn touch<'a>(&'a self, _: &'a str) -> StoreFuture<'a, bool> {
        ready(Ok(false))
    }

    fn save(&self, _: SessionRecord) -> StoreFuture<'_, ()> {
        ready(Ok(()))
    }

    fn remove<'a>(&'a self, _: &'a str) -> StoreFuture<'a, bool> {
        ready(Ok(false))
    }

    fn expire_idle(&self) -> StoreFuture<'_, Vec<String>> {
        ready(Ok(Vec::new()))
    }

    fn count(&self) -> StoreFuture<'_, usize> {
        ready(Ok(0))
    }

    fn keeps_sessions(&self) -> bool {
        false
    }

    fn sweep_interval(&self) -> Option<Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(future: StoreFuture<'_, T>) -> T {
        futures_util::FutureExt::now_or_never(future).expect("memory stores answer at once").unwrap()
    }

    #[test]
    fn memory_store_is_bounded_and_removable() {
        let store = MemorySessionStore::new(2, Duration::from_secs(60));
        let (a, b) = (SessionRecord::new(), SessionRecord::new());
        block(store.create(a.clone()));
        block(store.create(b));
        let full = futures_util::FutureExt::now_or_never(store.create(SessionRecord::new())).unwrap();
        assert_eq!(full, Err(StoreError::Full(2)));
        assert_eq!(block(store.load(&a.id)).as_deref(), Some(&a));
        assert!(block(store.remove(&a.id)));
        assert!(block(store.load(&a.id)).is_none());
        assert!(!block(store.remove(&a.id)));
        assert_eq!(block(store.count()), 1);
    }

    #[test]
    fn saves_replace_existing_records_only() {
        let store = MemorySessionStore::new(4, Duration::from_secs(60));
        let mut record = SessionRecord::new();
        block(store.create(record.clone()));
        record.initialized = true;
        block(store.save(record.clone()));
        assert!(block(store.load(&record.id)).unwrap().initialized);
        let stranger = SessionRecord::new();
        block(store.save(stranger.clone()));
        assert!(block(store.load(&stranger.id)).is_none(), "save never creates");
    }

    #[test]
    fn idle_sessions_expire() {
        let store = MemorySessionStore::new(4, Duration::ZERO);
        let record = SessionRecord::new();
        block(store.create(record.clone()));
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(block(store.expire_idle()), vec![record.id.clone()]);
        assert_eq!(block(store.count()), 0);
    }

    #[test]
    fn no_sessions_keeps_nothing() {
        let store = NoSessions;
        block(store.create(SessionRecord::new()));
        assert_eq!(block(store.count()), 0);
        assert!(!store.keeps_sessions());
    }
}
