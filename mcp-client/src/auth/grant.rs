//! How a token is obtained once the authorization server is known: a
//! [`Grant`]. [`AuthorizationCode`] (with PKCE, the user's consent through
//! an [`AuthorizationCallback`]) is the MCP default; other grants (client
//! credentials, token exchange, JWT bearer) implement the same trait and
//! post to the same [`TokenEndpoint`].

use super::callback::AuthorizationCallback;
use super::metadata::AuthorizationServerMetadata;
use super::pkce::{Pkce, random};
use super::proof::Proof;
use super::registration::ClientCredentials;
use super::store::Tokens;
use super::token::TokenEndpoint;
use crate::error::ClientError;
use futures_util::future::BoxFuture;
use std::sync::Arc;

/// What a grant works with: the authorization server, the client, the
/// resource and the scope the flow chose.
pub struct GrantContext<'a> {
    /// The HTTP client for authorization requests (bounded, no redirects).
    pub http: &'a reqwest::Client,
    /// The authorization server.
    pub server: &'a AuthorizationServerMetadata,
    /// Whether `server` was read from its metadata (`false`: the endpoints
    /// a server without metadata has by convention).
    pub discovered: bool,
    /// The MCP server's resource identifier (RFC 8707 `resource`), exactly
    /// as its metadata published it.
    pub resource: Option<&'a str>,
    /// The scope to ask for (`None`: omit the parameter).
    pub scope: Option<&'a str>,
    /// The client registered with `server`, when the grant needs one.
    pub client: Option<&'a ClientCredentials>,
    /// The proof of possession, if tokens are sender-constrained.
    pub proof: Option<&'a dyn Proof>,
}

impl GrantContext<'_> {
    /// The token endpoint, authenticated as [`client`](Self::client).
    pub fn token_endpoint(&self) -> TokenEndpoint<'_> {
        TokenEndpoint { http: self.http, server: self.server, client: self.client, proof: self.proof }
    }
}

/// A way to obtain tokens from an authorization server.
pub trait Grant: Send + Sync + 'static {
    /// Whether the flow must register the client (or find its registration)
    /// before [`obtain`](Grant::obtain).
    fn needs_client(&self) -> bool {
        true
    }

    /// Whether it asks for `offline_access` (a refresh token) when the
    /// server offers it.
    fn wants_refresh(&self) -> bool {
        false
    }

    /// Obtains tokens.
    fn obtain<'a>(&'a self, context: &'a GrantContext<'a>) -> BoxFuture<'a, Result<Tokens, ClientError>>;
}

/// The authorization code grant with PKCE S256: the user approves at the
/// authorization endpoint, the code comes back on the redirect URI.
pub struct AuthorizationCode {
    callback: Arc<dyn AuthorizationCallback>,
    redirect_uri: String,
}

impl AuthorizationCode {
    /// The grant with the user's step `callback`, redirecting to `redirect_uri`.
    pub fn new(callback: impl AuthorizationCallback, redirect_uri: impl Into<String>) -> Self {
        Self { callback: Arc::new(callback), redirect_uri: redirect_uri.into() }
    }

    fn authorization_url(&self, context: &GrantContext<'_>, pkce: &Pkce, state: &str) -> Result<String, ClientError> {
        let server = context.server;
        let endpoint = server.authorization_endpoint.as_deref().ok_or_else(|| {
            ClientError::Auth(format!("the authorization server {} has no authorization endpoint", server.issuer))
        })?;
        let client = context.client.ok_or_else(|| ClientError::Auth("no client to authorize".into()))?;
        let mut url = reqwest::Url::parse(endpoint)
            .map_err(|e| ClientError::Auth(format!("the authorization endpoint {endpoint:?}: {e}")))?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &client.client_id)
                .append_pair("redirect_uri", &self.redirect_uri)
                .append_pair("state", state)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", Pkce::METHOD);
            if let Some(scope) = context.scope {
                query.append_pair("scope", scope);
            }
            if let Some(resource) = context.resource {
                query.append_pair("resource", resource);
            }
        }
        Ok(url.to_string())
    }
}

impl Grant for AuthorizationCode {
    fn wants_refresh(&self) -> bool {
        true
    }

