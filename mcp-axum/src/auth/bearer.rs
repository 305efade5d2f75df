//! The bearer layer at the HTTP edge: every request to the endpoint needs a
//! valid token (401 with a `WWW-Authenticate` challenge naming the
//! protected-resource metadata otherwise); the verified [`Principal`]
//! goes into the request's extensions for MCP middleware and handlers.

use super::Auth;
use super::verifier::AuthError;
use crate::reply;
use axum::extract::Request;
use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use http::{HeaderValue, StatusCode, header};
use quickmcp::protocol::jsonrpc::code;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// The layer: each request gets through with a valid token only.
#[derive(Clone)]
pub(crate) struct BearerLayer(pub(crate) Auth);

impl<S> Layer<S> for BearerLayer {
    type Service = BearerService<S>;
    fn layer(&self, inner: S) -> BearerService<S> {
        BearerService { auth: self.0.clone(), inner }
    }
}

#[derive(Clone)]
pub(crate) struct BearerService<S> {
    auth: Auth,
    inner: S,
}

impl<S> Service<Request> for BearerService<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        // The fast path: a token this verifier has seen and still trusts
        // (only verified tokens are remembered, so no need to check its
        // characters first).
        if let Some(principal) = presented(request.headers()).and_then(|token| self.auth.verifier.cached(token)) {
            request.extensions_mut().insert(principal);
            return Either::Left(self.inner.call(request));
        }
        let token = match bearer_token(request.headers()) {
            Ok(Some(token)) => token,
            Ok(None) => {
                let refusal =
                    challenge(&self.auth, StatusCode::UNAUTHORIZED, None, "Unauthorized: a bearer token is required");
                return Either::Right(Box::pin(std::future::ready(Ok(refusal))));
            }
            Err(()) => {
                let why = "Bad Request: the Authorization header is not `Bearer <token>`";
                let refusal = challenge(&self.auth, StatusCode::BAD_REQUEST, Some(("invalid_request", why)), why);
                return Either::Right(Box::pin(std::future::ready(Ok(refusal))));
            }
        };
        let token = token.to_owned();
        let (auth, mut inner) = (self.auth.clone(), self.inner.clone());
        // The clone that was polled ready goes to this request.
        std::mem::swap(&mut inner, &mut self.inner);
        Either::Right(Box::pin(async move {
            match auth.verifier.verify(&token).await {
                Ok(principal) => {
                    request.extensions_mut().insert(principal);
                    inner.call(request).await
                }
                Err(AuthError::Invalid(why)) => {
                    let message = format!("Unauthorized: {why}");
                    Ok(challenge(&auth, StatusCode::UNAUTHORIZED, Some(("invalid_token", &why)), &message))
                }
                Err(AuthError::Unavailable(why)) => {
                    tracing::warn!(reason = %why, "tokens cannot be verified");
                    // The reason stays in the log: it may name internal addresses.
                    let message = "Service Unavailable: tokens cannot be verified now (the token issuer does not answer); retry shortly";
                    let mut refusal = reply::refuse(StatusCode::SERVICE_UNAVAILABLE, code::SESSION_ERROR, message);
                    refusal.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                    Ok(refusal)
                }
            }
        }))
    }
}

/// Whatever follows `Bearer ` in the `Authorization` header, unchecked.
fn presented(headers: &http::HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    value.get(..7).filter(|scheme| scheme.eq_ignore_ascii_case(b"bearer ")).map(|_| &value[7..])
}

/// The token of an `Authorization: Bearer …` header; `None` without one (or
/// with another scheme); `Err` when it is malformed.
fn bearer_token(headers: &http::HeaderMap) -> Result<Option<&str>, ()> {
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
    let valid = !token.is_empty() && token.bytes().all(|b| B64TOKEN[usize::from(b)]);
    if valid { Ok(Some(token)) } else { Err(()) }
}

/// The bytes of an RFC 6750 `b64token`: letters, digits and `-._~+/=`.
const B64TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=');
        b += 1;
    }
    table
};

/// A refusal with `WWW-Authenticate: Bearer resource_metadata="…",
/// scope="…"` and, for a bad token, its `error`.
fn challenge(auth: &Auth, status: StatusCode, error: Option<(&str, &str)>, message: &str) -> Response {
    let mut response = reply::rejected(reply::refuse(status, code::SESSION_ERROR, message), "auth");
    if let Ok(value) = HeaderValue::from_str(&www_authenticate(auth, error)) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The `WWW-Authenticate` value: the metadata URL, the scopes supported,
/// and the error when there is one.
fn www_authenticate(auth: &Auth, error: Option<(&str, &str)>) -> String {
    let mut value = format!("Bearer resource_metadata=\"{}\"", auth.config.metadata_url());
    let scope = auth.config.scopes_supported.join(" ");
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
        assert_eq!(bearer_token(&headers("Bearer abc.def-ghi_")), Ok(Some("abc.def-ghi_")));
        assert_eq!(bearer_token(&headers("bearer abc")), Ok(Some("abc")));
        assert_eq!(bearer_token(&headers("Basic dXNlcjpwdw==")), Ok(None), "another scheme is no token");
        assert_eq!(bearer_token(&headers("Bearer")), Err(()));
        assert_eq!(bearer_token(&headers("Bearer a\"b")), Err(()));
    }
}
