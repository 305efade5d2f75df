//! Probes for orchestrators, off the MCP path so they never open sessions:
//! liveness (`/health`: the process serves) and readiness (`/ready`: every
//! store the server depends on answers; 503 naming the one that does not).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use quickmcp::server::WeakServer;
use serde_json::json;

/// The probe routes at `health` and `ready` (either may be absent).
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    health: Option<&str>,
    ready: Option<&str>,
    server: WeakServer,
) -> Router<S> {
    let mut router = Router::new();
    if let Some(path) = health {
        router = router.route(path, get(|| async { Json(json!({ "status": "ok" })) }));
    }
    if let Some(path) = ready {
        router = router.route(path, get(readiness));
    }
    router.layer(crate::layers::security_headers_layer()).with_state(server)
}

async fn readiness(State(server): State<WeakServer>) -> Response {
    let ready = match server.upgrade() {
        Some(server) => server.ready().await,
        None => Err("the server is shutting down".to_owned()),
    };
    match ready {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(failing) => {
            tracing::warn!(%failing, "not ready");
            let body = json!({ "status": "unavailable", "failing": failing });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
