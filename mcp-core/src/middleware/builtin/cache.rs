//! [`ResponseCache`]: answers repeated calls of read-only, idempotent tools
//! from a cache, keyed by the tool and its arguments.

use crate::middleware::{Middleware, Next, Outcome, ToolCall};
use crate::protocol::CallToolResult;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a [`CacheStore`] method returns.
pub type CacheFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where [`ResponseCache`] keeps results: [`MemoryCache`], or your own
/// (shared by replicas, say). A store that fails answers `None` and drops
/// what it was given: a cache never fails a call.
pub trait CacheStore: Send + Sync + 'static {
    /// The result stored under `key`, unless it expired.
    fn get<'a>(&'a self, key: &'a str) -> CacheFuture<'a, Option<CallToolResult>>;
    /// Stores `result` under `key` for `ttl`.
    fn put(&self, key: String, result: CallToolResult, ttl: Duration) -> CacheFuture<'_, ()>;
}

/// Results in this process's memory: at most `max_entries`, and at most
/// `max_bytes` of results (as JSON); the entries closest to expiry make
/// room for new ones.
#[derive(Debug)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, Entry>>,
    max_entries: usize,
    max_bytes: usize,
}

#[derive(Debug)]
struct Entry {
    result: CallToolResult,
    expires: Instant,
    bytes: usize,
}

impl Default for MemoryCache {
    /// 1024 entries, 64 MiB.
    fn default() -> Self {
        Self::new(1024, 64 << 20)
    }
}

impl MemoryCache {
    /// At most `max_entries` results and `max_bytes` of them.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self { entries: Mutex::default(), max_entries, max_bytes }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn store(&self, key: String, result: CallToolResult, ttl: Duration) {
        let bytes = serde_json::to_vec(&result).map_or(usize::MAX, |json| json.len() + key.len());
        if bytes > self.max_bytes {
            return;
        }
        let now = Instant::now();
        let mut entries = self.lock();
        entries.retain(|_, entry| entry.expires > now);
        let mut used: usize = entries.values().map(|e| e.bytes).sum();
        while !entries.is_empty() && (entries.len() >= self.max_entries || used + bytes > self.max_bytes) {
            let Some(soonest) = entries.iter().min_by_key(|(_, e)| e.expires).map(|(k, _)| k.clone()) else {
                break;
            };
            used -= entries.remove(&soonest).map_or(0, |e| e.bytes);
        }
        if self.max_entries > 0 {
            entries.insert(key, Entry { result, expires: now + ttl, bytes });
        }
    }
}

impl CacheStore for MemoryCache {
    fn get<'a>(&'a self, key: &'a str) -> CacheFuture<'a, Option<CallToolResult>> {
        let found = self.lock().get(key).filter(|e| e.expires > Instant::now()).map(|e| e.result.clone());
        Box::pin(std::future::ready(found))
    }

    fn put(&self, key: String, result: CallToolResult, ttl: Duration) -> CacheFuture<'_, ()> {
        self.store(key, result, ttl);
        Box::pin(std::future::ready(()))
    }
}

/// How a call's cache key is told apart by caller; see
/// [`ResponseCache::key_by`].
type KeyFn = dyn Fn(&ToolCall) -> Option<String> + Send + Sync;

