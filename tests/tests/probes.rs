//! Liveness and readiness probes: off the MCP path, answered whatever the
//! Host (orchestrators probe by address), never opening a session, and
//! readiness naming the store that does not answer.

use mcp_integration_tests::spawn;
use quickmcp::Server;
use quickmcp::session::{
    MemoryEventStore, MemorySessionStore, SessionRecord, SessionStore, Sessions, StoreError, StoreFuture,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A session store whose backend is down.
struct Down(MemorySessionStore);

impl SessionStore for Down {
    fn create(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        self.0.create(record)
    }
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<SessionRecord>>> {
        self.0.load(id)
    }
    fn touch<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        self.0.touch(id)
    }
    fn save(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        self.0.save(record)
    }
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        self.0.remove(id)
    }
    fn expire_idle(&self) -> StoreFuture<'_, Vec<String>> {
        self.0.expire_idle()
    }
    fn count(&self) -> StoreFuture<'_, usize> {
        self.0.count()
    }
    fn ready(&self) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(Err(StoreError::Unavailable("connection refused".into()))))
    }
}

async fn probe(url: &str, path: &str) -> (u16, Value) {
    let response =
        reqwest::Client::new().get(format!("{url}{path}")).header("host", "10.1.2.3:8000").send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn probes_answer_without_sessions_and_whatever_the_host() {
    let server = Server::builder("probed", "0").build();
    let url = spawn(quickmcp_axum::McpRouter::new(server.clone()).into_router()).await;
    assert_eq!(probe(&url, "/health").await, (200, json!({"status": "ok"})));
    assert_eq!(probe(&url, "/ready").await, (200, json!({"status": "ready"})));
    assert_eq!(server.session_count().await.unwrap(), 0);
    assert_eq!(probe(&url, "/mcp").await.0, 403, "the endpoint itself still checks the Host");
}

#[tokio::test]
async fn readiness_names_the_store_that_does_not_answer() {
    let store = Down(MemorySessionStore::new(10, Duration::from_secs(60)));
    let server = Server::builder("probed", "0").sessions(Sessions::new(store, MemoryEventStore::default())).build();
    let url = spawn(quickmcp_axum::McpRouter::new(server).into_router()).await;
    let (status, body) = probe(&url, "/ready").await;
    assert_eq!(status, 503);
    assert_eq!(body["failing"], "session store: the session store is unavailable: connection refused");
    assert_eq!(probe(&url, "/health").await.0, 200, "alive, though not ready");
}

#[tokio::test]
async fn probe_paths_are_configurable_and_can_be_turned_off() {
    let config = quickmcp_axum::McpConfig::from_lookup(|k| match k {
        "MCP_HEALTH_PATH" => Some("/livez".into()),
        "MCP_READY_PATH" => Some("off".into()),
        _ => None,
    })
    .unwrap();
    let url =
        spawn(quickmcp_axum::McpRouter::new(Server::builder("probed", "0").build()).config(config).into_router()).await;
    assert_eq!(probe(&url, "/livez").await.0, 200);
    assert_eq!(probe(&url, "/health").await.0, 404);
    assert_eq!(probe(&url, "/ready").await.0, 404);
}
