//! Sessions in Redis (feature `redis`), so that several replicas behind a
//! load balancer serve one client: any replica serves any request of any
//! session, resumes any stream, and hands the others what only they can
//! act on.
//!
//! - [`RedisSessionStore`]: records and [`SessionState`](crate::context::SessionState)
//!   values, with their idle timeout as a TTL that use refreshes (see
//!   *Expiry* below);
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
//! # async fn run() -> Result<(), quickmcp::session::StoreError> {
//! use quickmcp::redis::RedisSessions;
//! use std::time::Duration;
//!
//! let sessions = RedisSessions::new("redis://127.0.0.1:6379/")
//!     .idle_timeout(Duration::from_secs(3600))
//!     .connect()
//!     .await?;
//! let server = quickmcp::Server::builder("demo", "1.0.0").sessions(sessions).build();
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
//! the session's idle timeout and are refreshed when it is used (see
//! *Expiry*); ending a session deletes them. `PREFIX:sessions` is a sorted set of ids by
//! expiry, for the session count and the idle sweep, and
//! `PREFIX:subscribers:URI` the set of sessions subscribed to a resource
//! (both expire when no session uses them). Signals go over the channel
//! `PREFIX:bus`.
//!
//! # Expiry
//!
//! A session's keys live for its idle timeout plus a margin of an eighth
//! of it (at most a minute). A request that reads the record in Redis
//! refreshes the TTLs only when the record has less than the idle timeout
//! left (a script, in the same round trip); a replica that keeps the record
//! (below) reads it again once it is due. A session in use thus refreshes
//! once per margin, and an idle session ends between its idle timeout and
//! the margin after it.
//!
//! # Record cache
//!
//! With one Redis (not a cluster), each replica keeps the session records
//! it read for as long as Redis vouches for them, so that a request of a
//! session costs no round trip (`CLIENT TRACKING`, server-assisted
//! client-side caching). Records are read through a connection of their
//! own with tracking on; Redis tells that connection when a record it read
//! is changed, deleted or expires, from any replica, and the record is
//! dropped as the message is read. A kept record is served only while a
//! `PING` on that connection sent within the last 30 ms was answered (so
//! every message sent before it was applied): a replica frozen, cut off
//! from Redis or slow to read stops serving from memory rather than serve
//! a session another replica ended. A replica that changes or ends a
//! session answers 35 ms after Redis made the change, so that by then the
//! change holds on every replica: a client that saw a `DELETE` answered
//! gets 404 from any replica, as when every request reads Redis. Its TTLs
//! are refreshed when due, as above. All replicas of one prefix must agree
//! on it. [`RedisSessions::keep_records`] turns it off; a Redis without
//! `CLIENT TRACKING` (before 6.0) or an ACL that forbids it reads Redis on
//! every request.
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

mod batch;
mod bus;
mod cache;
mod events;
mod keys;
mod lifetime;
mod store;
mod tasks;
mod tracking;

pub use bus::RedisBus;
pub use cache::RedisCache;
pub use events::RedisEventStore;
pub use store::RedisSessionStore;
pub use tasks::RedisTaskStore;

use crate::config::{self, Env};
use crate::session::Sessions;
use crate::store::StoreError;
use batch::Batch;
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
    root_certificate: Option<Vec<u8>>,
    keep_records: bool,
}

impl RedisSessions {
    /// Sessions in the Redis at `url` (`redis://host:port/db`; a Redis
    /// Cluster as `redis+cluster://host:port,host:port`), with the
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
            root_certificate: None,
            keep_records: true,
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

