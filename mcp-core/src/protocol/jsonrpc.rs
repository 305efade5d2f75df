//! JSON-RPC 2.0: the envelope every MCP message travels in.
//!
//! Incoming bytes are decoded once into [`Message`]; `params` stay raw
//! ([`RawValue`]) so each method decodes them into its own type without an
//! intermediate `serde_json::Value`. Outgoing responses are written straight
//! into one buffer by [`encode_result`] and [`encode_error`].

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The `jsonrpc` member every message carries.
pub const VERSION: &str = "2.0";

/// Standard and MCP-specific JSON-RPC error codes.
pub mod code {
    /// Invalid JSON was received.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON sent is not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist or is not available.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid method parameters.
    pub const INVALID_PARAMS: i64 = -32602;
    /// Internal JSON-RPC error.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// MCP: the requested resource does not exist.
    pub const RESOURCE_NOT_FOUND: i64 = -32002;
    /// MCP: the client must complete a URL-mode elicitation first.
    pub const URL_ELICITATION_REQUIRED: i64 = -32042;
    /// Server-defined: the request was cancelled.
    pub const REQUEST_CANCELLED: i64 = -32800;
    /// A request the server sent the client got no answer in time (the
    /// SDKs' "request timed out").
    pub const REQUEST_TIMEOUT: i64 = -32001;
    /// The caller's token lacks a scope the call needs (this framework's
    /// code; the HTTP transport answers it 403 with
    /// `WWW-Authenticate: Bearer error="insufficient_scope"`).
    pub const INSUFFICIENT_SCOPE: i64 = -32003;
    /// Server-defined: a session is required or unknown.
    pub const SESSION_ERROR: i64 = -32000;
    /// A client holds its share of something bounded (this framework's
    /// code; the message names the limit, and the HTTP transport answers
    /// it 429).
    pub const LIMIT_REACHED: i64 = -32004;
    /// The server holds its maximum of something bounded for all clients
    /// together (this framework's code; the message names the limit, and
    /// the HTTP transport answers it 503 with `Retry-After`, so a balancer
    /// may try another replica).
    pub const SERVER_FULL: i64 = -32005;
}

/// Most characters of client input (a name, a URI, a method, a value) an
/// error message repeats: a longer one is cut, with `…`, so that no error
/// grows with what the client sent.
pub const MAX_ECHOED: usize = 128;

/// `input` as an error message may repeat it: its first [`MAX_ECHOED`]
/// characters, and `…` when it is longer.
///
/// ```
/// use quickmcp::protocol::jsonrpc::{MAX_ECHOED, echoed};
///
/// assert_eq!(echoed("get_weather"), "get_weather");
/// let long = "x".repeat(4 * 1024 * 1024);
/// assert_eq!(echoed(&long).chars().count(), MAX_ECHOED + 1);
/// assert!(echoed(&long).ends_with('…'));
/// ```
pub fn echoed(input: &str) -> Cow<'_, str> {
    match input.char_indices().nth(MAX_ECHOED) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &input[..cut])),
        None => Cow::Borrowed(input),
    }
}

/// A request id: JSON-RPC allows strings and integers (never `null` in MCP).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(String),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    /// One of [`code`] or an application code.
    pub code: i64,
    /// A short human-readable description.
    pub message: String,
    /// Optional structured detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl RpcError {
    /// An error with `code` and `message` and no data.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), data: None }
    }
    /// Attaches structured `data`.
    #[must_use]
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }
    /// `-32700`: the body is not JSON.
    pub fn parse_error(detail: impl fmt::Display) -> Self {
        Self::new(code::PARSE_ERROR, format!("Parse error: {detail}"))
    }
    /// `-32600`: JSON, but not a JSON-RPC message.
    pub fn invalid_request(detail: impl fmt::Display) -> Self {
        Self::new(code::INVALID_REQUEST, format!("Invalid request: {detail}"))
    }
    /// `-32601`: no such method.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(code::METHOD_NOT_FOUND, format!("Method not found: {}", echoed(method)))
    }
    /// `-32602`: the params do not fit the method.
    pub fn invalid_params(detail: impl fmt::Display) -> Self {
        Self::new(code::INVALID_PARAMS, format!("Invalid params: {detail}"))
    }
    /// `-32603`: a fault on our side.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::new(code::INTERNAL_ERROR, format!("Internal error: {detail}"))
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for RpcError {}

/// A request: a method call that expects a response.
#[derive(Debug)]
pub struct Request {
    /// Echoed in the response.
    pub id: RequestId,
    /// The method name, e.g. `tools/call`.
    pub method: String,
    /// Undecoded params.
    pub params: Option<Box<RawValue>>,
}

