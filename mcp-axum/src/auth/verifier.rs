//! [`TokenVerifier`]: turns a bearer token into a [`Principal`], or says
//! why it cannot.

use quickmcp::auth::Principal;
use std::future::Future;
use std::pin::Pin;

/// What [`TokenVerifier::verify`] returns.
pub type VerifyFuture<'a> = Pin<Box<dyn Future<Output = Result<Principal, AuthError>> + Send + 'a>>;

/// Checks bearer tokens: [`JwtVerifier`](super::JwtVerifier) for JWTs,
/// [`IntrospectionVerifier`](super::IntrospectionVerifier) for opaque
/// tokens (RFC 7662), or your own.
pub trait TokenVerifier: Send + Sync + 'static {
    /// The principal `token` stands for.
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a>;

    /// The principal of a token verified before and still valid, without
    /// waiting (the fast path of every request after a client's first);
    /// `None` sends the request to [`verify`](Self::verify). `token` is as
    /// the client sent it, not yet checked to be a well-formed token.
    fn cached(&self, _token: &[u8]) -> Option<Principal> {
        None
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// The token is malformed, expired, not yet valid, for another issuer
    /// or audience, badly signed or revoked (401, `invalid_token`). The
    /// reason goes to the client; it never contains the token.
    Invalid(String),
    /// The verifier could not decide: the issuer's keys or introspection
    /// endpoint did not answer (503).
    Unavailable(String),
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthError::Invalid(why) => write!(f, "invalid token: {why}"),
            AuthError::Unavailable(why) => write!(f, "cannot verify tokens now: {why}"),
        }
    }
}

impl std::error::Error for AuthError {}

/// The subject and scopes of verified `claims` (`sub`; `scope` as a
/// space-separated string, or `scp` as a list).
pub(crate) fn principal_of(claims: serde_json::Value) -> Result<Principal, AuthError> {
    let subject = claims.get("sub").and_then(|s| s.as_str()).unwrap_or_default().to_owned();
    if subject.is_empty() {
        return Err(AuthError::Invalid("the token has no subject".into()));
    }
    let scopes = match (claims.get("scope"), claims.get("scp")) {
        (Some(serde_json::Value::String(scope)), _) => scope.split_whitespace().map(str::to_owned).collect(),
        (_, Some(serde_json::Value::Array(list))) => {
            list.iter().filter_map(|s| s.as_str()).map(str::to_owned).collect()
        }
        _ => Vec::new(),
    };
    Ok(Principal::new(subject, scopes, claims))
}
