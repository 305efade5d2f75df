//! [`RedisCache`]: the [`ResponseCache`](crate::middleware::ResponseCache)
//! middleware's results in Redis, shared by replicas.

use super::Redis;
use crate::middleware::{CacheFuture, CacheStore};
use crate::protocol::CallToolResult;
use crate::store::StoreError;
use std::time::Duration;

/// Tool results cached in Redis under `PREFIX:cache:KEY`, each expiring
/// with its TTL, so that every replica answers a repeated call from the
/// cache. A result over `max_bytes` (as JSON) is not cached. Redis failing
/// or slow makes a miss (the tool runs), never an error.
///
/// ```no_run
/// # async fn run() -> Result<(), quickmcp::session::StoreError> {
/// use quickmcp::middleware::ResponseCache;
/// use quickmcp::redis::RedisCache;
/// use std::time::Duration;
///
/// let store = RedisCache::connect("redis://127.0.0.1:6379/", "mcp").await?;
/// let cache = ResponseCache::new(Duration::from_secs(60)).store(store);
/// # let _ = cache; Ok(()) }
/// ```
pub struct RedisCache {
    redis: Redis,
    prefix: String,
    max_bytes: usize,
}

impl RedisCache {
    /// Connects to the Redis at `url`; keys start with `PREFIX:cache:`.
    /// Results up to 1 MiB are cached; commands wait at most 500 ms. A
    /// Redis not reachable yet is connected to in the background (until
    /// then every lookup misses).
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let redis = Redis::connect(url, Duration::from_millis(500), None).await?;
        Ok(Self { redis, prefix: format!("{prefix}:cache:"), max_bytes: 1024 * 1024 })
    }
}

impl CacheStore for RedisCache {
    fn get<'a>(&'a self, key: &'a str) -> CacheFuture<'a, Option<CallToolResult>> {
        Box::pin(async move {
            let key = format!("{}{key}", self.prefix);
            let json: Option<String> = self.redis.query(redis::cmd("GET").arg(key)).await.unwrap_or_else(|error| {
                tracing::debug!(%error, "cache read failed: a miss");
                None
            });
            json.and_then(|json| serde_json::from_str(&json).ok())
        })
    }

    fn put(&self, key: String, result: CallToolResult, ttl: Duration) -> CacheFuture<'_, ()> {
        Box::pin(async move {
            let Ok(json) = serde_json::to_string(&result) else { return };
            if json.len() > self.max_bytes {
                return;
            }
            let key = format!("{}{key}", self.prefix);
            let ttl = ttl.as_millis().max(1) as u64;
            let stored = self.redis.query::<()>(redis::cmd("SET").arg(key).arg(json).arg("PX").arg(ttl)).await;
            if let Err(error) = stored {
                tracing::debug!(%error, "cache write failed");
            }
        })
    }
}
