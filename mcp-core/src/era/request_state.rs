//! The signed `requestState` of multi-round-trip requests: the answers a
//! client gave so far travel with the client, integrity-protected (HMAC),
//! so any replica can continue the call.

use crate::protocol::jsonrpc::RpcError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Keys that sign and verify `requestState`; the first signs, all verify,
/// so a key can be rotated without breaking calls in flight.
#[derive(Clone)]
pub struct StateKeys {
    keys: Vec<(String, Vec<u8>)>,
    lifetime: Duration,
}

impl std::fmt::Debug for StateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("StateKeys").field("key_ids", &ids).field("lifetime", &self.lifetime).finish()
    }
}

/// What a signed request state carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestState {
    /// The method it belongs to.
    #[serde(rename = "m")]
    pub method: String,
    /// The tool or prompt name (or resource URI) it belongs to.
    #[serde(rename = "n")]
    pub name: String,
    /// The authenticated subject it was issued to, if any: another
    /// principal cannot continue the request.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Answers gathered in earlier rounds, by input key.
    #[serde(rename = "a", default)]
    pub answers: Map<String, Value>,
    /// Expiry, seconds since the Unix epoch.
    #[serde(rename = "x")]
    pub expires: u64,
    /// The signing key's id.
    #[serde(rename = "k")]
    pub key_id: String,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl StateKeys {
    /// A random key, fine for one replica; replicas behind a load balancer
    /// must share keys ([`StateKeys::new`]).
    pub fn random() -> Self {
        let key: [u8; 32] = crate::random::bytes();
        Self { keys: vec![("r".into(), key.to_vec())], lifetime: Duration::from_secs(600) }
    }

    /// Keys as `(id, secret)`, newest first (it signs); older ones still
    /// verify. States expire after `lifetime`. With no keys at all, a random
    /// one signs (as [`StateKeys::random`]) rather than nothing.
    pub fn new(keys: Vec<(String, Vec<u8>)>, lifetime: Duration) -> Self {
        if keys.is_empty() {
            return Self { lifetime, ..Self::random() };
        }
        Self { keys, lifetime }
    }

    fn mac(secret: &[u8], payload: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(payload.as_bytes());
        mac
    }

    /// Signs a state for `method`/`name`, issued to `subject` (the
    /// authenticated caller, if any), carrying `answers`.
    pub fn sign(&self, method: &str, name: &str, subject: Option<&str>, answers: Map<String, Value>) -> String {
        let (key_id, secret) = &self.keys[0]; // never empty: see `new`
        let state = RequestState {
            method: method.to_owned(),
            name: name.to_owned(),
            subject: subject.map(str::to_owned),
            answers,
            expires: now().saturating_add(self.lifetime.as_secs()),
            key_id: key_id.clone(),
        };
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&state).unwrap_or_default());
        let tag = URL_SAFE_NO_PAD.encode(Self::mac(secret, &payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// Verifies a state and checks it belongs to `method`/`name` and
    /// `subject`, and has not expired. A forged, altered, foreign or stale
    /// state is `-32602`.
    pub fn verify(
        &self,
        token: &str,
        method: &str,
        name: &str,
        subject: Option<&str>,
    ) -> Result<RequestState, RpcError> {
        let invalid = |why: &str| RpcError::invalid_params(format!("invalid requestState: {why}"));
        let (payload, tag) = token.split_once('.').ok_or_else(|| invalid("malformed"))?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid("malformed"))?;
        // Authenticate before reading anything the client wrote.
        let (key_id, _) = self
            .keys
            .iter()
            .find(|(_, secret)| Self::mac(secret, payload).verify_slice(&tag).is_ok())
            .ok_or_else(|| invalid("signature mismatch"))?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid("malformed"))?;
        let state: RequestState = serde_json::from_slice(&bytes).map_err(|_| invalid("malformed"))?;
        if state.key_id != *key_id {
            return Err(invalid("signature mismatch"));
        }
        if state.expires < now() {
            return Err(invalid("expired"));
        }
        if state.method != method || state.name != name {
            return Err(invalid("issued for another request"));
        }
        if state.subject.as_deref() != subject {
            return Err(invalid("issued to another caller"));
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_state_rejects_tampering_expiry_and_reuse_elsewhere() {
        let keys = StateKeys::random();
        let mut answers = Map::new();
        answers.insert("k".into(), json!(1));
        let token = keys.sign("tools/call", "t", None, answers.clone());
        assert_eq!(keys.verify(&token, "tools/call", "t", None).unwrap().answers, answers);
        assert!(keys.verify(&format!("{token}-TAMPERED"), "tools/call", "t", None).is_err());
        assert!(keys.verify(&token, "tools/call", "other", None).is_err());
        assert!(StateKeys::random().verify(&token, "tools/call", "t", None).is_err());
        let alices = keys.sign("tools/call", "t", Some("alice"), Map::new());
        assert!(keys.verify(&alices, "tools/call", "t", Some("alice")).is_ok());
        assert!(keys.verify(&alices, "tools/call", "t", Some("bob")).is_err(), "bound to its subject");
        assert!(keys.verify(&alices, "tools/call", "t", None).is_err());
        let rotated = StateKeys::new(
            vec![("new".into(), vec![1; 32]), ("r".into(), keys.keys[0].1.clone())],
            Duration::from_secs(60),
        );
        assert!(rotated.verify(&token, "tools/call", "t", None).is_ok(), "old key still verifies after rotation");
        let no_keys = StateKeys::new(Vec::new(), Duration::MAX);
        assert!(no_keys.verify(&no_keys.sign("tools/call", "t", None, Map::new()), "tools/call", "t", None).is_ok());
        let expired = StateKeys::new(keys.keys.clone(), Duration::ZERO);
        let stale = expired.sign("tools/call", "t", None, Map::new());
        std::thread::sleep(Duration::from_millis(1100));
        assert!(keys.verify(&stale, "tools/call", "t", None).is_err());
    }
}
