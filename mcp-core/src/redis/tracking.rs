//! [`RecordCache`]: session records a replica keeps in memory for as long
//! as Redis vouches that they did not change (server-assisted client-side
//! caching, `CLIENT TRACKING`), so that most requests of a session cost no
//! round trip to Redis.
//!
//! Records are read through a connection of their own that has tracking
//! on: Redis then tells it (an `invalidate` push, on the same connection)
//! when a record it read is changed, deleted or expires, on any replica.
//! The push is applied as the connection reads it, before any answer that
//! follows it. A record is served from memory only while:
//! - no push has dropped it since it was read;
//! - a `PING` sent on that connection at most [`FRESH`] ago was answered
//!   (so every push Redis sent before it has been applied: a replica
//!   frozen, cut off or slow to read its pushes stops serving from memory
//!   instead of serving stale records);
//! - its TTL does not need refreshing yet (see [`Lifetime`](super::lifetime::Lifetime)).
//!
//! A replica that changes or deletes a record answers only [`FRESH`] after
//! Redis made the change ([`RecordCache::settled`]): any replica serving
//! from memory after that has had a ping answered that Redis read after
//! the change, so it applied the change's push first. A client that saw
//! the answer (a `DELETE`, `logging/setLevel`) thus finds the change on
//! every replica, as when each request reads Redis.
//!
//! Anything else (no tracking connection, Redis Cluster, a Redis without
//! `CLIENT TRACKING` or an ACL that forbids it) reads Redis on every
//! request, as before.

use crate::session::SessionRecord;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, PushInfo, PushKind, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How often the tracking connection is pinged.
const SYNC_EVERY: Duration = Duration::from_millis(10);
/// How recent the last answered ping must be for records to be served from
/// memory. A change is acknowledged only this long (and [`SETTLE_MARGIN`])
/// after Redis made it, so that by then every replica either applied
/// Redis's message about it or stopped serving from memory.
const FRESH: Duration = Duration::from_millis(30);
/// Added to [`FRESH`] for the clocks of two machines running at slightly
/// different rates.
const SETTLE_MARGIN: Duration = Duration::from_millis(5);
/// Records kept at most; past it the cache starts over.
const MAX_ENTRIES: usize = 100_000;
/// The longest wait between attempts to open the tracking connection.
const RETRY_MOST: Duration = Duration::from_secs(5);

enum Entry {
    /// Being read by the request holding this ticket.
    Reading(Ticket),
    /// Read, and not changed since; refreshed in Redis before `refresh_at`.
    Kept { record: Arc<SessionRecord>, refresh_at: Instant },
}

/// A read through the tracking connection: its number, and the connection's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ticket {
    read: u64,
    connection: u64,
}

/// Session records, by their Redis key, while Redis vouches for them.
#[derive(Clone)]
pub(super) struct RecordCache {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    entries: Mutex<HashMap<String, Entry>>,
    connection: Mutex<Option<MultiplexedConnection>>,
    /// When the last answered ping was sent, in ms since `epoch` (0: none).
    synced_ms: AtomicU64,
    epoch: Instant,
    reads: AtomicU64,
    /// Counts the tracking connections lost: a record read through one
    /// that is gone is not kept.
    generation: AtomicU64,
}

impl RecordCache {
    /// A cache fed by a tracking connection to `client` (kept open by a
    /// task of its own), or none (`None`: a cluster).
    pub(super) fn new(client: Option<redis::Client>, timeout: Duration) -> Self {
        let Some(client) = client else { return Self { inner: None } };
        let inner = Arc::new(Inner::new());
        tokio::spawn(sync(Arc::downgrade(&inner), client, timeout));
        Self { inner: Some(inner) }
    }

    /// The record under `key`, when Redis vouches for it and its TTL needs
    /// no refresh yet.
    pub(super) fn get(&self, key: &str) -> Option<Arc<SessionRecord>> {
        self.inner.as_ref()?.vouched(key, Instant::now())
    }

    /// Starts reading `key` through the tracking connection: the
    /// connection and a ticket for [`RecordCache::keep`], or `None` (read
    /// it the usual way).
    pub(super) fn begin(&self, key: &str) -> Option<(MultiplexedConnection, Ticket)> {
        let inner = self.inner.as_ref()?;
        let (connection, generation) = {
            let connection = inner.connection.lock().unwrap_or_else(|p| p.into_inner());
            (connection.clone()?, inner.generation.load(Ordering::Acquire))
        };
        Some((connection, inner.reading(key, generation)))
    }