    fn obtain<'a>(&'a self, context: &'a GrantContext<'a>) -> BoxFuture<'a, Result<Tokens, ClientError>> {
        Box::pin(async move {
            let server = context.server;
            if context.discovered
                && AuthorizationServerMetadata::lists(&server.code_challenge_methods_supported, Pkce::METHOD)
                    != Some(true)
            {
                return Err(ClientError::Auth(format!(
                    "the authorization server {} does not advertise PKCE S256 (code_challenge_methods_supported)",
                    server.issuer
                )));
            }
            let (pkce, state) = (Pkce::new(), random(24));
            let url = self.authorization_url(context, &pkce, &state)?;
            let redirect = self.callback.authorize(url).await?;
            let code = check_redirect(&redirect, &state, server)?;
            let mut form = vec![
                ("grant_type".to_owned(), "authorization_code".to_owned()),
                ("code".to_owned(), code),
                ("redirect_uri".to_owned(), self.redirect_uri.clone()),
                ("code_verifier".to_owned(), pkce.verifier),
            ];
            if let Some(resource) = context.resource {
                form.push(("resource".into(), resource.to_owned()));
            }
            let mut tokens = context.token_endpoint().request(form).await?;
            if tokens.scope.is_none() {
                tokens.scope = context.scope.map(str::to_owned);
            }
            Ok(tokens)
        })
    }
}

/// The code of an authorization response, once its `state` matches the
/// request's and its `iss` the server's (RFC 9207: compared as strings,
/// required when the server advertises it, checked whenever present).
pub fn check_redirect(
    redirect: &str,
    state: &str,
    server: &AuthorizationServerMetadata,
) -> Result<String, ClientError> {
    let url = reqwest::Url::parse(redirect)
        .map_err(|e| ClientError::Auth(format!("the redirect {redirect:?} is not a URL: {e}")))?;
    let param = |name: &str| url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned());
    if let Some(error) = param("error") {
        let description = param("error_description").unwrap_or_default();
        return Err(ClientError::Auth(format!("the authorization server refused: {error} {description}")));
    }
    if param("state").as_deref() != Some(state) {
        return Err(ClientError::Auth("the authorization response's state does not match the request's".into()));
    }
    match param("iss") {
        Some(iss) if iss != server.issuer => {
            return Err(ClientError::Auth(format!(
                "the authorization response comes from {iss:?}, not from the issuer {:?} (RFC 9207)",
                server.issuer
            )));
        }
        None if server.authorization_response_iss_parameter_supported == Some(true) => {
            return Err(ClientError::Auth(format!(
                "the authorization response has no iss, though {} advertises it (RFC 9207)",
                server.issuer
            )));
        }
        _ => {}
    }
    param("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ClientError::Auth("the authorization response has no code".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(iss_supported: Option<bool>) -> AuthorizationServerMetadata {
        AuthorizationServerMetadata {
            issuer: "https://auth.example.com".into(),
            authorization_response_iss_parameter_supported: iss_supported,
            ..Default::default()
        }
    }

    #[test]
    fn state_and_iss_are_checked_as_strings() {
        let ok = "http://127.0.0.1/cb?code=c&state=s&iss=https%3A%2F%2Fauth.example.com";
        assert_eq!(check_redirect(ok, "s", &server(Some(true))).unwrap(), "c");
        assert!(check_redirect(ok, "other", &server(Some(true))).is_err(), "state");
        let slash = "http://127.0.0.1/cb?code=c&state=s&iss=https%3A%2F%2Fauth.example.com%2F";
        assert!(check_redirect(slash, "s", &server(Some(true))).is_err(), "no normalisation");
        let upper = "http://127.0.0.1/cb?code=c&state=s&iss=https%3A%2F%2FAUTH.example.com";
        assert!(check_redirect(upper, "s", &server(None)).is_err(), "present iss is compared even unadvertised");
        let missing = "http://127.0.0.1/cb?code=c&state=s";
        assert!(check_redirect(missing, "s", &server(Some(true))).is_err(), "required when advertised");
        assert_eq!(check_redirect(missing, "s", &server(None)).unwrap(), "c");
        let refused = "http://127.0.0.1/cb?error=access_denied&state=s";
        assert!(check_redirect(refused, "s", &server(None)).unwrap_err().to_string().contains("access_denied"));
    }
}
