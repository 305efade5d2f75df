//! Sessions in Redis (feature `redis`), so that several replicas behind a
//! load balancer serve one client: any replica serves any request of any
//! session, resumes any stream, and hands the others what only they can
//! act on.
//!
//! - [`RedisSessionStore`]: records and [`SessionState`](crate::context::SessionState)
//!   values, with their idle timeout as a TTL refreshed on use;
//! - [`RedisEventStore`]: each stream's events in a capped Redis Stream, for
//!   `Last-Event-ID` resumption on any replica;
//! - [`RedisBus`]: [`Signal`](crate::session::Signal)s between replicas over pub/sub;
//! - [`RedisCache`]: the `ResponseCache` middleware's results, shared;
//! - [`RedisTaskStore`]: tasks (the tasks extension) and their work queue,
//!   a Redis Stream read by a consumer group of the replicas' workers.
//!
//! [`RedisSessions`] connects the three:
//!
//! ```no_run
//! # async fn run() -> Result<(), mcp_core::session::StoreError> {
//! use mcp_core::redis::RedisSessions;
//! use std::time::Duration;
//!
//! let sessions = RedisSessions::new("redis://127.0.0.1:6379/")
//!     .idle_timeout(Duration::from_secs(3600))
//!     .connect()
//!     .await?;
//! let server = mcp_core::Server::builder("demo", "1.0.0").sessions(sessions).build();
//! # let _ = server; Ok(()) }
//! ```
//!
//! # Keys
//!
//! Every key of one session carries its id as a hash tag, so that in Redis
//! Cluster they share a slot: `PREFIX:{ID}:record` (the record, JSON),
//! `PREFIX:{ID}:values` (a hash of state values), `PREFIX:{ID}:subscriptions`
//! (a set of URIs), `PREFIX:{ID}:streams` (a
//! hash: each stream's last position, finished mark and bytes kept),
//! `PREFIX:{ID}:events:STREAM` (a Redis Stream, capped) and
//! `PREFIX:{ID}:finished` (the last finished streams, oldest first). All expire with
//! the session's idle timeout and are refreshed when it is used; ending a
//! session deletes them. `PREFIX:sessions` is a sorted set of ids by
//! expiry, for the session count and the idle sweep, and
//! `PREFIX:subscribers:URI` the set of sessions subscribed to a resource
//! (both expire when no session uses them). Signals go over the channel
//! `PREFIX:bus`.
//!
//! # When Redis fails
//!
//! Every command is bounded by [`RedisSessions::timeout`] (default 2 s);
//! past it, or when Redis is unreachable, the store answers
//! [`StoreError::Unavailable`], which the transport answers 503, and
//! `/ready` names the store. The connection is re-established on its own,
//! and one that could not be made at startup is tried again in the
//! background. Record updates are atomic across replicas (a compare-and-set
//! script, retried when another replica wrote in between), and client
//! answers and cancellations reach a replica whose subscription dropped
//! (see [`RedisBus`]).

mod bus;
mod cache;
mod events;
mod keys;
mod store;
mod tasks;

pub use bus::RedisBus;
pub use cache::RedisCache;
pub use events::RedisEventStore;
pub use store::RedisSessionStore;
pub use tasks::RedisTaskStore;

use crate::config::{self, Env};
use crate::session::Sessions;
use crate::store::StoreError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Settings of Redis-backed [`Sessions`]; [`connect`](Self::connect) makes them.
#[derive(Debug, Clone)]
pub struct RedisSessions {
    url: String,
    prefix: String,
    idle_timeout: Duration,
    max_sessions: usize,
    max_per_client: usize,
    events_per_stream: usize,
    timeout: Duration,
}

impl RedisSessions {
    /// Sessions in the Redis at `url` (`redis://host:port/db`), with the
    /// defaults: prefix `mcp`, the idle timeout of `MCP_SESSION_TIMEOUT`,
    /// the bounds of `MCP_MAX_SESSIONS` and `MCP_MAX_SESSIONS_PER_CLIENT`
    /// (else their defaults, the memory store's too: see [`config`]), 512
    /// events kept per stream, 2 s per command.
    pub fn new(url: impl Into<String>) -> Self {
        // A bad value falls back to the default here: building the server
        // reads the same variables and refuses it.
        let mut env = Env::process();
        Self {
            url: url.into(),
            prefix: "mcp".into(),
            idle_timeout: env.seconds(&config::SESSION_TIMEOUT),
            max_sessions: env.number(&config::MAX_SESSIONS),
            max_per_client: env.number(&config::MAX_SESSIONS_PER_CLIENT),
            events_per_stream: 512,
            timeout: Duration::from_secs(2),
        }
    }

