//! [`RedisTaskStore`]: tasks in Redis, their work on a Redis Stream read by
//! a consumer group, so that any replica answers for any task and any
//! replica's workers run the queued work.
//!
//! Every key carries the hash tag `{PREFIX:tasks}`, so that in Redis Cluster
//! they share a slot (the scripts touch several at once):
//!
//! - `{PREFIX:tasks}:task:ID`: a hash of the record (`json`), its version (`v`)
//!   and its arguments (`args`, deleted when the task ends), which only
//!   the scripts below change; it expires with the task's TTL. Reading the
//!   record never reads the arguments.
//! - `{PREFIX:tasks}:queue`: the stream of queued work, one entry per task,
//!   read by the group `workers` (a replica is a consumer). An entry stays
//!   pending while its worker runs it; the worker renews it (`XCLAIM` to
//!   itself) at each heartbeat, and finishing acknowledges and deletes it.
//!   `XAUTOCLAIM` hands entries idle past the claim timeout (their worker
//!   died) to a live replica, and a replica silent for ten claim timeouts
//!   with no work left is removed from the group. A draining worker hands
//!   an entry back: acknowledged and deleted, and added again at the end. Its length is capped at
//!   the maximum of tasks kept (`MAXLEN ~`).
//! - `{PREFIX:tasks}:all`: the ids of the tasks kept, by expiry (at most
//!   [`with_max`](RedisTaskStore::with_max));
//! - `{PREFIX:tasks}:quota:HASH`: the ids of one caller's unfinished tasks,
//!   by expiry (at most `TaskOptions::max_per_client`); `HASH` is a
//!   digest of the caller's quota key. Both sets expire with their newest
//!   task.

use super::Redis;
use super::batch::Batch;
use crate::store::{StoreError, StoreFuture};
use crate::tasks::{Payload, QueueStats, TaskRecord, TaskStore};
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use redis::streams::{
    StreamAutoClaimReply, StreamInfoConsumersReply, StreamInfoGroupsReply, StreamRangeReply, StreamReadReply,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The consumer group of the queue.
const GROUP: &str = "workers";

/// Stores a task and queues it, unless its caller's quota (KEYS[2]) or
/// the store (KEYS[4]) is full: -1 and -2 then.
/// KEYS: task, quota, queue, all. ARGV: version, json, has arguments,
/// arguments, ttl ms, now ms, expiry ms, id, quota, max, queue cap.
const CREATE: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[6])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[9]) then return -1 end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[6])
if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[10]) then return -2 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'json', ARGV[2])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'args', ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[7], ARGV[8])
redis.call('PEXPIRE', KEYS[4], ARGV[5])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[11], '*', 'task', ARGV[8])
return 1
";

/// Replaces a task's record when the stored version is the one before; a
/// task that ends leaves its quota (KEYS[2]) and drops its arguments.
/// ARGV: version, json, ends ('1'), id.
const SWAP: &str = r"
local stored = redis.call('HGET', KEYS[1], 'v')
if not stored or tonumber(stored) + 1 ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'json', ARGV[2])
if ARGV[3] == '1' then
  redis.call('HDEL', KEYS[1], 'args')
  redis.call('ZREM', KEYS[2], ARGV[4])
end
return 1
";

/// Puts a claimed task back at the end of the queue (its worker shuts
/// down): its entry is acknowledged and deleted, and a new one added,
/// unless the task is gone. KEYS: queue, task. ARGV: entry, id, queue cap.
const RELEASE: &str = r"
redis.call('XACK', KEYS[1], 'workers', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'task', ARGV[2])
end
return 1
";

/// Tasks and their queue in Redis; see the module docs for the keys.
///
/// ```no_run
/// # async fn run() -> Result<(), quickmcp::session::StoreError> {
/// use quickmcp::redis::RedisTaskStore;
///
/// let tasks = RedisTaskStore::connect("redis://127.0.0.1:6379/", "mcp").await?;
/// let server = quickmcp::Server::builder("jobs", "1.0.0").task_store(tasks).build();
/// # let _ = server; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisTaskStore {
    redis: Redis,
    prefix: Arc<str>,
    max: usize,
    create: Arc<redis::Script>,
    swap: Arc<redis::Script>,
    release: Arc<redis::Script>,
    /// Connections for blocking reads of the queue: one per waiting worker,
    /// so a wait never holds up the shared connection.
    idle: Arc<Mutex<Vec<MultiplexedConnection>>>,
    /// The queue entry of each task this replica runs.
    entries: Arc<Mutex<HashMap<String, String>>>,
}

