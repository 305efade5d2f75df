//! The issuer's signing keys, fetched from its JWKS: on first use, and
//! again when a token names a key not seen yet (the issuer rotated its
//! keys).
//!
//! Two clocks keep the issuer safe and tokens answered right:
//!
//! - after a fetch that **succeeded**, a key still unknown is refused (401)
//!   without asking again for `refresh_every` (default 30 s), so made-up
//!   key ids cannot flood the issuer;
//! - after a fetch that **failed** (the issuer is down, answers an error
//!   or no JWKS), nothing is known about the key: the request is answered
//!   503, and the next one retries after a short backoff (1 s, doubling up
//!   to [`RETRY_MAX`]), so tokens verify again as soon as the issuer is
//!   back.

use super::verifier::AuthError;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The first wait before fetching again after a failed fetch.
pub(super) const RETRY_FIRST: Duration = Duration::from_secs(1);
/// The longest wait before fetching again after failed fetches.
pub(super) const RETRY_MAX: Duration = Duration::from_secs(8);

/// One signing key and the one algorithm it may be used with.
pub(super) struct Key {
    pub(super) decoding: DecodingKey,
    pub(super) algorithm: Algorithm,
}

/// Keys by `kid` (`None` for a key without one).
pub(super) type KeyMap = HashMap<Option<String>, Arc<Key>>;

/// The JWKS of an issuer, as last fetched.
pub(super) struct RemoteKeys {
    client: reqwest::Client,
    issuer: String,
    jwks_url: Mutex<Option<String>>,
    keys: RwLock<KeyMap>,
    fetches: tokio::sync::Mutex<Fetches>,
}

/// What the last fetches gave.
#[derive(Default)]
struct Fetches {
    /// When the keys were last fetched successfully.
    succeeded: Option<Instant>,
    /// Since the last success: when the last fetch failed, the wait before
    /// the next one, and why it failed.
    failed: Option<(Instant, Duration, String)>,
}

impl RemoteKeys {
    /// The keys of `issuer`, from `jwks_url` or the issuer's metadata.
    pub(super) fn new(client: reqwest::Client, issuer: String, jwks_url: Option<String>) -> Self {
        Self {
            client,
            issuer,
            jwks_url: Mutex::new(jwks_url),
            keys: RwLock::default(),
            fetches: tokio::sync::Mutex::default(),
        }
    }

    /// The key named `kid`: from the keys in hand, else from a fetch when
    /// the clocks allow one. `Invalid` when the issuer's current keys do not
    /// hold it; `Unavailable` when they could not be fetched.
    pub(super) async fn key(&self, kid: Option<&str>, refresh_every: Duration) -> Result<Arc<Key>, AuthError> {
        if let Some(key) = self.known(kid) {
            return Ok(key);
        }
        let mut fetches = self.fetches.lock().await;
        // Another request may have fetched the keys while this one waited.
        if let Some(key) = self.known(kid) {
            return Ok(key);
        }
        if let Some((at, wait, why)) = &fetches.failed {
            if at.elapsed() < *wait {
                return Err(unavailable(why));
            }
        } else if fetches.succeeded.is_some_and(|at| at.elapsed() < refresh_every) {
            return Err(unknown());
        }
        match self.fetch().await {
            Ok(fetched) => {
                *fetches = Fetches { succeeded: Some(Instant::now()), failed: None };
                let found = find(&fetched, kid);
                *self.keys.write().unwrap_or_else(|p| p.into_inner()) = fetched;
                found.ok_or_else(unknown)
            }
            Err(why) => {
                let wait = fetches.failed.as_ref().map_or(RETRY_FIRST, |(_, wait, _)| (*wait * 2).min(RETRY_MAX));
                tracing::warn!(issuer = %self.issuer, reason = %why, retry_in = ?wait, "the issuer's signing keys cannot be fetched");
                fetches.failed = Some((Instant::now(), wait, why.clone()));
                Err(unavailable(&why))
            }
        }
    }

    fn known(&self, kid: Option<&str>) -> Option<Arc<Key>> {
        find(&self.keys.read().unwrap_or_else(|p| p.into_inner()), kid)
    }

    /// The issuer's current keys; `Err` says why they could not be had.
    async fn fetch(&self) -> Result<KeyMap, String> {
        let known = self.jwks_url.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let url = match known {
            Some(url) => url,
            None => {
                let url = discover_jwks_url(&self.client, &self.issuer).await?;
                *self.jwks_url.lock().unwrap_or_else(|p| p.into_inner()) = Some(url.clone());
                url
            }
        };
        let jwks: JwkSet = get_json(&self.client, &url).await?;
        Ok(super::jwt::keys_of(&jwks))
    }
}

fn unknown() -> AuthError {
    AuthError::Invalid("the token's signing key is unknown".into())
}

fn unavailable(why: &str) -> AuthError {
    AuthError::Unavailable(format!("the issuer's signing keys cannot be fetched ({why})"))
}

/// The key named `kid` (or the only key, for a token without one).
pub(super) fn find(keys: &KeyMap, kid: Option<&str>) -> Option<Arc<Key>> {
    match kid {
        Some(kid) => keys.get(&Some(kid.to_owned())).cloned(),
        None if keys.len() == 1 => keys.values().next().cloned(),
        None => None,
    }
}

/// The `jwks_uri` of `issuer`'s metadata: RFC 8414 first, then OpenID
/// Connect discovery.
async fn discover_jwks_url(client: &reqwest::Client, issuer: &str) -> Result<String, String> {
    let issuer = issuer.trim_end_matches('/');
    let (origin, path) = super::config::split_origin(issuer);
    let candidates = [
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{issuer}/.well-known/openid-configuration"),
    ];
    for url in candidates {
        if let Ok(metadata) = get_json::<Value>(client, &url).await
            && let Some(jwks) = metadata.get("jwks_uri").and_then(Value::as_str)
        {
            return Ok(jwks.to_owned());
        }
    }
    Err(format!("no jwks_uri in the metadata of {issuer}"))
}

async fn get_json<T: serde::de::DeserializeOwned>(client: &reqwest::Client, url: &str) -> Result<T, String> {
    let failed = |e: reqwest::Error| format!("{url}: {e}");
    let response = client.get(url).send().await.map_err(failed)?.error_for_status().map_err(failed)?;
    response.json().await.map_err(failed)
}
