//! The token endpoint: one form POST, authenticated as the client
//! registered (`client_secret_basic`, `client_secret_post` or `none`),
//! with a proof when the client has one, answered with tokens or an OAuth
//! error. Every grant goes through [`TokenEndpoint::request`].

use super::bounded::Answer;
use super::metadata::AuthorizationServerMetadata;
use super::proof::Proof;
use super::registration::ClientCredentials;
use super::store::{Tokens, now};
use crate::error::ClientError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{AUTHORIZATION, HeaderValue};

/// What RFC 6749 §2.3.1 leaves unencoded in a Basic client credential.
const FORM: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A token endpoint, and who the client is there.
pub struct TokenEndpoint<'a> {
    /// The HTTP client for authorization requests.
    pub http: &'a reqwest::Client,
    /// The authorization server.
    pub server: &'a AuthorizationServerMetadata,
    /// The client (`None`: the grant authenticates itself, e.g. with an assertion).
    pub client: Option<&'a ClientCredentials>,
    /// The proof of possession, if tokens are sender-constrained.
    pub proof: Option<&'a dyn Proof>,
}

impl TokenEndpoint<'_> {
    /// POSTs `form` (with `grant_type` and the grant's parameters) and
    /// returns the tokens, or the server's error.
    pub async fn request(&self, mut form: Vec<(String, String)>) -> Result<Tokens, ClientError> {
        let Some(endpoint) = self.server.token_endpoint.as_deref() else {
            return Err(ClientError::Auth(format!(
                "the authorization server {} has no token endpoint",
                self.server.issuer
            )));
        };
        let mut basic = None;
        if let Some(client) = self.client {
            match client.auth_method(self.server).as_str() {
                "client_secret_basic" => {
                    let secret = client.client_secret.as_deref().unwrap_or_default();
                    let pair = format!(
                        "{}:{}",
                        utf8_percent_encode(&client.client_id, FORM),
                        utf8_percent_encode(secret, FORM)
                    );
                    basic = Some(format!("Basic {}", STANDARD.encode(pair)));
                }
                "client_secret_post" => {
                    form.push(("client_id".into(), client.client_id.clone()));
                    form.push(("client_secret".into(), client.client_secret.clone().unwrap_or_default()));
                }
                "none" => form.push(("client_id".into(), client.client_id.clone())),
                other => {
                    return Err(ClientError::Auth(format!(
                        "the token endpoint authentication {other:?} is not supported"
                    )));
                }
            }
        }
        // Once more when the server asks for a proof nonce.
        for attempt in 0..2 {
            let mut request = self.http.post(endpoint).header(reqwest::header::ACCEPT, "application/json").form(&form);
            if let Some(basic) = &basic {
                request = request.header(AUTHORIZATION, basic);
            }
            if let Some(proof) = self.proof {
                request = request.header(proof.header(), proof.proof("POST", endpoint, None)?);
            }
            let answer = Answer::send(request, &format!("the token request to {endpoint}")).await?;
            let document = answer.json("the token endpoint's answer")?;
            if answer.status.is_success() {
                return tokens(&document, &self.server.issuer);
            }
            let error = document["error"].as_str().unwrap_or("(no error code)");
            if attempt == 0
                && error == "use_dpop_nonce"
                && self.proof.is_some_and(|p| p.note_nonce(endpoint, &answer.headers))
            {
                continue;
            }
            return Err(ClientError::Auth(format!(
                "the token endpoint {endpoint} refused (HTTP {}): {error} {}",
                answer.status,
                document["error_description"].as_str().unwrap_or_default()
            )));
        }
        Err(ClientError::Auth(format!("the token endpoint {endpoint} kept asking for a new nonce")))
    }

    /// Exchanges a refresh token; the new tokens keep the old refresh token
    /// when the server issues none.
    pub async fn refresh(&self, tokens: &Tokens, resource: Option<&str>) -> Result<Tokens, ClientError> {
        let Some(refresh_token) = &tokens.refresh_token else {
            return Err(ClientError::Auth("no refresh token".into()));
        };
        let mut form =
            vec![("grant_type".into(), "refresh_token".into()), ("refresh_token".into(), refresh_token.clone())];
        if let Some(resource) = resource {
            form.push(("resource".into(), resource.to_owned()));
        }
        let mut fresh = self.request(form).await?;
        if fresh.refresh_token.is_none() {
            fresh.refresh_token = Some(refresh_token.clone());
        }
        if fresh.scope.is_none() {
            fresh.scope.clone_from(&tokens.scope);
        }
        Ok(fresh)
    }
}

/// The tokens of a successful token response (RFC 6749 §5.1).
fn tokens(document: &serde_json::Value, issuer: &str) -> Result<Tokens, ClientError> {
    let Some(access_token) = document["access_token"].as_str().filter(|t| !t.is_empty()) else {
        return Err(ClientError::Auth("the token endpoint's answer has no access_token".into()));
    };
    if HeaderValue::from_str(access_token).is_err() {
        return Err(ClientError::Auth("the access token cannot be sent in a header".into()));
    }
    Ok(Tokens {
        access_token: access_token.to_owned(),
        token_type: document["token_type"].as_str().unwrap_or("Bearer").to_owned(),
        refresh_token: document["refresh_token"].as_str().map(str::to_owned),
        expires_at: document["expires_in"].as_u64().map(|seconds| now().saturating_add(seconds)),
        scope: document["scope"].as_str().map(str::to_owned),
        issuer: issuer.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn token_responses_need_an_access_token() {
        let t =
            tokens(&json!({"access_token": "a", "token_type": "Bearer", "expires_in": 60, "scope": "x"}), "i").unwrap();
        assert_eq!((t.access_token.as_str(), t.scope.as_deref(), t.issuer.as_str()), ("a", Some("x"), "i"));
        assert!(t.expires_at.unwrap() >= now() + 59);
        assert!(tokens(&json!({"token_type": "Bearer"}), "i").is_err());
        assert!(tokens(&json!({"access_token": "a\nb"}), "i").is_err(), "no header injection");
    }
}
