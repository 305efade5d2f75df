//! [`RedisSessionStore`]: session records and state values in Redis.

use super::batch::Batch;
use super::keys::Keys;
use super::lifetime::Lifetime;
use super::tracking::{RecordCache, Ticket};
use super::{Redis, now_ms};
use crate::session::SessionRecord;
use crate::session::{RecordEdit, SessionStore, Swap};
use crate::store::{StoreError, StoreFuture};
use std::sync::Arc;
use std::time::Duration;

/// Sets a state value when it still is the one read (see
/// [`SessionStore::swap_value`]); 0 done, 1 changed, 2 no such session.
const SWAP: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 2 end
local current = redis.call('HGET', KEYS[2], ARGV[1])
if ARGV[2] == '1' then
  if current ~= ARGV[3] then return 1 end
elseif current then
  return 1
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 0
";

/// Replaces the record when it still is the one read: 0 done, 1 changed
/// meanwhile, 2 no such session. The TTL stays.
const REPLACE: &str = r"
local current = redis.call('GET', KEYS[1])
if not current then return 2 end
if current ~= ARGV[1] then return 1 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 0
";

/// Refreshes the TTL of a session's keys (`KEYS[1]` its record) to
/// `ARGV[1]` ms when the record has less than `ARGV[3]` ms left (see
/// [`Lifetime`]): {1 when the record exists, else 0; the record when
/// `ARGV[2]` is 1, else nil; the ms the record has left}.
const REFRESH: &str = r"
local left = redis.call('PTTL', KEYS[1])
if left == -2 then return {0, false, 0} end
if left < tonumber(ARGV[3]) then
  for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
  left = tonumber(ARGV[1])
end
if ARGV[2] == '1' then return {1, redis.call('GET', KEYS[1]), left} end
return {1, false, left}
";

/// How often [`RedisSessionStore`] reads a record again when another
/// replica changed it between its read and its write.
const UPDATE_ATTEMPTS: u32 = 32;

/// Adds a subscription unless the session holds `max` others: 1 added
/// (or held already), 0 refused.
const SUBSCRIBE: &str = r"
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

/// Session records and their state values in Redis, shared by every
/// replica; see [`redis`](super) for the keys. Made by
/// [`RedisSessions::connect`](super::RedisSessions::connect).
///
/// The session count and both bounds hold across replicas. A client
/// address's sessions are counted from their creation for one idle
/// timeout, or until they end.
#[derive(Clone)]
pub struct RedisSessionStore {
    redis: Redis,
    keys: Keys,
    lifetime: Lifetime,
    bounds: Bounds,
    swap: Arc<redis::Script>,
    subscribe: Arc<redis::Script>,
    replace: Arc<redis::Script>,
    cache: RecordCache,
}

/// How many sessions may be open: in all, and opened from one client address.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub(super) sessions: usize,
    pub(super) per_client: usize,
}

impl RedisSessionStore {
    pub(super) fn new(redis: Redis, keys: Keys, lifetime: Lifetime, bounds: Bounds, cache: RecordCache) -> Self {
        Self {
            redis,
            keys,
            lifetime,
            bounds,
            swap: Arc::new(redis::Script::new(SWAP)),
            subscribe: Arc::new(redis::Script::new(SUBSCRIBE)),
            replace: Arc::new(redis::Script::new(REPLACE)),
            cache,
        }
    }

    fn ttl_ms(&self) -> u64 {
        self.lifetime.ttl_ms()
    }

    /// Checks that the session exists, refreshes the TTL of its keys when
    /// due (see [`Lifetime`]) and its place in the index, and reads the
    /// record when `read` is set: three commands (the session's keys in one
    /// script, the index in two) in one round trip, which is what a request
    /// of a session costs when its record is not kept here (see
    /// [`RecordCache`]).
    async fn refresh(&self, id: &str, read: bool) -> Result<(Option<String>, bool), StoreError> {
        let ((existed, record, _),): ((bool, Option<String>, i64),) =
            self.redis.batch(&self.refresh_batch(id, read)).await?;
        Ok((record, existed))
    }

