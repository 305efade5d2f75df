//! The stateless era (2026-07-28), gathered in one place: per-request
//! `_meta` instead of `initialize`, its validation rules and error codes,
//! `resultType` on results, the signed `requestState` of multi-round-trip
//! (`input_required`) requests ([`StateKeys`]) and how a handler's question
//! to the client becomes such a round trip (`rounds`). The era's method
//! table is `server::stateless`.

mod meta;
mod request_state;
pub(crate) mod rounds;

pub use meta::StatelessMeta;
pub use request_state::{RequestState, StateKeys};

use crate::protocol::jsonrpc::RpcError;
use crate::protocol::version;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::sync::Arc;

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

/// The protocol era a request belongs to: the one place it is decided is
/// [`RequestEnv::era`](crate::peer::RequestEnv::era) (a request carries the
/// stateless era's reading of its `_meta`, or it does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// 2025-11-25 and earlier: `initialize` and `Mcp-Session-Id`.
    Session,
    /// 2026-07-28: every request stands alone with its `_meta`.
    Stateless,
}

impl Era {
    /// The stateless era when `stateless`, else the session era.
    pub(crate) fn of(stateless: bool) -> Self {
        if stateless { Era::Stateless } else { Era::Session }
    }

    /// A handler's result as this era answers it: as is, or marked complete.
    pub(crate) fn encode(self, result: &impl Serialize) -> Result<Box<RawValue>, RpcError> {
        match self {
            Era::Session => crate::protocol::jsonrpc::to_raw(result),
            Era::Stateless => crate::protocol::jsonrpc::to_raw(&Complete::new(result)),
        }
    }

    /// Like [`Era::encode`], for a result meant for this caller only.
    pub(crate) fn encode_private(self, result: &impl Serialize) -> Result<Box<RawValue>, RpcError> {
        match self {
            Era::Session => crate::protocol::jsonrpc::to_raw(result),
            Era::Stateless => crate::protocol::jsonrpc::to_raw(&Complete::private(result)),
        }
    }
}

/// What the stateless era reads from a request before dispatch, in one pass
/// over its params: the client's declarations in `_meta`, and the members
/// of a multi-round call (`tools/call`, `prompts/get`, `resources/read`).
#[derive(Debug, Clone, Default)]
pub struct StatelessRequest {
    /// The validated `_meta` declarations (shared: clients repeat them).
    pub meta: Arc<StatelessMeta>,
    /// `params.name`, when a string (the tool or prompt called).
    pub name: Option<String>,
    /// `params.uri`, when a string (the resource read).
    pub uri: Option<String>,
    /// `params.inputResponses`, as sent: the client's answers of this round.
    pub input_responses: Option<Box<RawValue>>,
    /// `params.requestState`, as sent: the signed state of earlier rounds.
    pub request_state: Option<Box<RawValue>>,
    /// `params.arguments`, as sent (a tool's arguments).
    pub arguments: Option<Box<RawValue>>,
    /// `params._meta.progressToken`, when the client asked for progress.
    pub progress_token: Option<Value>,
    /// `params.taskId`, when a string (the task of `tasks/*`).
    pub task_id: Option<String>,
    /// `params.name` when present but not a string: the call is refused.
    bad_name: Option<String>,
}

/// The members of a stateless-era request's params the era reads, borrowed
/// from the request (`null` counts as absent). A member of an unexpected
/// type is kept as sent and left for the handler's own decoding to refuse.
#[derive(Default)]
struct EraParams<'a> {
    meta: Option<&'a str>,
    name: Option<&'a str>,
    uri: Option<&'a str>,
    task_id: Option<&'a str>,
    arguments: Option<&'a str>,
    input_responses: Option<&'a str>,
    request_state: Option<&'a str>,
}

