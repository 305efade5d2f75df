//! Sessions shared by replicas: in Redis when `REDIS_URL` is set (feature
//! `redis`), in memory otherwise. A session moved to another replica keeps
//! its downstream state; its upstream connection is per process, so that
//! replica opens a new one on first use.

use quickmcp::session::Sessions;

/// The prefix of the keys when `--redis-prefix` is not given.
pub const DEFAULT_PREFIX: &str = "mcp-proxy";

/// The Redis sessions `REDIS_URL` names, under `prefix`; `None` without
/// it. A Redis not reachable yet is connected to in the background (the
/// bridge is not ready until then); only a URL that cannot be used fails.
pub async fn from_env(prefix: &str) -> Result<Option<Sessions>, String> {
    let Ok(url) = std::env::var("REDIS_URL") else {
        return Ok(None);
    };
    connect(url, prefix).await.map(Some)
}

#[cfg(feature = "redis")]
async fn connect(url: String, prefix: &str) -> Result<Sessions, String> {
    quickmcp::redis::RedisSessions::new(&url)
        .prefix(prefix)
        .connect()
        .await
        .map_err(|error| format!("REDIS_URL: {error} (a redis://, rediss:// or unix:// URL)"))
}

#[cfg(not(feature = "redis"))]
async fn connect(_url: String, _prefix: &str) -> Result<Sessions, String> {
    Err("REDIS_URL is set, but this mcp-proxy was built without Redis: build it with `--features redis`, or unset REDIS_URL".to_owned())
}
