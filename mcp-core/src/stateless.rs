//! The stateless era (2026-07-28): per-request `_meta` instead of
//! `initialize`, its validation rules and error codes, and the signed
//! `requestState` of multi-round-trip (`input_required`) requests.

use crate::jsonrpc::RpcError;
use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel, version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `_meta` key of the request's protocol revision.
pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key of the request's client capabilities.
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key of the client's name and version.
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key of the log level the client wants for this request.
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// Result `_meta` key naming the server.
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// Error codes of the stateless era.
pub mod codes {
    /// HTTP headers disagree with the body, or are missing or malformed.
    pub const HEADER_MISMATCH: i64 = -32020;
    /// The request needs a client capability it did not declare.
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
    /// The protocol revision is not supported.
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
}

/// What a stateless-era request declared in its `_meta`.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// The revision of this request.
    pub protocol_version: String,
    /// What the client can do for this request.
    pub client_capabilities: ClientCapabilities,
    /// Who the client says it is.
    pub client_info: Option<Implementation>,
    /// The minimum level of log messages wanted; none are sent when absent.
    pub log_level: Option<LoggingLevel>,
}

#[derive(Deserialize)]
struct ParamsWithMeta<'a> {
    #[serde(rename = "_meta", borrow)]
    meta: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct MetaFields {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion")]
    protocol_version: Option<String>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities")]
    client_capabilities: Option<ClientCapabilities>,
    #[serde(rename = "io.modelcontextprotocol/clientInfo")]
    client_info: Option<Implementation>,
    #[serde(rename = "io.modelcontextprotocol/logLevel")]
    log_level: Option<LoggingLevel>,
}

fn meta_fields(params: Option<&RawValue>) -> Option<MetaFields> {
    let params: ParamsWithMeta<'_> = serde_json::from_str(params?.get()).ok()?;
    serde_json::from_str(params.meta?.get()).ok()
}

/// Whether a request belongs to the stateless era: its `MCP-Protocol-Version`
/// header names a stateless revision, or (header absent or unknown) its
/// `_meta` names a protocol version.
pub fn is_stateless_request(header_version: Option<&str>, params: Option<&RawValue>) -> bool {
    match header_version {
        Some(v) if version::is_stateless(v) => true,
        Some(v) if version::is_supported(v) => false,
        _ => meta_fields(params).is_some_and(|m| m.protocol_version.is_some()),
    }
}

/// Checks a stateless-era request's header and `_meta`, in the order the
/// revision prescribes: header present, `_meta` complete, header and `_meta`
/// agree, revision supported. Every error is answered with HTTP 400.
pub fn validate(header_version: Option<&str>, params: Option<&RawValue>) -> Result<RequestMeta, RpcError> {
    let Some(header) = header_version else {
        return Err(RpcError::new(
            codes::HEADER_MISMATCH,
            "Header mismatch: the MCP-Protocol-Version header is required",
        ));
    };
    let fields = meta_fields(params)
        .ok_or_else(|| RpcError::invalid_params("`params._meta` is required in this protocol revision"))?;
    let protocol_version = fields
        .protocol_version
        .ok_or_else(|| RpcError::invalid_params(format!("`_meta` must carry `{META_PROTOCOL_VERSION}`")))?;
    let client_capabilities = fields
        .client_capabilities
        .ok_or_else(|| RpcError::invalid_params(format!("`_meta` must carry `{META_CLIENT_CAPABILITIES}`")))?;
    if header != protocol_version {
        return Err(RpcError::new(
            codes::HEADER_MISMATCH,
            format!("Header mismatch: MCP-Protocol-Version {header:?} but _meta says {protocol_version:?}"),
        ));
    }
    if !version::is_stateless(&protocol_version) {
        return Err(unsupported_version(&protocol_version));
    }
    Ok(RequestMeta {
        protocol_version,
        client_capabilities,
        client_info: fields.client_info,
        log_level: fields.log_level,
    })
}

/// `-32022` listing the stateless-era revisions (what `server/discover` lists).
pub fn unsupported_version(requested: &str) -> RpcError {
    RpcError::new(codes::UNSUPPORTED_PROTOCOL_VERSION, format!("Unsupported protocol version: {requested}"))
        .with_data(json!({ "supported": version::STATELESS, "requested": requested }))
}

/// `-32021` naming the capability the request needed.
pub fn missing_capability(capability: &str) -> RpcError {
    let mut required = Map::new();
    required.insert(capability.to_owned(), json!({}));
    RpcError::new(
        codes::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!("Missing required client capability: {capability}"),
    )
    .with_data(json!({ "requiredCapabilities": required }))
}