impl RedisTaskStore {
    /// Connects to the Redis at `url`, with keys under `prefix`; a Redis
    /// not reachable yet is connected to in the background (commands fail
    /// until then). Fails only for a URL that cannot be used. Every command
    /// is bounded by 2 s.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let redis = Redis::connect(url, Duration::from_secs(2), None).await?;
        let store = Self {
            redis,
            prefix: prefix.into(),
            max: crate::tasks::MemoryTaskStore::DEFAULT_MAX,
            create: Arc::new(redis::Script::new(CREATE)),
            swap: Arc::new(redis::Script::new(SWAP)),
            release: Arc::new(redis::Script::new(RELEASE)),
            idle: Arc::default(),
            entries: Arc::default(),
        };
        store.create_group().await?;
        Ok(store)
    }

    /// Creates the queue and its workers' consumer group unless they
    /// exist: at `connect`, and again when a worker finds the group gone
    /// (a Redis restarted empty), so that the queue works again at once.
    async fn create_group(&self) -> Result<(), StoreError> {
        let create = redis::cmd("XGROUP").arg("CREATE").arg(self.queue()).arg(GROUP).arg("0").arg("MKSTREAM").clone();
        match self.redis.query::<()>(&create).await {
            Err(StoreError::Unavailable(why)) if why.contains("BUSYGROUP") => Ok(()),
            done => done,
        }
    }

    /// `result`, or when it failed because the consumer group is gone,
    /// the group made again and `empty` (the caller tries again later).
    async fn unless_group_lost<T>(&self, result: Result<T, StoreError>, empty: T) -> Result<T, StoreError> {
        match result {
            Err(StoreError::Unavailable(why)) if why.contains("NOGROUP") => {
                self.create_group().await?;
                Ok(empty)
            }
            done => done,
        }
    }

    /// At most `max` tasks kept (until they expire, ended ones too),
    /// across replicas; default 10 000, as the memory store.
    #[must_use]
    pub fn with_max(mut self, max: usize) -> Self {
        self.max = max;
        self
    }

    /// Every key of the tasks carries one hash tag, `{PREFIX:tasks}`: the
    /// scripts that create and change a task touch its record, its
    /// caller's quota, the queue and the set of all at once, so in Redis
    /// Cluster they share one slot (one primary, with its replicas).
    fn key(&self, id: &str) -> String {
        format!("{{{}:tasks}}:task:{id}", self.prefix)
    }

    /// The set of a quota's unfinished tasks; the quota key (a subject,
    /// an address) is digested, whatever it holds.
    fn quota(&self, quota: &str) -> String {
        let digest = Sha256::digest(quota.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("{{{}:tasks}}:quota:{hex}", self.prefix)
    }

    fn all(&self) -> String {
        format!("{{{}:tasks}}:all", self.prefix)
    }

    fn queue(&self) -> String {
        format!("{{{}:tasks}}:queue", self.prefix)
    }

    fn remember(&self, id: &str, entry: &str) {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id.to_owned(), entry.to_owned());
    }

    fn entry(&self, id: &str) -> Option<String> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(id).cloned()
    }

    /// A connection for one blocking read, bounded by `wait` plus the
    /// command timeout.
    async fn blocking_connection(&self, wait: Duration) -> Result<MultiplexedConnection, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        if let Some(connection) = idle {
            return Ok(connection);
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.redis.timeout))
            .set_response_timeout(Some(wait + self.redis.timeout));
        // The node serving the queue (in a cluster, asked again whenever a
        // connection is made: after a failover the old one fails and is dropped).
        let node = self.redis.node_serving(&self.queue()).await?;
        let connecting = node.get_multiplexed_async_connection_with_config(&config);
        super::bounded(self.redis.timeout, connecting).await
    }
}

