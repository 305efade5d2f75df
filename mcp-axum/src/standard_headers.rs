//! The stateless era's standard request headers: `Mcp-Method` must repeat
//! the body's method, and `Mcp-Name` the tool or prompt name (or resource
//! URI) of `tools/call`, `prompts/get` and `resources/read` (and the task
//! id of `tasks/get`, `tasks/update` and `tasks/cancel`), so
//! intermediaries can route on headers alone.

use http::{HeaderMap, HeaderName};
use quickmcp::era::StatelessRequest;
use quickmcp::era::codes::HEADER_MISMATCH;
use quickmcp::protocol::jsonrpc::{Request, RpcError, echoed};
use serde::Deserialize;
use std::borrow::Cow;

/// `Mcp-Method`.
pub const MCP_METHOD: &str = "mcp-method";
/// `Mcp-Name`.
pub const MCP_NAME: &str = "mcp-name";

const MCP_METHOD_NAME: HeaderName = HeaderName::from_static(MCP_METHOD);
const MCP_NAME_NAME: HeaderName = HeaderName::from_static(MCP_NAME);

/// The arguments of a `tools/call`, read only when the tool mirrors some in
/// headers.
#[derive(Deserialize)]
struct CallArguments {
    arguments: Option<serde_json::Map<String, serde_json::Value>>,
}

fn mismatch(message: String) -> RpcError {
    RpcError::new(HEADER_MISMATCH, format!("Header mismatch: {message}"))
}

/// Checks `Mcp-Method`, `Mcp-Name` and the `Mcp-Param-*` headers of the
/// tool's header-mirrored arguments against the request body (`-32020`).
/// A body whose members cannot be read never passes for one that agrees.
pub fn check(
    headers: &HeaderMap,
    request: &Request,
    era: &StatelessRequest,
    server: &quickmcp::Server,
) -> Result<(), RpcError> {
    let method = headers.get(MCP_METHOD_NAME).and_then(|v| v.to_str().ok()).map(str::trim);
    match method {
        None => return Err(mismatch("the Mcp-Method header is required".into())),
        Some(m) if m != request.method => {
            let (m, method) = (echoed(m), echoed(&request.method));
            return Err(mismatch(format!("Mcp-Method {m:?} but the body's method is {method:?}")));
        }
        Some(_) => {}
    }
    if request.method == "tools/call"
        && let Some(tool) = era.name.as_deref().and_then(|n| server.tool(n))
    {
        let mut mirrored = tool.header_params().peekable();
        if mirrored.peek().is_some() {
            let body = request.params.as_deref().and_then(|p| serde_json::from_str::<CallArguments>(p.get()).ok());
            let arguments = body.and_then(|b| b.arguments);
            for (argument, suffix) in mirrored {
                check_param(headers, suffix, arguments.as_ref().and_then(|a| a.get(argument)))?;
            }
        }
    }
    let expected = match request.method.as_str() {
        "tools/call" | "prompts/get" => era.name.as_deref(),
        "resources/read" => era.uri.as_deref(),
        // The tasks extension routes on the task (SEP-2663).
        "tasks/get" | "tasks/update" | "tasks/cancel" => era.task_id.as_deref(),
        _ => None,
    };
    if let Some(expected) = expected {
        // Like a parameter's value, a name headers cannot hold comes as
        // `=?base64?…?=`.
        let header = headers.get(MCP_NAME_NAME).ok_or_else(|| mismatch("the Mcp-Name header is required".into()))?;
        let name = decode_param_value(header.as_bytes()).map_err(|why| mismatch(format!("Mcp-Name {why}")))?;
        if name != expected {
            let (name, expected) = (echoed(&name), echoed(expected));
            return Err(mismatch(format!("Mcp-Name {name:?} but the body names {expected:?}")));
        }
    }
    Ok(())
}

