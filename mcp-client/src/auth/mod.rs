//! Authorization for HTTP servers: an OAuth 2.1 client that does what the
//! MCP authorization specification asks of one, and the hook the HTTP
//! transport calls.
//!
//! The transport knows nothing of OAuth: it asks an [`Authorizer`] for the
//! headers of each request and tells it when the server refused one (401 or
//! 403). [`OAuth`] is the authorizer that, on a refusal, discovers where the
//! server's authorization server is, registers the client, runs a
//! [`Grant`] (the authorization code flow by default) and keeps the tokens
//! in a [`TokenStore`].
//!
//! One file per step:
//! - [`challenge`]: the `WWW-Authenticate` header;
//! - [`metadata`]: protected-resource and authorization-server metadata;
//! - [`discovery`]: where those documents are, and fetching them;
//! - [`registration`]: pre-registered clients, client ID metadata
//!   documents and dynamic client registration;
//! - [`pkce`]: PKCE S256 and the `state` value;
//! - [`token`]: the token endpoint (client authentication, refresh);
//! - [`grant`]: how a token is obtained ([`AuthorizationCode`] is one way);
//! - [`callback`]: the user's step (a browser, or a headless fetch);
//! - [`store`]: where tokens and registrations are kept;
//! - [`proof`]: per-request proofs (the hook for DPoP);
//! - [`flow`]: [`OAuth`], which ties them together ([`OAuthBuilder`] sets it up).
//!
//! And the extensions (the `ext-auth` specifications):
//! - `dpop`: DPoP proofs (RFC 9449), a [`Proof`](proof::Proof) (feature `jwt`, default);
//! - `assertion`: JWT client authentication (`private_key_jwt`, RFC 7523;
//!   feature `jwt`);
//! - [`grants`]: tokens without a user, each a [`Grant`]: client
//!   credentials, workload identity (JWT bearer), enterprise-managed
//!   authorization (an ID-JAG from the enterprise IdP).
//!
//! Every document read from an authorization or resource server is bounded
//! in size ([`MAX_AUTH_BODY`]) and time ([`AUTH_TIMEOUT`]).
//!
//! Other ways to get a token plug in without touching the flow: a
//! [`Grant`] whose [`needs_client`](Grant::needs_client) is `false`
//! authenticates itself (an assertion in its form) and posts through
//! [`GrantContext::token_endpoint`]; one that needs the client gets the
//! registered or pre-registered one. Sender-constrained tokens implement
//! [`proof::Proof`]: its header goes on every token request and every
//! request to the MCP server (both made in one place each:
//! [`token::TokenEndpoint::request`] and the flow's `present`), and a
//! `use_dpop_nonce` answer is retried once its nonce is noted.

#[cfg(feature = "jwt")]
pub mod assertion;
mod builder;
pub mod callback;
pub mod challenge;
pub mod discovery;
#[cfg(feature = "jwt")]
pub mod dpop;
pub mod flow;
pub mod grant;
pub mod grants;
pub mod metadata;
pub mod pkce;
pub mod proof;
pub mod registration;
pub mod store;
pub mod token;

mod bounded;

#[cfg(feature = "jwt")]
pub use assertion::ClientAssertion;
pub use bounded::{AUTH_TIMEOUT, MAX_AUTH_BODY};
pub use builder::OAuthBuilder;
pub use callback::{AuthorizationCallback, FetchRedirect, LoopbackRedirect};
#[cfg(feature = "jwt")]
pub use dpop::{Dpop, DpopKey};
pub use flow::OAuth;
pub use grant::{AuthorizationCode, Grant, GrantContext};
pub use grants::{Assertion, ClientAuth, IdentityProvider, MachineGrant};
pub use registration::{ClientCredentials, ClientMetadata};
pub use store::{FileStore, MemoryStore, TokenStore, Tokens};

use crate::error::ClientError;
use futures_util::future::BoxFuture;
use reqwest::header::HeaderMap;

/// A request the server refused with 401 or 403.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The URL of the refused request.
    pub url: String,
    /// 401 or 403.
    pub status: u16,
    /// The response's headers (`WWW-Authenticate`, `DPoP-Nonce`).
    pub headers: HeaderMap,
    /// The authorization headers the request carried (empty: none), so a
    /// refusal of credentials that were replaced meanwhile only retries.
    pub sent: HeaderMap,
}

/// What the HTTP transport asks of an authorization scheme.
///
/// The transport calls [`headers`](Authorizer::headers) before every
/// request and, when the server answers 401 or 403,
/// [`refused`](Authorizer::refused); `Ok` there means "new credentials are
/// ready, send it again". The transport retries a request at most
/// [`MAX_REFUSALS`] times.
pub trait Authorizer: Send + Sync + 'static {
    /// The headers that authorize a `method` request to `url`
    /// (`Authorization`, and any proof such as `DPoP`); empty when there are
    /// no credentials yet.
    fn headers<'a>(&'a self, method: &'a str, url: &'a str) -> BoxFuture<'a, Result<HeaderMap, ClientError>>;

    /// The server refused a request: obtain credentials that may succeed,
    /// or fail with the reason the request cannot be authorized.
    fn refused<'a>(&'a self, refusal: &'a Refusal) -> BoxFuture<'a, Result<(), ClientError>>;
}

/// An authorizer a [`ClientBuilder`](crate::ClientBuilder) holds until it connects.
#[derive(Clone)]
pub(crate) struct SharedAuthorizer(pub(crate) std::sync::Arc<dyn Authorizer>);

impl std::fmt::Debug for SharedAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authorizer")
    }
}

/// Times one request is sent again after a refusal (401/403) before it
/// fails: enough for a login, a step-up and a nonce, not a loop.
pub const MAX_REFUSALS: usize = 3;

/// A fixed `Authorization` header: a token from an environment variable or
/// a secret store, no OAuth. Its `Debug` leaves the token out.
#[derive(Clone)]
pub struct StaticToken(pub String);

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken(…)")
    }
}

impl Authorizer for StaticToken {
    fn headers<'a>(&'a self, _: &'a str, _: &'a str) -> BoxFuture<'a, Result<HeaderMap, ClientError>> {
        Box::pin(async move {
            let mut headers = HeaderMap::new();
            let value = format!("Bearer {}", self.0)
                .parse()
                .map_err(|_| ClientError::Auth("the token is not a valid header value".into()))?;
            headers.insert(reqwest::header::AUTHORIZATION, value);
            Ok(headers)
        })
    }

    fn refused<'a>(&'a self, refusal: &'a Refusal) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move { Err(ClientError::Auth(format!("the server refused the token ({})", refusal.status))) })
    }
}