fn decode(json: Option<String>) -> Result<Option<TaskRecord>, StoreError> {
    json.map(|json| serde_json::from_str(&json))
        .transpose()
        .map_err(|e| StoreError::Unavailable(format!("a stored task does not decode: {e}")))
}

fn encode(record: &TaskRecord) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|e| StoreError::Unavailable(e.to_string()))
}

impl TaskStore for RedisTaskStore {
    fn create<'a>(
        &'a self,
        record: &'a TaskRecord,
        arguments: Option<&'a Payload>,
        quota: usize,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let now = crate::store::now_ms();
            let ttl = record.expires_at_ms().saturating_sub(now).max(1);
            let mut invocation = self.create.prepare_invoke();
            invocation.key(self.key(&record.id)).key(self.quota(&record.quota)).key(self.queue()).key(self.all());
            invocation
                .arg(record.version)
                .arg(encode(record)?)
                .arg(u8::from(arguments.is_some()))
                .arg(arguments.map_or("", Payload::get))
                .arg(ttl)
                .arg(now)
                .arg(now.saturating_add(ttl))
                .arg(&record.id)
                .arg(quota)
                .arg(self.max)
                .arg(self.max.max(1));
            match self.redis.invoke::<i64>(&invocation).await? {
                -1 => Err(StoreError::ClientFull(quota)),
                -2 => Err(StoreError::Full(self.max)),
                _ => Ok(()),
            }
        })
    }

    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        Box::pin(async move { decode(self.redis.query(redis::cmd("HGET").arg(self.key(id)).arg("json")).await?) })
    }

    fn arguments<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Payload>> {
        Box::pin(async move {
            let text: Option<String> = self.redis.query(redis::cmd("HGET").arg(self.key(id)).arg("args")).await?;
            text.map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|e| StoreError::Unavailable(format!("stored task arguments do not decode: {e}")))
        })
    }

    fn swap<'a>(&'a self, record: &'a TaskRecord) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut invocation = self.swap.key(self.key(&record.id));
            invocation.key(self.quota(&record.quota));
            invocation
                .arg(record.version)
                .arg(encode(record)?)
                .arg(u8::from(record.status.is_terminal()))
                .arg(&record.id);
            let swapped: i64 = self.redis.invoke(&invocation).await?;
            Ok(swapped == 1)
        })
    }

    fn claim<'a>(&'a self, worker: &'a str, wait: Duration) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let mut connection = self.blocking_connection(wait).await?;
            let read = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(GROUP)
                .arg(worker)
                .arg("COUNT")
                .arg(1)
                .arg("BLOCK")
                .arg(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1))
                .arg("STREAMS")
                .arg(self.queue())
                .arg(">")
                .clone();
            let limit = wait + self.redis.timeout;
            let reply = super::bounded(limit, read.query_async::<Option<StreamReadReply>>(&mut connection)).await;
            let reply = self.unless_group_lost(reply, None).await?;
            self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(connection);
            let Some(entry) = reply.and_then(|r| r.keys.into_iter().next()).and_then(|k| k.ids.into_iter().next())
            else {
                return Ok(None);
            };
            match entry.get::<String>("task") {
                Some(task) => {
                    self.remember(&task, &entry.id);
                    Ok(Some(task))
                }
                None => {
                    // Not an entry of ours: drop it.
                    let drop = redis::cmd("XACK").arg(self.queue()).arg(GROUP).arg(&entry.id).clone();
                    self.redis.query::<()>(&drop).await?;
                    Ok(None)
                }
            }
        })
    }

    fn heartbeat<'a>(&'a self, worker: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let Some(entry) = self.entry(id) else { return Ok(()) };
            // Claiming it again to itself resets the entry's idle time.
            let renew =
                redis::cmd("XCLAIM").arg(self.queue()).arg(GROUP).arg(worker).arg(0).arg(&entry).arg("JUSTID").clone();
            self.redis.query::<redis::Value>(&renew).await.map(drop)
        })
    }

    fn finish<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let entry = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(id);
            let Some(entry) = entry else { return Ok(()) };
            let mut pipe = Batch::new();
            pipe.cmd("XACK").arg(self.queue()).arg(GROUP).arg(&entry).ignore();
            pipe.cmd("XDEL").arg(self.queue()).arg(&entry).ignore();
            self.redis.batch::<()>(&pipe).await
        })
    }

    fn reclaim<'a>(&'a self, worker: &'a str, idle: Duration, max: usize) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let take = redis::cmd("XAUTOCLAIM")
                .arg(self.queue())
                .arg(GROUP)
                .arg(worker)
                .arg(u64::try_from(idle.as_millis()).unwrap_or(u64::MAX))
                .arg("0-0")
                .arg("COUNT")
                .arg(max.max(1))
                .clone();
            let reply = self.redis.query::<StreamAutoClaimReply>(&take).await;
            let reply = self.unless_group_lost(reply, StreamAutoClaimReply::default()).await?;
            let mut taken = Vec::new();
            for entry in reply.claimed {
                if let Some(task) = entry.get::<String>("task") {
                    self.remember(&task, &entry.id);
                    taken.push(task);
                }
            }
            self.forget_gone_consumers(worker, idle * 10).await?;
            Ok(taken)
        })
    }

    fn release<'a>(&'a self, _worker: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let entry = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(id);
            let Some(entry) = entry else { return Ok(()) };
            let mut invocation = self.release.key(self.queue());
            invocation.key(self.key(id)).arg(&entry).arg(id).arg(self.max.max(1));
            self.redis.invoke::<i64>(&invocation).await.map(drop)
        })
    }

    /// Every entry of the queue is waiting or pending (finished work is
    /// deleted), so the queued ones are its length less the pending; the
    /// oldest is the first after the group's last delivered entry, whose
    /// id is the time it was added.
    fn queue_stats(&self) -> StoreFuture<'_, Option<QueueStats>> {
        Box::pin(async move {
            let mut pipe = Batch::new();
            pipe.cmd("XLEN").arg(self.queue());
            pipe.cmd("XINFO").arg("GROUPS").arg(self.queue());
            let (length, groups): (u64, StreamInfoGroupsReply) = self.redis.batch(&pipe).await?;
            let Some(group) = groups.groups.into_iter().find(|g| g.name == GROUP) else {
                return Ok(Some(QueueStats { queued: length, ..QueueStats::default() }));
            };
            let claimed = group.pending as u64;
            let queued = group.lag.map_or(length.saturating_sub(claimed), |lag| lag as u64);
            let next = redis::cmd("XRANGE")
                .arg(self.queue())
                .arg(format!("({}", group.last_delivered_id))
                .arg("+")
                .arg("COUNT")
                .arg(1)
                .clone();
            let first: StreamRangeReply = self.redis.query(&next).await?;
            let added_ms = first.ids.first().and_then(|e| e.id.split_once('-')).and_then(|(ms, _)| ms.parse().ok());
            let now = crate::store::now_ms();
            let oldest_queued = added_ms.map(|ms: u64| Duration::from_millis(now.saturating_sub(ms)));
            Ok(Some(QueueStats { queued, claimed, oldest_queued }))
        })
    }
}

impl RedisTaskStore {
    /// Removes from the group the consumers (replicas) silent for `silence`
    /// that hold no work: replicas gone for good. (A live one is silent
    /// for a second at most, and would come back by reading.)
    async fn forget_gone_consumers(&self, worker: &str, silence: Duration) -> Result<(), StoreError> {
        let list = redis::cmd("XINFO").arg("CONSUMERS").arg(self.queue()).arg(GROUP).clone();
        let consumers: StreamInfoConsumersReply = self.redis.query(&list).await?;
        let silence = usize::try_from(silence.as_millis()).unwrap_or(usize::MAX);
        for gone in consumers.consumers.iter().filter(|c| c.name != worker && c.pending == 0 && c.idle > silence) {
            let forget = redis::cmd("XGROUP").arg("DELCONSUMER").arg(self.queue()).arg(GROUP).arg(&gone.name).clone();
            self.redis.query::<i64>(&forget).await?;
        }
        Ok(())
    }
}
