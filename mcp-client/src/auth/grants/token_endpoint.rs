//! One request to a token endpoint: the grant's form, the client's
//! authentication, a DPoP proof when the client binds its tokens, and one
//! retry when the server answers `use_dpop_nonce` with a new nonce.

use crate::auth::assertion::{ClientAssertion, JWT_BEARER_ASSERTION};
use crate::auth::dpop::{DPOP_HEADER, Dpop};
use crate::error::ClientError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use std::time::Duration;

/// The largest token endpoint answer read.
pub const MAX_TOKEN_RESPONSE: usize = 64 * 1024;
/// How long a token request may take.
pub const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// How the client authenticates at a token endpoint.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ClientAuth {
    /// A public client: `client_id` in the form, no secret (`none`).
    None {
        /// The client's id.
        client_id: String,
    },
    /// `client_secret_basic`: id and secret in the `Authorization` header.
    SecretBasic {
        /// The client's id.
        client_id: String,
        /// The client's secret.
        client_secret: String,
    },
    /// `client_secret_post`: id and secret in the form.
    SecretPost {
        /// The client's id.
        client_id: String,
        /// The client's secret.
        client_secret: String,
    },
    /// `private_key_jwt`: a signed assertion in the form (RFC 7523 §2.2).
    PrivateKeyJwt(ClientAssertion),
}

impl ClientAuth {
    /// The client's id, whichever the method.
    pub fn client_id(&self) -> &str {
        match self {
            Self::None { client_id } | Self::SecretBasic { client_id, .. } | Self::SecretPost { client_id, .. } => {
                client_id
            }
            Self::PrivateKeyJwt(assertion) => assertion.client_id(),
        }
    }

    /// Adds the authentication to a token request for the authorization
    /// server `issuer` (the audience of an assertion).
    fn apply(
        &self,
        request: reqwest::RequestBuilder,
        form: &mut Vec<(&'static str, String)>,
        issuer: &str,
    ) -> Result<reqwest::RequestBuilder, ClientError> {
        Ok(match self {
            Self::None { client_id } => {
                form.push(("client_id", client_id.clone()));
                request
            }
            Self::SecretBasic { client_id, client_secret } => {
                // RFC 6749 §2.3.1: each part form-encoded, then base64.
                let pair = format!("{}:{}", form_encode(client_id), form_encode(client_secret));
                request.header(reqwest::header::AUTHORIZATION, format!("Basic {}", STANDARD.encode(pair)))
            }
            Self::SecretPost { client_id, client_secret } => {
                form.push(("client_id", client_id.clone()));
                form.push(("client_secret", client_secret.clone()));
                request
            }
            Self::PrivateKeyJwt(assertion) => {
                form.push(("client_id", assertion.client_id().to_owned()));
                form.push(("client_assertion_type", JWT_BEARER_ASSERTION.to_owned()));
                form.push(("client_assertion", assertion.sign(issuer)?));
                request
            }
        })
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'*');
    percent_encoding::utf8_percent_encode(value, SET).to_string().replace("%20", "+")
}

/// A token endpoint's successful answer (RFC 6749 §5.1, RFC 8693 §2.2.1).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The token.
    pub access_token: String,
    /// `Bearer`, `DPoP`, or `N_A` for an exchanged token that is no access token.
    #[serde(default)]
    pub token_type: String,
    /// Seconds until the token expires, if the server said.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// A token to get the next one with, if the server gave one.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// The scopes granted, if they differ from those asked for.
    #[serde(default)]
    pub scope: Option<String>,
    /// What kind of token an exchange issued (RFC 8693).
    #[serde(default)]
    pub issued_token_type: Option<String>,
}

/// A token endpoint's refusal (RFC 6749 §5.2).
#[derive(Deserialize)]
struct TokenRefusal {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Where to ask for a token, and how.
#[derive(Clone, Copy, Debug)]
pub struct TokenEndpoint<'a> {
    /// The token endpoint's URL.
    pub url: &'a str,
    /// The authorization server's issuer identifier (the `aud` of client assertions).
    pub issuer: &'a str,
    /// How the client authenticates.
    pub auth: &'a ClientAuth,
    /// The client's DPoP key, when it binds its tokens.
    pub dpop: Option<&'a Dpop>,
}

