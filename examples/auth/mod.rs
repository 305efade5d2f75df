//! The weather tools behind OAuth: every request needs a bearer token, the
//! admin tool needs the `weather:admin` scope, and a tool sees who calls.
//! Declaring the scopes is all it takes: the server checks them for every
//! authenticated caller.
//!
//! With no `MCP_AUTH_ISSUER`, a DEVELOPMENT issuer runs beside the endpoint
//! (`Auth::development`, feature `dev-issuer` of `quickmcp-axum`: it signs a
//! token for anyone who asks, on a loopback address only). With
//! `MCP_AUTH_ISSUER` and `MCP_AUTH_RESOURCE` set, tokens come from that
//! issuer instead, with the same code (docs/security.md, "Protect your
//! router"). `main.rs` serves it: `cargo run --example auth --features auth`.

use crate::weather;
use quickmcp::auth::Principal;
use quickmcp::prelude::*;
use quickmcp_axum::auth::Auth;

/// Who is calling, as the token says.
#[tool(scopes("weather:read"))]
async fn whoami(principal: Principal) -> String {
    format!("{} (scopes: {})", principal.subject(), principal.scopes().join(" "))
}

/// Clears the forecast cache (administrators only).
#[tool(scopes("weather:admin"), annotations(destructive, idempotent))]
async fn clear_cache(principal: Principal) -> String {
    format!("cache cleared by {}", principal.subject())
}

/// The protected server: two tools of its own, and the weather server's
/// mounted as `weather_*`.
pub fn server() -> Server {
    Server::builder("weather-auth", env!("CARGO_PKG_VERSION"))
        .tools(tools![whoami, clear_cache])
        .mount("weather", weather::server())
        .build()
}

/// The app: the protected endpoint, its metadata, and (without an external
/// issuer) the development issuer. Fails when the development issuer would
/// run on an address other than loopback (see `Auth::development`).
pub fn app(config: quickmcp_axum::McpConfig) -> Result<axum::Router, String> {
    let auth = match Auth::from_env()? {
        Some(auth) => auth,
        None => Auth::development(&config)?.scopes_supported(["weather:read", "weather:admin"]),
    };
    Ok(quickmcp_axum::McpRouter::new(server()).config(config).auth(auth).into_router())
}
