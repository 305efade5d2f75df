//! A bounded map of verified tokens to their principals, so that a token is
//! checked once (a signature, or a call to the introspection endpoint)
//! rather than on every request.

use quickmcp::auth::Principal;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// Most tokens remembered at once; when full, expired ones go, then all.
const MAX_TOKENS: usize = 10_000;

/// Verified tokens (as sent) with their principals and when to forget them.
type Entries = HashMap<Box<[u8]>, (Principal, Instant), BuildHasherDefault<TailHasher>>;

/// Verified tokens until they expire (or `max_age`, whichever is sooner).
#[derive(Debug)]
pub(crate) struct TokenCache {
    entries: RwLock<Entries>,
    max_age: Duration,
}

/// Hashes the last 32 bytes of a token (its signature, for a JWT) with
/// FNV-1a: cheaper than hashing it all with SipHash, and safe here since
/// only tokens that verified are ever stored, so nobody can fill a bucket
/// with chosen keys. Keys are still compared in full.
#[derive(Default)]
pub(crate) struct TailHasher(u64);

impl Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        let tail = &bytes[bytes.len().saturating_sub(32)..];
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for byte in tail {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl TokenCache {
    pub(crate) fn new(max_age: Duration) -> Self {
        Self { entries: RwLock::default(), max_age }
    }

    pub(crate) fn get(&self, token: &[u8]) -> Option<Principal> {
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
        entries.insert(token.as_bytes().into(), (principal.clone(), until));
    }
}