    /// The commands of [`Self::refresh`], queued (only the script's answer
    /// is kept).
    fn refresh_batch(&self, id: &str, read: bool) -> Batch {
        let session_keys = [
            self.keys.record(id),
            self.keys.values(id),
            self.keys.streams(id),
            self.keys.subscriptions(id),
            self.keys.finished(id),
        ];
        let mut pipe = Batch::new();
        let (ttl, due) = (self.ttl_ms(), self.lifetime.refresh_below_ms());
        pipe.eval(REFRESH, &session_keys).arg(ttl).arg(u8::from(read)).arg(due);
        pipe.cmd("ZADD").arg(self.keys.index()).arg("XX").arg(now_ms() + ttl).arg(id).ignore();
        pipe.cmd("PEXPIRE").arg(self.keys.index()).arg(ttl).ignore();
        pipe
    }

    /// [`Self::refresh`] through the record cache's tracking connection,
    /// with the record read by a plain `GET` after the others so that Redis
    /// tracks it for this replica: the record, kept unless it changed
    /// meanwhile.
    async fn load_tracked(
        &self,
        id: &str,
        key: &str,
        mut connection: redis::aio::MultiplexedConnection,
        ticket: Ticket,
    ) -> Result<Option<Arc<SessionRecord>>, StoreError> {
        let mut pipe = self.refresh_batch(id, false);
        pipe.cmd("GET").arg(key);
        let read = super::bounded(self.redis.timeout, pipe.pipeline().query_async(&mut connection)).await;
        let ((existed, _, left), json): ((bool, Option<String>, i64), Option<String>) = match read {
            Ok(read) => read,
            Err(error) => {
                self.cache.forget(key);
                return Err(error);
            }
        };
        let record = json.filter(|_| existed).and_then(|json| serde_json::from_str(&json).ok()).map(Arc::new);
        match &record {
            Some(record) => {
                let left = Duration::from_millis(u64::try_from(left).unwrap_or(0));
                self.cache.keep(key, ticket, Arc::clone(record), left, self.lifetime.idle());
            }
            None => self.cache.forget(key),
        }
        Ok(record)
    }
}

fn encode(record: &SessionRecord) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|e| StoreError::Unavailable(format!("session record: {e}")))
}

