//! [`OAuth`]: the authorizer that runs the MCP authorization flow when a
//! server refuses a request.
//!
//! On a 401: read the challenge, discover the protected-resource metadata
//! (and check its `resource` stands for this server), then the
//! authorization server's metadata (its `issuer` checked); refresh the
//! token if the same server issued one with a refresh token; else find or
//! make the client's registration with that server and run the grant. On
//! a 403 `insufficient_scope`: the same, asking for the scopes held so far
//! plus the challenged ones (step-up). The transport gives up after
//! [`MAX_REFUSALS`](super::MAX_REFUSALS) refusals of one request.

use super::builder::OAuthBuilder;
use super::challenge::{self, Challenge};
use super::discovery;
use super::grant::{Grant, GrantContext};
use super::metadata::AuthorizationServerMetadata;
use super::proof::Proof;
use super::registration::{self, ClientCredentials, ClientMetadata};
use super::store::{TokenStore, Tokens};
use super::token::TokenEndpoint;
use super::{Authorizer, Refusal};
use crate::error::ClientError;
use futures_util::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use std::sync::Arc;

/// The OAuth 2.1 client of the MCP authorization specification, for one
/// MCP server (one `OAuth` per server; a [`TokenStore`] may be shared).
///
/// ```no_run
/// use quickmcp_client::auth::{ClientMetadata, FetchRedirect, FileStore, OAuth};
///
/// # async fn run() -> Result<(), quickmcp_client::ClientError> {
/// let oauth = OAuth::builder()
///     .client_metadata(ClientMetadata { client_name: "my-agent".into(), ..ClientMetadata::default() })
///     .on_authorize(FetchRedirect::default())
///     .store(FileStore::new("tokens.json"))
///     .build();
/// let client = quickmcp_client::Client::builder().authorizer(oauth).connect_http("https://mcp.example.com/mcp").await?;
/// # let _ = client; Ok(()) }
/// ```
pub struct OAuth {
    pub(super) http: reqwest::Client,
    pub(super) store: Arc<dyn TokenStore>,
    pub(super) grant: Option<Arc<dyn Grant>>,
    pub(super) metadata: ClientMetadata,
    pub(super) pre_registered: Option<(ClientCredentials, Option<String>)>,
    pub(super) metadata_document: Option<String>,
    pub(super) scope: Option<String>,
    pub(super) proof: Option<Arc<dyn Proof>>,
    pub(super) state: tokio::sync::Mutex<State>,
}

/// What the flow has learnt about the one server it authorizes for.
#[derive(Default)]
pub(super) struct State {
    loaded: bool,
    tokens: Option<Tokens>,
    /// The authorization server, and whether it came from its metadata.
    server: Option<(AuthorizationServerMetadata, bool)>,
    /// The protected-resource metadata's `resource`.
    resource: Option<String>,
    /// The client the tokens were issued to.
    client: Option<ClientCredentials>,
}

/// The outcome of a grant or a refresh.
struct Kept {
    tokens: Tokens,
    server: AuthorizationServerMetadata,
    discovered: bool,
    resource: Option<String>,
    client: Option<ClientCredentials>,
}

impl OAuth {
    /// Sets one up.
    pub fn builder() -> OAuthBuilder {
        OAuthBuilder::default()
    }

    /// Logs in to the MCP server at `url` now, as if it had refused a
    /// request (a command-line `login`), unless tokens are kept for it.
    pub async fn login(&self, url: &str) -> Result<(), ClientError> {
        let sent = self.headers("POST", url).await?;
        if sent.contains_key(AUTHORIZATION) {
            return Ok(());
        }
        let refusal = Refusal { url: url.to_owned(), status: 401, headers: HeaderMap::new(), sent };
        self.refused(&refusal).await
    }

    /// The headers that present `tokens` on a `method` request to `url`.
    fn present(&self, tokens: &Tokens, method: &str, url: &str) -> Result<HeaderMap, ClientError> {
        let mut headers = HeaderMap::new();
        let proof = self.proof.as_deref().filter(|p| tokens.token_type.eq_ignore_ascii_case(p.token_type()));
        let scheme = match proof {
            Some(proof) => {
                let value = proof.proof(method, url, Some(&tokens.access_token))?;
                headers.insert(proof.header(), header_value(&value)?);
                proof.token_type()
            }
            None => "Bearer",
        };
        headers.insert(AUTHORIZATION, header_value(&format!("{scheme} {}", tokens.access_token))?);
        Ok(headers)
    }