/// A notification: a method call without an id, never answered.
#[derive(Debug)]
pub struct Notification {
    /// The method name, e.g. `notifications/initialized`.
    pub method: String,
    /// Undecoded params.
    pub params: Option<Box<RawValue>>,
}

/// A response to a request the server sent to the client.
#[derive(Debug)]
pub struct Response {
    /// The id of the server's request.
    pub id: RequestId,
    /// The result, or the client's error.
    pub outcome: Result<Box<RawValue>, RpcError>,
}

/// Any JSON-RPC message received from a peer.
#[derive(Debug)]
pub enum Message {
    /// Expects a response.
    Request(Request),
    /// Expects nothing.
    Notification(Notification),
    /// Answers one of our requests.
    Response(Response),
}

impl Message {
    /// Decodes one message from bytes.
    ///
    /// Returns `-32700` when the bytes are not JSON and `-32600` when they are
    /// JSON but not a JSON-RPC 2.0 message (batches are not part of MCP since
    /// 2025-06-18 and are rejected as invalid requests).
    ///
    /// ```
    /// use quickmcp::protocol::jsonrpc::{Message, RequestId};
    /// let msg = Message::decode(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#).unwrap();
    /// let Message::Request(req) = msg else { panic!() };
    /// assert_eq!(req.id, RequestId::Number(7));
    /// assert_eq!(req.method, "ping");
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
        // Checked once here, the text is not checked again per string and
        // per raw member, as reading from bytes would.
        let text = std::str::from_utf8(bytes).map_err(|e| DecodeError::parse(format!("invalid UTF-8: {e}")))?;
        // A derived struct would also accept a JSON array of its members.
        if text.bytes().find(|b| !b.is_ascii_whitespace()) != Some(b'{') {
            return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Ok(_) => DecodeError::invalid(None, "a message must be a JSON object"),
                Err(e) => DecodeError::parse(e),
            });
        }
        let envelope: Envelope = match serde_json::from_str(text) {
            Ok(envelope) => envelope,
            Err(e) if e.is_syntax() || e.is_eof() => return Err(DecodeError::parse(e)),
            Err(e) => {
                // Valid JSON of the wrong shape: keep the id if we can find one.
                let id = serde_json::from_str::<IdOnly>(text).ok().and_then(|o| o.id);
                return Err(DecodeError { id, error: RpcError::invalid_request(echoed(&e.to_string())) });
            }
        };
        envelope.into_message()
    }
}

/// Why bytes could not become a [`Message`], with the request id when known.
#[derive(Debug)]
pub struct DecodeError {
    /// The id of the offending request, if one could be read.
    pub id: Option<RequestId>,
    /// `-32700` or `-32600`.
    pub error: RpcError,
}

impl DecodeError {
    fn parse(e: impl fmt::Display) -> Self {
        Self { id: None, error: RpcError::parse_error(e) }
    }
    fn invalid(id: Option<RequestId>, detail: &str) -> Self {
        Self { id, error: RpcError::invalid_request(detail) }
    }
}

#[derive(Deserialize)]
struct IdOnly {
    #[serde(default)]
    id: Option<RequestId>,
}

/// Every member a message may have; which are present decides its kind.
/// Members borrow from the input: only what the message keeps is copied.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    jsonrpc: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<Option<&'a RawValue>>,
    #[serde(borrow)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
    #[serde(borrow)]
    result: Option<&'a RawValue>,
    error: Option<RpcError>,
}

/// The id a raw JSON value spells. Most ids are integers, read here
/// directly (the text is valid JSON already, so `+` or leading zeros never
/// reach this); anything else goes through [`RequestId`]'s own decoding.
fn request_id(text: &str) -> Option<RequestId> {
    match text.parse::<i64>() {
        Ok(n) => Some(RequestId::Number(n)),
        Err(_) => serde_json::from_str(text).ok(),
    }
}

/// Distinguishes an absent member (`None`) from `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<&'de RawValue>>, D::Error> {
    let raw = <&RawValue>::deserialize(d)?;
    Ok(Some(if raw.get() == "null" { None } else { Some(raw) }))
}

