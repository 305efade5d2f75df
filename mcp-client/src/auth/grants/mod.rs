//! Grants without a user at a browser, for machine-to-machine clients,
//! each a [`Grant`] for [`OAuth`](super::OAuth):
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
//! A refusal from the token endpoint ends the grant: it is neither retried
//! nor replaced by another grant (only a DPoP nonce is retried, by the
//! [`TokenEndpoint`]).

mod enterprise;

pub use enterprise::{ID_JAG, IdentityProvider};

#[cfg(feature = "jwt")]
use super::assertion::{ClientAssertion, JWT_BEARER_ASSERTION};
use super::grant::{Grant, GrantContext};
use super::registration::ClientCredentials;
use super::store::Tokens;
use super::token::TokenEndpoint;
use crate::error::ClientError;
use futures_util::future::BoxFuture;
use std::path::PathBuf;

/// The `grant_type` of the JWT-bearer grant (RFC 7523 §2.1).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The largest assertion file read (64 KiB).
pub const MAX_ASSERTION: u64 = 64 * 1024;

/// How the client authenticates at a token endpoint.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ClientAuth {
    /// With its registered id (and secret, if confidential):
    /// `client_secret_basic`, `client_secret_post` or `none`.
    Registered(ClientCredentials),
    /// With an assertion signed by its private key (`private_key_jwt`,
    /// RFC 7523 §2.2; feature `jwt`).
    #[cfg(feature = "jwt")]
    PrivateKeyJwt(ClientAssertion),
}

impl ClientAuth {
    /// The client's id, whichever the method.
    pub fn client_id(&self) -> &str {
        match self {
            Self::Registered(client) => &client.client_id,
            #[cfg(feature = "jwt")]
            Self::PrivateKeyJwt(assertion) => assertion.client_id(),
        }
    }

    /// The registered client to authenticate as, after adding an
    /// assertion for the authorization server `issuer` to `form` when the
    /// client authenticates with one.
    #[cfg_attr(not(feature = "jwt"), allow(unused_variables, clippy::ptr_arg))]
    fn prepare(
        &self,
        form: &mut Vec<(String, String)>,
        issuer: &str,
    ) -> Result<Option<&ClientCredentials>, ClientError> {
        match self {
            Self::Registered(client) => Ok(Some(client)),
            #[cfg(feature = "jwt")]
            Self::PrivateKeyJwt(assertion) => {
                form.push(("client_id".into(), assertion.client_id().to_owned()));
                form.push(("client_assertion_type".into(), JWT_BEARER_ASSERTION.into()));
                form.push(("client_assertion".into(), assertion.sign(issuer)?));
                Ok(None)
            }
        }
    }

    /// Posts `form` to `context`'s token endpoint, authenticated as this client.
    async fn request(
        &self,
        context: &GrantContext<'_>,
        mut form: Vec<(String, String)>,
    ) -> Result<Tokens, ClientError> {
        let client = self.prepare(&mut form, &context.server.issuer)?;
        let endpoint = TokenEndpoint { http: context.http, server: context.server, client, proof: context.proof };
        endpoint.request(form).await
    }
}

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
                use tokio::io::AsyncReadExt;
                let why = |e: &dyn std::fmt::Display| ClientError::Auth(format!("reading {}: {e}", path.display()));
                let file = tokio::fs::File::open(path).await.map_err(|e| why(&e))?;
                let mut jwt = String::new();
                file.take(MAX_ASSERTION + 1).read_to_string(&mut jwt).await.map_err(|e| why(&e))?;
                if jwt.len() as u64 > MAX_ASSERTION {
                    return Err(why(&format!("an assertion over {MAX_ASSERTION} bytes")));
                }
                Ok(jwt.trim().to_owned())
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
        /// The client's authentication (often a public client id).
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

impl MachineGrant {
    /// The grant's client authentication at the MCP authorization server.
    pub fn auth(&self) -> &ClientAuth {
        match self {
            Self::ClientCredentials { auth } | Self::JwtBearer { auth, .. } | Self::EnterpriseManaged { auth, .. } => {
                auth
            }
        }
    }
}

impl Grant for MachineGrant {
    /// The client brings its own credentials: no registration.
    fn needs_client(&self) -> bool {
        false
    }

    fn obtain<'a>(&'a self, context: &'a GrantContext<'a>) -> BoxFuture<'a, Result<Tokens, ClientError>> {
        Box::pin(async move {
            let mut form: Vec<(String, String)> = Vec::new();
            match self {
                Self::ClientCredentials { .. } => form.push(("grant_type".into(), "client_credentials".into())),
                Self::JwtBearer { assertion, .. } => {
                    form.push(("grant_type".into(), JWT_BEARER_GRANT.into()));
                    form.push(("assertion".into(), assertion.read().await?));
                }
                Self::EnterpriseManaged { idp, .. } => {
                    let id_jag = idp.exchange(context).await?;
                    form.push(("grant_type".into(), JWT_BEARER_GRANT.into()));
                    form.push(("assertion".into(), id_jag));
                }
            }
            if let Some(scope) = context.scope.filter(|s| !s.trim().is_empty()) {
                form.push(("scope".into(), scope.to_owned()));
            }
            if let Some(resource) = context.resource {
                form.push(("resource".into(), resource.to_owned()));
            }
            let mut tokens = self.auth().request(context, form).await?;
            if tokens.scope.is_none() {
                tokens.scope = context.scope.map(str::to_owned);
            }
            Ok(tokens)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_assertion_file_is_read_trimmed_and_bounded() {
        let path = std::env::temp_dir().join(format!("mcp-client-assertion-{}.jwt", std::process::id()));
        std::fs::write(&path, "header.claims.signature\n").unwrap();
        assert_eq!(Assertion::File(path.clone()).read().await.unwrap(), "header.claims.signature");
        std::fs::write(&path, vec![b'a'; MAX_ASSERTION as usize + 1]).unwrap();
        let error = Assertion::File(path.clone()).read().await.unwrap_err();
        let _ = std::fs::remove_file(&path);
        assert!(error.to_string().contains("over 65536 bytes"), "{error}");
        assert!(Assertion::File(path).read().await.is_err(), "a missing file");
    }
}
