//! Handlers that several test files serve, defined once. Their doc comments
//! are what clients see as descriptions. A handler that one file needs, or
//! that a test needs to behave otherwise (a shorter nap, logging first),
//! stays in that file under its own name or the same one.

use quickmcp::context::{SessionState, StateError};
use quickmcp::prelude::*;
use serde_json::json;
use std::time::Duration;

/// Adds two integers.
#[tool]
pub async fn add(a: i64, b: i64) -> String {
    (a + b).to_string()
}

/// Sleeps ten seconds (unless cancelled).
#[tool]
pub async fn nap() -> &'static str {
    // Long enough to be still running whenever a test acts on it.
    tokio::time::sleep(Duration::from_secs(10)).await;
    "rested"
}

/// Asks the user for a name, reporting progress first.
#[tool]
pub async fn ask_name(ctx: Context) -> Result<String, ToolError> {
    // Sent only when the call carries a progress token (stdio.rs sends one).
    ctx.progress(1).of(2).await;
    let schema = json!({"type": "object", "properties": {"name": {"type": "string", "default": "Ann"}}});
    let answer = ctx.elicit("Your name?", schema).await.map_err(|e| ToolError::new(e.to_string()))?;
    Ok(format!("{}: {}", answer.action, answer.content.unwrap_or_default()["name"]))
}

/// A document clients may watch.
#[resource("doc://readme", mime = "text/plain")]
pub async fn readme() -> &'static str {
    "read me"
}

/// Entries a session recorded (its `SessionState`: in Redis, shared by
/// replicas).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Log {
    /// The entries, oldest first.
    pub entries: Vec<String>,
}

/// Records an entry in the session's log; returns how many it holds.
#[tool]
pub async fn record(log: SessionState<Log>, entry: String) -> Result<String, StateError> {
    Ok(log
        .update(|log| {
            log.entries.push(entry.clone());
            log.entries.len()
        })
        .await?
        .to_string())
}

/// The session's log, comma-separated.
#[tool]
pub async fn entries(log: SessionState<Log>) -> Result<String, StateError> {
    Ok(log.get().await?.entries.join(","))
}
