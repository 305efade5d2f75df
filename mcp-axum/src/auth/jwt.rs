//! [`JwtVerifier`]: JWT bearer tokens checked against the issuer's keys.

use super::cache::TokenCache;
use super::config::AuthConfig;
use super::verifier::{AuthError, TokenVerifier, VerifyFuture, principal_of};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Refetch the issuer's keys for an unknown `kid` at most this often, by
/// default.
const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// How long a fetch of keys or metadata may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// One signing key and the one algorithm it may be used with.
struct Key {
    decoding: DecodingKey,
    algorithm: Algorithm,
}

/// Where the keys come from.
enum Keys {
    /// Given once (a shared secret, a JWKS in hand).
    Fixed(HashMap<Option<String>, Arc<Key>>),
    /// The issuer's JWKS, fetched on first use and again for an unknown
    /// `kid` (key rotation), at most every `refresh_every`.
    Remote {
        client: reqwest::Client,
        jwks_url: Mutex<Option<String>>,
        keys: RwLock<HashMap<Option<String>, Arc<Key>>>,
        last_fetch: tokio::sync::Mutex<Option<Instant>>,
    },
}

/// Checks JWTs: signature against the issuer's keys (RS256/384/512,
/// PS256/384/512, ES256/384, EdDSA; HS256 with a shared secret), each key
/// pinned to its algorithm (so `alg: none` and RS/HS confusion fail),
/// `iss` equal to the issuer, `aud` including this resource, `exp` and
/// `nbf` within the leeway, and a `sub`. Verified tokens are remembered
/// until they expire, so a client's repeated token costs a map lookup.
///
/// ```
/// use mcp_axum::auth::{AuthConfig, JwtVerifier};
///
/// let config = AuthConfig::new("https://id.example.com", "https://mcp.example.com/mcp");
/// // Keys from the issuer's metadata (or `config.jwks_url`), fetched on first use:
/// let verifier = JwtVerifier::new(&config);
/// // Or a shared secret (HS256), for development and tests:
/// let dev = JwtVerifier::with_secret(&config, b"a long random development secret");
/// # let _ = (verifier, dev);
/// ```
pub struct JwtVerifier {
    config: AuthConfig,
    keys: Keys,
    verified: TokenCache,
    refresh_every: Duration,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier").field("issuer", &self.config.issuer).finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// Keys from `config.jwks_url`, or from the issuer's metadata.
    pub fn new(config: &AuthConfig) -> Self {
        let client = reqwest::Client::builder().timeout(FETCH_TIMEOUT).build().unwrap_or_default();
        let keys = Keys::Remote {
            client,
            jwks_url: Mutex::new(config.jwks_url.clone()),
            keys: RwLock::default(),
            last_fetch: tokio::sync::Mutex::new(None),
        };
        Self::with_keys(config, keys)
    }

    /// HS256 tokens signed with `secret`.
    pub fn with_secret(config: &AuthConfig, secret: &[u8]) -> Self {
        let key = Key { decoding: DecodingKey::from_secret(secret), algorithm: Algorithm::HS256 };
        Self::with_keys(config, Keys::Fixed(HashMap::from([(None, Arc::new(key))])))
    }

    /// The public keys of `jwks` (keys it cannot use are skipped, logged).
    pub fn with_jwks(config: &AuthConfig, jwks: &JwkSet) -> Self {
        Self::with_keys(config, Keys::Fixed(keys_of(jwks)))
    }

    fn with_keys(config: &AuthConfig, keys: Keys) -> Self {
        Self {
            config: config.clone(),
            keys,
            verified: TokenCache::new(Duration::from_secs(300)),
            refresh_every: REFRESH_EVERY,
        }
    }

    /// A token signed with an unknown key makes the verifier refetch the
    /// issuer's keys (the issuer rotated them) at most once per `interval`
    /// (default 30 s), so that made-up key ids cannot flood the issuer.
    #[must_use]
    pub fn refresh_at_most_every(mut self, interval: Duration) -> Self {
        self.refresh_every = interval;
        self
    }

