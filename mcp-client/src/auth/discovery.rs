//! Where the metadata documents are, and reading them.
//!
//! - Protected-resource metadata (RFC 9728 §3.1): the `resource_metadata`
//!   URL of the server's challenge; else the well-known URL with the MCP
//!   endpoint's path appended (`/.well-known/oauth-protected-resource/mcp`),
//!   then the one at the root.
//! - Authorization-server metadata: for an issuer with a path
//!   (`https://auth.example.com/tenant1`), RFC 8414's
//!   `/.well-known/oauth-authorization-server/tenant1`, then OpenID's
//!   `/.well-known/openid-configuration/tenant1` and
//!   `/tenant1/.well-known/openid-configuration`; without a path, the first
//!   two at the root. The document's `issuer` must equal the issuer the URL
//!   was built from, character for character.

use super::bounded::Answer;
use super::metadata::{AuthorizationServerMetadata, ProtectedResourceMetadata};
use crate::error::ClientError;
use reqwest::Url;

/// The well-known protected-resource metadata URLs of the MCP endpoint
/// `server`, in the order they are tried.
pub fn protected_resource_urls(server: &str) -> Result<Vec<String>, ClientError> {
    let url = parse(server)?;
    let origin = origin(&url);
    let path = url.path().trim_end_matches('/');
    let mut urls = Vec::new();
    if !path.is_empty() {
        urls.push(format!("{origin}/.well-known/oauth-protected-resource{path}"));
    }
    urls.push(format!("{origin}/.well-known/oauth-protected-resource"));
    Ok(urls)
}