impl<'a> EraParams<'a> {
    /// The params' era members; nothing when the params are not an object
    /// or name a member twice (the request then fails validation).
    fn parse(params: Option<&'a RawValue>) -> Self {
        let Some(params) = params else { return Self::default() };
        let mut fields = Self::default();
        let mut twice = false;
        let each = |key, value| {
            let key = crate::members::unescaped(key).unwrap_or_default();
            let slot = match key.as_ref() {
                "_meta" => &mut fields.meta,
                "name" => &mut fields.name,
                "uri" => &mut fields.uri,
                "taskId" => &mut fields.task_id,
                "arguments" => &mut fields.arguments,
                "inputResponses" => &mut fields.input_responses,
                "requestState" => &mut fields.request_state,
                _ => return,
            };
            twice |= slot.is_some();
            *slot = Some(value).filter(|v| *v != "null");
        };
        // A repeated `_meta` (the common case) is found without a scan.
        let found = meta::with_last_text(|last| {
            crate::members::for_each_expecting(params.get(), last.map(|text| ("_meta", text)), each)
        });
        if found.is_none() || twice { Self::default() } else { fields }
    }
}

/// A string member, or `Err` with the member's text when it is not one.
/// The member is a whole JSON value, so quotes at both ends make it a
/// string, read without serde unless it holds escapes.
fn string(raw: Option<&str>) -> Result<Option<String>, String> {
    let Some(raw) = raw else { return Ok(None) };
    match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).and_then(crate::members::unescaped) {
        Some(text) => Ok(Some(text.into_owned())),
        None => Err(raw.to_owned()),
    }
}

/// A member kept as sent.
fn raw(member: Option<&str>) -> Option<Box<RawValue>> {
    member.and_then(|text| serde_json::from_str(text).ok())
}

/// Whether a request belongs to the stateless era: its `MCP-Protocol-Version`
/// header names a stateless revision, or (header absent or unknown) its
/// `_meta` names a protocol version.
pub fn is_stateless_request(header_version: Option<&str>, params: Option<&RawValue>) -> bool {
    match header_version {
        Some(v) if version::is_stateless(v) => true,
        Some(v) if version::is_supported(v) => false,
        _ => EraParams::parse(params).meta.is_some_and(meta::names_a_version),
    }
}

impl StatelessRequest {
    /// Reads and checks a stateless-era request's header and params, in the
    /// order the revision prescribes: header present, `_meta` complete,
    /// header and `_meta` agree, revision supported. Every error is answered
    /// with HTTP 400.
    pub fn parse(header_version: Option<&str>, params: Option<&RawValue>) -> Result<Self, RpcError> {
        let Some(header) = header_version else {
            return Err(RpcError::new(
                codes::HEADER_MISMATCH,
                "Header mismatch: the MCP-Protocol-Version header is required",
            ));
        };
        let fields = EraParams::parse(params);
        let raw_meta = fields
            .meta
            .ok_or_else(|| RpcError::invalid_params("`params._meta` is required in this protocol revision"))?;
        let declared = meta::Declared::read(header, raw_meta)?;
        let (name, bad_name) = match string(fields.name) {
            Ok(name) => (name, None),
            Err(raw) => (None, Some(raw)),
        };
        Ok(Self {
            meta: declared.meta,
            name,
            uri: string(fields.uri).unwrap_or_default(),
            input_responses: raw(fields.input_responses),
            request_state: raw(fields.request_state),
            arguments: raw(fields.arguments),
            progress_token: declared.progress_token,
            task_id: string(fields.task_id).unwrap_or_default(),
            bad_name,
        })
    }

    /// The `tools/call` members read in the same pass, once its name is
    /// known to be a string: its arguments and progress token, moved out
    /// (the name stays, for the round's signed state).
    pub(crate) fn take_tool_call(&mut self) -> Result<(Option<Box<RawValue>>, Option<Value>), RpcError> {
        match (&self.name, &self.bad_name) {
            (Some(_), _) => Ok((self.arguments.take(), self.progress_token.take())),
            (None, Some(raw)) => {
                Err(RpcError::invalid_params(format!("invalid tool name {}", crate::protocol::jsonrpc::echoed(raw))))
            }
            (None, None) => Err(RpcError::invalid_params("missing field `name`")),
        }
    }
}

