//! An OAuth 2.1 resource server in front of the endpoint (feature `auth`),
//! per the MCP authorization specification, in both protocol eras:
//!
//! - `/.well-known/oauth-protected-resource` (and its form suffixed with
//!   the endpoint's path) publishes the protected-resource metadata
//!   (RFC 9728): the resource, its authorization servers, its scopes;
//! - every request to the endpoint needs `Authorization: Bearer <token>`:
//!   without one, 401 with `WWW-Authenticate: Bearer resource_metadata="…"`;
//!   with a bad one, 401 with `error="invalid_token"`;
//! - a valid token's [`Principal`](quickmcp::auth::Principal) is in the
//!   request's extensions: handlers take it as a parameter
//!   (`Principal`, `Claims<T>`), the server checks the scopes tools,
//!   resources and prompts declare (403 with `error="insufficient_scope"`
//!   for step-up), and a session is found only by the principal that
//!   opened it.
//!
//! Tokens are checked by a [`TokenVerifier`]: [`JwtVerifier`] (signatures
//! against the issuer's JWKS) or [`IntrospectionVerifier`] (RFC 7662).
//! They are never logged or passed on. For local development,
//! `Auth::development` (feature `dev-issuer`) serves a token issuer
//! beside the endpoint.
//!
//! ```
//! use quickmcp_axum::McpRouter;
//! use quickmcp_axum::auth::{Auth, AuthConfig, JwtVerifier};
//! use quickmcp::prelude::*;
//!
//! /// Deletes a note.
//! #[tool(scopes("notes:write"))]
//! async fn delete_note(id: u64) -> String {
//!     format!("deleted {id}")
//! }
//!
//! let config = AuthConfig::new("https://id.example.com", "https://mcp.example.com/mcp");
//! let auth = Auth::new(config.clone(), JwtVerifier::new(&config));
//! let server = Server::builder("notes", "1.0.0").tools(tools![delete_note]).build();
//! let app: axum::Router = McpRouter::new(server).auth(auth).into_router();
//! ```

mod bearer;
mod cache;
mod config;
#[cfg(feature = "dev-issuer")]
mod dev_issuer;
mod introspection;
mod jwks;
mod jwt;
mod metadata;
mod verifier;

pub use config::AuthConfig;
pub use introspection::IntrospectionVerifier;
pub use jwt::JwtVerifier;
pub use verifier::{AuthError, TokenVerifier, VerifyFuture};

pub(crate) use bearer::BearerLayer;
#[cfg(feature = "dev-issuer")]
pub(crate) use dev_issuer::routes as dev_issuer_routes;
pub(crate) use metadata::protected_resource;

use std::sync::Arc;

/// What protects an endpoint: its [`AuthConfig`] and the [`TokenVerifier`]
/// that checks tokens. Cheap to clone.
#[derive(Clone)]
pub struct Auth {
    pub(crate) config: Arc<AuthConfig>,
    pub(crate) verifier: Arc<dyn TokenVerifier>,
    /// The development issuer served beside the endpoint
    /// ([`Auth::development`]).
    #[cfg(feature = "dev-issuer")]
    pub(crate) dev_issuer: Option<Arc<dev_issuer::DevIssuer>>,
}

impl Auth {
    /// Tokens checked by `verifier`, for the resource `config` describes.
    pub fn new(config: AuthConfig, verifier: impl TokenVerifier) -> Self {
        Self {
            config: Arc::new(config),
            verifier: Arc::new(verifier),
            #[cfg(feature = "dev-issuer")]
            dev_issuer: None,
        }
    }

    /// JWTs from the issuer `MCP_AUTH_*` names (see [`AuthConfig::from_env`]);
    /// `Ok(None)` when `MCP_AUTH_ISSUER` is not set.
    pub fn from_env() -> Result<Option<Self>, String> {
        Ok(AuthConfig::from_env()?.map(|config| {
            let verifier = JwtVerifier::new(&config);
            Self::new(config, verifier)
        }))
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Advertises `scopes` in the protected-resource metadata and in 401
    /// challenges (what [`AuthConfig::scopes_supported`] and
    /// `MCP_AUTH_SCOPES` set), typically the scopes your tools declare.
    #[must_use]
    pub fn scopes_supported<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        Arc::make_mut(&mut self.config).scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").field("config", &self.config).finish_non_exhaustive()
    }
}
