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

/// For a desktop or command-line app: listens on the loopback redirect URI
/// (`http://127.0.0.1:PORT/callback`), shows the user the authorization
/// URL with `show` (print it, open a browser), and returns the first
/// request to the redirect path, answering it with a page that says the
/// window can be closed. Bounded: one request line of 8 KiB, and
/// [`wait`](Self::wait) for the user (5 minutes by default).
#[derive(Clone)]
pub struct LoopbackRedirect {
    redirect_uri: String,
    show: std::sync::Arc<dyn Fn(&str) + Send + Sync>,
    wait: std::time::Duration,
}

impl std::fmt::Debug for LoopbackRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackRedirect").field("redirect_uri", &self.redirect_uri).finish_non_exhaustive()
    }
}

/// The longest redirect request read.
const MAX_REQUEST: usize = 8 * 1024;

impl LoopbackRedirect {
    /// Listens on `redirect_uri` (HTTP, a loopback address with a port);
    /// `show` gets the authorization URL.
    pub fn new(redirect_uri: impl Into<String>, show: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self {
            redirect_uri: redirect_uri.into(),
            show: std::sync::Arc::new(show),
            wait: std::time::Duration::from_secs(300),
        }
    }

    /// How long the user has to consent.
    #[must_use]
    pub fn wait(mut self, wait: std::time::Duration) -> Self {
        self.wait = wait;
        self
    }
}

impl AuthorizationCallback for LoopbackRedirect {
    fn authorize(&self, authorization_url: String) -> BoxFuture<'static, Result<String, ClientError>> {
        let this = self.clone();
        Box::pin(async move {
            let redirect = reqwest::Url::parse(&this.redirect_uri)
                .map_err(|e| ClientError::Auth(format!("the redirect URI {:?}: {e}", this.redirect_uri)))?;
            let loopback = redirect.scheme() == "http" && super::discovery::is_secure(redirect.as_str());
            let (Some(host), Some(port), true) = (redirect.host_str(), redirect.port(), loopback) else {
                return Err(ClientError::Auth(format!(
                    "the redirect URI {} is not http:// on a loopback address with a port",
                    this.redirect_uri
                )));
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let listener = tokio::net::TcpListener::bind((host, port))
                .await
                .map_err(|e| ClientError::Auth(format!("listening on {}: {e}", this.redirect_uri)))?;
            (this.show)(&authorization_url);
            let origin = format!("http://{}", redirect.authority());
            let received = tokio::time::timeout(this.wait, async {
                loop {
                    let Ok((mut stream, _)) = listener.accept().await else { continue };
                    if let Some(target) = read_target(&mut stream).await.filter(|t| path_of(t) == redirect.path()) {
                        let page = "<!doctype html><p>Authorized. You can close this window.</p>";
                        let _ = respond(&mut stream, "200 OK", page).await;
                        return format!("{origin}{target}");
                    }
                    let _ = respond(&mut stream, "404 Not Found", "").await;
                }
            })
            .await;
            received.map_err(|_| ClientError::Auth(format!("no redirect came back within {:?}", this.wait)))
        })
    }
}

/// The request target of the request on `stream` (`/callback?code=…`).
async fn read_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buffer.windows(2).any(|w| w == b"\r\n") && buffer.len() < MAX_REQUEST {
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut chunk)).await.ok()?.ok()?;
        if read == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let line = std::str::from_utf8(&buffer).ok()?.lines().next()?;
    let mut words = line.split(' ');
    (words.next() == Some("GET")).then_some(())?;
    words.next().filter(|target| target.starts_with('/')).map(str::to_owned)
}

fn path_of(target: &str) -> &str {
    target.split(['?', '#']).next().unwrap_or_default()
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_loopback_redirect_returns_the_first_request_to_its_path() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        let (shown, mut seen) = tokio::sync::mpsc::unbounded_channel();
        let callback = LoopbackRedirect::new(&redirect_uri, move |url| {
            let _ = shown.send(url.to_owned());
        });
        let waiting = tokio::spawn(callback.authorize("https://auth.example.com/authorize?x=1".into()));
        assert_eq!(seen.recv().await.unwrap(), "https://auth.example.com/authorize?x=1");
        let http = reqwest::Client::new();
        let other = http.get(format!("http://127.0.0.1:{port}/favicon.ico")).send().await.unwrap();
        assert_eq!(other.status(), 404);
        let page = http.get(format!("{redirect_uri}?code=c&state=s")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(waiting.await.unwrap().unwrap(), format!("{redirect_uri}?code=c&state=s"));
    }

    #[tokio::test]
    async fn a_redirect_uri_off_loopback_is_refused() {
        let callback = LoopbackRedirect::new("http://example.com:8080/callback", |_| {});
        let error = callback.authorize("https://auth.example.com/authorize".into()).await.unwrap_err();
        assert!(error.to_string().contains("loopback"), "{error}");
    }
}