/// Adds `resultType` (and any `extra` members) to a result object.
pub fn annotate(result: &RawValue, result_type: &str, extra: &[(&str, Value)]) -> Result<Box<RawValue>, RpcError> {
    let mut fields = format!("\"resultType\":{}", Value::from(result_type));
    for (key, value) in extra {
        fields.push_str(&format!(",{}:{value}", Value::from(*key)));
    }
    let body = result.get().trim();
    let inner = body
        .strip_prefix('{')
        .and_then(|b| b.strip_suffix('}'))
        .ok_or_else(|| RpcError::internal("result is not an object"))?;
    let joined = if inner.trim().is_empty() { format!("{{{fields}}}") } else { format!("{{{fields},{inner}}}") };
    RawValue::from_string(joined).map_err(RpcError::internal)
}

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
        let key: [u8; 32] = rand::random();
        Self { keys: vec![("r".into(), key.to_vec())], lifetime: Duration::from_secs(600) }
    }

    /// Keys as `(id, secret)`, newest first (it signs); older ones still
    /// verify. States expire after `lifetime`.
    pub fn new(keys: Vec<(String, Vec<u8>)>, lifetime: Duration) -> Self {
        Self { keys, lifetime }
    }

    fn mac(secret: &[u8], payload: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(payload.as_bytes());
        mac
    }

    /// Signs a state for `method`/`name` carrying `answers`.
    pub fn sign(&self, method: &str, name: &str, answers: Map<String, Value>) -> String {
        let (key_id, secret) = &self.keys[0];
        let state = RequestState {
            method: method.to_owned(),
            name: name.to_owned(),
            answers,
            expires: now() + self.lifetime.as_secs(),
            key_id: key_id.clone(),
        };
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&state).unwrap_or_default());
        let tag = URL_SAFE_NO_PAD.encode(Self::mac(secret, &payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// Verifies a state and checks it belongs to `method`/`name` and has
    /// not expired. A forged, altered, foreign or stale state is `-32602`.
    pub fn verify(&self, token: &str, method: &str, name: &str) -> Result<RequestState, RpcError> {
        let invalid = |why: &str| RpcError::invalid_params(format!("invalid requestState: {why}"));
        let (payload, tag) = token.split_once('.').ok_or_else(|| invalid("malformed"))?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid("malformed"))?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid("malformed"))?;
        let state: RequestState = serde_json::from_slice(&bytes).map_err(|_| invalid("malformed"))?;
        let (_, secret) = self.keys.iter().find(|(id, _)| *id == state.key_id).ok_or_else(|| invalid("unknown key"))?;
        Self::mac(secret, payload).verify_slice(&tag).map_err(|_| invalid("signature mismatch"))?;
        if state.expires < now() {
            return Err(invalid("expired"));
        }
        if state.method != method || state.name != name {
            return Err(invalid("issued for another request"));
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(v: Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(&v).unwrap()
    }

    fn meta(version: &str) -> Box<RawValue> {
        raw(json!({"_meta": {META_PROTOCOL_VERSION: version, META_CLIENT_CAPABILITIES: {}}}))
    }

    #[test]
    fn validation_follows_the_prescribed_order() {
        let ok = meta("2026-07-28");
        assert!(validate(Some("2026-07-28"), Some(&ok)).is_ok());
        assert_eq!(validate(None, Some(&ok)).unwrap_err().code, codes::HEADER_MISMATCH);
        assert_eq!(validate(Some("2026-07-28"), Some(&raw(json!({})))).unwrap_err().code, -32602);
        let no_caps = raw(json!({"_meta": {META_PROTOCOL_VERSION: "2026-07-28"}}));
        assert_eq!(validate(Some("2026-07-28"), Some(&no_caps)).unwrap_err().code, -32602);
        assert_eq!(validate(Some("2026-07-28"), Some(&meta("v999"))).unwrap_err().code, codes::HEADER_MISMATCH);
        let unsupported = validate(Some("v999"), Some(&meta("v999"))).unwrap_err();
        assert_eq!(unsupported.code, codes::UNSUPPORTED_PROTOCOL_VERSION);
        assert_eq!(unsupported.data.unwrap()["requested"], "v999");
    }

    #[test]
    fn era_detection() {
        assert!(is_stateless_request(Some("2026-07-28"), None));
        assert!(!is_stateless_request(Some("2025-11-25"), Some(&meta("2026-07-28"))));
        assert!(is_stateless_request(None, Some(&meta("2026-07-28"))));
        assert!(!is_stateless_request(None, Some(&raw(json!({"name": "x"})))));
    }

    #[test]
    fn annotate_inserts_members() {
        let r = annotate(&raw(json!({})), "complete", &[]).unwrap();
        assert_eq!(r.get(), r#"{"resultType":"complete"}"#);
        let r = annotate(&raw(json!({"a": 1})), "complete", &[("ttlMs", json!(0))]).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(r.get()).unwrap(),
            json!({"a": 1, "resultType": "complete", "ttlMs": 0})
        );
    }

    #[test]
    fn request_state_rejects_tampering_expiry_and_reuse_elsewhere() {
        let keys = StateKeys::random();
        let mut answers = Map::new();
        answers.insert("k".into(), json!(1));
        let token = keys.sign("tools/call", "t", answers.clone());
        assert_eq!(keys.verify(&token, "tools/call", "t").unwrap().answers, answers);
        assert!(keys.verify(&format!("{token}-TAMPERED"), "tools/call", "t").is_err());
        assert!(keys.verify(&token, "tools/call", "other").is_err());
        assert!(StateKeys::random().verify(&token, "tools/call", "t").is_err());
        let rotated = StateKeys::new(
            vec![("new".into(), vec![1; 32]), ("r".into(), keys.keys[0].1.clone())],
            Duration::from_secs(60),
        );
        assert!(rotated.verify(&token, "tools/call", "t").is_ok(), "old key still verifies after rotation");
        let expired = StateKeys::new(keys.keys.clone(), Duration::ZERO);
        let stale = expired.sign("tools/call", "t", Map::new());
        std::thread::sleep(Duration::from_millis(1100));
        assert!(keys.verify(&stale, "tools/call", "t").is_err());
    }
}