    /// Keeps `record` as read with `ticket`, unless a push dropped the key
    /// or the connection was lost meanwhile; `left` is what its TTL had
    /// left after the read, `idle` the idle timeout (the TTL is refreshed
    /// once it falls under it).
    pub(super) fn keep(&self, key: &str, ticket: Ticket, record: Arc<SessionRecord>, left: Duration, idle: Duration) {
        if let Some(inner) = &self.inner {
            inner.keep(key, ticket, record, Instant::now() + left.saturating_sub(idle));
        }
    }

    /// Waits until a change made in Redis just now holds on every replica:
    /// each has applied Redis's message about it or stopped serving from
    /// memory (see the module docs). Immediate without a cache.
    pub(super) async fn settled(&self) {
        if self.inner.is_some() {
            tokio::time::sleep(FRESH + SETTLE_MARGIN).await;
        }
    }

    /// Forgets `key` (a read that failed, or a change made here).
    pub(super) fn forget(&self, key: &str) {
        if let Some(inner) = &self.inner {
            inner.entries().remove(key);
        }
    }
}

impl Inner {
    fn new() -> Self {
        Self {
            entries: Mutex::default(),
            connection: Mutex::default(),
            synced_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            reads: AtomicU64::new(0),
            generation: AtomicU64::new(0),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn vouched(&self, key: &str, now: Instant) -> Option<Arc<SessionRecord>> {
        if !self.fresh() {
            return None;
        }
        match self.entries().get(key) {
            Some(Entry::Kept { record, refresh_at }) if now < *refresh_at => Some(Arc::clone(record)),
            _ => None,
        }
    }

    /// Marks `key` as being read through connection number `generation`.
    fn reading(&self, key: &str, generation: u64) -> Ticket {
        let ticket = Ticket { read: self.reads.fetch_add(1, Ordering::Relaxed), connection: generation };
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key.to_owned(), Entry::Reading(ticket));
        ticket
    }

    fn keep(&self, key: &str, ticket: Ticket, record: Arc<SessionRecord>, refresh_at: Instant) {
        let mut entries = self.entries();
        if self.generation.load(Ordering::Acquire) != ticket.connection {
            return;
        }
        if let Some(entry) = entries.get_mut(key)
            && matches!(entry, Entry::Reading(t) if *t == ticket)
        {
            *entry = Entry::Kept { record, refresh_at };
        }
    }

    fn fresh(&self) -> bool {
        let synced = self.synced_ms.load(Ordering::Acquire);
        synced != 0 && self.now_ms().saturating_sub(synced) <= FRESH.as_millis() as u64
    }

    /// What tracking connection number `generation` was told, applied as
    /// it is read.
    fn pushed(&self, push: PushInfo, generation: u64) {
        match push.kind {
            PushKind::Invalidate => match push.data.first() {
                Some(Value::Array(keys)) => {
                    let mut entries = self.entries();
                    for key in keys {
                        if let Value::BulkString(key) = key {
                            entries.remove(String::from_utf8_lossy(key).as_ref());
                        }
                    }
                }
                // A flush of the whole database, or anything unexpected.
                _ => self.entries().clear(),
            },
            // Only the connection in use counts (not one already replaced).
            PushKind::Disconnection if self.generation.load(Ordering::Acquire) == generation => self.lost(),
            _ => {}
        }
    }

    /// The tracking connection is gone: nothing is vouched for any more.
    fn lost(&self) {
        self.synced_ms.store(0, Ordering::Release);
        {
            let mut connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
            *connection = None;
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        self.entries().clear();
    }
}

/// Keeps the tracking connection open and pinged while the cache lives.
async fn sync(inner: Weak<Inner>, client: redis::Client, timeout: Duration) {
    let mut wait = SYNC_EVERY;
    // The first failure to open is a warning (a Redis without `CLIENT
    // TRACKING`, an ACL without it); later ones, while Redis is down, are not.
    let mut warned = false;
    loop {
        tokio::time::sleep(wait).await;
        let Some(cache) = inner.upgrade() else { return };
        let connection = cache.connection.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut connection = match connection {
            Some(connection) => connection,
            None => match open(&client, Weak::clone(&inner), cache.generation.load(Ordering::Acquire), timeout).await {
                Ok(connection) => {
                    warned = false;
                    *cache.connection.lock().unwrap_or_else(|p| p.into_inner()) = Some(connection.clone());
                    connection
                }
                Err(error) => {
                    if warned {
                        tracing::debug!(%error, "no tracking connection to Redis: session records are read on every request");
                    } else {
                        warned = true;
                        tracing::warn!(
                            %error,
                            "the Redis record cache is off until Redis accepts `CLIENT TRACKING` (Redis 6 or later, \
                             and the `client` commands in an ACL): every request reads Redis; \
                             RedisSessions::keep_records(false) turns the cache off for good"
                        );
                    }
                    wait = (wait * 2).min(RETRY_MOST);
                    continue;
                }
            },
        };
        wait = SYNC_EVERY;
        let sent = cache.now_ms().max(1);
        // A slow answer leaves the records unvouched for meanwhile (they
        // are read from Redis); no answer within the command timeout ends
        // the connection.
        let ping = tokio::time::timeout(timeout, redis::cmd("PING").query_async::<()>(&mut connection)).await;
        match ping {
            Ok(Ok(())) => cache.synced_ms.store(sent, Ordering::Release),
            _ => cache.lost(),
        }
    }
}

/// A RESP3 connection with tracking on, whose pushes go to `inner`.
async fn open(
    client: &redis::Client,
    inner: Weak<Inner>,
    generation: u64,
    timeout: Duration,
) -> redis::RedisResult<MultiplexedConnection> {
    let info = client.get_connection_info().clone();
    let settings = info.redis_settings().clone().set_protocol(redis::ProtocolVersion::RESP3);
    let client = redis::Client::open(info.set_redis_settings(settings))?;
    let pushed = move |push: PushInfo| {
        if let Some(inner) = inner.upgrade() {
            inner.pushed(push, generation);
        }
        Ok::<(), std::convert::Infallible>(())
    };
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_push_sender(pushed);
    let mut connection = client.get_multiplexed_async_connection_with_config(&config).await?;
    redis::cmd("CLIENT").arg("TRACKING").arg("ON").query_async::<()>(&mut connection).await?;
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "mcp:{s}:record";

    /// A cache whose connection just answered a ping.
    fn synced() -> Inner {
        let inner = Inner::new();
        inner.synced_ms.store(inner.now_ms().max(1), Ordering::Release);
        inner
    }

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    /// Reads `KEY` through connection 0 and keeps it until [`later`].
    fn keep_one(inner: &Inner) {
        let ticket = inner.reading(KEY, 0);
        inner.keep(KEY, ticket, Arc::new(SessionRecord::new()), later());
    }

    fn invalidate(inner: &Inner, key: &str, generation: u64) {
        let keys = Value::Array(vec![Value::BulkString(key.as_bytes().to_vec())]);
        inner.pushed(PushInfo { kind: PushKind::Invalidate, data: vec![keys] }, generation);
    }

    #[test]
    fn a_record_is_served_until_redis_says_it_changed() {
        let inner = synced();
        keep_one(&inner);
        assert!(inner.vouched(KEY, Instant::now()).is_some());
        invalidate(&inner, "mcp:{other}:record", 0);
        assert!(inner.vouched(KEY, Instant::now()).is_some(), "another key's change");
        invalidate(&inner, KEY, 0);
        assert!(inner.vouched(KEY, Instant::now()).is_none());
    }

    #[test]
    fn a_change_during_the_read_or_a_lost_connection_keeps_nothing() {
        let inner = synced();
        let ticket = inner.reading(KEY, 0);
        invalidate(&inner, KEY, 0);
        inner.keep(KEY, ticket, Arc::new(SessionRecord::new()), later());
        assert!(inner.vouched(KEY, Instant::now()).is_none(), "changed while it was read");

        let ticket = inner.reading(KEY, 0);
        inner.lost();
        inner.synced_ms.store(inner.now_ms().max(1), Ordering::Release);
        inner.keep(KEY, ticket, Arc::new(SessionRecord::new()), later());
        assert!(inner.vouched(KEY, Instant::now()).is_none(), "read through a connection since lost");
    }

    #[test]
    fn nothing_is_served_unheard_from_redis_or_past_its_refresh() {
        let inner = synced();
        keep_one(&inner);
        assert!(inner.vouched(KEY, later()).is_none(), "due for a TTL refresh");
        inner.synced_ms.store(1, Ordering::Release);
        std::thread::sleep(FRESH + Duration::from_millis(20));
        assert!(inner.vouched(KEY, Instant::now()).is_none(), "no ping answered lately");
    }

    #[test]
    fn only_the_connection_in_use_going_away_counts() {
        let inner = synced();
        keep_one(&inner);
        inner.pushed(PushInfo { kind: PushKind::Disconnection, data: vec![] }, 7);
        assert!(inner.vouched(KEY, Instant::now()).is_some(), "an old connection closing");
        inner.pushed(PushInfo { kind: PushKind::Disconnection, data: vec![] }, 0);
        assert!(inner.vouched(KEY, Instant::now()).is_none());
        let flushed = synced();
        keep_one(&flushed);
        flushed.pushed(PushInfo { kind: PushKind::Invalidate, data: vec![Value::Nil] }, 0);
        assert!(flushed.vouched(KEY, Instant::now()).is_none(), "a flush of the database");
    }
}
