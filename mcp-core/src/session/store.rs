//! Where session records live: the [`SessionStore`] contract, the bounded,
//! expiring [`MemorySessionStore`], and [`NoSessions`] for stateless mode.

use super::SessionRecord;
use crate::store::{StoreError, StoreFuture, ready};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// Keeps session records, so that a session outlives one request and (with a
/// shared store) one replica.
///
/// The contract every implementation keeps:
/// - `create` stores a new record, or fails with [`StoreError::Full`] when
///   the store is at its bound (the caller then expires idle sessions and
///   tries once more), or with [`StoreError::ClientFull`] when the
///   record's [`client_addr`](SessionRecord::client_addr) holds the
///   store's bound of sessions per client;
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
///   store whose backend expires keys itself may return what it knows of;
/// - `holds` says which of the given sessions still exist, marking none
///   used (the sweep lets go of sessions a shared store lost);
/// - `load_value` and `swap_value` keep a session's named values (what
///   [`SessionState`](crate::context::SessionState) stores, as JSON): `swap_value`
///   writes only when the value still is the one the caller read, so that
///   updates from several replicas never overwrite each other. Values end
///   with their session.
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
    /// Applies `edit` to the record of session `id` as one atomic change:
    /// two updates at once (`logging/setLevel` on one replica while
    /// `initialize`'s record is written on another) both hold. `false`
    /// when the session does not exist. The default loads then saves,
    /// which a store shared by several processes must override.
    fn update_record<'a>(&'a self, id: &'a str, edit: &'a RecordEdit<'a>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let Some(current) = self.load(id).await? else { return Ok(false) };
            let mut record = SessionRecord::clone(&current);
            edit(&mut record);
            self.save(record).await?;
            Ok(true)
        })
    }
    /// Forgets session `id`; `false` when it did not exist.
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool>;
    /// Forgets idle sessions and returns their ids.
    fn expire_idle(&self) -> StoreFuture<'_, Vec<String>>;
    /// How many sessions the store holds.
    fn count(&self) -> StoreFuture<'_, usize>;
    /// Which of `ids` the store still holds (in order), without marking
    /// them used. The sweep lets go of what this process keeps for a
    /// session the store lost without expiring it here: a shared store
    /// restarted empty, say. The default says it holds them all (right for
    /// a store whose `expire_idle` returns every session it forgets).
    fn holds<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<bool>> {
        ready(Ok(vec![true; ids.len()]))
    }
    /// Whether this store keeps sessions at all; `false` for
    /// [`NoSessions`] (stateless mode: no `Mcp-Session-Id`, no GET stream).
    fn keeps_sessions(&self) -> bool {
        true
    }
    /// How often to call [`SessionStore::expire_idle`]; `None`: never.
    fn sweep_interval(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }
    /// Whether the store answers (readiness probes): a shared store checks
    /// its backend; memory stores always answer.
    fn ready(&self) -> StoreFuture<'_, ()> {
        ready(Ok(()))
    }
    /// The value named `key` of session `id`: `Ok(None)` when it was never
    /// set or the session does not exist. The default keeps no values.
    fn load_value<'a>(&'a self, id: &'a str, key: &'a str) -> StoreFuture<'a, Option<String>> {
        let _ = (id, key);
        unsupported("keeps no session state")
    }
    /// Sets value `key` of session `id` to `new` if it still is `expected`
    /// (`None`: unset). The default keeps no values.
    fn swap_value<'a>(
        &'a self,
        id: &'a str,
        key: &'a str,
        expected: Option<&'a str>,
        new: &'a str,
    ) -> StoreFuture<'a, Swap> {
        let _ = (id, key, expected, new);
        unsupported("keeps no session state")
    }
    /// Shared stores: records that session `id` subscribed to `uri`, so
    /// that a replica where the resource changes finds it; `false` when the
    /// session already holds `max` other subscriptions. Stores of one
    /// process need not (the session's live handles keep subscriptions).
    fn subscribe<'a>(&'a self, id: &'a str, uri: &'a str, max: usize) -> StoreFuture<'a, bool> {
        let _ = (id, uri, max);
        unsupported("does not share subscriptions")
    }
    /// Shared stores: forgets session `id`'s subscription to `uri`.
    fn unsubscribe<'a>(&'a self, id: &'a str, uri: &'a str) -> StoreFuture<'a, ()> {
        let _ = (id, uri);
        unsupported("does not share subscriptions")
    }
    /// Shared stores: the sessions subscribed to `uri` (possibly including
    /// some that just ended).
    fn subscribers<'a>(&'a self, uri: &'a str) -> StoreFuture<'a, Vec<String>> {
        let _ = uri;
        unsupported("does not share subscriptions")
    }
}

