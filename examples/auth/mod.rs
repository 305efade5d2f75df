//! The weather tools behind OAuth: every request needs a bearer token, the
//! admin tool needs the `weather:admin` scope, and a tool sees who calls.
//!
//! With no `MCP_AUTH_ISSUER`, a DEVELOPMENT issuer runs inside the example
//! (see `dev_issuer.rs`: it signs a token for anyone who asks). With
//! `MCP_AUTH_ISSUER` and `MCP_AUTH_RESOURCE` set, tokens come from that
//! issuer instead, with the same code (docs/security.md, "Authentication").
//! `main.rs` serves it: `cargo run --example auth --features auth`.

mod dev_issuer;

use crate::weather;
use mcp_axum::auth::{Auth, AuthConfig, JwtVerifier};
use mcp_core::auth::{Principal, RequireScopes};
use mcp_core::prelude::*;

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
/// mounted as `weather_*`; `RequireScopes` checks every tool's scopes.
pub fn server() -> Server {
    Server::builder("weather-auth", env!("CARGO_PKG_VERSION"))
        .tools(tools![whoami, clear_cache])
        .mount("weather", weather::server())
        .middleware(RequireScopes::new())
        .build()
}

/// The app: the protected endpoint, its metadata, and (without an external
/// issuer) the development issuer.
pub fn app(config: mcp_axum::McpConfig) -> Result<axum::Router, String> {
    let origin = format!("http://{}:{}", config.host, config.port);
    let (auth, dev_issuer) = match Auth::from_env()? {
        Some(auth) => (auth, None),
        None => {
            let issuer = format!("{origin}/dev-issuer");
            let mut settings = AuthConfig::new(&issuer, format!("{origin}{}", config.path));
            settings.scopes_supported = vec!["weather:read".into(), "weather:admin".into()];
            let verifier = JwtVerifier::new(&settings);
            let routes = dev_issuer::routes(issuer, settings.audience().to_owned());
            (Auth::new(settings, verifier), Some(routes))
        }
    };
    let router = mcp_axum::McpRouter::new(server()).config(config).auth(auth).into_router();
    Ok(match dev_issuer {
        Some(issuer) => router.merge(issuer),
        None => router,
    })
}
