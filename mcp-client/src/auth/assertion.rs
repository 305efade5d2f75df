//! JWT client assertions (RFC 7523 §2.2, `private_key_jwt`): instead of a
//! secret, the client authenticates at the token endpoint with a short JWT
//! it signs with its own private key, whose public half the authorization
//! server knows. The assertion names the client (`iss` and `sub`), the
//! authorization server (`aud`: its issuer identifier) and is single-use
//! (`jti`) and short-lived (`exp`).

use crate::error::ClientError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// The `client_assertion_type` of a JWT client assertion.
pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long an assertion is valid: long enough for one token request.
const LIFETIME_SECS: u64 = 300;

/// A client's identity and the private key it signs assertions with.
#[derive(Clone)]
pub struct ClientAssertion {
    client_id: String,
    algorithm: Algorithm,
    key: EncodingKey,
}

impl std::fmt::Debug for ClientAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAssertion")
            .field("client_id", &self.client_id)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

impl ClientAssertion {
    /// The client `client_id` signing with the PKCS#8 PEM `private_key_pem`
    /// and `algorithm` (`ES256`, `ES384`, `RS256`…, `EdDSA`), e.g. the key
    /// registered with the authorization server for `private_key_jwt`.
    pub fn from_pem(client_id: impl Into<String>, private_key_pem: &str, algorithm: &str) -> Result<Self, ClientError> {
        let algorithm: Algorithm =
            algorithm.parse().map_err(|_| ClientError::Auth(format!("unknown signing algorithm {algorithm:?}")))?;
        let pem = private_key_pem.as_bytes();
        let key = match algorithm {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem),
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => EncodingKey::from_rsa_pem(pem),
            Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => EncodingKey::from_rsa_pem(pem),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(pem),
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                return Err(ClientError::Auth("private_key_jwt needs an asymmetric algorithm".into()));
            }
        }
        .map_err(|e| ClientError::Auth(format!("reading the {algorithm:?} private key: {e}")))?;
        Ok(Self { client_id: client_id.into(), algorithm, key })
    }

    /// The client this assertion speaks for.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// A fresh assertion for the authorization server `audience` (its
    /// issuer identifier, RFC 7523bis).
    pub fn sign(&self, audience: &str) -> Result<String, ClientError> {
        let now = super::store::now();
        let claims = AssertionClaims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: audience,
            iat: now,
            exp: now + LIFETIME_SECS,
            jti: URL_SAFE_NO_PAD.encode(rand::random::<[u8; 18]>()),
        };
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, &self.key)
            .map_err(|e| ClientError::Auth(format!("signing the client assertion: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    use serde_json::Value;

    #[test]
    fn an_assertion_names_the_client_and_the_server_and_verifies() {
        let signing = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
        let private = signing.to_pkcs8_pem(LineEnding::LF).unwrap();
        let public = signing.verifying_key().to_public_key_pem(LineEnding::LF).unwrap();
        let assertion = ClientAssertion::from_pem("client-1", &private, "ES256").unwrap();
        let jwt = assertion.sign("https://as.example").unwrap();

        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://as.example"]);
        validation.set_issuer(&["client-1"]);
        let key = DecodingKey::from_ec_pem(public.as_bytes()).unwrap();
        let claims = jsonwebtoken::decode::<Value>(&jwt, &key, &validation).unwrap().claims;
        assert_eq!(claims["sub"], "client-1");
        assert!(claims["exp"].as_u64().unwrap() > claims["iat"].as_u64().unwrap());
        assert_ne!(
            claims["jti"],
            jsonwebtoken::decode::<Value>(&assertion.sign("https://as.example").unwrap(), &key, &validation)
                .unwrap()
                .claims["jti"]
        );
    }

    #[test]
    fn a_bad_key_or_algorithm_is_an_error_not_a_panic() {
        assert!(ClientAssertion::from_pem("c", "not a key", "ES256").is_err());
        assert!(ClientAssertion::from_pem("c", "not a key", "HS256").is_err());
        assert!(ClientAssertion::from_pem("c", "not a key", "XX999").is_err());
    }
}