/// Answers calls of tools annotated `read_only` and `idempotent` from a
/// cache for `ttl`, keyed by the tool's name and a SHA-256 digest of its
/// arguments (in any key order) and of [`key_by`](Self::key_by)'s part, so
/// that a key's size never depends on what the client sent. Failed results
/// (`isError`) are not kept.
///
/// Results are shared by every caller: use it for tools whose answer does
/// not depend on who asks, or add the caller to the key with
/// [`key_by`](Self::key_by).
///
/// ```
/// use quickmcp::Server;
/// use quickmcp::middleware::ResponseCache;
/// use std::time::Duration;
///
/// // Per session: the key includes the session id (no caching without one).
/// let cache = ResponseCache::new(Duration::from_secs(30))
///     .key_by(|call| call.context().session_id().map(str::to_owned));
/// let server = Server::builder("demo", "1.0.0").middleware(cache).build();
/// # let _ = server;
/// ```
pub struct ResponseCache {
    ttl: Duration,
    store: Arc<dyn CacheStore>,
    key_by: Option<Arc<KeyFn>>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl ResponseCache {
    /// Results kept for `ttl` in a [`MemoryCache`].
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, store: Arc::new(MemoryCache::default()), key_by: None }
    }

    /// Keeps results in `store` instead.
    #[must_use]
    pub fn store(mut self, store: impl CacheStore) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Adds what `part` says of the call to its key (the caller's session
    /// or principal); a call for which it answers `None` is not cached.
    #[must_use]
    pub fn key_by(mut self, part: impl Fn(&ToolCall) -> Option<String> + Send + Sync + 'static) -> Self {
        self.key_by = Some(Arc::new(part));
        self
    }

    /// The key of `call` (`name:digest`, the digest of its canonical
    /// arguments and caller part), or `None` when it is not to be cached.
    fn key(&self, call: &ToolCall) -> Option<String> {
        use sha2::Digest as _;
        let hints = call.def().tool.annotations.as_ref()?;
        if hints.read_only_hint != Some(true) || hints.idempotent_hint != Some(true) {
            return None;
        }
        let arguments = match call.arguments() {
            Some(raw) => serde_json::from_str(raw.get()).ok()?,
            None => Value::Null,
        };
        let mut keyed = String::new();
        canonical(&arguments, &mut keyed);
        if let Some(part) = &self.key_by {
            keyed.push('\u{0}');
            keyed.push_str(&part(call)?);
        }
        Some(format!("{}:{:x}", call.name(), sha2::Sha256::digest(keyed.as_bytes())))
    }
}

/// `value` as JSON with object keys sorted, so that `{"a":1,"b":2}` and
/// `{"b":2,"a":1}` share a key.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

impl Middleware for ResponseCache {
    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        let Some(key) = self.key(&call) else {
            return next.run(call);
        };
        Box::pin(async move {
            if let Some(hit) = self.store.get(&key).await {
                return Ok(hit);
            }
            let result = next.run(call).await?;
            if !result.is_error {
                self.store.put(key, result.clone(), self.ttl).await;
            }
            Ok(result)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Content;

    #[test]
    fn keys_ignore_the_order_of_object_members() {
        let (mut a, mut b) = (String::new(), String::new());
        canonical(&serde_json::json!({"b": [1, {"y": 2, "x": 1}], "a": "s"}), &mut a);
        canonical(&serde_json::json!({"a": "s", "b": [1, {"x": 1, "y": 2}]}), &mut b);
        assert_eq!(a, b);
        assert_eq!(a, r#"{"a":"s","b":[1,{"x":1,"y":2}]}"#);
    }

    #[test]
    fn the_memory_cache_is_bounded_and_expires() {
        let cache = MemoryCache::new(2, 1 << 20);
        let result = |text: &str| CallToolResult::success(vec![Content::text(text)]);
        cache.store("a".into(), result("1"), Duration::from_secs(60));
        cache.store("b".into(), result("2"), Duration::from_secs(30));
        cache.store("c".into(), result("3"), Duration::from_secs(60));
        let get = |key: &str| futures_util::FutureExt::now_or_never(cache.get(key)).unwrap();
        assert!(get("b").is_none(), "the entry closest to expiry made room");
        assert_eq!(get("c"), Some(result("3")));
        cache.store("d".into(), result("4"), Duration::ZERO);
        assert!(get("d").is_none(), "expired");
        let tiny = MemoryCache::new(8, 10);
        tiny.store("big".into(), result("a long text"), Duration::from_secs(60));
        assert!(futures_util::FutureExt::now_or_never(tiny.get("big")).unwrap().is_none(), "over max_bytes");
    }
}
