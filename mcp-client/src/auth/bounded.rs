//! Reading what an authorization or resource server sends, within bounds.

use crate::error::ClientError;
use std::time::Duration;

/// The largest metadata document, registration or token response read (256 KiB).
pub const MAX_AUTH_BODY: usize = 256 * 1024;

/// The time one authorization request may take, body included (10 s).
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP client for authorization requests: bounded in time, and never
/// following redirects (a redirect from the authorization endpoint is the
/// answer itself; one from a metadata URL is not followed blindly).
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(AUTH_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// A response, read in full within [`MAX_AUTH_BODY`].
pub(crate) struct Answer {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// Reads `response` to its end, failing past [`MAX_AUTH_BODY`].
    pub(crate) async fn read(mut response: reqwest::Response, what: &str) -> Result<Self, ClientError> {
        let (status, headers) = (response.status(), response.headers().clone());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| ClientError::Auth(format!("reading {what}: {e}")))? {
            if body.len() + chunk.len() > MAX_AUTH_BODY {
                return Err(ClientError::Auth(format!("{what} is over {MAX_AUTH_BODY} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Self { status, headers, body })
    }

    /// Sends `request` and reads its answer.
    pub(crate) async fn send(request: reqwest::RequestBuilder, what: &str) -> Result<Self, ClientError> {
        let response = request.send().await.map_err(|e| ClientError::Auth(format!("{what}: {e}")))?;
        Self::read(response, what).await
    }

    /// The body as a JSON object.
    pub(crate) fn json(&self, what: &str) -> Result<serde_json::Value, ClientError> {
        match serde_json::from_slice::<serde_json::Value>(&self.body) {
            Ok(value) if value.is_object() => Ok(value),
            _ => Err(ClientError::Auth(format!("{what} is not a JSON object (HTTP {})", self.status))),
        }
    }
}
