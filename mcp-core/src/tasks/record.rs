//! A task as stored: everything any replica needs to answer `tasks/get`,
//! accept `tasks/update` and `tasks/cancel`, and run (or re-run) the work.

use super::payload::Payload;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Queued or running.
    Working,
    /// Waiting for the client's answers (`tasks/update`).
    InputRequired,
    /// Finished with a result (which may be a tool error, `isError`).
    Completed,
    /// Ended by a JSON-RPC error.
    Failed,
    /// Cancelled by the client.
    Cancelled,
}

impl TaskStatus {
    /// Completed, failed or cancelled: nothing changes any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// One task. `version` grows with every change, so that a store can swap a
/// record only when nobody changed it since it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// Unguessable id (128 random bits).
    pub id: String,
    /// Bumped by each write.
    pub version: u64,
    /// Current status.
    pub status: TaskStatus,
    /// What is happening, for people (progress, the reason of a failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_ms: u64,
    /// Last change, milliseconds since the Unix epoch.
    pub updated_ms: u64,
    /// How long the task is kept after creation.
    pub ttl_ms: u64,
    /// How often clients should poll.
    pub poll_interval_ms: u64,
    /// The subject of the caller who created it: only they may see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The creator's scopes: the task runs as its creator.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The creator's verified claims.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub claims: Value,
    /// Whose share of live tasks it counts against while it has not ended
    /// (see [`quota_key`]).
    #[serde(default)]
    pub quota: String,
    /// The tool to run, so that any worker can run it (its arguments are
    /// kept apart: [`TaskStore::arguments`](super::TaskStore::arguments)).
    pub tool: String,
    /// What the client declared it can do when it created the task.
    #[serde(default)]
    pub client_capabilities: crate::protocol::ClientCapabilities,
    /// Questions to the client not answered yet, by key.
    #[serde(default)]
    pub input_requests: Map<String, Value>,
    /// The client's answers, by key (kept, so that a re-run gets them
    /// too), each as its JSON text, shared by copies of the record.
    #[serde(default)]
    pub input_responses: BTreeMap<String, Payload>,
    /// The tool's result (a `CallToolResult`), once completed; kept as its
    /// JSON text and shared by copies of the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Payload>,
    /// The JSON-RPC error, once failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// Runs started so far (a run whose worker died counts).
    #[serde(default)]
    pub attempts: u32,
    /// Runs allowed in all (1 + the retries the tool declares).
    pub max_attempts: u32,
}

impl TaskRecord {
    /// When the task may be discarded (its TTL from creation).
    pub fn expires_at_ms(&self) -> u64 {
        self.created_ms.saturating_add(self.ttl_ms)
    }

    /// The `Task` fields (what `CreateTaskResult` carries besides
    /// `resultType`).
    pub fn summary(&self) -> Map<String, Value> {
        let mut task = Map::new();
        task.insert("taskId".into(), json!(self.id));
        task.insert("status".into(), json!(self.status));
        if let Some(message) = &self.status_message {
            task.insert("statusMessage".into(), json!(message));
        }
        task.insert("createdAt".into(), json!(iso8601(self.created_ms)));
        task.insert("lastUpdatedAt".into(), json!(iso8601(self.updated_ms)));
        task.insert("ttlMs".into(), json!(self.ttl_ms));
        task.insert("pollIntervalMs".into(), json!(self.poll_interval_ms));
        task
    }

    /// The `DetailedTask` of `tasks/get` and `notifications/tasks`: the
    /// summary plus what the status carries (questions, result or error).
    /// The result is parsed into the map; the server writes it as it is
    /// kept.
    pub fn detailed(&self) -> Map<String, Value> {
        let view = self.view(None);
        let mut task = view.task;
        if let Some(result) = view.result {
            task.insert("result".into(), result.to_value());
        }
        task
    }

