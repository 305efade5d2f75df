//! The user's step of the authorization code flow: show them the
//! authorization URL, get back the URL the authorization server redirected
//! them to (with `code`, `state`, `iss`). A desktop app opens a browser and
//! listens on its redirect URI; a test or a headless run uses
//! [`FetchRedirect`].

use super::bounded::http_client;
use crate::error::ClientError;
use futures_util::future::BoxFuture;
use std::future::Future;

/// Takes the user through the authorization URL and returns the redirect
/// URL the authorization server answered with. The flow checks `state`
/// and `iss` itself.
///
/// A closure `Fn(String) -> impl Future<Output = Result<String, ClientError>>`
/// is one.
pub trait AuthorizationCallback: Send + Sync + 'static {
    /// Sends the user to `authorization_url`; resolves to the full URL they
    /// were redirected to.
    fn authorize(&self, authorization_url: String) -> BoxFuture<'static, Result<String, ClientError>>;
}

impl<F, Fut> AuthorizationCallback for F
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, ClientError>> + Send + 'static,
{
    fn authorize(&self, authorization_url: String) -> BoxFuture<'static, Result<String, ClientError>> {
        Box::pin(self(authorization_url))
    }
}

/// Headless: GETs the authorization URL without following redirects and
/// returns its `Location`. For authorization servers that consent without
/// a user (test servers, the conformance suite, pre-approved clients).
#[derive(Debug, Clone)]
pub struct FetchRedirect {
    http: reqwest::Client,
}

impl Default for FetchRedirect {
    fn default() -> Self {
        Self { http: http_client() }
    }
}

impl AuthorizationCallback for FetchRedirect {
    fn authorize(&self, authorization_url: String) -> BoxFuture<'static, Result<String, ClientError>> {
        let http = self.http.clone();
        Box::pin(async move {
            let response = http
                .get(&authorization_url)
                .send()
                .await
                .map_err(|e| ClientError::Auth(format!("the authorization endpoint: {e}")))?;
            let status = response.status();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .filter(|_| status.is_redirection())
                .ok_or_else(|| {
                    ClientError::Auth(format!("the authorization endpoint answered {status}, not a redirect"))
                })?;
            let base = reqwest::Url::parse(&authorization_url).map_err(|e| ClientError::Auth(e.to_string()))?;
            let target = base.join(location).map_err(|e| {
                ClientError::Auth(format!("the authorization endpoint redirected to {location:?}: {e}"))
            })?;
            Ok(target.to_string())
        })
    }
}