impl Envelope<'_> {
    fn into_message(self) -> Result<Message, DecodeError> {
        let id = match self.id {
            Some(Some(raw)) => Some(
                request_id(raw.get()).ok_or_else(|| DecodeError::invalid(None, "id must be a string or an integer"))?,
            ),
            _ => None,
        };
        if self.jsonrpc.map(RawValue::get) != Some("\"2.0\"") {
            return Err(DecodeError::invalid(id, "jsonrpc must be \"2.0\""));
        }
        if let Some(params) = self.params
            && !matches!(params.get().as_bytes().first(), Some(b'{' | b'['))
        {
            return Err(DecodeError::invalid(id, "params must be an object or an array"));
        }
        let params = self.params.map(RawValue::to_owned);
        match (self.method, self.id, id) {
            (Some(method), None, _) => Ok(Message::Notification(Notification { method: method.into_owned(), params })),
            (Some(_), Some(None), _) => Err(DecodeError::invalid(None, "id must not be null")),
            (Some(method), Some(Some(_)), Some(id)) => {
                Ok(Message::Request(Request { id, method: method.into_owned(), params }))
            }
            (None, _, Some(id)) => match (self.result, self.error) {
                (Some(result), None) => Ok(Message::Response(Response { id, outcome: Ok(result.to_owned()) })),
                (None, Some(error)) => Ok(Message::Response(Response { id, outcome: Err(error) })),
                _ => Err(DecodeError::invalid(Some(id), "a response needs exactly one of result and error")),
            },
            (None, _, None) => Err(DecodeError::invalid(None, "missing method")),
            (Some(_), Some(Some(_)), None) => unreachable!("a present id is decoded above"),
        }
    }
}

/// Writes `{"jsonrpc":"2.0","id":…,"result":…}` into one buffer.
///
/// The buffer is sized exactly when the id's length is known beforehand
/// (numbers, and strings with nothing to escape): a body whose length is its
/// capacity becomes an HTTP body without another allocation.
pub fn encode_result(id: &RequestId, result: &RawValue) -> Vec<u8> {
    const HEAD: &[u8] = br#"{"jsonrpc":"2.0","id":"#;
    const MIDDLE: &[u8] = br#","result":"#;
    let id_len = written_id_len(id).unwrap_or(24);
    let mut out = Vec::with_capacity(HEAD.len() + id_len + MIDDLE.len() + result.get().len() + 1);
    out.extend_from_slice(HEAD);
    write_id(&mut out, id);
    out.extend_from_slice(MIDDLE);
    out.extend_from_slice(result.get().as_bytes());
    out.push(b'}');
    out
}

/// How many bytes [`write_id`] writes for `id`, when that is known without
/// writing it.
fn written_id_len(id: &RequestId) -> Option<usize> {
    match id {
        RequestId::Number(n) => {
            let digits = n.unsigned_abs().checked_ilog10().map_or(1, |log| log as usize + 1);
            Some(digits + usize::from(*n < 0))
        }
        RequestId::String(s) => {
            let plain = s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
            plain.then_some(s.len() + 2)
        }
    }
}

