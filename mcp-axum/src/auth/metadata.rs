//! The protected-resource metadata (RFC 9728) clients read to find the
//! authorization server.

use super::Auth;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

pub(crate) async fn protected_resource(State(auth): State<Auth>) -> Json<Value> {
    let config = &auth.config;
    let mut metadata = json!({
        "resource": config.resource,
        "authorization_servers": config.authorization_servers(),
        "bearer_methods_supported": ["header"],
    });
    if !config.scopes_supported.is_empty() {
        metadata["scopes_supported"] = json!(config.scopes_supported);
    }
    Json(metadata)
}