    /// Runs discovery and the grant for `url`, after `refusal`.
    async fn authorize(&self, state: &mut State, refusal: &Refusal, challenge: &Challenge) -> Result<(), ClientError> {
        let url = refusal.url.as_str();
        let resource_metadata =
            discovery::fetch_protected_resource(&self.http, url, challenge.resource_metadata()).await?;
        let issuer = match &resource_metadata {
            Some(metadata) => {
                if !discovery::resource_matches(&metadata.resource, url) {
                    return Err(ClientError::Auth(format!(
                        "the protected-resource metadata is for {:?}, not for {url}",
                        metadata.resource
                    )));
                }
                metadata.authorization_servers.first().cloned().ok_or_else(|| {
                    ClientError::Auth("the protected-resource metadata names no authorization server".into())
                })?
            }
            // 2025-03-26: the MCP server's origin is its authorization server.
            None => discovery::origin_of(url)?,
        };
        let (server, discovered) = match discovery::fetch_authorization_server(&self.http, &issuer).await? {
            Some(server) => (server, true),
            None if resource_metadata.is_none() => (AuthorizationServerMetadata::fallback(&issuer), false),
            None => return Err(ClientError::Auth(format!("the authorization server {issuer} publishes no metadata"))),
        };
        let endpoints = [Some(&server.issuer), server.authorization_endpoint.as_ref(), server.token_endpoint.as_ref()];
        let registration = server.registration_endpoint.as_ref();
        if let Some(insecure) = endpoints.into_iter().chain([registration]).flatten().find(|u| !discovery::is_secure(u))
        {
            return Err(ClientError::Auth(format!(
                "the authorization server's {insecure} is neither HTTPS nor on this machine: no credentials go there"
            )));
        }
        let resource = resource_metadata.as_ref().map(|m| m.resource.clone());
        let step_up = refusal.status == 403;
        let mut scope = self
            .scope
            .clone()
            .or_else(|| challenge.scope().map(str::to_owned))
            .or_else(|| resource_metadata.as_ref().and_then(|m| m.scopes_supported.as_ref()).map(|s| s.join(" ")))
            .filter(|s| !s.trim().is_empty());
        if step_up {
            // The scopes held, plus the challenged ones (whatever was configured).
            let held = state.tokens.as_ref().and_then(|t| t.scope.clone());
            let wanted = union(scope.as_deref(), challenge.scope());
            scope = union(held.as_deref(), wanted.as_deref());
        }
        let grant = self.grant.clone().ok_or_else(|| {
            ClientError::Auth("the server needs authorization and no grant or authorization callback is set".into())
        })?;
        if grant.wants_refresh()
            && AuthorizationServerMetadata::lists(&server.scopes_supported, "offline_access") == Some(true)
        {
            scope = scope.map(|scope| union(Some(&scope), Some("offline_access")).unwrap_or(scope));
        }
        // A token refused (not short of scope) by the server that issued it: refresh it.
        if let Some(tokens) =
            state.tokens.as_ref().filter(|t| !step_up && t.issuer == server.issuer && t.refresh_token.is_some())
        {
            let client = match state.client.clone() {
                Some(client) => Some(client),
                None => self.known_client(&server).await?,
            };
            let refreshed = self.endpoint(&server, client.as_ref()).refresh(tokens, resource.as_deref()).await;
            if let Ok(fresh) = refreshed {
                let kept = Kept { tokens: fresh, server, discovered, resource, client };
                return self.keep(state, url, kept).await;
            }
        }
        let client = match grant.needs_client() {
            true => Some(self.client_for(&server, scope.as_deref()).await?),
            false => None,
        };
        let context = GrantContext {
            http: &self.http,
            server: &server,
            discovered,
            resource: resource.as_deref(),
            scope: scope.as_deref(),
            client: client.as_ref(),
            proof: self.proof.as_deref(),
        };
        let tokens = grant.obtain(&context).await?;
        self.keep(state, url, Kept { tokens, server, discovered, resource, client }).await
    }

    /// Keeps what a grant or a refresh gave, in the state and the store.
    async fn keep(&self, state: &mut State, url: &str, kept: Kept) -> Result<(), ClientError> {
        self.store.set_tokens(url, Some(kept.tokens.clone())).await?;
        state.tokens = Some(kept.tokens);
        state.server = Some((kept.server, kept.discovered));
        state.resource = kept.resource;
        state.client = kept.client;
        Ok(())
    }

