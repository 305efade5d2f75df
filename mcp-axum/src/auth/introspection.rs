//! [`IntrospectionVerifier`]: opaque tokens asked about at the
//! authorization server's introspection endpoint (RFC 7662).

use super::cache::TokenCache;
use super::verifier::{AuthError, TokenVerifier, VerifyFuture, principal_of};
use serde_json::Value;
use std::time::Duration;

/// Checks opaque tokens by asking the authorization server (RFC 7662):
/// `active` tokens whose audience includes `audience` (and, once
/// [`issuer`](Self::issuer) is set, whose answer names no other issuer)
/// become principals.
/// Answers are remembered for `cache_for` (default 60 s) or until the
/// token expires, so the endpoint is asked once per token, not per request.
///
/// ```
/// use quickmcp_axum::auth::IntrospectionVerifier;
///
/// let verifier = IntrospectionVerifier::new("https://id.example.com/oauth/introspect", "https://mcp.example.com/mcp")
///     .issuer("https://id.example.com")
///     .client_credentials("mcp-server", "its secret");
/// # let _ = verifier;
/// ```
pub struct IntrospectionVerifier {
    endpoint: String,
    audience: String,
    issuer: Option<String>,
    credentials: Option<(String, String)>,
    client: reqwest::Client,
    verified: TokenCache,
}

impl std::fmt::Debug for IntrospectionVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionVerifier").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl IntrospectionVerifier {
    /// Asks `endpoint` about tokens that must be meant for `audience`.
    pub fn new(endpoint: impl Into<String>, audience: impl Into<String>) -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap_or_default();
        Self {
            endpoint: endpoint.into(),
            audience: audience.into(),
            issuer: None,
            credentials: None,
            client,
            verified: TokenCache::new(Duration::from_secs(60)),
        }
    }

    /// Refuses tokens whose introspection answer names another issuer
    /// (its `iss`, when the answer has one, must be `issuer`): a token of
    /// another authorization server that the endpoint also knows is not
    /// one for this resource.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Authenticates to the endpoint with HTTP Basic client credentials.
    #[must_use]
    pub fn client_credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials = Some((id.into(), secret.into()));
        self
    }

    /// Remembers answers for at most `max_age`.
    #[must_use]
    pub fn cache_for(mut self, max_age: Duration) -> Self {
        self.verified = TokenCache::new(max_age);
        self
    }

    async fn check(&self, token: &str) -> Result<quickmcp::auth::Principal, AuthError> {
        if let Some(principal) = self.verified.get(token.as_bytes()) {
            return Ok(principal);
        }
        let mut request =
            self.client.post(&self.endpoint).form(&[("token", token), ("token_type_hint", "access_token")]);
        if let Some((id, secret)) = &self.credentials {
            request = request.basic_auth(id, Some(secret));
        }
        let unavailable = |e: reqwest::Error| AuthError::Unavailable(format!("introspection: {e}"));
        let answer: Value = request
            .send()
            .await
            .map_err(unavailable)?
            .error_for_status()
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        if answer.get("active").and_then(Value::as_bool) != Some(true) {
            return Err(AuthError::Invalid("the token is not active".into()));
        }
        let audience_ok = match answer.get("aud") {
            Some(Value::String(aud)) => *aud == self.audience,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(self.audience.as_str())),
            _ => false,
        };
        if !audience_ok {
            return Err(AuthError::Invalid("the token is for another audience".into()));
        }
        if let (Some(issuer), Some(iss)) = (&self.issuer, answer.get("iss"))
            && iss.as_str() != Some(issuer.as_str())
        {
            return Err(AuthError::Invalid("the token is from another issuer".into()));
        }
        let expires = answer.get("exp").and_then(Value::as_u64);
        let principal = principal_of(answer)?;
        self.verified.put(token, &principal, expires);
        Ok(principal)
    }
}

impl TokenVerifier for IntrospectionVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        Box::pin(self.check(token))
    }

    fn cached(&self, token: &[u8]) -> Option<quickmcp::auth::Principal> {
        self.verified.get(token)
    }
}