/// The metadata URLs of the authorization server `issuer`, in the order
/// they are tried.
pub fn authorization_server_urls(issuer: &str) -> Result<Vec<String>, ClientError> {
    let url = parse(issuer)?;
    let origin = origin(&url);
    let path = url.path().trim_end_matches('/');
    Ok(if path.is_empty() {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server"),
            format!("{origin}/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{origin}/.well-known/openid-configuration{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ]
    })
}

/// Whether the protected-resource metadata's `resource` may stand for the
/// MCP endpoint `server`: the same origin, and a path that is the
/// endpoint's or one of its parents (RFC 9728 §3.3, MCP's canonical URI).
pub fn resource_matches(resource: &str, server: &str) -> bool {
    let (Ok(resource), Ok(server)) = (Url::parse(resource), Url::parse(server)) else {
        return false;
    };
    if origin(&resource) != origin(&server) || resource.fragment().is_some() {
        return false;
    }
    let parent = resource.path().trim_end_matches('/');
    let path = server.path().trim_end_matches('/');
    parent.is_empty() || path == parent || path.strip_prefix(parent).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether credentials may be sent to `url`: HTTPS, or HTTP to the
/// loopback interface (`localhost`, `127.0.0.0/8`, `::1`) for development,
/// as OAuth 2.1 allows.
pub fn is_secure(url: &str) -> bool {
    let Ok(url) = Url::parse(url) else { return false };
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => !host.is_empty(),
        "http" => loopback,
        _ => false,
    }
}

/// The origin of an MCP endpoint: the authorization server of last resort
/// when it publishes no protected-resource metadata (2025-03-26).
pub fn origin_of(server: &str) -> Result<String, ClientError> {
    Ok(origin(&parse(server)?))
}

/// Reads the protected-resource metadata of `server`: from `hint` (the
/// challenge's `resource_metadata`) when given, else the well-known URLs.
/// `None` when the server publishes none.
pub async fn fetch_protected_resource(
    http: &reqwest::Client,
    server: &str,
    hint: Option<&str>,
) -> Result<Option<ProtectedResourceMetadata>, ClientError> {
    let mut urls: Vec<String> = hint.map(str::to_owned).into_iter().collect();
    urls.extend(protected_resource_urls(server)?);
    for url in urls {
        let Some(answer) = get(http, &url, "protected-resource metadata").await? else { continue };
        let document = answer.json("protected-resource metadata")?;
        let metadata: ProtectedResourceMetadata = serde_json::from_value(document)
            .map_err(|e| ClientError::Auth(format!("the protected-resource metadata at {url} is malformed: {e}")))?;
        return Ok(Some(metadata));
    }
    Ok(None)
}

/// Reads the metadata of the authorization server `issuer`, checking that
/// it names itself `issuer`. `None` when it publishes none.
pub async fn fetch_authorization_server(
    http: &reqwest::Client,
    issuer: &str,
) -> Result<Option<AuthorizationServerMetadata>, ClientError> {
    for url in authorization_server_urls(issuer)? {
        let Some(answer) = get(http, &url, "authorization-server metadata").await? else { continue };
        let document = answer.json("authorization-server metadata")?;
        let metadata: AuthorizationServerMetadata = serde_json::from_value(document)
            .map_err(|e| ClientError::Auth(format!("the authorization-server metadata at {url} is malformed: {e}")))?;
        if metadata.issuer != issuer {
            return Err(ClientError::Auth(format!(
                "the authorization-server metadata at {url} names the issuer {:?}, not {issuer:?}",
                metadata.issuer
            )));
        }
        return Ok(Some(metadata));
    }
    Ok(None)
}

/// GETs a JSON document; `None` when it is not there (4xx).
async fn get(http: &reqwest::Client, url: &str, what: &str) -> Result<Option<Answer>, ClientError> {
    let request = http.get(url).header(reqwest::header::ACCEPT, "application/json");
    let answer = Answer::send(request, &format!("{what} at {url}")).await?;
    if answer.status.is_success() {
        Ok(Some(answer))
    } else if answer.status.is_client_error() {
        Ok(None)
    } else {
        Err(ClientError::Auth(format!("{what} at {url}: HTTP {}", answer.status)))
    }
}

fn parse(url: &str) -> Result<Url, ClientError> {
    let parsed = Url::parse(url).map_err(|e| ClientError::Auth(format!("{url:?} is not a URL: {e}")))?;
    if parsed.cannot_be_a_base() || parsed.host_str().is_none() {
        return Err(ClientError::Auth(format!("{url:?} is not an http(s) URL")));
    }
    Ok(parsed)
}

/// `scheme://host[:port]`, as written (the default port left out).
fn origin(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_resource_urls_insert_the_path_then_try_the_root() {
        assert_eq!(
            protected_resource_urls("https://mcp.example.com/public/mcp").unwrap(),
            [
                "https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp",
                "https://mcp.example.com/.well-known/oauth-protected-resource"
            ]
        );
        assert_eq!(
            protected_resource_urls("http://localhost:8000").unwrap(),
            ["http://localhost:8000/.well-known/oauth-protected-resource"]
        );
    }

    #[test]
    fn authorization_server_urls_follow_rfc_8414_then_openid() {
        assert_eq!(
            authorization_server_urls("https://auth.example.com/tenant1").unwrap(),
            [
                "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example.com/.well-known/openid-configuration/tenant1",
                "https://auth.example.com/tenant1/.well-known/openid-configuration"
            ]
        );
        assert_eq!(
            authorization_server_urls("https://auth.example.com").unwrap(),
            [
                "https://auth.example.com/.well-known/oauth-authorization-server",
                "https://auth.example.com/.well-known/openid-configuration"
            ]
        );
        assert!(authorization_server_urls("urn:not-a-server").is_err());
    }

    #[test]
    fn credentials_go_over_https_or_to_loopback_only() {
        assert!(is_secure("https://auth.example.com/token"));
        assert!(is_secure("http://localhost:3000/token"));
        assert!(is_secure("http://127.0.0.1:3000/token"));
        assert!(is_secure("http://[::1]:3000/token"));
        assert!(!is_secure("http://auth.example.com/token"));
        assert!(!is_secure("http://10.0.0.1/token"));
        assert!(!is_secure("ftp://auth.example.com/token"));
        assert!(!is_secure("not a url"));
    }

    #[test]
    fn a_resource_stands_for_its_endpoint_or_a_parent_on_the_same_origin() {
        assert!(resource_matches("https://mcp.example.com/mcp", "https://mcp.example.com/mcp"));
        assert!(resource_matches("https://mcp.example.com", "https://mcp.example.com/mcp"));
        assert!(resource_matches("https://mcp.example.com/api/", "https://mcp.example.com/api/mcp"));
        assert!(!resource_matches("https://evil.example.com/mcp", "https://mcp.example.com/mcp"));
        assert!(!resource_matches("https://mcp.example.com/mcp", "https://mcp.example.com/mcp2"));
        assert!(!resource_matches("http://mcp.example.com/mcp", "https://mcp.example.com/mcp"));
        assert!(!resource_matches("https://mcp.example.com:8443/mcp", "https://mcp.example.com/mcp"));
    }
}
