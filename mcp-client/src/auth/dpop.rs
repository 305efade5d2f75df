//! DPoP (RFC 9449): the client proves, on every token request and every
//! request to the MCP server, that it holds the private key its access
//! token is bound to. A proof is a short-lived JWT signed with that key,
//! carrying the public key in its header and naming the request (`htm`,
//! `htu`), a fresh `jti`, the time (`iat`), the token's hash (`ath`) on
//! resource requests and, when a server asked for one, its `nonce`.
//!
//! Servers hand out nonces in a `DPoP-Nonce` header, and refuse a proof
//! without the current one with `use_dpop_nonce` (a 400 from the token
//! endpoint, a 401 from the resource server); [`Dpop`] remembers the last
//! nonce per origin so the retry and every later request carry it.
//!
//! [`Dpop`] is the [`Proof`] to give [`OAuthBuilder::proof`](super::OAuthBuilder::proof).

use super::proof::Proof;
use super::store::now;
use crate::error::ClientError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// The header a proof travels in.
pub const DPOP_HEADER: &str = "dpop";
/// The header in which a server hands out the nonce to put in proofs.
pub const NONCE_HEADER: &str = "dpop-nonce";
/// The longest nonce kept from a server; a longer one is ignored.
const MAX_NONCE: usize = 1024;
/// Origins whose nonces are remembered at once (an AS and an RS in practice).
const MAX_ORIGINS: usize = 32;

/// An ES256 key pair made for one client, and the public half as a JWK.
pub struct DpopKey {
    encoding: EncodingKey,
    jwk: Jwk,
    thumbprint: String,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey").field("thumbprint", &self.thumbprint).finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct ProofClaims<'a> {
    jti: String,
    htm: &'a str,
    htu: &'a str,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

impl DpopKey {
    /// A fresh P-256 key from the operating system's random source.
    pub fn generate() -> Result<Self, ClientError> {
        let signing = loop {
            // Almost every 32-byte string is a valid scalar; retry the rest.
            if let Ok(key) = p256::ecdsa::SigningKey::from_bytes(&rand::random::<[u8; 32]>().into()) {
                break key;
            }
        };
        Self::from_signing_key(&signing)
    }

    /// The P-256 key in `pem` (PKCS#8, as [`to_pkcs8_pem`](Self::to_pkcs8_pem)
    /// writes it): keep the key with stored tokens, which are bound to it.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, ClientError> {
        let signing = p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| ClientError::Auth(format!("reading the DPoP key (a P-256 PKCS#8 PEM): {e}")))?;
        Self::from_signing_key(&signing)
    }

    /// The private key as PKCS#8 PEM: a secret, to store as one.
    pub fn to_pkcs8_pem(&self) -> Result<String, ClientError> {
        let signing = p256::ecdsa::SigningKey::from_pkcs8_der(self.encoding.inner())
            .map_err(|e| ClientError::Auth(format!("the DPoP key: {e}")))?;
        let pem = signing
            .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .map_err(|e| ClientError::Auth(format!("encoding the DPoP key: {e}")))?;
        Ok(pem.to_string())
    }

    fn from_signing_key(signing: &p256::ecdsa::SigningKey) -> Result<Self, ClientError> {
        let der = signing.to_pkcs8_der().map_err(|e| ClientError::Auth(format!("encoding the DPoP key: {e}")))?;
        let encoding = EncodingKey::from_ec_der(der.as_bytes());
        let jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256)
            .map_err(|e| ClientError::Auth(format!("the DPoP key's public JWK: {e}")))?;
        let thumbprint = jwk.thumbprint(ThumbprintHash::SHA256);
        Ok(Self { encoding, jwk, thumbprint })
    }

    /// The public key, as it appears in every proof's `jwk` header.
    pub fn public_jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// The key's RFC 7638 SHA-256 thumbprint: the `jkt` a bound token's
    /// `cnf` claim names.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A proof for one request: `method` and `url` (its query and fragment
    /// are dropped, as `htu` requires), the access token it presents, if
    /// any (hashed into `ath`), and the server's nonce, if any.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, ClientError> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".to_owned());
        header.jwk = Some(self.jwk.clone());
        let claims = ProofClaims {
            jti: URL_SAFE_NO_PAD.encode(rand::random::<[u8; 18]>()),
            htm: method,
            htu: target_uri(url),
            iat: now(),
            ath: access_token.map(token_hash),
            nonce,
        };
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| ClientError::Auth(format!("signing a DPoP proof: {e}")))
    }
}