/// A change to a session record ([`SessionStore::update_record`]); a store
/// may apply it more than once, to the newest record each time.
pub type RecordEdit<'a> = dyn Fn(&mut SessionRecord) + Send + Sync + 'a;

/// What [`SessionStore::swap_value`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swap {
    /// The value was written.
    Done,
    /// The value changed since it was read: read it again and retry.
    Changed,
    /// The session does not exist (ended or expired).
    Gone,
}

/// The answer of a store method a store does not implement.
fn unsupported<'a, T: Send + 'a>(what: &str) -> StoreFuture<'a, T> {
    ready(Err(StoreError::Unavailable(format!("this session store {what}"))))
}

/// Sessions in this process's memory: at most `max`, at most
/// `max_per_client` opened from one client address, each forgotten after
/// `idle_timeout` without use.
#[derive(Debug)]
pub struct MemorySessionStore {
    table: RwLock<Table>,
    max: usize,
    max_per_client: usize,
    idle_timeout: Duration,
    epoch: Instant,
}

#[derive(Debug, Default)]
struct Table {
    slots: HashMap<Box<str>, Slot>,
    /// Sessions per client address, for those whose address is known.
    per_client: HashMap<IpAddr, usize>,
}

#[derive(Debug)]
struct Slot {
    record: Arc<SessionRecord>,
    /// Named values ([`SessionStore::swap_value`]); empty maps allocate nothing.
    values: std::sync::Mutex<HashMap<Box<str>, String>>,
    /// Seconds since the store's epoch.
    last_used: AtomicU64,
}

impl Table {
    fn remove(&mut self, id: &str) -> bool {
        match self.slots.remove(id) {
            Some(slot) => {
                release(&mut self.per_client, &slot.record);
                true
            }
            None => false,
        }
    }
}

/// One session fewer for the address that opened `record`.
fn release(per_client: &mut HashMap<IpAddr, usize>, record: &SessionRecord) {
    let Some(addr) = record.client_addr else { return };
    if let Some(count) = per_client.get_mut(&addr) {
        *count -= 1;
        if *count == 0 {
            per_client.remove(&addr);
        }
    }
}

impl MemorySessionStore {
    /// A store holding at most `max` sessions, each expiring after
    /// `idle_timeout` without requests; one client address may hold all of
    /// them until [`max_per_client`](Self::max_per_client) says otherwise.
    pub fn new(max: usize, idle_timeout: Duration) -> Self {
        Self { table: RwLock::default(), max, max_per_client: usize::MAX, idle_timeout, epoch: Instant::now() }
    }

    /// At most `max` sessions opened from one client address
    /// ([`SessionRecord::client_addr`]); sessions without an address are
    /// bounded by the total only.
    #[must_use]
    pub fn max_per_client(mut self, max: usize) -> Self {
        self.max_per_client = max;
        self
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_secs()
    }

    fn read(&self) -> RwLockReadGuard<'_, Table> {
        // A panic while holding the lock leaves plain maps behind; keep going.
        self.table.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Table> {
        self.table.write().unwrap_or_else(|p| p.into_inner())
    }

    fn is_idle(&self, slot: &Slot, now: u64) -> bool {
        now.saturating_sub(slot.last_used.load(Ordering::Relaxed)) > self.idle_timeout.as_secs()
    }

    fn expire(&self) -> Vec<String> {
        let now = self.now();
        let mut expired = Vec::new();
        let mut table = self.write();
        let Table { slots, per_client } = &mut *table;
        slots.retain(|id, slot| {
            let idle = self.is_idle(slot, now);
            if idle {
                release(per_client, &slot.record);
                expired.push(id.to_string());
            }
            !idle
        });
        expired
    }

    fn insert(&self, record: SessionRecord) -> Result<(), StoreError> {
        let slot = Slot { last_used: AtomicU64::new(self.now()), record: Arc::new(record), values: Default::default() };
        let mut table = self.write();
        if table.slots.len() >= self.max {
            return Err(StoreError::Full(self.max));
        }
        if let Some(addr) = slot.record.client_addr {
            let count = table.per_client.entry(addr).or_default();
            if *count >= self.max_per_client {
                return Err(StoreError::ClientFull(self.max_per_client));
            }
            *count += 1;
        }
        table.slots.insert(slot.record.id.as_str().into(), slot);
        Ok(())
    }