impl TokenEndpoint<'_> {
    /// Posts the grant `form` and returns the token, retrying once with the
    /// server's nonce when it answers `use_dpop_nonce`.
    pub async fn request(
        &self,
        http: &reqwest::Client,
        form: &[(&'static str, String)],
    ) -> Result<TokenResponse, ClientError> {
        let mut retried = false;
        loop {
            let mut body = form.to_vec();
            let mut request =
                http.post(self.url).timeout(TOKEN_TIMEOUT).header(reqwest::header::ACCEPT, "application/json");
            request = self.auth.apply(request, &mut body, self.issuer)?;
            if let Some(dpop) = self.dpop {
                request = request.header(DPOP_HEADER, dpop.proof("POST", self.url, None)?);
            }
            let response = request
                .form(&body)
                .send()
                .await
                .map_err(|e| ClientError::Auth(format!("token request to {}: {e}", self.url)))?;
            let status = response.status();
            let new_nonce = self.dpop.is_some_and(|dpop| dpop.remember_nonce(self.url, response.headers()));
            let bytes = read_bounded(response).await?;
            if status.is_success() {
                return parse_token(self.url, &bytes, self.dpop.is_some());
            }
            let refusal: Option<TokenRefusal> = serde_json::from_slice(&bytes).ok();
            if let Some(refusal) = &refusal
                && refusal.error == "use_dpop_nonce"
                && new_nonce
                && !retried
            {
                retried = true;
                continue;
            }
            return Err(ClientError::Auth(match refusal {
                Some(TokenRefusal { error, error_description: Some(why) }) => {
                    format!("the token endpoint {} refused ({status}): {error}: {why}", self.url)
                }
                Some(TokenRefusal { error, .. }) => {
                    format!("the token endpoint {} refused ({status}): {error}", self.url)
                }
                None => format!("the token endpoint {} answered {status}", self.url),
            }));
        }
    }
}

fn parse_token(url: &str, bytes: &[u8], dpop: bool) -> Result<TokenResponse, ClientError> {
    let token: TokenResponse = serde_json::from_slice(bytes)
        .map_err(|e| ClientError::Auth(format!("the token endpoint {url} answered something that is no token: {e}")))?;
    if token.access_token.is_empty() {
        return Err(ClientError::Auth(format!("the token endpoint {url} answered an empty access token")));
    }
    if dpop && !token.token_type.eq_ignore_ascii_case("dpop") {
        // RFC 9449 §5: a client that asked for a bound token must not use
        // a bearer one as if it were bound.
        return Err(ClientError::Auth(format!(
            "the token endpoint {url} answered a {:?} token to a DPoP request",
            token.token_type
        )));
    }
    Ok(token)
}

/// The body of `response`, at most [`MAX_TOKEN_RESPONSE`] bytes.
async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::new();
    while let Some(chunk) =
        response.chunk().await.map_err(|e| ClientError::Auth(format!("reading a token answer: {e}")))?
    {
        if body.len() + chunk.len() > MAX_TOKEN_RESPONSE {
            return Err(ClientError::Auth(format!("a token answer over {MAX_TOKEN_RESPONSE} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_before_base64() {
        assert_eq!(form_encode("conformance-test-client"), "conformance-test-client");
        assert_eq!(form_encode("a b:c/é"), "a+b%3Ac%2F%C3%A9");
    }

    #[test]
    fn a_bearer_token_is_refused_when_a_bound_one_was_asked_for() {
        let bearer = br#"{"access_token":"t","token_type":"Bearer"}"#;
        assert!(parse_token("u", bearer, true).is_err());
        assert_eq!(parse_token("u", bearer, false).unwrap().access_token, "t");
        assert!(parse_token("u", br#"{"access_token":"","token_type":"Bearer"}"#, false).is_err());
        assert!(parse_token("u", b"<html>", false).is_err());
    }
}