    /// The certificate authority (PEM) a `rediss://` server's certificate
    /// must come from, for a Redis whose certificate is not from one the
    /// system trusts (a private CA); without it, the system's are used.
    #[must_use]
    pub fn tls_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificate = Some(pem.into());
        self
    }

    /// Whether each replica keeps the session records it read while Redis
    /// vouches for them (default: yes, with one Redis; never with a
    /// cluster). See *Record cache* in the [module docs](self): with it, a
    /// request of a session whose record is kept costs no round trip to
    /// Redis; without it, every request costs one.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), quickmcp::session::StoreError> {
    /// let sessions = quickmcp::redis::RedisSessions::new("redis://127.0.0.1:6379/").keep_records(false).connect().await?;
    /// # let _ = sessions; Ok(()) }
    /// ```
    #[must_use]
    pub fn keep_records(mut self, keep: bool) -> Self {
        self.keep_records = keep;
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
        let redis = Redis::connect(&self.url, self.timeout, self.root_certificate.as_deref()).await?;
        let keys = keys::Keys::new(&self.prefix);
        let bounds = store::Bounds { sessions: self.max_sessions, per_client: self.max_per_client };
        let lifetime = lifetime::Lifetime::new(self.idle_timeout);
        let single = match &*redis.target {
            Target::Single(client) if self.keep_records => Some(client.clone()),
            _ => None,
        };
        let cache = tracking::RecordCache::new(single, self.timeout);
        let store = RedisSessionStore::new(redis.clone(), keys.clone(), lifetime, bounds, cache);
        let events = RedisEventStore::new(redis.clone(), keys.clone(), lifetime, self.events_per_stream);
        let bus = RedisBus::new(redis, keys);
        Ok(Sessions::shared(store, events, bus))
    }
}

/// The first and the longest wait between attempts to reach a Redis that
/// was not there at startup.
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_MOST: Duration = Duration::from_secs(10);

/// Where the commands go: one Redis (a primary, or a managed endpoint), or
/// the nodes of a Redis Cluster.
// One per connection, behind an `Arc`: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Target {
    Single(redis::Client),
    Cluster {
        cluster: redis::cluster::ClusterClient,
        /// Each seed node on its own, for the bus's subscription (cluster
        /// pub/sub reaches every node).
        nodes: Vec<redis::Client>,
        /// How to reach any node: `redis` or `rediss`, the credentials
        /// (`user:password@` or nothing), the CA to trust.
        reach: (&'static str, String, Option<Vec<u8>>),
    },
}

impl Target {
    /// `url` is one Redis (`redis://`, `rediss://`, `unix://`), or a
    /// cluster's seed nodes: `redis+cluster://[user:password@]host:port,host:port`
    /// (`rediss+cluster://` with TLS).
    /// `root_certificate` (PEM), when given, is the one authority a
    /// `rediss://` server's certificate must come from; else the system's.
    fn parse(url: &str, root_certificate: Option<&[u8]>) -> Result<Self, StoreError> {
        let tls = |root: &[u8]| redis::TlsCertificates { client_tls: None, root_cert: Some(root.to_vec()) };
        let open = |url: &str| match root_certificate {
            Some(root) => redis::Client::build_with_tls(url, tls(root)),
            None => redis::Client::open(url),
        };
        let cluster = url.strip_prefix("redis+cluster://").map(|rest| ("redis", rest));
        let cluster = cluster.or_else(|| url.strip_prefix("rediss+cluster://").map(|rest| ("rediss", rest)));
        let Some((scheme, rest)) = cluster else {
            return open(url).map(Self::Single).map_err(unavailable);
        };
        let (credentials, hosts) = match rest.rsplit_once('@') {
            Some((credentials, hosts)) => (format!("{credentials}@"), hosts),
            None => (String::new(), rest),
        };
        let nodes: Vec<String> = hosts
            .trim_end_matches('/')
            .split(',')
            .filter(|host| !host.trim().is_empty())
            .map(|host| format!("{scheme}://{credentials}{}/", host.trim()))
            .collect();
        if nodes.is_empty() {
            return Err(StoreError::Unavailable(format!("{url}: a cluster URL names at least one node")));
        }
        let mut cluster = redis::cluster::ClusterClient::builder(nodes.clone());
        if let Some(root) = root_certificate {
            cluster = cluster.certs(tls(root));
        }
        let cluster = cluster.build().map_err(unavailable)?;
        let nodes = nodes.iter().map(|node| open(node.as_str())).collect::<Result<_, _>>();
        let reach = (scheme, credentials, root_certificate.map(<[u8]>::to_vec));
        Ok(Self::Cluster { cluster, nodes: nodes.map_err(unavailable)?, reach })
    }

