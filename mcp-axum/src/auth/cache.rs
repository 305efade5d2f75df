//! A bounded map of verified tokens to their principals, so that a token is
//! checked once (a signature, or a call to the introspection endpoint)
//! rather than on every request.

use mcp_core::auth::Principal;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// Most tokens remembered at once; when full, expired ones go, then all.
const MAX_TOKENS: usize = 10_000;

/// Verified tokens until they expire (or `max_age`, whichever is sooner).
#[derive(Debug)]
pub(crate) struct TokenCache {
    entries: RwLock<HashMap<String, (Principal, Instant)>>,
    max_age: Duration,
}

impl TokenCache {
    pub(crate) fn new(max_age: Duration) -> Self {
        Self { entries: RwLock::default(), max_age }
    }

    pub(crate) fn get(&self, token: &str) -> Option<Principal> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries.get(token).filter(|(_, until)| *until > Instant::now()).map(|(p, _)| p.clone())
    }

    /// Remembers `principal` for `token` until `expires` (seconds since the
    /// Unix epoch, the token's `exp`) or `max_age`.
    pub(crate) fn put(&self, token: &str, principal: &Principal, expires: Option<u64>) {
        let now = Instant::now();
        let mut until = now + self.max_age;
        if let Some(exp) = expires {
            let unix_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            until = until.min(now + Duration::from_secs(exp).saturating_sub(unix_now));
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_TOKENS {
            entries.retain(|_, (_, until)| *until > now);
            if entries.len() >= MAX_TOKENS {
                entries.clear();
            }
        }
        entries.insert(token.to_owned(), (principal.clone(), until));
    }
}