impl SessionStore for RedisSessionStore {
    fn create(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let now = now_ms();
            let client = record.client_addr.map(|addr| self.keys.client(&addr));
            let mut pipe = Batch::new();
            pipe.cmd("ZCOUNT").arg(self.keys.index()).arg(now).arg("+inf");
            if let Some(client) = &client {
                pipe.cmd("ZREMRANGEBYSCORE").arg(client).arg("-inf").arg(now).ignore();
                pipe.cmd("ZCARD").arg(client);
            } else {
                pipe.cmd("ECHO").arg(0);
            }
            let (open, from_client): (usize, usize) = self.redis.batch(&pipe).await?;
            if open >= self.bounds.sessions {
                return Err(StoreError::Full(self.bounds.sessions));
            }
            if from_client >= self.bounds.per_client {
                return Err(StoreError::ClientFull(self.bounds.per_client));
            }
            let json = encode(&record)?;
            let ttl = self.ttl_ms();
            let mut pipe = Batch::new();
            pipe.cmd("SET").arg(self.keys.record(&record.id)).arg(json).arg("NX").arg("PX").arg(ttl).ignore();
            pipe.cmd("ZADD").arg(self.keys.index()).arg(now + ttl).arg(&record.id).ignore();
            // The index outlives its newest session by nothing: no replica
            // left running leaves it behind.
            pipe.cmd("PEXPIRE").arg(self.keys.index()).arg(ttl).ignore();
            if let Some(client) = &client {
                pipe.cmd("ZADD").arg(client).arg(now + ttl).arg(&record.id).ignore();
                pipe.cmd("PEXPIRE").arg(client).arg(ttl).ignore();
            }
            self.redis.batch::<()>(&pipe).await
        })
    }

    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<SessionRecord>>> {
        Box::pin(async move {
            let key = self.keys.record(id);
            if let Some(record) = self.cache.get(&key) {
                return Ok(Some(record));
            }
            if let Some((connection, ticket)) = self.cache.begin(&key) {
                return self.load_tracked(id, &key, connection, ticket).await;
            }
            let (record, _) = self.refresh(id, true).await?;
            Ok(record.and_then(|json| serde_json::from_str(&json).ok()).map(Arc::new))
        })
    }

    fn touch<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            // A record kept here is not due for a refresh: it has the idle
            // timeout left at least.
            if self.cache.get(&self.keys.record(id)).is_some() {
                return Ok(true);
            }
            Ok(self.refresh(id, false).await?.1)
        })
    }

    fn save(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let (key, json, ttl) = (self.keys.record(&record.id), encode(&record)?, self.ttl_ms());
            let saved =
                self.redis.query::<()>(redis::cmd("SET").arg(&key).arg(json).arg("XX").arg("PX").arg(ttl)).await;
            // Redis tells the other replicas; this one forgets at once.
            self.cache.forget(&key);
            saved?;
            self.cache.settled().await;
            Ok(())
        })
    }

    /// Read, edit, then write only if the record is still the one read
    /// (compared in Redis, by a script): a change made meanwhile by another
    /// replica is read again and the edit applied to it.
    fn update_record<'a>(&'a self, id: &'a str, edit: &'a RecordEdit<'a>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let key = self.keys.record(id);
            for attempt in 0..UPDATE_ATTEMPTS {
                let Some(read) = self.redis.query::<Option<String>>(redis::cmd("GET").arg(&key)).await? else {
                    return Ok(false);
                };
                let mut record: SessionRecord =
                    serde_json::from_str(&read).map_err(|e| StoreError::Unavailable(format!("session record: {e}")))?;
                edit(&mut record);
                let written = encode(&record)?;
                let mut replace = self.replace.key(&key);
                replace.arg(&read).arg(&written);
                let replaced = self.redis.invoke::<u8>(&replace).await;
                self.cache.forget(&key);
                match replaced? {
                    0 => {
                        self.cache.settled().await;
                        return Ok(true);
                    }
                    2 => return Ok(false),
                    // Another replica wrote between the read and the write.
                    _ => tokio::time::sleep(std::time::Duration::from_millis(u64::from(attempt % 4))).await,
                }
            }
            Err(StoreError::Unavailable(format!(
                "session {id}: its record changed under each of {UPDATE_ATTEMPTS} updates"
            )))
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut pipe = Batch::new();
            pipe.cmd("SMEMBERS").arg(self.keys.subscriptions(id));
            pipe.cmd("GET").arg(self.keys.record(id));
            let (uris, record): (Vec<String>, Option<String>) = self.redis.batch(&pipe).await?;
            let client = record.and_then(|json| serde_json::from_str::<SessionRecord>(&json).ok()?.client_addr);
            // The session's own keys: once they are gone, so is the session.
            let mut own = Batch::new();
            own.cmd("DEL").arg(self.keys.record(id));
            own.cmd("DEL").arg(self.keys.values(id)).arg(self.keys.subscriptions(id)).ignore();
            let deleted = self.redis.batch::<(usize,)>(&own).await;
            self.cache.forget(&self.keys.record(id));
            let (deleted,) = deleted?;
            if deleted > 0 {
                self.cache.settled().await;
            }
            // Its entries in shared keys, which in Redis Cluster live on
            // other primaries: a failure there (a primary failing over) does
            // not undo the end; the sweep drops index entries whose record
            // is gone, and a subscriber that ended is skipped when notified.
            let mut shared = Batch::new();
            if let Some(addr) = client {
                shared.cmd("ZREM").arg(self.keys.client(&addr)).arg(id).ignore();
            }
            shared.cmd("ZREM").arg(self.keys.index()).arg(id).ignore();
            for uri in &uris {
                shared.cmd("SREM").arg(self.keys.subscribers(uri)).arg(id).ignore();
            }
            if let Err(error) = self.redis.batch::<()>(&shared).await {
                tracing::warn!(%error, "an ended session's entries in shared keys stay until the sweep");
            }
            Ok(deleted > 0)
        })
    }

    fn expire_idle(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move {
            let index = self.keys.index();
            let due: Vec<String> = self
                .redis
                .query(redis::cmd("ZRANGEBYSCORE").arg(&index).arg("-inf").arg(now_ms()).arg("LIMIT").arg(0).arg(1000))
                .await?;
            if due.is_empty() {
                return Ok(due);
            }
            let mut pipe = Batch::new();
            for id in &due {
                pipe.cmd("PTTL").arg(self.keys.record(id));
            }
            let ttls: Vec<i64> = self.redis.batch(&pipe).await?;
            let mut expired = Vec::new();
            let mut pipe = Batch::new();
            for (id, ttl) in due.into_iter().zip(ttls) {
                if ttl == -2 {
                    // The record expired: the session is over.
                    pipe.cmd("ZREM").arg(self.keys.index()).arg(&id).ignore();
                    pipe.cmd("DEL").arg(self.keys.values(&id)).arg(self.keys.subscriptions(&id)).ignore();
                    expired.push(id);
                } else {
                    // Still alive (used without the index being told): re-file it.
                    let at = now_ms() + ttl.max(0) as u64;
                    pipe.cmd("ZADD").arg(self.keys.index()).arg(at).arg(&id).ignore();
                }
            }
            self.redis.batch::<()>(&pipe).await?;
            Ok(expired)
        })
    }

    fn holds<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<bool>> {
        Box::pin(async move {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut pipe = Batch::new();
            for id in ids {
                pipe.cmd("EXISTS").arg(self.keys.record(id));
            }
            let found: Vec<i64> = self.redis.batch(&pipe).await?;
            Ok(found.into_iter().map(|n| n > 0).collect())
        })
    }

    fn count(&self) -> StoreFuture<'_, usize> {
        Box::pin(async move {
            let index = self.keys.index();
            self.redis.query(redis::cmd("ZCOUNT").arg(&index).arg(now_ms()).arg("+inf")).await
        })
    }

    fn sweep_interval(&self) -> Option<Duration> {
        // Busy sessions are touched by each sweep, and a touch refreshes
        // only once the record has less than the idle timeout left: a
        // sweep every half of it refreshes them in time.
        Some((self.lifetime.idle() / 2).clamp(Duration::from_millis(100), Duration::from_secs(10)))
    }

    fn ready(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.redis.query::<()>(&redis::cmd("PING")).await })
    }

    fn load_value<'a>(&'a self, id: &'a str, key: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let values = self.keys.values(id);
            self.redis.query(redis::cmd("HGET").arg(values).arg(key)).await
        })
    }

    fn subscribe<'a>(&'a self, id: &'a str, uri: &'a str, max: usize) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut invocation = self.subscribe.prepare_invoke();
            invocation.key(self.keys.subscriptions(id)).arg(uri).arg(max).arg(self.ttl_ms());
            let subscribed: bool = self.redis.invoke(&invocation).await?;
            if subscribed {
                let (index, ttl) = (self.keys.subscribers(uri), self.ttl_ms());
                let mut pipe = Batch::new();
                pipe.cmd("SADD").arg(&index).arg(id).ignore();
                pipe.cmd("PEXPIRE").arg(&index).arg(ttl).ignore();
                self.redis.batch::<()>(&pipe).await?;
            }
            Ok(subscribed)
        })
    }

    fn unsubscribe<'a>(&'a self, id: &'a str, uri: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut pipe = Batch::new();
            pipe.cmd("SREM").arg(self.keys.subscriptions(id)).arg(uri).ignore();
            pipe.cmd("SREM").arg(self.keys.subscribers(uri)).arg(id).ignore();
            self.redis.batch::<()>(&pipe).await
        })
    }

    fn subscribers<'a>(&'a self, uri: &'a str) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let index = self.keys.subscribers(uri);
            self.redis.query(redis::cmd("SMEMBERS").arg(index)).await
        })
    }

    fn swap_value<'a>(
        &'a self,
        id: &'a str,
        key: &'a str,
        expected: Option<&'a str>,
        new: &'a str,
    ) -> StoreFuture<'a, Swap> {
        Box::pin(async move {
            let mut invocation = self.swap.prepare_invoke();
            invocation
                .key(self.keys.record(id))
                .key(self.keys.values(id))
                .arg(key)
                .arg(if expected.is_some() { "1" } else { "0" })
                .arg(expected.unwrap_or_default())
                .arg(new)
                .arg(self.ttl_ms());
            let outcome: u8 = self.redis.invoke(&invocation).await?;
            Ok(match outcome {
                0 => Swap::Done,
                1 => Swap::Changed,
                _ => Swap::Gone,
            })
        })
    }
}