    /// A client of the node at `address` (`host:port`) of a cluster.
    fn node_at(&self, address: &str) -> Result<redis::Client, StoreError> {
        let Self::Cluster { reach: (scheme, credentials, root), .. } = self else {
            return Err(StoreError::Unavailable("not a cluster".into()));
        };
        let url = format!("{scheme}://{credentials}{address}/");
        let client = match root {
            Some(root) => redis::Client::build_with_tls(
                url,
                redis::TlsCertificates { client_tls: None, root_cert: Some(root.clone()) },
            ),
            None => redis::Client::open(url),
        };
        client.map_err(unavailable)
    }
}

/// The connection of either [`Target`].
#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl redis::aio::ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            Self::Single(connection) => connection.req_packed_command(cmd),
            Self::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Self::Single(connection) => connection.req_packed_commands(cmd, offset, count),
            Self::Cluster(connection) => connection.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(connection) => connection.get_db(),
            Self::Cluster(connection) => connection.get_db(),
        }
    }
}

/// One connection to Redis (or to a Redis Cluster), every command bounded
/// in time.
#[derive(Clone)]
pub(crate) struct Redis {
    target: Arc<Target>,
    /// Set once Redis was reached; re-established on its own after that.
    connection: Arc<OnceCell<Connection>>,
    timeout: Duration,
}