    /// The prefix of every key and channel (servers that share a Redis
    /// but not their sessions need different ones).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long an unused session lives (its keys' TTL).
    #[must_use]
    pub fn idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// Sessions open at once, across every replica (503 beyond).
    #[must_use]
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max;
        self
    }

    /// Sessions one client address may open within the idle timeout,
    /// across every replica (429 beyond).
    #[must_use]
    pub fn max_sessions_per_client(mut self, max: usize) -> Self {
        self.max_per_client = max;
        self
    }

    /// Events kept per stream for resumption (older ones are trimmed).
    #[must_use]
    pub fn events_per_stream(mut self, events: usize) -> Self {
        self.events_per_stream = events.max(1);
        self
    }

    /// How long one Redis command may take before the request fails (503).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects and returns the sessions, with stores and bus sharing one
    /// multiplexed connection (plus one for pub/sub). When Redis cannot be
    /// reached now, the sessions are returned anyway and keep trying in the
    /// background (every 250 ms at first, then up to every 10 s): until
    /// then every request that needs them is answered 503 and `/ready`
    /// says not ready, so that a replica started before Redis serves once
    /// Redis is up. Fails only for a URL that cannot be used.
    pub async fn connect(self) -> Result<Sessions, StoreError> {
        let redis = Redis::connect(&self.url, self.timeout).await?;
        let keys = keys::Keys::new(&self.prefix);
        let bounds = store::Bounds { sessions: self.max_sessions, per_client: self.max_per_client };
        let store = RedisSessionStore::new(redis.clone(), keys.clone(), self.idle_timeout, bounds);
        let events = RedisEventStore::new(redis.clone(), keys.clone(), self.idle_timeout, self.events_per_stream);
        let bus = RedisBus::new(redis, keys);
        Ok(Sessions::shared(store, events, bus))
    }
}

/// The first and the longest wait between attempts to reach a Redis that
/// was not there at startup.
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_MOST: Duration = Duration::from_secs(10);

/// One connection to Redis, every command bounded in time.
#[derive(Clone)]
pub(crate) struct Redis {
    client: redis::Client,
    /// Set once Redis was reached; re-established on its own after that.
    connection: Arc<OnceCell<ConnectionManager>>,
    timeout: Duration,
}

impl Redis {
    /// A connection to the Redis at `url`: made now when Redis answers,
    /// else in the background, retried with backoff, while every command
    /// fails at once with [`StoreError::Unavailable`] (readiness probes
    /// say not ready). Fails only for a URL that cannot be used.
    async fn connect(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let redis = Self { client, connection: Arc::new(OnceCell::new()), timeout };
        if let Err(error) = redis.establish().await {
            tracing::warn!(%error, "Redis is not reachable; retrying in the background (not ready meanwhile)");
            let connection = Arc::downgrade(&redis.connection);
            let (client, timeout) = (redis.client.clone(), timeout);
            tokio::spawn(async move {
                let mut wait = RETRY_FIRST;
                loop {
                    tokio::time::sleep(wait).await;
                    // Nobody left to use it: stop trying.
                    let Some(connection) = connection.upgrade() else { return };
                    let retry = Self { client: client.clone(), connection, timeout };
                    match retry.establish().await {
                        Ok(()) => return tracing::info!("Redis is reachable again"),
                        Err(error) => tracing::warn!(%error, "Redis is still not reachable; retrying in {wait:?}"),
                    }
                    wait = (wait * 2).min(RETRY_MOST);
                }
            });
        }
        Ok(redis)
    }

    /// Opens the connection, once.
    async fn establish(&self) -> Result<(), StoreError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1);
        let connecting = ConnectionManager::new_with_config(self.client.clone(), config);
        let connection = bounded(self.timeout, connecting).await?;
        let _ = self.connection.set(connection);
        Ok(())
    }

    fn connection(&self) -> Result<ConnectionManager, StoreError> {
        self.connection.get().cloned().ok_or_else(|| {
            StoreError::Unavailable("Redis has not been reachable since startup; connecting in the background".into())
        })
    }

    /// Runs one command.
    pub(crate) async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, StoreError> {
        let mut connection = self.connection()?;
        bounded(self.timeout, command.query_async(&mut connection)).await
    }

    /// Runs a pipeline in one round trip.
    pub(crate) async fn pipeline<T: redis::FromRedisValue>(&self, pipe: &redis::Pipeline) -> Result<T, StoreError> {
        let mut connection = self.connection()?;
        bounded(self.timeout, pipe.query_async(&mut connection)).await
    }

    /// Runs a Lua script (by its hash, loading it when Redis lacks it).
    pub(crate) async fn invoke<T: redis::FromRedisValue>(
        &self,
        script: &redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection()?;
        bounded(self.timeout, script.invoke_async(&mut connection)).await
    }
}

/// `work`, or [`StoreError::Unavailable`] when it fails or takes longer
/// than `timeout`.
async fn bounded<T>(timeout: Duration, work: impl Future<Output = redis::RedisResult<T>>) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result.map_err(unavailable),
        Err(_) => Err(StoreError::Unavailable(format!("Redis did not answer within {timeout:?}"))),
    }
}

fn unavailable(error: redis::RedisError) -> StoreError {
    StoreError::Unavailable(format!("Redis: {error}"))
}

use crate::store::now_ms;