    async fn check(&self, token: &str) -> Result<mcp_core::auth::Principal, AuthError> {
        if let Some(principal) = self.verified.get(token.as_bytes()) {
            return Ok(principal);
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Invalid("the token is not a JWT with a supported algorithm".into()))?;
        let key = self.key(header.kid.as_deref()).await?;
        if header.alg != key.algorithm {
            return Err(AuthError::Invalid("the token's algorithm is not the one of its key".into()));
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[self.config.audience()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.config.leeway.as_secs();
        let data = jsonwebtoken::decode::<Value>(token, &key.decoding, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            let why = match e.kind() {
                K::ExpiredSignature => "the token has expired",
                K::ImmatureSignature => "the token is not valid yet",
                K::InvalidIssuer => "the token is from another issuer",
                K::InvalidAudience => "the token is for another audience",
                K::InvalidSignature => "the token's signature does not verify",
                K::MissingRequiredClaim(_) => "the token lacks a required claim (exp, iss, aud, sub)",
                _ => "the token cannot be verified",
            };
            AuthError::Invalid(why.into())
        })?;
        let expires = data.claims.get("exp").and_then(Value::as_u64);
        let principal = principal_of(data.claims)?;
        self.verified.put(token, &principal, expires);
        Ok(principal)
    }

    /// The key named `kid` (or the only key, for a token without one).
    async fn key(&self, kid: Option<&str>) -> Result<Arc<Key>, AuthError> {
        let unknown = || AuthError::Invalid("the token's signing key is unknown".into());
        match &self.keys {
            Keys::Fixed(keys) => find(keys, kid).ok_or_else(unknown),
            Keys::Remote { client, jwks_url, keys, last_fetch } => {
                if let Some(key) = find(&keys.read().unwrap_or_else(|p| p.into_inner()), kid) {
                    return Ok(key);
                }
                let mut last = last_fetch.lock().await;
                // Another request may have fetched the keys while this one waited.
                if let Some(key) = find(&keys.read().unwrap_or_else(|p| p.into_inner()), kid) {
                    return Ok(key);
                }
                if last.is_some_and(|at| at.elapsed() < self.refresh_every) {
                    return Err(unknown());
                }
                *last = Some(Instant::now());
                let fetched = self.fetch_keys(client, jwks_url).await?;
                let found = find(&fetched, kid);
                *keys.write().unwrap_or_else(|p| p.into_inner()) = fetched;
                found.ok_or_else(unknown)
            }
        }
    }

    async fn fetch_keys(
        &self,
        client: &reqwest::Client,
        jwks_url: &Mutex<Option<String>>,
    ) -> Result<HashMap<Option<String>, Arc<Key>>, AuthError> {
        let known = jwks_url.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let url = match known {
            Some(url) => url,
            None => {
                let url = discover_jwks_url(client, &self.config.issuer).await?;
                *jwks_url.lock().unwrap_or_else(|p| p.into_inner()) = Some(url.clone());
                url
            }
        };
        let jwks: JwkSet = get_json(client, &url).await?;
        Ok(keys_of(&jwks))
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        Box::pin(self.check(token))
    }

    fn cached(&self, token: &[u8]) -> Option<mcp_core::auth::Principal> {
        self.verified.get(token)
    }
}

fn find(keys: &HashMap<Option<String>, Arc<Key>>, kid: Option<&str>) -> Option<Arc<Key>> {
    match kid {
        Some(kid) => keys.get(&Some(kid.to_owned())).cloned(),
        None if keys.len() == 1 => keys.values().next().cloned(),
        None => None,
    }
}

/// The usable public keys of `jwks`, each with the one algorithm it allows.
fn keys_of(jwks: &JwkSet) -> HashMap<Option<String>, Arc<Key>> {
    jwks.keys
        .iter()
        .filter_map(|jwk| {
            let (Some(algorithm), Ok(decoding)) = (algorithm_of(jwk), DecodingKey::from_jwk(jwk)) else {
                tracing::warn!(kid = ?jwk.common.key_id, "a JWKS key of an unsupported type or algorithm is skipped");
                return None;
            };
            Some((jwk.common.key_id.clone(), Arc::new(Key { decoding, algorithm })))
        })
        .collect()
}

/// The algorithm a JWK is for: its `alg`, or its key type's usual one.
/// Symmetric keys never come from a JWKS.
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    let declared = jwk.common.key_algorithm.and_then(|a| a.to_string().parse::<Algorithm>().ok());
    let usual = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => Algorithm::ES256,
            EllipticCurve::P384 => Algorithm::ES384,
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
        AlgorithmParameters::OctetKey(_) => return None,
    };
    let algorithm = declared.unwrap_or(usual);
    let same_family = matches!(
        (&jwk.algorithm, algorithm),
        (
            AlgorithmParameters::RSA(_),
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
        ) | (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256 | Algorithm::ES384)
            | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
    );
    same_family.then_some(algorithm)
}

/// The `jwks_uri` of `issuer`'s metadata: RFC 8414 first, then OpenID
/// Connect discovery.
async fn discover_jwks_url(client: &reqwest::Client, issuer: &str) -> Result<String, AuthError> {
    let issuer = issuer.trim_end_matches('/');
    let (origin, path) = super::config::split_origin(issuer);
    let candidates = [
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{issuer}/.well-known/openid-configuration"),
    ];
    for url in candidates {
        if let Ok(metadata) = get_json::<Value>(client, &url).await {
            if let Some(jwks) = metadata.get("jwks_uri").and_then(Value::as_str) {
                return Ok(jwks.to_owned());
            }
        }
    }
    Err(AuthError::Unavailable(format!("no jwks_uri in the metadata of {issuer}")))
}

async fn get_json<T: serde::de::DeserializeOwned>(client: &reqwest::Client, url: &str) -> Result<T, AuthError> {
    let unavailable = |e: reqwest::Error| AuthError::Unavailable(format!("{url}: {e}"));
    let response = client.get(url).send().await.map_err(unavailable)?.error_for_status().map_err(unavailable)?;
    response.json().await.map_err(unavailable)
}