/// Writes `{"jsonrpc":"2.0","id":…,"error":…}`; `id` is `null` when unknown.
pub fn encode_error(id: Option<&RequestId>, error: &RpcError) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    match id {
        Some(id) => write_id(&mut out, id),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(br#","error":"#);
    // Serialising a struct of strings and numbers cannot fail.
    let _ = serde_json::to_writer(&mut out, error);
    out.push(b'}');
    out
}

/// Writes a notification `{"jsonrpc":"2.0","method":…,"params":…}`.
pub fn encode_notification(method: &str, params: &impl Serialize) -> Vec<u8> {
    encode_call(None, method, params)
}

/// Writes a server→client request.
pub fn encode_request(id: &RequestId, method: &str, params: &impl Serialize) -> Vec<u8> {
    encode_call(Some(id), method, params)
}

/// A request (with `id`) or a notification, in one buffer.
fn encode_call(id: Option<&RequestId>, method: &str, params: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","#);
    if let Some(id) = id {
        out.extend_from_slice(br#""id":"#);
        write_id(&mut out, id);
        out.push(b',');
    }
    out.extend_from_slice(br#""method":"#);
    let _ = serde_json::to_writer(&mut out, method);
    out.extend_from_slice(br#","params":"#);
    if serde_json::to_writer(&mut out, params).is_err() {
        out.extend_from_slice(b"{}");
    }
    out.push(b'}');
    out
}

fn write_id(out: &mut Vec<u8>, id: &RequestId) {
    match id {
        RequestId::Number(n) => {
            let _ = serde_json::to_writer(&mut *out, n);
        }
        RequestId::String(s) => {
            let _ = serde_json::to_writer(&mut *out, s);
        }
    }
}

/// Decodes `params` into `T`, treating absent params as `{}`.
pub fn decode_params<T: serde::de::DeserializeOwned>(params: Option<&RawValue>) -> Result<T, RpcError> {
    decode_params_borrowed(params)
}

/// Like [`decode_params`], for a `T` that borrows from `params`.
pub(crate) fn decode_params_borrowed<'a, T: Deserialize<'a>>(params: Option<&'a RawValue>) -> Result<T, RpcError> {
    let raw = params.map_or("{}", RawValue::get);
    // serde's message may quote the value it refused: cut it.
    serde_json::from_str(raw).map_err(|e| RpcError::invalid_params(echoed(&e.to_string())))
}

/// Serialises a result value into a raw JSON value.
pub fn to_raw(value: &impl Serialize) -> Result<Box<RawValue>, RpcError> {
    serde_json::value::to_raw_value(value).map_err(RpcError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_err(s: &str) -> DecodeError {
        Message::decode(s.as_bytes()).expect_err("should fail")
    }

    #[test]
    fn decodes_each_kind() {
        assert!(
            matches!(Message::decode(br#"{"jsonrpc":"2.0","id":"a","method":"x","params":{}}"#), Ok(Message::Request(r)) if r.id == RequestId::String("a".into()))
        );
        assert!(matches!(Message::decode(br#"{"jsonrpc":"2.0","method":"n"}"#), Ok(Message::Notification(_))));
        assert!(
            matches!(Message::decode(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#), Ok(Message::Response(r)) if r.outcome.is_ok())
        );
        assert!(
            matches!(Message::decode(br#"{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"m"}}"#), Ok(Message::Response(r)) if r.outcome.is_err())
        );
    }

    #[test]
    fn a_result_fills_its_buffer_exactly_when_the_id_is_plain() {
        let result = RawValue::from_string(r#"{"a":1}"#.into()).unwrap();
        for n in [0, 7, 10, 99, 12345, -1, -100, i64::MAX, i64::MIN] {
            let out = encode_result(&RequestId::Number(n), &result);
            assert_eq!(out.len(), out.capacity(), "id {n}");
            assert_eq!(out, format!(r#"{{"jsonrpc":"2.0","id":{n},"result":{{"a":1}}}}"#).into_bytes());
        }
        let plain = encode_result(&RequestId::String("req-1".into()), &result);
        assert_eq!(plain.len(), plain.capacity());
        let escaped = encode_result(&RequestId::String("a\"b\u{1}".into()), &result);
        let decoded: serde_json::Value = serde_json::from_slice(&escaped).unwrap();
        assert_eq!(decoded["id"], "a\"b\u{1}");
    }

    #[test]
    fn rejects_bad_input_with_the_right_code() {
        assert_eq!(decode_err("{not json").error.code, code::PARSE_ERROR);
        assert_eq!(decode_err("").error.code, code::PARSE_ERROR);
        let not_utf8 = Message::decode(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}").unwrap_err();
        assert_eq!(not_utf8.error.code, code::PARSE_ERROR);
        assert!(not_utf8.error.message.contains("invalid UTF-8"), "{}", not_utf8.error.message);
        assert_eq!(decode_err("[]").error.code, code::INVALID_REQUEST);
        assert_eq!(decode_err(r#"{"id":1,"method":"x"}"#).error.code, code::INVALID_REQUEST);
        assert_eq!(decode_err(r#"{"jsonrpc":"1.0","id":1,"method":"x"}"#).error.code, code::INVALID_REQUEST);
        assert_eq!(decode_err(r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#).error.code, code::INVALID_REQUEST);
        assert_eq!(decode_err(r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#).error.code, code::INVALID_REQUEST);
        assert_eq!(decode_err(r#"{"jsonrpc":"2.0","id":1e3,"method":"x"}"#).error.code, code::INVALID_REQUEST);
        let too_big = r#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"x"}"#;
        assert_eq!(decode_err(too_big).error.code, code::INVALID_REQUEST);
        for (id, want) in [("-7", RequestId::Number(-7)), (r#""7""#, RequestId::String("7".into()))] {
            let text = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"x"}}"#);
            assert!(matches!(Message::decode(text.as_bytes()), Ok(Message::Request(r)) if r.id == want), "{id}");
        }
        assert_eq!(decode_err(r#"{"jsonrpc":"2.0","id":1,"method":5}"#).error.code, code::INVALID_REQUEST);
        assert_eq!(decode_err(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#).error.code, code::INVALID_REQUEST);
        let e = decode_err(r#"{"jsonrpc":"1.0","id":9,"method":"x"}"#);
        assert_eq!(e.id, Some(RequestId::Number(9)));
    }

    #[test]
    fn encodes_in_one_buffer() {
        let raw = RawValue::from_string("{\"a\":1}".into()).unwrap();
        let out = encode_result(&RequestId::String("x".into()), &raw);
        assert_eq!(out, br#"{"jsonrpc":"2.0","id":"x","result":{"a":1}}"#);
        let out = encode_error(None, &RpcError::method_not_found("nope"));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["error"]["code"], -32601);
        assert!(v["id"].is_null());
    }
}
