//! A DEVELOPMENT token issuer, for trying the example without an identity
//! provider. It is not an OAuth authorization server: it hands a signed
//! token to anyone who asks, with the subject and scopes they ask for. Its
//! key (`dev-issuer-key.pem`) is public in this repository and protects
//! nothing. Set `MCP_AUTH_ISSUER` to use a real issuer instead.
//!
//! - `GET /dev-issuer/token?sub=alice&scope=weather:read` → `{"access_token": …}`
//! - its metadata (RFC 8414 and OpenID discovery) and `GET /dev-issuer/jwks`

use axum::extract::Query;
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

const KEY: &str = include_str!("dev-issuer-key.pem");
const JWK: &str = include_str!("dev-issuer-jwk.json");
/// Lifetime of the tokens it hands out.
const TOKEN_SECS: u64 = 3600;

/// The issuer's routes, for an issuer URL of `{origin}/dev-issuer`, minting
/// tokens for `audience`.
pub fn routes(issuer: String, audience: String) -> Router {
    let metadata = {
        let issuer = issuer.clone();
        move || async move {
            Json(json!({
                "issuer": issuer,
                "jwks_uri": format!("{issuer}/jwks"),
                "token_endpoint": format!("{issuer}/token"),
                "response_types_supported": [],
                "note": "DEVELOPMENT issuer: hands tokens to anyone; never use it in production",
            }))
        }
    };
    Router::new()
        .route("/.well-known/oauth-authorization-server/dev-issuer", get(metadata.clone()))
        .route("/dev-issuer/.well-known/openid-configuration", get(metadata))
        .route(
            "/dev-issuer/jwks",
            get(|| async { Json(json!({ "keys": [serde_json::from_str::<Value>(JWK).unwrap_or_default()] })) }),
        )
        .route(
            "/dev-issuer/token",
            get(move |Query(query): Query<HashMap<String, String>>| async move { token(&issuer, &audience, &query) }),
        )
}

/// A token for `?sub=…&scope=…` (defaults: `dev-user`, no scopes).
fn token(issuer: &str, audience: &str, query: &HashMap<String, String>) -> Json<Value> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let claims = json!({
        "iss": issuer,
        "aud": audience,
        "sub": query.get("sub").map_or("dev-user", String::as_str),
        "scope": query.get("scope").map_or("", String::as_str),
        "iat": now,
        "exp": now + TOKEN_SECS,
    });
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("dev-1".into());
    let signed = EncodingKey::from_ed_pem(KEY.as_bytes())
        .and_then(|key| jsonwebtoken::encode(&header, &claims, &key))
        .unwrap_or_default();
    Json(json!({ "access_token": signed, "token_type": "Bearer", "expires_in": TOKEN_SECS }))
}
