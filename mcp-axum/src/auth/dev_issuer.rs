//! A DEVELOPMENT token issuer (feature `dev-issuer`), to try a protected
//! endpoint without an identity provider: [`Auth::development`].
//!
//! It is not an OAuth authorization server: it signs a token for anyone
//! who asks, with the subject and scopes they ask for. So it runs only on
//! a loopback address unless `MCP_DEV_ISSUER` says otherwise, it says so
//! loudly (a `tracing` warning) when it starts, and its routes sit behind
//! the same Host/Origin check as the endpoint (a web page cannot reach it
//! through DNS rebinding). Its key is random, made when the process starts:
//! its tokens are worth nothing to another process, or after a restart.
//!
//! - `GET /dev-issuer/token?sub=alice&scope=notes:read%20notes:write` →
//!   `{"access_token": "…", "token_type": "Bearer", "expires_in": 3600}`
//! - its metadata, at `/.well-known/oauth-authorization-server/dev-issuer`
//!   (RFC 8414) and `/dev-issuer/.well-known/openid-configuration`.

use super::{Auth, AuthConfig, JwtVerifier};
use crate::config::McpConfig;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use quickmcp::config::{self as var, Env};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the issuer lives, below the endpoint's origin.
const ISSUER_PATH: &str = "/dev-issuer";
/// Lifetime of the tokens it signs, seconds.
pub(crate) const TOKEN_SECS: u64 = 3600;
/// Longest `sub` it signs, bytes.
pub(crate) const MAX_SUBJECT: usize = 256;
/// Longest `scope` it signs, bytes.
pub(crate) const MAX_SCOPE: usize = 2048;

/// The issuer of an [`Auth::development`].
pub(crate) struct DevIssuer {
    issuer: String,
    audience: String,
    key: EncodingKey,
}

impl Auth {
    /// Authentication for local development (feature `dev-issuer`): a
    /// DEVELOPMENT issuer served beside the endpoint (`/dev-issuer/token`
    /// signs a token for anyone, with the subject and scopes asked for),
    /// and a verifier that accepts its tokens. Use it while
    /// `MCP_AUTH_ISSUER` is not set, and [`Auth::from_env`] otherwise: the
    /// same code then runs against a real identity provider.
    ///
    /// It refuses to run unless `config.host` is a loopback address
    /// (`127.0.0.1`, `::1`, `localhost`), or `MCP_DEV_ISSUER=1` allows it
    /// (never in production), and logs a warning when it starts.
    ///
    /// ```
    /// use quickmcp_axum::auth::Auth;
    /// use quickmcp_axum::{McpConfig, McpRouter};
    /// use quickmcp::Server;
    ///
    /// # fn main() -> Result<(), String> {
    /// let config = McpConfig::default(); // 127.0.0.1:8000
    /// let auth = match Auth::from_env()? {
    ///     Some(auth) => auth,
    ///     None => Auth::development(&config)?.scopes_supported(["notes:read", "notes:write"]),
    /// };
    /// let server = Server::builder("notes", "1.0.0").build();
    /// let app: axum::Router = McpRouter::new(server).config(config).auth(auth).into_router();
    /// # Ok(())
    /// # }
    /// ```
    pub fn development(config: &McpConfig) -> Result<Self, String> {
        Self::development_in(config, Env::process())
    }

    fn development_in(config: &McpConfig, mut env: Env<'_>) -> Result<Self, String> {
        let anywhere = env.flag(&var::DEV_ISSUER);
        env.finish().map_err(|error| error.to_string())?;
        if !anywhere && !is_loopback(&config.host) {
            return Err(format!(
                "the development issuer signs a token for anyone who asks, so it runs only on a loopback \
                 address, and MCP_HOST is {:?}: bind 127.0.0.1 (MCP_HOST=127.0.0.1), or configure a real \
                 issuer (MCP_AUTH_ISSUER and MCP_AUTH_RESOURCE), or set {}=1 to run it there anyway \
                 (never in production)",
                config.host,
                var::DEV_ISSUER.name
            ));
        }
        let host = if config.host.contains(':') { format!("[{}]", config.host) } else { config.host.clone() };
        let origin = format!("http://{host}:{}", config.port);
        let issuer = format!("{origin}{ISSUER_PATH}");
        let settings = AuthConfig::new(&issuer, format!("{origin}{}", config.path));
        let secret: [u8; 32] = rand::random();
        let verifier = JwtVerifier::with_secret(&settings, &secret);
        tracing::warn!(
            "DEVELOPMENT token issuer ON at {issuer}: it signs a token with any subject and scopes for anyone \
             who asks ({issuer}/token?sub=alice&scope=...). Never use it in production: set MCP_AUTH_ISSUER \
             and MCP_AUTH_RESOURCE for a real issuer"
        );
        let dev =
            DevIssuer { issuer, audience: settings.audience().to_owned(), key: EncodingKey::from_secret(&secret) };
        let mut auth = Auth::new(settings, verifier);
        auth.dev_issuer = Some(Arc::new(dev));
        Ok(auth)
    }
}

