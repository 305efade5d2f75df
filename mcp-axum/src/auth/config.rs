//! [`AuthConfig`]: who issues the tokens this resource accepts, and what
//! this resource is called, from the builder or `MCP_AUTH_*` variables.

use quickmcp::config::{self as var, Env};
use std::time::Duration;

/// The authorization settings of a protected MCP endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthConfig {
    /// This resource's canonical URI, as clients address it
    /// (`https://mcp.example.com/mcp`; `MCP_AUTH_RESOURCE`). Tokens must be
    /// issued for it (RFC 8707) unless [`audience`](Self::audience) says
    /// otherwise.
    pub resource: String,
    /// The token issuer, pinned (`iss`; `MCP_AUTH_ISSUER`). Its metadata
    /// (RFC 8414, then OpenID discovery) names the JWKS unless
    /// [`jwks_url`](Self::jwks_url) is set.
    pub issuer: String,
    /// The audience tokens must carry (`MCP_AUTH_AUDIENCE`; default: the
    /// resource URI).
    pub audience: Option<String>,
    /// Where the issuer's signing keys are (`MCP_AUTH_JWKS_URL`; default:
    /// from the issuer's metadata).
    pub jwks_url: Option<String>,
    /// Authorization servers listed in the protected-resource metadata
    /// (default: the issuer).
    pub authorization_servers: Vec<String>,
    /// Scopes listed in the metadata and in 401 challenges
    /// (`MCP_AUTH_SCOPES`, space- or comma-separated).
    pub scopes_supported: Vec<String>,
    /// Clock skew allowed on `exp` and `nbf` (default 60 s).
    pub leeway: Duration,
    /// Accept only JWTs typed `at+jwt`, the RFC 9068 access-token profile
    /// (`MCP_AUTH_REQUIRE_AT_JWT`; default off: untyped and `JWT`-typed
    /// tokens pass too, as most identity providers issue them, but never
    /// one typed as another kind of token, such as `id_token`).
    pub require_at_jwt: bool,
}

impl AuthConfig {
    /// Tokens from `issuer`, for the resource at `resource`.
    pub fn new(issuer: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            resource: resource.into(),
            issuer: issuer.into(),
            audience: None,
            jwks_url: None,
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            leeway: Duration::from_secs(60),
            require_at_jwt: var::AUTH_REQUIRE_AT_JWT.default_flag(),
        }
    }

    /// `MCP_AUTH_ISSUER` and `MCP_AUTH_RESOURCE` (both needed), with
    /// `MCP_AUTH_AUDIENCE`, `MCP_AUTH_JWKS_URL`, `MCP_AUTH_SCOPES` and
    /// `MCP_AUTH_REQUIRE_AT_JWT` when set; `Ok(None)` when `MCP_AUTH_ISSUER` is not set. A blank value is
    /// an error, like any value that cannot be used.
    pub fn from_env() -> Result<Option<Self>, String> {
        Self::read(Env::process())
    }

    fn read(mut env: Env<'_>) -> Result<Option<Self>, String> {
        let issuer = env.text(&var::AUTH_ISSUER);
        let resource = env.text(&var::AUTH_RESOURCE);
        let audience = env.text(&var::AUTH_AUDIENCE);
        let jwks_url = env.text(&var::AUTH_JWKS_URL);
        let require_at_jwt = env.flag(&var::AUTH_REQUIRE_AT_JWT);
        let scopes = env.custom(&var::AUTH_SCOPES, |scopes| {
            let scopes: Vec<String> = scopes.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect();
            (!scopes.is_empty()).then_some(scopes)
        });
        env.finish().map_err(|error| error.to_string())?;
        let Some(issuer) = issuer else {
            return Ok(None);
        };
        let resource = resource.ok_or_else(|| {
            format!(
                "{} ({}) is required with {}",
                var::AUTH_RESOURCE.name,
                var::AUTH_RESOURCE.expects,
                var::AUTH_ISSUER.name
            )
        })?;
        let mut config = Self::new(issuer, resource);
        config.audience = audience;
        config.jwks_url = jwks_url;
        config.require_at_jwt = require_at_jwt;
        config.scopes_supported = scopes.unwrap_or_default();
        Ok(Some(config))
    }

    /// The audience tokens must carry.
    pub fn audience(&self) -> &str {
        self.audience.as_deref().unwrap_or(&self.resource)
    }

    /// The authorization servers the metadata lists.
    pub fn authorization_servers(&self) -> Vec<String> {
        match self.authorization_servers.is_empty() {
            true => vec![self.issuer.clone()],
            false => self.authorization_servers.clone(),
        }
    }

    /// The URL of this resource's protected-resource metadata (RFC 9728:
    /// `/.well-known/oauth-protected-resource` inserted before the
    /// resource's path).
    pub fn metadata_url(&self) -> String {
        let (origin, path) = split_origin(&self.resource);
        format!("{origin}/.well-known/oauth-protected-resource{path}")
    }
}

/// `https://host:port` and `/path` of a URL.
pub(crate) fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_url_inserts_the_well_known_path_before_the_resource_path() {
        let config = AuthConfig::new("https://id.example", "https://mcp.example.com/mcp");
        assert_eq!(config.metadata_url(), "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
        assert_eq!(config.audience(), "https://mcp.example.com/mcp");
        let bare = AuthConfig::new("https://id.example", "https://mcp.example.com");
        assert_eq!(bare.metadata_url(), "https://mcp.example.com/.well-known/oauth-protected-resource");
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<AuthConfig>, String> {
        AuthConfig::read(Env::from_lookup(lookup))
    }

    #[test]
    fn the_environment_needs_issuer_and_resource_together() {
        assert_eq!(from_lookup(|_| None), Ok(None));
        let only_issuer = from_lookup(|k| (k == "MCP_AUTH_ISSUER").then(|| "https://id".to_owned()));
        assert_eq!(
            only_issuer.unwrap_err(),
            "MCP_AUTH_RESOURCE (this endpoint's public URI) is required with MCP_AUTH_ISSUER"
        );
        let blank = from_lookup(|k| (k == "MCP_AUTH_ISSUER").then(|| " ".to_owned()));
        assert_eq!(
            blank.unwrap_err(),
            r#"invalid configuration: MCP_AUTH_ISSUER=" ": expected the token issuer (the iss of its tokens)"#
        );
        let config = from_lookup(|k| match k {
            "MCP_AUTH_ISSUER" => Some("https://id".into()),
            "MCP_AUTH_RESOURCE" => Some("https://mcp/mcp".into()),
            "MCP_AUTH_SCOPES" => Some("notes:read, notes:write".into()),
            "MCP_AUTH_REQUIRE_AT_JWT" => Some("on".into()),
            _ => None,
        });
        let config = config.unwrap().unwrap();
        assert!(config.require_at_jwt);
        assert_eq!(config.scopes_supported, ["notes:read", "notes:write"]);
        assert_eq!(config.authorization_servers(), ["https://id"]);
    }
}
