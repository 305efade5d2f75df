//! Per-request proofs of possession: the place sender-constrained tokens
//! (DPoP, RFC 9449) plug in. Without a [`Proof`], tokens are bearer tokens.
//!
//! A proof is asked for on every token request and every request to the
//! MCP server; a server that answers `use_dpop_nonce` with a `DPoP-Nonce`
//! header gets its nonce noted and the request sent once more.

use crate::error::ClientError;
use reqwest::header::HeaderMap;

/// Signs requests so a token is bound to a key the client holds.
pub trait Proof: Send + Sync + 'static {
    /// The header name of the proof (`DPoP`).
    fn header(&self) -> &'static str;

    /// The token type to ask for and to present (`DPoP`).
    fn token_type(&self) -> &'static str;

    /// A proof for a `method` request to `url`, bound to `access_token` when
    /// one is presented (its hash, `ath`).
    fn proof(&self, method: &str, url: &str, access_token: Option<&str>) -> Result<String, ClientError>;

    /// Notes the nonce a server asked for in `headers` (`DPoP-Nonce`);
    /// `true` when there was one and the request should be sent again.
    fn note_nonce(&self, url: &str, headers: &HeaderMap) -> bool;
}