/// Whether `host` names this machine only.
fn is_loopback(host: &str) -> bool {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The issuer's routes (metadata and token), for the router to serve
/// behind the endpoint's Host/Origin check.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(dev: &Arc<DevIssuer>) -> Router<S> {
    let metadata = {
        let dev = Arc::clone(dev);
        move || std::future::ready(Json(dev.metadata()))
    };
    let token = {
        let dev = Arc::clone(dev);
        move |Query(query): Query<HashMap<String, String>>| std::future::ready(dev.token(&query))
    };
    Router::new()
        .route(&format!("/.well-known/oauth-authorization-server{ISSUER_PATH}"), get(metadata.clone()))
        .route(&format!("{ISSUER_PATH}/.well-known/openid-configuration"), get(metadata))
        .route(&format!("{ISSUER_PATH}/token"), get(token))
}

impl DevIssuer {
    fn metadata(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "token_endpoint": format!("{}/token", self.issuer),
            "response_types_supported": [],
            "note": "DEVELOPMENT issuer: signs a token for anyone who asks; never use it in production",
        })
    }

    /// A token for `?sub=…&scope=…` (defaults: `dev-user`, no scopes).
    fn token(&self, query: &HashMap<String, String>) -> Response {
        let subject = query.get("sub").map_or("dev-user", String::as_str);
        let scope = query.get("scope").map_or("", String::as_str);
        if subject.is_empty() || subject.len() > MAX_SUBJECT || scope.len() > MAX_SCOPE {
            let why = format!("sub must have 1 to {MAX_SUBJECT} bytes, scope at most {MAX_SCOPE}");
            let error = json!({ "error": "invalid_request", "error_description": why });
            return (StatusCode::BAD_REQUEST, Json(error)).into_response();
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let claims = json!({
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "scope": scope,
            "iat": now,
            "exp": now + TOKEN_SECS,
        });
        match jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key) {
            Ok(signed) => Json(json!({ "access_token": signed, "token_type": "Bearer", "expires_in": TOKEN_SECS }))
                .into_response(),
            Err(error) => {
                tracing::error!(%error, "the development issuer could not sign a token");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn development(host: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<Auth, String> {
        let config = McpConfig { host: host.into(), ..McpConfig::default() };
        Auth::development_in(&config, Env::from_lookup(lookup))
    }

    #[test]
    fn it_runs_on_loopback_only_unless_allowed() {
        for host in ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"] {
            assert!(development(host, |_| None).is_ok(), "{host}");
        }
        for host in ["0.0.0.0", "::", "192.168.1.10", "mcp.example.com"] {
            let error = development(host, |_| None).unwrap_err();
            let fix = format!("{}=1", var::DEV_ISSUER.name);
            assert!(error.contains(&fix) && error.contains(var::AUTH_ISSUER.name), "{host}: {error}");
        }
        let allowed = |name: &str| (name == "MCP_DEV_ISSUER").then(|| "1".to_owned());
        assert_eq!(development("0.0.0.0", allowed).unwrap().config().issuer, "http://0.0.0.0:8000/dev-issuer");
        let refused = |name: &str| (name == "MCP_DEV_ISSUER").then(|| "maybe".to_owned());
        let refusal = format!("{}=\"maybe\"", var::DEV_ISSUER.name);
        assert!(development("127.0.0.1", refused).unwrap_err().contains(&refusal));
    }

    #[test]
    fn urls_bracket_ipv6_hosts() {
        let auth = development("::1", |_| None).unwrap();
        assert_eq!(auth.config().issuer, "http://[::1]:8000/dev-issuer");
        assert_eq!(auth.config().resource, "http://[::1]:8000/mcp");
    }
}
