//! The stateless era's standard request headers: `Mcp-Method` must repeat
//! the body's method, and `Mcp-Name` the tool or prompt name (or resource
//! URI) of `tools/call`, `prompts/get` and `resources/read`, so
//! intermediaries can route on headers alone.

use http::HeaderMap;
use mcp_core::jsonrpc::{Request, RpcError};
use mcp_core::stateless::codes::HEADER_MISMATCH;
use serde::Deserialize;

/// `Mcp-Method`.
pub const MCP_METHOD: &str = "mcp-method";
/// `Mcp-Name`.
pub const MCP_NAME: &str = "mcp-name";

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
    uri: Option<String>,
}

fn mismatch(message: String) -> RpcError {
    RpcError::new(HEADER_MISMATCH, format!("Header mismatch: {message}"))
}

/// Checks `Mcp-Method` and `Mcp-Name` against the request body (`-32020`).
pub fn check(headers: &HeaderMap, request: &Request) -> Result<(), RpcError> {
    let method = headers
        .get(MCP_METHOD)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    match method {
        None => return Err(mismatch("the Mcp-Method header is required".into())),
        Some(m) if m != request.method => {
            return Err(mismatch(format!(
                "Mcp-Method {m:?} but the body's method is {:?}",
                request.method
            )));
        }
        Some(_) => {}
    }
    let named = request
        .params
        .as_deref()
        .and_then(|p| serde_json::from_str::<Named>(p.get()).ok());
    let expected = match request.method.as_str() {
        "tools/call" | "prompts/get" => named.and_then(|n| n.name),
        "resources/read" => named.and_then(|n| n.uri),
        _ => None,
    };
    if let Some(expected) = expected {
        match headers
            .get(MCP_NAME)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
        {
            None => return Err(mismatch("the Mcp-Name header is required".into())),
            Some(name) if name != expected => {
                return Err(mismatch(format!(
                    "Mcp-Name {name:?} but the body names {expected:?}"
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_core::jsonrpc::RequestId;

    fn request(method: &str, params: &str) -> Request {
        Request {
            id: RequestId::Number(1),
            method: method.into(),
            params: Some(serde_json::value::RawValue::from_string(params.into()).unwrap()),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (http::HeaderName::from_static(k), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn method_and_name_must_agree() {
        let call = request("tools/call", r#"{"name":"add"}"#);
        assert!(
            check(
                &headers(&[("mcp-method", "tools/call"), ("mcp-name", " add ")]),
                &call
            )
            .is_ok()
        );
        assert!(check(&headers(&[("mcp-method", "tools/call")]), &call).is_err());
        assert!(
            check(
                &headers(&[("mcp-method", "TOOLS/CALL"), ("mcp-name", "add")]),
                &call
            )
            .is_err()
        );
        assert!(
            check(
                &headers(&[("mcp-method", "tools/call"), ("mcp-name", "sub")]),
                &call
            )
            .is_err()
        );
        assert!(check(&headers(&[]), &request("tools/list", "{}")).is_err());
        assert!(
            check(
                &headers(&[("mcp-method", "tools/list")]),
                &request("tools/list", "{}")
            )
            .is_ok()
        );
    }
}
