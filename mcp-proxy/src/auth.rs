//! Bearer tokens required of our callers when `MCP_AUTH_ISSUER` is set
//! (feature `auth`, on by default): JWTs checked against the issuer's JWKS,
//! as in every server of this framework (docs/security.md). A build without
//! the feature refuses to start when the variable asks for auth, rather than
//! serve the upstream to anyone.

use quickmcp::config::{self as var, Env};

/// The auth `MCP_AUTH_*` configure; `None` when `MCP_AUTH_ISSUER` is unset.
#[cfg(feature = "auth")]
pub fn from_env() -> Result<Option<quickmcp_axum::auth::Auth>, String> {
    quickmcp_axum::auth::Auth::from_env()
        .map_err(|error| format!("{error} (see docs/security.md, \"Protect your router\")"))
}

/// `Err` when `MCP_AUTH_ISSUER` is set: this build cannot check tokens.
#[cfg(not(feature = "auth"))]
pub fn refuse_if_configured() -> Result<(), String> {
    match Env::process().text(&var::AUTH_ISSUER) {
        Some(_) => Err(format!(
            "{} is set, but this mcp-proxy was built without the `auth` feature: \
             build it with `--features auth` (a default feature), or unset {}",
            var::AUTH_ISSUER.name,
            var::AUTH_ISSUER.name
        )),
        None => Ok(()),
    }
}

/// Tells that the endpoint is open to any caller who passes the Origin
/// check, when no issuer is configured and the address is not loopback.
pub fn warn_if_open(host: &str) {
    let loopback = matches!(host, "127.0.0.1" | "::1" | "localhost");
    if !loopback && Env::process().text(&var::AUTH_ISSUER).is_none() {
        tracing::warn!(
            "serving on {host} without authentication: set {} and {} to require bearer tokens",
            var::AUTH_ISSUER.name,
            var::AUTH_RESOURCE.name
        );
    }
}
