//! [`JwtVerifier`]: JWT bearer tokens checked against the issuer's keys.

use super::cache::TokenCache;
use super::config::AuthConfig;
use super::jwks::{Key, KeyMap, RemoteKeys, find};
use super::verifier::{AuthError, TokenVerifier, VerifyFuture, principal_of};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Refetch the issuer's keys for an unknown `kid` at most this often, by
/// default.
const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// How long a fetch of keys or metadata may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the keys come from.
enum Keys {
    /// Given once (a shared secret, a JWKS in hand).
    Fixed(KeyMap),
    /// The issuer's JWKS, fetched on first use and again for an unknown
    /// `kid` (key rotation), at most every `refresh_every` (see
    /// [`RemoteKeys`]).
    Remote(RemoteKeys),
}

/// Checks JWTs: signature against the issuer's keys (RS256/384/512,
/// PS256/384/512, ES256/384, EdDSA; HS256 with a shared secret), each key
/// pinned to its algorithm (so `alg: none` and RS/HS confusion fail),
/// `iss` equal to the issuer, `aud` including this resource, `exp` and
/// `nbf` within the leeway, a `sub`, and a `typ` (header) that is an access
/// token's: untyped, `JWT` or `at+jwt`, never `id_token` or another
/// `…+jwt`; only `at+jwt` (RFC 9068) when
/// [`AuthConfig::require_at_jwt`] is set. Verified tokens are remembered
/// until they expire, so a client's repeated token costs a map lookup.
///
/// ```
/// use quickmcp_axum::auth::{AuthConfig, JwtVerifier};
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
        let keys = RemoteKeys::new(client, config.issuer.clone(), config.jwks_url.clone());
        Self::with_keys(config, Keys::Remote(keys))
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

    async fn check(&self, token: &str) -> Result<quickmcp::auth::Principal, AuthError> {
        if let Some(principal) = self.verified.get(token.as_bytes()) {
            return Ok(principal);
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Invalid("the token is not a JWT with a supported algorithm".into()))?;
        if !type_allowed(header.typ.as_deref(), self.config.require_at_jwt) {
            let why = match self.config.require_at_jwt {
                true => "the token is not typed at+jwt (an RFC 9068 access token)",
                false => "the token's type (typ) is not an access token's",
            };
            return Err(AuthError::Invalid(why.into()));
        }
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
        match &self.keys {
            Keys::Fixed(keys) => {
                find(keys, kid).ok_or_else(|| AuthError::Invalid("the token's signing key is unknown".into()))
            }
            Keys::Remote(remote) => remote.key(kid, self.refresh_every).await,
        }
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        Box::pin(self.check(token))
    }

    fn cached(&self, token: &[u8]) -> Option<quickmcp::auth::Principal> {
        self.verified.get(token)
    }
}

/// Whether a JWT whose header says `typ` may be an access token: with
/// RFC 9068 required, only `at+jwt`; else also an untyped one or `JWT`, but
/// never one typed as another kind of token (`id_token`, `logout+jwt`,
/// `dpop+jwt`, …). Compared as RFC 7515 says: any case, `application/`
/// optional.
fn type_allowed(typ: Option<&str>, require_at_jwt: bool) -> bool {
    let typ = typ.map(|t| t.get(..12).filter(|p| p.eq_ignore_ascii_case("application/")).map_or(t, |_| &t[12..]));
    let at_jwt = typ.is_some_and(|t| t.eq_ignore_ascii_case("at+jwt"));
    match require_at_jwt {
        true => at_jwt,
        false => at_jwt || typ.is_none_or(|t| t.eq_ignore_ascii_case("jwt")),
    }
}

/// The usable public keys of `jwks`, each with the one algorithm it allows.
pub(super) fn keys_of(jwks: &JwkSet) -> KeyMap {
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

#[cfg(test)]
mod tests {
    use super::type_allowed;

    #[test]
    fn access_tokens_are_told_from_other_jwts_by_their_type() {
        for typ in [None, Some("JWT"), Some("jwt"), Some("at+jwt"), Some("application/at+JWT"), Some("application/jwt")]
        {
            assert!(type_allowed(typ, false), "{typ:?}");
        }
        for typ in ["id_token", "logout+jwt", "dpop+jwt", "secevent+jwt", "application/id_token", "application/"] {
            assert!(!type_allowed(Some(typ), false), "{typ}");
        }
        assert!(type_allowed(Some("at+jwt"), true) && type_allowed(Some("Application/AT+JWT"), true));
        for typ in [None, Some("JWT"), Some("id_token")] {
            assert!(!type_allowed(typ, true), "{typ:?} with at+jwt required");
        }
    }
}