    /// The `DetailedTask`, its result written as kept (no copy of it),
    /// after `resultType` when given.
    pub(crate) fn view(&self, result_type: Option<&'static str>) -> Detailed<'_> {
        let mut task = self.summary();
        let mut result = None;
        match self.status {
            TaskStatus::InputRequired => {
                task.insert("inputRequests".into(), Value::Object(self.input_requests.clone()));
            }
            TaskStatus::Completed => match &self.result {
                Some(kept) => result = Some(kept),
                None => {
                    task.insert("result".into(), json!({ "content": [] }));
                }
            },
            TaskStatus::Failed => {
                let error = self.error.clone();
                task.insert("error".into(), error.unwrap_or_else(|| json!({ "code": -32603, "message": "failed" })));
            }
            TaskStatus::Working | TaskStatus::Cancelled => {}
        }
        Detailed { result_type, task, result }
    }

    /// Marks a change now.
    pub(crate) fn touch(&mut self) {
        self.version += 1;
        self.updated_ms = now_ms().max(self.updated_ms);
    }

    /// The caller who created the task, as a principal (for the run).
    pub(crate) fn principal(&self) -> Option<crate::auth::Principal> {
        let subject = self.owner.as_ref()?;
        Some(crate::auth::Principal::new(subject.clone(), self.scopes.clone(), self.claims.clone()))
    }

    /// Whether the caller `subject` may see this task.
    pub(crate) fn visible_to(&self, subject: Option<&str>) -> bool {
        self.owner.as_deref() == subject
    }
}

use crate::store::now_ms;

/// A task as `tasks/get` writes it: its fields, and its result as kept.
#[derive(Serialize)]
pub(crate) struct Detailed<'a> {
    #[serde(rename = "resultType", skip_serializing_if = "Option::is_none")]
    result_type: Option<&'static str>,
    #[serde(flatten)]
    task: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a Payload>,
}

/// Whose share of live tasks a caller's task counts against: its subject
/// when authenticated, else its address when known, else the share of
/// every anonymous caller without one.
pub fn quota_key(subject: Option<&str>, address: Option<std::net::IpAddr>) -> String {
    match (subject, address) {
        (Some(subject), _) => format!("sub:{subject}"),
        (None, Some(address)) => format!("addr:{address}"),
        (None, None) => "anonymous".into(),
    }
}

/// `2026-12-03T10:30:00.123Z` for a time in milliseconds since the epoch.
pub(crate) fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        ms % 1000
    )
}

/// The Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A working task of `quota`, for tests.
#[cfg(test)]
pub(crate) fn sample(id: &str, quota: &str) -> TaskRecord {
    TaskRecord {
        id: id.into(),
        version: 0,
        status: TaskStatus::Working,
        status_message: None,
        created_ms: now_ms(),
        updated_ms: now_ms(),
        ttl_ms: 60_000,
        poll_interval_ms: 500,
        owner: None,
        scopes: Vec::new(),
        claims: Value::Null,
        quota: quota.into(),
        tool: "x".into(),
        client_capabilities: Default::default(),
        input_requests: Map::new(),
        input_responses: BTreeMap::new(),
        result: None,
        error: None,
        attempts: 0,
        max_attempts: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso8601_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_796_293_800_123), "2026-12-03T10:30:00.123Z");
    }

    #[test]
    fn detailed_carries_what_the_status_needs() {
        let mut task = sample("t", "anonymous");
        task.created_ms = 0;
        task.updated_ms = 0;
        let working = task.detailed();
        assert_eq!(working["status"], "working");
        assert!(!working.contains_key("result") && !working.contains_key("requestState"));
        task.status = TaskStatus::Failed;
        task.error = Some(json!({ "code": -32603, "message": "boom" }));
        let failed = task.detailed();
        assert_eq!(failed["error"]["message"], "boom");
        assert!(!failed.contains_key("result"));
        task.status = TaskStatus::Completed;
        task.result = Some(Payload::to_json(&json!({ "content": [], "n": 1 })).unwrap());
        assert_eq!(task.detailed()["result"]["n"], 1);
        let written = serde_json::to_value(task.view(Some("complete"))).unwrap();
        assert_eq!(written["resultType"], "complete");
        assert_eq!(written["result"]["n"], 1);
        assert_eq!(written["status"], "completed");
    }
}