/// `url` without its query and fragment (RFC 9449 §4.2, `htu`).
fn target_uri(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The base64url SHA-256 of an access token (`ath`).
pub fn token_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// A client's DPoP key and the nonces servers have asked it to use.
#[derive(Debug)]
pub struct Dpop {
    key: DpopKey,
    nonces: Mutex<HashMap<String, String>>,
}

impl Dpop {
    /// DPoP with a freshly generated key.
    pub fn generate() -> Result<Self, ClientError> {
        Ok(Self::with_key(DpopKey::generate()?))
    }

    /// DPoP with `key`.
    pub fn with_key(key: DpopKey) -> Self {
        Self { key, nonces: Mutex::new(HashMap::new()) }
    }

    /// The key proofs are signed with.
    pub fn key(&self) -> &DpopKey {
        &self.key
    }

    /// A proof for `method url`, with the nonce `url`'s server last gave.
    pub fn proof(&self, method: &str, url: &str, access_token: Option<&str>) -> Result<String, ClientError> {
        let nonce = self.nonces.lock().unwrap_or_else(|p| p.into_inner()).get(origin(url)).cloned();
        self.key.proof(method, url, access_token, nonce.as_deref())
    }

    /// Keeps the nonce in `headers` (a `DPoP-Nonce` from `url`'s server),
    /// and says whether there was one: a `use_dpop_nonce` refusal is worth
    /// a retry then, even with the nonce already kept (requests sent at
    /// once before the first refusal all lacked it). Callers bound the
    /// retries.
    pub fn remember_nonce(&self, url: &str, headers: &reqwest::header::HeaderMap) -> bool {
        let Some(nonce) = headers.get(NONCE_HEADER).and_then(|v| v.to_str().ok()) else { return false };
        if nonce.is_empty() || nonce.len() > MAX_NONCE {
            return false;
        }
        let mut nonces = self.nonces.lock().unwrap_or_else(|p| p.into_inner());
        if nonces.len() >= MAX_ORIGINS && !nonces.contains_key(origin(url)) {
            nonces.clear();
        }
        nonces.insert(origin(url).to_owned(), nonce.to_owned());
        true
    }
}

/// `scheme://host[:port]` of `url`: nonces are per server.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let end = url[after_scheme..].find(['/', '?', '#']).map_or(url.len(), |at| after_scheme + at);
    &url[..end]
}

impl Proof for Dpop {
    fn header(&self) -> &'static str {
        DPOP_HEADER
    }

    fn token_type(&self) -> &'static str {
        "DPoP"
    }

    fn proof(&self, method: &str, url: &str, access_token: Option<&str>) -> Result<String, ClientError> {
        Dpop::proof(self, method, url, access_token)
    }

    fn note_nonce(&self, url: &str, headers: &reqwest::header::HeaderMap) -> bool {
        self.remember_nonce(url, headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};
    use serde_json::Value;

    fn verify(proof: &str) -> (jsonwebtoken::Header, Value) {
        let header = jsonwebtoken::decode_header(proof).unwrap();
        let key = DecodingKey::from_jwk(header.jwk.as_ref().unwrap()).unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Value>(proof, &key, &validation).unwrap().claims;
        (header, claims)
    }

    #[test]
    fn a_proof_names_the_request_and_verifies_with_its_own_public_key() {
        let key = DpopKey::generate().unwrap();
        let proof = key.proof("POST", "https://rs.example/mcp?x=1#f", Some("token-1"), Some("n-1")).unwrap();
        let (header, claims) = verify(&proof);
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        assert_eq!(header.alg, Algorithm::ES256);
        let jwk = serde_json::to_value(header.jwk.unwrap()).unwrap();
        assert_eq!((jwk["kty"].as_str(), jwk["crv"].as_str()), (Some("EC"), Some("P-256")));
        assert!(jwk.get("d").is_none(), "the private key never leaves");
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], "https://rs.example/mcp");
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(claims["ath"], token_hash("token-1"));
        assert!(claims["iat"].as_u64().unwrap().abs_diff(now()) < 5);
        assert!(claims["jti"].as_str().unwrap().len() >= 16);
    }

    #[test]
    fn ath_is_the_base64url_sha256_of_the_token() {
        // RFC 9449 §7.1's example.
        assert_eq!(
            token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn each_proof_is_fresh_and_the_token_request_has_no_ath() {
        let key = DpopKey::generate().unwrap();
        let (_, first) = verify(&key.proof("POST", "https://as.example/token", None, None).unwrap());
        let (_, second) = verify(&key.proof("POST", "https://as.example/token", None, None).unwrap());
        assert_ne!(first["jti"], second["jti"]);
        assert!(first.get("ath").is_none() && first.get("nonce").is_none());
    }

    #[test]
    fn the_thumbprint_is_rfc7638_over_the_public_key() {
        let key = DpopKey::generate().unwrap();
        let jwk = serde_json::to_value(key.public_jwk()).unwrap();
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap()
        );
        assert_eq!(key.thumbprint(), URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())));
    }

    #[test]
    fn a_key_kept_as_pem_is_the_same_key() {
        let key = DpopKey::generate().unwrap();
        let again = DpopKey::from_pkcs8_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
        assert_eq!(key.thumbprint(), again.thumbprint());
        assert!(DpopKey::from_pkcs8_pem("not a key").is_err());
    }

    #[test]
    fn nonces_are_kept_per_origin() {
        let dpop = Dpop::generate().unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(NONCE_HEADER, "n-1".parse().unwrap());
        assert!(dpop.remember_nonce("http://as.example:8080/token", &headers));
        assert!(dpop.remember_nonce("http://as.example:8080/other", &headers), "the same nonce again");
        let (_, claims) = verify(&dpop.proof("POST", "http://as.example:8080/token", None).unwrap());
        assert_eq!(claims["nonce"], "n-1");
        let (_, claims) = verify(&dpop.proof("POST", "http://rs.example/mcp", Some("t")).unwrap());
        assert!(claims.get("nonce").is_none(), "another server's nonce is not sent");
        assert!(!dpop.remember_nonce("http://as.example:8080/token", &reqwest::header::HeaderMap::new()));
    }
}