impl Redis {
    /// A connection to the Redis at `url` (see [`Target::parse`]): made now
    /// when Redis answers, else in the background, retried with backoff,
    /// while every command fails at once with [`StoreError::Unavailable`]
    /// (readiness probes say not ready). Fails only for a URL that cannot
    /// be used.
    async fn connect(url: &str, timeout: Duration, root_certificate: Option<&[u8]>) -> Result<Self, StoreError> {
        let target = Arc::new(Target::parse(url, root_certificate)?);
        let redis = Self { target, connection: Arc::new(OnceCell::new()), timeout };
        if let Err(error) = redis.establish().await {
            tracing::warn!(%error, "Redis is not reachable; retrying in the background (not ready meanwhile)");
            let connection = Arc::downgrade(&redis.connection);
            let (target, timeout) = (Arc::clone(&redis.target), timeout);
            tokio::spawn(async move {
                let mut wait = RETRY_FIRST;
                loop {
                    tokio::time::sleep(wait).await;
                    // Nobody left to use it: stop trying.
                    let Some(connection) = connection.upgrade() else { return };
                    let retry = Self { target: Arc::clone(&target), connection, timeout };
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
        let connection = match &*self.target {
            Target::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                let connecting = ConnectionManager::new_with_config(client.clone(), config);
                Connection::Single(bounded(self.timeout, connecting).await?)
            }
            Target::Cluster { cluster, .. } => {
                let config = redis::cluster::ClusterConfig::new()
                    .set_connection_timeout(self.timeout)
                    .set_response_timeout(self.timeout);
                let connecting = cluster.get_async_connection_with_config(config);
                Connection::Cluster(bounded(self.timeout, connecting).await?)
            }
        };
        let _ = self.connection.set(connection);
        Ok(())
    }

    fn connection(&self) -> Result<Connection, StoreError> {
        self.connection.get().cloned().ok_or_else(|| {
            StoreError::Unavailable("Redis has not been reachable since startup; connecting in the background".into())
        })
    }

    /// A client of one node, for connections of their own (the bus's
    /// subscription, blocking reads): the Redis, or the `attempt`-th seed
    /// node of a cluster, in turn.
    pub(crate) fn node(&self, attempt: usize) -> redis::Client {
        match &*self.target {
            Target::Single(client) => client.clone(),
            Target::Cluster { nodes, .. } => nodes[attempt % nodes.len()].clone(),
        }
    }

    /// A client of the node that serves `key` now: the Redis, or the
    /// cluster's primary for the key's slot (asked of the cluster), for a
    /// connection of its own (blocking reads). After a failover, ask again.
    pub(crate) async fn node_serving(&self, key: &str) -> Result<redis::Client, StoreError> {
        if let Target::Single(client) = &*self.target {
            return Ok(client.clone());
        }
        let slot: u16 = self.query(redis::cmd("CLUSTER").arg("KEYSLOT").arg(key)).await?;
        let nodes: String = self.query(redis::cmd("CLUSTER").arg("NODES")).await?;
        let address = primary_for(&nodes, slot)
            .ok_or_else(|| StoreError::Unavailable(format!("no primary of the cluster serves slot {slot}")))?;
        self.target.node_at(&address)
    }

    /// Runs one command.
    pub(crate) async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, StoreError> {
        let mut connection = self.connection()?;
        bounded(self.timeout, command.query_async(&mut connection)).await
    }

    /// Runs a batch: one pipeline, one round trip; in a cluster, one
    /// pipeline per hash tag, sent at once.
    pub(crate) async fn batch<T: redis::FromRedisValue>(&self, batch: &Batch) -> Result<T, StoreError> {
        let connection = self.connection()?;
        if let Connection::Single(mut connection) = connection {
            return bounded(self.timeout, batch.pipeline().query_async(&mut connection)).await;
        }
        let groups = batch.by_slot().into_iter().map(|(pipe, positions)| {
            let mut connection = connection.clone();
            async move {
                let values: Vec<redis::Value> = pipe.query_async(&mut connection).await?;
                Ok::<_, redis::RedisError>((positions, values))
            }
        });
        let answers = bounded(self.timeout, futures_util::future::try_join_all(groups)).await?;
        redis::from_redis_value(batch.reassemble(answers))
            .map_err(|e| StoreError::Unavailable(format!("Redis answered in an unexpected shape: {e}")))
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

/// The `host:port` of the primary serving `slot`, from `CLUSTER NODES`.
fn primary_for(nodes: &str, slot: u16) -> Option<String> {
    nodes.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 9 || !fields[2].split(',').any(|flag| flag == "master") {
            return None;
        }
        let serves = fields[8..].iter().any(|range| {
            let (from, to) = range.split_once('-').unwrap_or((range, range));
            matches!((from.parse::<u16>(), to.parse::<u16>()), (Ok(from), Ok(to)) if (from..=to).contains(&slot))
        });
        // `host:port@cluster-port[,hostname]`
        serves.then(|| fields[1].split(['@', ',']).next().unwrap_or_default().to_owned())
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_url_names_a_redis_or_a_clusters_nodes() {
        assert!(matches!(Target::parse("redis://127.0.0.1:6379/", None), Ok(Target::Single(_))));
        let Ok(Target::Cluster { nodes, .. }) =
            Target::parse("redis+cluster://u:p@10.0.0.1:7000, 10.0.0.2:7001/", None)
        else {
            panic!("a cluster");
        };
        let nodes: Vec<String> = nodes.iter().map(|n| n.get_connection_info().addr().to_string()).collect();
        assert_eq!(nodes, ["10.0.0.1:7000", "10.0.0.2:7001"]);
        assert!(Target::parse("redis+cluster://", None).is_err());
        assert!(Target::parse("http://x", None).is_err());
    }

    #[test]
    fn the_primary_of_a_slot_is_read_from_cluster_nodes() {
        let nodes = "\
a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460
b2 127.0.0.1:7002@17002 master - 0 0 2 connected 5461-10922 10924
c3 127.0.0.1:7004@17004 slave b2 0 0 2 connected
d4 127.0.0.1:7003@17003 master,fail - 0 0 3 disconnected
";
        assert_eq!(primary_for(nodes, 0).as_deref(), Some("127.0.0.1:7001"));
        assert_eq!(primary_for(nodes, 10924).as_deref(), Some("127.0.0.1:7002"));
        assert_eq!(primary_for(nodes, 10923), None);
    }
}
