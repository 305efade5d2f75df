//! Grants without a user at a browser, for machine-to-machine clients:
//! - client credentials (OAuth 2.1 §4.2), the client authenticating with a
//!   secret or a signed JWT (SEP-1046);
//! - the JWT-bearer grant (RFC 7523 §2.1) with a workload identity token,
//!   e.g. a Kubernetes or cloud identity JWT (workload identity
//!   federation, SEP-1933);
//! - enterprise-managed authorization (SEP-990): the user's ID token is
//!   exchanged at the enterprise IdP for an identity assertion grant
//!   (ID-JAG, RFC 8693), which the JWT-bearer grant turns into an access
//!   token at the MCP server's authorization server.
//!
//! Each is a [`MachineGrant`]; [`MachineGrant::obtain`] runs it against
//! an authorization server the client discovered.

mod enterprise;
mod token_endpoint;

pub use enterprise::{ID_JAG, IdentityProvider};
pub use token_endpoint::{ClientAuth, MAX_TOKEN_RESPONSE, TOKEN_TIMEOUT, TokenEndpoint, TokenResponse};

use crate::auth::dpop::Dpop;
use crate::error::ClientError;
use std::path::PathBuf;

/// The `grant_type` of the JWT-bearer grant (RFC 7523 §2.1).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The largest assertion file read.
const MAX_ASSERTION: u64 = 64 * 1024;

/// Where a JWT-bearer assertion comes from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Assertion {
    /// This JWT.
    Jwt(String),
    /// The JWT in this file, read again for every token request: platforms
    /// rotate workload tokens in place (Kubernetes projected tokens,
    /// `AZURE_FEDERATED_TOKEN_FILE`, …).
    File(PathBuf),
}

impl Assertion {
    async fn read(&self) -> Result<String, ClientError> {
        match self {
            Self::Jwt(jwt) => Ok(jwt.clone()),
            Self::File(path) => {
                let why = |e: &dyn std::fmt::Display| ClientError::Auth(format!("reading {}: {e}", path.display()));
                let size = tokio::fs::metadata(path).await.map_err(|e| why(&e))?.len();
                if size > MAX_ASSERTION {
                    return Err(why(&format!("an assertion over {MAX_ASSERTION} bytes")));
                }
                Ok(tokio::fs::read_to_string(path).await.map_err(|e| why(&e))?.trim().to_owned())
            }
        }
    }
}

/// How a client gets a token by itself.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum MachineGrant {
    /// `client_credentials`, authenticated by `auth` (a secret or a JWT).
    ClientCredentials {
        /// The client's authentication.
        auth: ClientAuth,
    },
    /// The JWT-bearer grant with a workload identity `assertion`.
    JwtBearer {
        /// The workload's JWT, whose audience is the authorization server.
        assertion: Assertion,
        /// The client's authentication (often `ClientAuth::None`).
        auth: ClientAuth,
    },
    /// Enterprise-managed authorization: an ID-JAG from `idp`, then the
    /// JWT-bearer grant authenticated by `auth`.
    EnterpriseManaged {
        /// The enterprise identity provider and the user's ID token.
        idp: IdentityProvider,
        /// The client's authentication at the MCP authorization server.
        auth: ClientAuth,
    },
}

/// The authorization server and resource a token is asked for.
#[derive(Clone, Copy, Debug)]
pub struct TokenTarget<'a> {
    /// The authorization server's issuer identifier.
    pub issuer: &'a str,
    /// Its token endpoint.
    pub token_endpoint: &'a str,
    /// The MCP server's resource identifier (RFC 8707), as its protected
    /// resource metadata publishes it.
    pub resource: Option<&'a str>,
    /// The scopes to ask for, space-separated.
    pub scope: Option<&'a str>,
    /// The client's DPoP key, when its tokens are bound.
    pub dpop: Option<&'a Dpop>,
}

impl MachineGrant {
    /// The grant's client authentication at the MCP authorization server.
    pub fn auth(&self) -> &ClientAuth {
        match self {
            Self::ClientCredentials { auth } | Self::JwtBearer { auth, .. } | Self::EnterpriseManaged { auth, .. } => {
                auth
            }
        }
    }

    /// Runs the grant and returns the access token. A refusal is returned
    /// as it is: these grants are not retried, nor replaced by another.
    pub async fn obtain(&self, http: &reqwest::Client, target: TokenTarget<'_>) -> Result<TokenResponse, ClientError> {
        let mut form: Vec<(&'static str, String)> = Vec::new();
        match self {
            Self::ClientCredentials { .. } => form.push(("grant_type", "client_credentials".into())),
            Self::JwtBearer { assertion, .. } => {
                form.push(("grant_type", JWT_BEARER_GRANT.into()));
                form.push(("assertion", assertion.read().await?));
            }
            Self::EnterpriseManaged { idp, .. } => {
                let id_jag = idp.exchange(http, target).await?;
                form.push(("grant_type", JWT_BEARER_GRANT.into()));
                form.push(("assertion", id_jag));
            }
        }
        if let Some(scope) = target.scope.filter(|s| !s.is_empty()) {
            form.push(("scope", scope.to_owned()));
        }
        if let Some(resource) = target.resource {
            form.push(("resource", resource.to_owned()));
        }
        let endpoint =
            TokenEndpoint { url: target.token_endpoint, issuer: target.issuer, auth: self.auth(), dpop: target.dpop };
        endpoint.request(http, &form).await
    }
}