    fn endpoint<'a>(
        &'a self,
        server: &'a AuthorizationServerMetadata,
        client: Option<&'a ClientCredentials>,
    ) -> TokenEndpoint<'a> {
        TokenEndpoint { http: &self.http, server, client, proof: self.proof.as_deref() }
    }

    /// The client's identity at `server`: kept from an earlier
    /// registration, given beforehand, its metadata document's URL, or a
    /// dynamic registration — in that order.
    async fn client_for(
        &self,
        server: &AuthorizationServerMetadata,
        scope: Option<&str>,
    ) -> Result<ClientCredentials, ClientError> {
        if let Some(client) = self.known_client(server).await? {
            return Ok(client);
        }
        let client = registration::register(&self.http, server, &self.metadata, scope).await?;
        self.store.set_client(&server.issuer, client.clone()).await?;
        Ok(client)
    }

    /// The client's identity at `server` without registering: kept from an
    /// earlier registration, given beforehand, or its metadata document's URL.
    async fn known_client(
        &self,
        server: &AuthorizationServerMetadata,
    ) -> Result<Option<ClientCredentials>, ClientError> {
        if let Some(client) = self.store.client(&server.issuer).await? {
            return Ok(Some(client));
        }
        let given =
            self.pre_registered.as_ref().filter(|(_, issuer)| issuer.as_deref().is_none_or(|i| i == server.issuer));
        if let Some((client, _)) = given {
            return Ok(Some(client.clone()));
        }
        // A client ID metadata document is an HTTPS URL with a path.
        let document = self.metadata_document.as_ref().filter(|url| {
            server.client_id_metadata_document_supported == Some(true)
                && url.strip_prefix("https://").is_some_and(|rest| rest.trim_end_matches('/').contains('/'))
        });
        Ok(document.map(|url| ClientCredentials::public(url.clone())))
    }
}

impl Authorizer for OAuth {
    fn headers<'a>(&'a self, method: &'a str, url: &'a str) -> BoxFuture<'a, Result<HeaderMap, ClientError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            if !state.loaded {
                state.tokens = self.store.tokens(url).await?;
                state.loaded = true;
            }
            let expired = state.tokens.as_ref().is_some_and(|t| t.expired() && t.refresh_token.is_some());
            let server = state.server.clone().filter(|_| expired);
            if let Some((server, _)) = server {
                let client = state.client.clone();
                let old = state.tokens.clone();
                let fresh = match &old {
                    Some(tokens) => {
                        self.endpoint(&server, client.as_ref()).refresh(tokens, state.resource.as_deref()).await.ok()
                    }
                    None => None,
                };
                self.store.set_tokens(url, fresh.clone()).await?;
                state.tokens = fresh;
            }
            match &state.tokens {
                Some(tokens) => self.present(tokens, method, url),
                None => Ok(HeaderMap::new()),
            }
        })
    }

    fn refused<'a>(&'a self, refusal: &'a Refusal) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            let challenges = challenge::from_headers(&refusal.headers);
            let oauth = challenges.iter().find(|c| c.scheme == "bearer" || c.scheme == "dpop");
            if let (None, Some(other)) = (oauth, challenges.first()) {
                return Err(ClientError::Auth(format!(
                    "the server asks for {} authorization, not an OAuth token",
                    other.scheme
                )));
            }
            let challenge = oauth.cloned().unwrap_or_default();
            if challenge.error() == Some("use_dpop_nonce")
                && self.proof.as_ref().is_some_and(|p| p.note_nonce(&refusal.url, &refusal.headers))
            {
                return Ok(());
            }
            // Credentials replaced since this request left: just send it again.
            let sent = refusal.sent.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.split_once(' '));
            let current = state.tokens.as_ref().map(|t| t.access_token.as_str());
            if current.is_some() && current != sent.map(|(_, token)| token) {
                return Ok(());
            }
            if refusal.status == 403 && challenge.error() != Some("insufficient_scope") {
                return Err(ClientError::Auth(format!(
                    "the server refused the request (403 {})",
                    challenge.error().unwrap_or("forbidden")
                )));
            }
            self.authorize(&mut state, refusal, &challenge).await
        })
    }
}

/// The scopes of `a` and `b`, each once, `a`'s first.
fn union(a: Option<&str>, b: Option<&str>) -> Option<String> {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in a.into_iter().chain(b).flat_map(str::split_whitespace) {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    (!scopes.is_empty()).then(|| scopes.join(" "))
}

fn header_value(value: &str) -> Result<HeaderValue, ClientError> {
    HeaderValue::from_str(value).map_err(|_| ClientError::Auth("a credential cannot be sent in a header".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_up_keeps_the_scopes_held() {
        assert_eq!(union(Some("mcp:basic"), Some("mcp:write mcp:basic")).as_deref(), Some("mcp:basic mcp:write"));
        assert_eq!(union(None, None), None);
        assert_eq!(union(Some(" "), Some("a")).as_deref(), Some("a"));
    }
}
