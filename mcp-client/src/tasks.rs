//! Tasks (the `io.modelcontextprotocol/tasks` extension, SEP-2663) as a
//! client sees them: a tool call answered with a task handle at once, then
//! polled (`tasks/get`) until it ends, its questions answered
//! (`tasks/update`), or cancelled (`tasks/cancel`).
//!
//! [`Client::call_tool_as_task`](crate::Client::call_tool_as_task) gives the
//! [`TaskHandle`]; [`TaskHandle::wait`] polls at the server's
//! `pollIntervalMs`, and wakes early when a `notifications/tasks` for the
//! task arrives.

use crate::client::Client;
use quickmcp::protocol::jsonrpc::RpcError;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::Duration;

/// The extension's identifier.
pub use quickmcp::tasks::EXTENSION;

/// Where a task is: the same status the server side keeps.
pub use quickmcp::tasks::TaskStatus;

/// A task as the server last described it (`tasks/get`, the call's
/// `CreateTaskResult`, or `notifications/tasks`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Task {
    /// Its id.
    pub task_id: String,
    /// Where it is.
    pub status: TaskStatus,
    /// What it says of its progress.
    #[serde(default)]
    pub status_message: Option<String>,
    /// How often the server wants to be polled.
    #[serde(default)]
    pub poll_interval_ms: Option<u64>,
    /// How long the server keeps it.
    #[serde(default)]
    pub ttl_ms: Option<u64>,
    /// `completed`: the tool's `CallToolResult`.
    #[serde(default)]
    pub result: Option<Value>,
    /// `failed`: the JSON-RPC error.
    #[serde(default)]
    pub error: Option<RpcError>,
    /// `input_required`: the questions, by key.
    #[serde(default)]
    pub input_requests: Option<Map<String, Value>>,
}

/// Polls are never closer than this, whatever the server asks.
pub(crate) const MIN_POLL: Duration = Duration::from_millis(50);
/// Nor further apart than this.
pub(crate) const MAX_POLL: Duration = Duration::from_secs(60);
/// The interval when the server names none.
pub(crate) const DEFAULT_POLL: Duration = Duration::from_secs(1);
/// Rounds of questions one task may ask the client.
pub(crate) const MAX_INPUT_ROUNDS: usize = 64;

impl Task {
    /// The pause before the next poll: the server's `pollIntervalMs`,
    /// bounded to 50 ms – 60 s.
    pub fn poll_interval(&self) -> Duration {
        self.poll_interval_ms.map_or(DEFAULT_POLL, Duration::from_millis).clamp(MIN_POLL, MAX_POLL)
    }
}

/// A task started by [`Client::call_tool_as_task`]: follow it, wait for
/// its result, or cancel it.
#[derive(Debug, Clone)]
pub struct TaskHandle {
    pub(crate) client: Client,
    pub(crate) task: Task,
}

impl TaskHandle {
    /// The task's id.
    pub fn id(&self) -> &str {
        &self.task.task_id
    }

    /// The task as last seen (at creation, or the last
    /// [`refresh`](Self::refresh)).
    pub fn task(&self) -> &Task {
        &self.task
    }
}