/// A completed stateless-era result: `resultType: "complete"` and, for a
/// per-caller result, cache hints, around the result's own members.
#[derive(Serialize)]
pub(crate) struct Complete<'a, T> {
    #[serde(rename = "resultType")]
    result_type: &'static str,
    #[serde(flatten)]
    result: &'a T,
    #[serde(rename = "ttlMs", skip_serializing_if = "Option::is_none")]
    ttl_ms: Option<u64>,
    #[serde(rename = "cacheScope", skip_serializing_if = "Option::is_none")]
    cache_scope: Option<&'static str>,
}

impl<'a, T> Complete<'a, T> {
    /// A result anyone may cache as its method allows.
    pub(crate) fn new(result: &'a T) -> Self {
        Self { result_type: "complete", result, ttl_ms: None, cache_scope: None }
    }

    /// A result for this caller only (`resources/read`), not to be reused.
    pub(crate) fn private(result: &'a T) -> Self {
        Self { ttl_ms: Some(0), cache_scope: Some("private"), ..Self::new(result) }
    }
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
pub(crate) fn annotate(
    result: &RawValue,
    result_type: &str,
    extra: &[(&str, Value)],
) -> Result<Box<RawValue>, RpcError> {
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
        fn validate_meta(header: Option<&str>, params: Option<&RawValue>) -> Result<StatelessRequest, RpcError> {
            StatelessRequest::parse(header, params)
        }
        let ok = meta("2026-07-28");
        assert!(validate_meta(Some("2026-07-28"), Some(&ok)).is_ok());
        assert_eq!(validate_meta(None, Some(&ok)).unwrap_err().code, codes::HEADER_MISMATCH);
        assert_eq!(validate_meta(Some("2026-07-28"), Some(&raw(json!({})))).unwrap_err().code, -32602);
        let no_caps = raw(json!({"_meta": {META_PROTOCOL_VERSION: "2026-07-28"}}));
        assert_eq!(validate_meta(Some("2026-07-28"), Some(&no_caps)).unwrap_err().code, -32602);
        assert_eq!(validate_meta(Some("2026-07-28"), Some(&meta("v999"))).unwrap_err().code, codes::HEADER_MISMATCH);
        let unsupported = validate_meta(Some("v999"), Some(&meta("v999"))).unwrap_err();
        assert_eq!(unsupported.code, codes::UNSUPPORTED_PROTOCOL_VERSION);
        assert_eq!(unsupported.data.unwrap()["requested"], "v999");
    }

    #[test]
    fn round_members_are_read_leniently() {
        let params = raw(json!({
            "_meta": {META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {}},
            "name": "greet", "uri": 7, "arguments": 0, "requestState": "s",
        }));
        let request = StatelessRequest::parse(Some("2026-07-28"), Some(&params)).unwrap();
        assert_eq!((request.name.as_deref(), request.uri.as_deref()), (Some("greet"), None));
        assert_eq!(request.arguments.as_deref().map(RawValue::get), Some("0"));
        assert_eq!(request.request_state.unwrap().get(), r#""s""#);
        assert!(request.input_responses.is_none());
        let escaped = raw(json!({
            "_meta": {META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {}},
            "name": "say \"hi\"\n", "uri": "",
        }));
        let unescaped = StatelessRequest::parse(Some("2026-07-28"), Some(&escaped)).unwrap();
        assert_eq!((unescaped.name.as_deref(), unescaped.uri.as_deref()), (Some("say \"hi\"\n"), Some("")));
    }

    #[test]
    fn complete_results_carry_their_type_and_hints() {
        let result = json!({"contents": []});
        let plain = serde_json::to_value(Complete::new(&result)).unwrap();
        assert_eq!(plain, json!({"resultType": "complete", "contents": []}));
        let private = serde_json::to_value(Complete::private(&result)).unwrap();
        assert_eq!(private, json!({"resultType": "complete", "contents": [], "ttlMs": 0, "cacheScope": "private"}));
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
}
