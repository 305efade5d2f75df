//! The first step of enterprise-managed authorization (SEP-990): the
//! user's ID token from the enterprise identity provider is exchanged
//! there (RFC 8693) for an Identity Assertion JWT Authorization Grant
//! (ID-JAG) naming the MCP server's authorization server and resource.

use super::{ClientAuth, TokenEndpoint, TokenTarget};
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
    /// Exchanges the ID token for an ID-JAG for `target`'s authorization
    /// server (the audience) and resource.
    pub(super) async fn exchange(
        &self,
        http: &reqwest::Client,
        target: TokenTarget<'_>,
    ) -> Result<String, ClientError> {
        let mut form: Vec<(&'static str, String)> = vec![
            ("grant_type", TOKEN_EXCHANGE_GRANT.into()),
            ("requested_token_type", ID_JAG.into()),
            ("audience", target.issuer.to_owned()),
            ("subject_token", self.id_token.clone()),
            ("subject_token_type", ID_TOKEN.into()),
        ];
        if let Some(resource) = target.resource {
            form.push(("resource", resource.to_owned()));
        }
        if let Some(scope) = target.scope.filter(|s| !s.is_empty()) {
            form.push(("scope", scope.to_owned()));
        }
        let endpoint = TokenEndpoint { url: &self.token_endpoint, issuer: &self.issuer, auth: &self.auth, dpop: None };
        let answer = endpoint.request(http, &form).await?;
        match answer.issued_token_type.as_deref() {
            Some(ID_JAG) => Ok(answer.access_token),
            other => Err(ClientError::Auth(format!(
                "the identity provider {} issued {other:?} instead of an ID-JAG",
                self.token_endpoint
            ))),
        }
    }
}
