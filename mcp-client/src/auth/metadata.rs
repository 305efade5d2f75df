//! The two documents discovery reads: the MCP server's protected-resource
//! metadata (RFC 9728) and its authorization server's metadata (RFC 8414,
//! or OpenID Connect Discovery, whose fields are the same for our needs).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an MCP server says of itself as a protected resource (RFC 9728 §2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProtectedResourceMetadata {
    /// Its resource identifier, sent back as `resource` (RFC 8707).
    pub resource: String,
    /// The issuers of the authorization servers it accepts tokens from.
    #[serde(default)]
    pub authorization_servers: Vec<String>,
    /// The scopes it knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
}

/// An authorization server's endpoints and abilities (RFC 8414 §2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationServerMetadata {
    /// Its issuer identifier: equal to the one the metadata URL was built from.
    pub issuer: String,
    /// Where the user authorizes the client.
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    /// Where codes and refresh tokens become access tokens.
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// Dynamic client registration (RFC 7591), when offered.
    #[serde(default)]
    pub registration_endpoint: Option<String>,
    /// Its scopes (`offline_access` among them when it issues refresh tokens).
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
    /// `authorization_code`, `refresh_token`, `client_credentials`, …
    #[serde(default)]
    pub grant_types_supported: Option<Vec<String>>,
    /// PKCE methods; the client refuses a server that does not list `S256`.
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// `client_secret_basic` (the default when absent), `client_secret_post`, `none`, …
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// Whether the authorization response carries `iss` (RFC 9207).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: Option<bool>,
    /// Whether a client ID may be the URL of its metadata document.
    #[serde(default)]
    pub client_id_metadata_document_supported: Option<bool>,
    /// Everything else (`dpop_signing_alg_values_supported`, …), for grants
    /// and proofs that need it.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

impl AuthorizationServerMetadata {
    /// The endpoints a server without metadata has under its origin (the
    /// 2025-03-26 revision's fallback): `/authorize`, `/token`, `/register`.
    pub fn fallback(issuer: &str) -> Self {
        let base = issuer.trim_end_matches('/');
        Self {
            issuer: issuer.to_owned(),
            authorization_endpoint: Some(format!("{base}/authorize")),
            token_endpoint: Some(format!("{base}/token")),
            registration_endpoint: Some(format!("{base}/register")),
            code_challenge_methods_supported: Some(vec!["S256".into()]),
            ..Self::default()
        }
    }

    /// Whether it lists `what` among `list` (`None`: not said).
    pub fn lists(list: &Option<Vec<String>>, what: &str) -> Option<bool> {
        list.as_ref().map(|list| list.iter().any(|item| item == what))
    }
}
