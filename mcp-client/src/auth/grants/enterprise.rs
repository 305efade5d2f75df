//! The first step of enterprise-managed authorization (SEP-990): the
//! user's ID token from the enterprise identity provider is exchanged
//! there (RFC 8693) for an Identity Assertion JWT Authorization Grant
//! (ID-JAG) naming the MCP server's authorization server and resource.

use super::ClientAuth;
use crate::auth::grant::GrantContext;
use crate::auth::metadata::AuthorizationServerMetadata;
use crate::error::ClientError;

/// The token type of an ID-JAG.
pub const ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";
const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";

/// The enterprise identity provider, and the user's ID token from it.
#[derive(Clone, Debug)]
pub struct IdentityProvider {
    /// The IdP's issuer identifier.
    pub issuer: String,
    /// The IdP's token endpoint.
    pub token_endpoint: String,
    /// How the client authenticates at the IdP.
    pub auth: ClientAuth,
    /// The ID token the user signed in with.
    pub id_token: String,
}

impl IdentityProvider {
    /// Exchanges the ID token for an ID-JAG whose audience is `context`'s
    /// authorization server, for its resource and scope.
    pub(super) async fn exchange(&self, context: &GrantContext<'_>) -> Result<String, ClientError> {
        let mut form: Vec<(String, String)> = vec![
            ("grant_type".into(), TOKEN_EXCHANGE_GRANT.into()),
            ("requested_token_type".into(), ID_JAG.into()),
            ("audience".into(), context.server.issuer.clone()),
            ("subject_token".into(), self.id_token.clone()),
            ("subject_token_type".into(), ID_TOKEN.into()),
        ];
        if let Some(resource) = context.resource {
            form.push(("resource".into(), resource.to_owned()));
        }
        if let Some(scope) = context.scope.filter(|s| !s.trim().is_empty()) {
            form.push(("scope".into(), scope.to_owned()));
        }
        let idp = AuthorizationServerMetadata {
            issuer: self.issuer.clone(),
            token_endpoint: Some(self.token_endpoint.clone()),
            ..AuthorizationServerMetadata::default()
        };
        // The ID-JAG is a bearer grant to present once: never DPoP-bound.
        let at_idp = GrantContext { server: &idp, proof: None, ..*context };
        Ok(self.auth.request(&at_idp, form).await?.access_token)
    }
}
