//! The bearer layer at the HTTP edge: every request to the endpoint needs a
//! valid token (401 with a `WWW-Authenticate` challenge naming the
//! protected-resource metadata otherwise); the verified [`Principal`]
//! goes into the request's extensions for MCP middleware and handlers.

use super::Auth;
use super::verifier::AuthError;
use crate::reply::{self, NeededScope};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use mcp_core::jsonrpc::code;

pub(crate) async fn require_bearer(State(auth): State<Auth>, mut request: Request, next: Next) -> Response {
    let token = match bearer_token(request.headers()) {
        Ok(Some(token)) => token,
        Ok(None) => {
            return challenge(&auth, StatusCode::UNAUTHORIZED, None, "Unauthorized: a bearer token is required");
        }
        Err(()) => {
            let why = "Bad Request: the Authorization header is not `Bearer <token>`";
            return challenge(&auth, StatusCode::BAD_REQUEST, Some(("invalid_request", why)), why);
        }
    };
    match auth.verifier.verify(&token).await {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            let mut response = next.run(request).await;
            // A call refused for its scopes: name the metadata in the step-up challenge.
            if let Some(NeededScope(scope)) = response.extensions_mut().remove::<NeededScope>() {
                let why = format!("this needs {scope}");
                let value = www_authenticate(&auth, Some(("insufficient_scope", &why)), Some(&scope));
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
                }
            }
            response
        }
        Err(AuthError::Invalid(why)) => {
            let message = format!("Unauthorized: {why}");
            challenge(&auth, StatusCode::UNAUTHORIZED, Some(("invalid_token", &why)), &message)
        }
        Err(AuthError::Unavailable(why)) => {
            tracing::warn!(reason = %why, "tokens cannot be verified");
            reply::refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                code::SESSION_ERROR,
                "Service Unavailable: tokens cannot be verified now",
            )
        }
    }
}

/// The token of an `Authorization: Bearer …` header; `None` without one (or
/// with another scheme); `Err` when it is malformed.
fn bearer_token(headers: &http::HeaderMap) -> Result<Option<String>, ()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    let Some((scheme, token)) = value.split_once(' ') else {
        return if value.eq_ignore_ascii_case("bearer") { Err(()) } else { Ok(None) };
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = token.trim();
    // RFC 6750 b64token characters.
    let valid = !token.is_empty() && token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
    if valid { Ok(Some(token.to_owned())) } else { Err(()) }
}

/// A refusal with `WWW-Authenticate: Bearer resource_metadata="…",
/// scope="…"` and, for a bad token, its `error`.
fn challenge(auth: &Auth, status: StatusCode, error: Option<(&str, &str)>, message: &str) -> Response {
    let mut response = reply::refuse(status, code::SESSION_ERROR, message);
    if let Ok(value) = HeaderValue::from_str(&www_authenticate(auth, error, None)) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The `WWW-Authenticate` value: the metadata URL, the scopes (those a
/// call needs, or all supported), and the error when there is one.
pub(crate) fn www_authenticate(auth: &Auth, error: Option<(&str, &str)>, needed: Option<&str>) -> String {
    let mut value = format!("Bearer resource_metadata=\"{}\"", auth.config.metadata_url());
    let scope = needed.map(str::to_owned).unwrap_or_else(|| auth.config.scopes_supported.join(" "));
    if !scope.is_empty() {
        value.push_str(&format!(", scope=\"{}\"", quoted(&scope)));
    }
    if let Some((error, description)) = error {
        value.push_str(&format!(", error=\"{error}\", error_description=\"{}\"", quoted(description)));
    }
    value
}

/// `text` safe inside a quoted string of a header.
fn quoted(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii() && !c.is_ascii_control() && *c != '"' && *c != '\\').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn bearer_tokens_are_read_strictly() {
        assert_eq!(bearer_token(&http::HeaderMap::new()), Ok(None));
        assert_eq!(bearer_token(&headers("Bearer abc.def-ghi_")), Ok(Some("abc.def-ghi_".into())));
        assert_eq!(bearer_token(&headers("bearer abc")), Ok(Some("abc".into())));
        assert_eq!(bearer_token(&headers("Basic dXNlcjpwdw==")), Ok(None), "another scheme is no token");
        assert_eq!(bearer_token(&headers("Bearer")), Err(()));
        assert_eq!(bearer_token(&headers("Bearer a\"b")), Err(()));
    }
}