    fn get(&self, id: &str) -> Option<Arc<SessionRecord>> {
        let now = self.now();
        let table = self.read();
        let slot = table.slots.get(id)?;
        if self.is_idle(slot, now) {
            drop(table);
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
        let touched = self.read().slots.get(id).map(|slot| slot.last_used.store(self.now(), Ordering::Relaxed));
        ready(Ok(touched.is_some()))
    }

    fn save(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        if let Some(slot) = self.write().slots.get_mut(record.id.as_str()) {
            slot.record = Arc::new(record);
        }
        ready(Ok(()))
    }

    fn update_record<'a>(&'a self, id: &'a str, edit: &'a RecordEdit<'a>) -> StoreFuture<'a, bool> {
        let mut table = self.write();
        let Some(slot) = table.slots.get_mut(id) else { return ready(Ok(false)) };
        edit(Arc::make_mut(&mut slot.record));
        ready(Ok(true))
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        ready(Ok(self.write().remove(id)))
    }

    fn expire_idle(&self) -> StoreFuture<'_, Vec<String>> {
        ready(Ok(self.expire()))
    }

    fn count(&self) -> StoreFuture<'_, usize> {
        ready(Ok(self.read().slots.len()))
    }

    fn load_value<'a>(&'a self, id: &'a str, key: &'a str) -> StoreFuture<'a, Option<String>> {
        let table = self.read();
        let value = table
            .slots
            .get(id)
            .and_then(|slot| slot.values.lock().unwrap_or_else(|p| p.into_inner()).get(key).cloned());
        ready(Ok(value))
    }

    fn swap_value<'a>(
        &'a self,
        id: &'a str,
        key: &'a str,
        expected: Option<&'a str>,
        new: &'a str,
    ) -> StoreFuture<'a, Swap> {
        let table = self.read();
        let Some(slot) = table.slots.get(id) else {
            return ready(Ok(Swap::Gone));
        };
        let mut values = slot.values.lock().unwrap_or_else(|p| p.into_inner());
        if values.get(key).map(String::as_str) != expected {
            return ready(Ok(Swap::Changed));
        }
        values.insert(key.into(), new.to_owned());
        ready(Ok(Swap::Done))
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
    fn each_client_address_holds_a_bounded_number_of_sessions() {
        let store = MemorySessionStore::new(10, Duration::from_secs(60)).max_per_client(2);
        let from = |addr: [u8; 4]| {
            let mut record = SessionRecord::new();
            record.client_addr = Some(IpAddr::from(addr));
            record
        };
        let first = from([10, 0, 0, 1]);
        block(store.create(first.clone()));
        block(store.create(from([10, 0, 0, 1])));
        let third = futures_util::FutureExt::now_or_never(store.create(from([10, 0, 0, 1]))).unwrap();
        assert_eq!(third, Err(StoreError::ClientFull(2)));
        block(store.create(from([10, 0, 0, 2])));
        block(store.create(SessionRecord::new()));
        assert!(block(store.remove(&first.id)));
        block(store.create(from([10, 0, 0, 1])));
        assert_eq!(block(store.count()), 4);
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
        let store = MemorySessionStore::new(4, Duration::ZERO).max_per_client(1);
        let mut record = SessionRecord::new();
        record.client_addr = Some(IpAddr::from([10, 0, 0, 1]));
        block(store.create(record.clone()));
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(block(store.expire_idle()), vec![record.id.clone()]);
        assert_eq!(block(store.count()), 0);
        record.id = SessionRecord::new().id;
        block(store.create(record));
    }

    #[test]
    fn values_are_swapped_only_from_what_was_read() {
        let store = MemorySessionStore::new(4, Duration::from_secs(60));
        let record = SessionRecord::new();
        block(store.create(record.clone()));
        let id = record.id.as_str();
        assert_eq!(block(store.load_value(id, "k")), None);
        assert_eq!(block(store.swap_value(id, "k", None, "1")), Swap::Done);
        assert_eq!(block(store.swap_value(id, "k", None, "2")), Swap::Changed, "someone wrote meanwhile");
        assert_eq!(block(store.swap_value(id, "k", Some("1"), "2")), Swap::Done);
        assert_eq!(block(store.load_value(id, "k")).as_deref(), Some("2"));
        assert!(block(store.remove(id)));
        assert_eq!(block(store.swap_value(id, "k", Some("2"), "3")), Swap::Gone);
        assert_eq!(block(store.load_value(id, "k")), None, "values end with their session");
    }

    #[test]
    fn no_sessions_keeps_nothing() {
        let store = NoSessions;
        block(store.create(SessionRecord::new()));
        assert_eq!(block(store.count()), 0);
        assert!(!store.keeps_sessions());
    }
}
