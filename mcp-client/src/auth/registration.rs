//! Who the client is to an authorization server, in the order the MCP
//! specification gives: credentials registered beforehand, then a client ID
//! metadata document (the client ID is an HTTPS URL the server fetches),
//! then dynamic client registration (RFC 7591).

use super::bounded::Answer;
use super::metadata::AuthorizationServerMetadata;
use crate::error::ClientError;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A client's identity at one authorization server. Its `Debug` leaves the
/// secret out.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredentials {
    /// Its `client_id` (a URL for a client ID metadata document).
    pub client_id: String,
    /// Its secret, for a confidential client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// How it authenticates at the token endpoint: `client_secret_basic`,
    /// `client_secret_post`, `none` (chosen from the server's list when
    /// absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("token_endpoint_auth_method", &self.token_endpoint_auth_method)
            .finish()
    }
}

impl ClientCredentials {
    /// A public client (no secret).
    pub fn public(client_id: impl Into<String>) -> Self {
        Self { client_id: client_id.into(), client_secret: None, token_endpoint_auth_method: None }
    }

    /// A confidential client with its secret.
    pub fn confidential(client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self { client_id: client_id.into(), client_secret: Some(secret.into()), token_endpoint_auth_method: None }
    }

    /// The token endpoint authentication it uses with `server`: its own
    /// when registered with one; else, with a secret, `client_secret_basic`
    /// when the server accepts it (the RFC 8414 default) or
    /// `client_secret_post`; without one, `none`.
    pub fn auth_method(&self, server: &AuthorizationServerMetadata) -> String {
        if let Some(method) = &self.token_endpoint_auth_method {
            return method.clone();
        }
        if self.client_secret.is_none() {
            return "none".into();
        }
        let accepts =
            |method| AuthorizationServerMetadata::lists(&server.token_endpoint_auth_methods_supported, method);
        match (accepts("client_secret_basic"), accepts("client_secret_post")) {
            (Some(false), Some(true)) => "client_secret_post".into(),
            _ => "client_secret_basic".into(),
        }
    }
}

/// What the client says of itself when it registers (RFC 7591 §2).
#[derive(Debug, Clone)]
pub struct ClientMetadata {
    /// `client_name`, shown to the user.
    pub client_name: String,
    /// Where the authorization server sends the user back.
    pub redirect_uri: String,
    /// `native` (the default: a desktop or command-line app) or `web`.
    pub application_type: String,
    /// The grants it will use (`authorization_code` and `refresh_token` by default).
    pub grant_types: Vec<String>,
}

impl Default for ClientMetadata {
    fn default() -> Self {
        Self {
            client_name: "mcp-client".into(),
            redirect_uri: "http://127.0.0.1:8765/callback".into(),
            application_type: "native".into(),
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        }
    }
}

/// The token endpoint authentication to ask for when registering: the
/// first the server accepts of `client_secret_basic`, `client_secret_post`,
/// `none` (`client_secret_basic` when it does not say).
fn preferred_method(server: &AuthorizationServerMetadata) -> &'static str {
    ["client_secret_basic", "client_secret_post", "none"]
        .into_iter()
        .find(|method| {
            AuthorizationServerMetadata::lists(&server.token_endpoint_auth_methods_supported, method) == Some(true)
        })
        .unwrap_or("client_secret_basic")
}

/// Registers the client with `server`'s registration endpoint.
pub async fn register(
    http: &reqwest::Client,
    server: &AuthorizationServerMetadata,
    metadata: &ClientMetadata,
    scope: Option<&str>,
) -> Result<ClientCredentials, ClientError> {
    let Some(endpoint) = &server.registration_endpoint else {
        return Err(ClientError::Auth(format!(
            "the authorization server {} offers no registration and no client is registered with it \
             (give pre-registered credentials or a client ID metadata document)",
            server.issuer
        )));
    };
    let method = preferred_method(server);
    let mut body = json!({
        "client_name": metadata.client_name,
        "redirect_uris": [metadata.redirect_uri],
        "grant_types": metadata.grant_types,
        "response_types": ["code"],
        "token_endpoint_auth_method": method,
        "application_type": metadata.application_type,
    });
    if let Some(scope) = scope {
        body["scope"] = json!(scope);
    }
    let answer = Answer::send(http.post(endpoint).json(&body), "client registration").await?;
    let document = answer.json("the client registration answer")?;
    if !answer.status.is_success() {
        return Err(ClientError::Auth(format!(
            "the registration endpoint {endpoint} refused: {} {}",
            document["error"].as_str().unwrap_or("(no error code)"),
            document["error_description"].as_str().unwrap_or_default()
        )));
    }
    let Some(client_id) = document["client_id"].as_str().filter(|id| !id.is_empty()) else {
        return Err(ClientError::Auth(format!("the registration endpoint {endpoint} gave no client_id")));
    };
    let client_secret = document["client_secret"].as_str().map(str::to_owned);
    let token_endpoint_auth_method = document["token_endpoint_auth_method"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| Some(if client_secret.is_some() { method.to_owned() } else { "none".to_owned() }));
    Ok(ClientCredentials { client_id: client_id.to_owned(), client_secret, token_endpoint_auth_method })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(methods: Option<&[&str]>) -> AuthorizationServerMetadata {
        AuthorizationServerMetadata {
            issuer: "https://auth.example.com".into(),
            token_endpoint_auth_methods_supported: methods.map(|m| m.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn the_auth_method_follows_the_server_and_the_secret() {
        let secret = ClientCredentials::confidential("c", "s");
        assert_eq!(secret.auth_method(&server(None)), "client_secret_basic");
        assert_eq!(secret.auth_method(&server(Some(&["client_secret_post"]))), "client_secret_post");
        assert_eq!(ClientCredentials::public("c").auth_method(&server(None)), "none");
        let registered = ClientCredentials { token_endpoint_auth_method: Some("client_secret_post".into()), ..secret };
        assert_eq!(registered.auth_method(&server(Some(&["client_secret_basic"]))), "client_secret_post");
        assert_eq!(preferred_method(&server(Some(&["none", "client_secret_post"]))), "client_secret_post");
    }
}