/// `Mcp-Param-<suffix>` must carry the argument's value: literally, or as
/// `=?base64?…?=` (standard alphabet, padded) for values headers cannot hold.
fn check_param(headers: &HeaderMap, suffix: &str, value: Option<&serde_json::Value>) -> Result<(), RpcError> {
    let header = headers.get(format!("mcp-param-{suffix}").as_str());
    let expected = value.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    match (header, expected) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(mismatch(format!("the Mcp-Param-{suffix} header is required"))),
        (Some(_), None) => Err(mismatch(format!("Mcp-Param-{suffix} names an argument the body lacks"))),
        (Some(header), Some(expected)) => {
            let actual =
                decode_param_value(header.as_bytes()).map_err(|why| mismatch(format!("Mcp-Param-{suffix} {why}")))?;
            if actual == expected {
                Ok(())
            } else {
                let (actual, expected) = (echoed(&actual), echoed(&expected));
                Err(mismatch(format!("Mcp-Param-{suffix} {actual:?} but the argument is {expected:?}")))
            }
        }
    }
}

/// The text an `Mcp-Param-*` header value carries: the value itself
/// (visible ASCII, trimmed), or the UTF-8 text that `=?base64?…?=` encodes
/// (standard alphabet, padded). The error says what is wrong with it.
#[doc(hidden)]
pub fn decode_param_value(raw: &[u8]) -> Result<Cow<'_, str>, &'static str> {
    let text = std::str::from_utf8(raw).ok().filter(|t| t.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)));
    let text = text.ok_or("is not visible ASCII")?.trim();
    match text.strip_prefix("=?base64?").and_then(|r| r.strip_suffix("?=")) {
        Some(encoded) => {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| "is not valid base64")?;
            String::from_utf8(bytes).map(Cow::Owned).map_err(|_| "is not UTF-8")
        }
        None => Ok(Cow::Borrowed(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickmcp::protocol::jsonrpc::RequestId;

    fn request(method: &str, params: &str) -> Request {
        Request {
            id: RequestId::Number(1),
            method: method.into(),
            params: Some(serde_json::value::RawValue::from_string(params.into()).unwrap()),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), v.parse().unwrap())).collect()
    }

    #[test]
    fn param_headers_match_literally_or_in_base64() {
        let value = serde_json::json!("Hello");
        let ok = |h: &str| check_param(&headers(&[("mcp-param-greeting", h)]), "Greeting", Some(&value)).is_ok();
        assert!(ok("Hello") && ok("=?base64?SGVsbG8=?="));
        assert!(!ok("=?base64?SGVsbG8?=") && !ok("=?base64?SGVs!!!bG8=?=") && !ok("Bye"));
        assert!(check_param(&headers(&[]), "Greeting", Some(&value)).is_err());
        assert!(check_param(&headers(&[]), "Greeting", None).is_ok());
    }

    #[test]
    fn method_and_name_must_agree() {
        let server = quickmcp::Server::builder("t", "0").build();
        let check = |h: &HeaderMap, r: &Request| {
            let params = r#"{"name":"add","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}"#;
            let params = serde_json::value::RawValue::from_string(params.into()).unwrap();
            let era = StatelessRequest::parse(Some("2026-07-28"), Some(&params)).unwrap();
            check(h, r, &era, &server)
        };
        let call = request("tools/call", r#"{"name":"add"}"#);
        assert!(check(&headers(&[("mcp-method", "tools/call"), ("mcp-name", " add ")]), &call).is_ok());
        assert!(check(&headers(&[("mcp-method", "tools/call")]), &call).is_err());
        assert!(check(&headers(&[("mcp-method", "TOOLS/CALL"), ("mcp-name", "add")]), &call).is_err());
        assert!(check(&headers(&[("mcp-method", "tools/call"), ("mcp-name", "sub")]), &call).is_err());
        assert!(check(&headers(&[("mcp-method", "tools/call"), ("mcp-name", "=?base64?YWRk?=")]), &call).is_ok());
        assert!(check(&headers(&[]), &request("tools/list", "{}")).is_err());
        assert!(check(&headers(&[("mcp-method", "tools/list")]), &request("tools/list", "{}")).is_ok());
    }
}
