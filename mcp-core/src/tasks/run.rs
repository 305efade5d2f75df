//! What a handler sees of the task it runs in: its questions become the
//! task's `inputRequests` and wait for `tasks/update`; its progress becomes
//! the task's `statusMessage`. And the gate of a tool that asks first: it
//! runs in the request until [`Context::begin_task`](crate::Context::begin_task).

use super::record::{TaskRecord, TaskStatus};
use super::store::TaskStore;
use crate::era::rounds::input_key;
use crate::protocol::ClientCapabilities;
use crate::protocol::jsonrpc::RpcError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Questions one task may have open at once.
pub const MAX_INPUT_REQUESTS: usize = 32;

/// One run of a task by a worker.
pub(crate) struct TaskRun {
    pub(crate) id: String,
    pub(crate) capabilities: ClientCapabilities,
    store: Arc<dyn TaskStore>,
    poll: Duration,
    asked: AtomicUsize,
    /// The latest progress message, written to the task by the worker.
    pub(crate) progress: Mutex<Option<String>>,
}

impl TaskRun {
    pub(crate) fn new(record: &TaskRecord, store: Arc<dyn TaskStore>, poll: Duration) -> Self {
        Self {
            id: record.id.clone(),
            capabilities: record.client_capabilities,
            store,
            poll,
            asked: AtomicUsize::new(0),
            progress: Mutex::default(),
        }
    }

    /// The client's answer to a question: at once when the task holds it
    /// (answered before, or in the request that created the task); else
    /// the question is put on the task (`input_required`) and this waits
    /// for `tasks/update`, from whichever replica it reaches.
    pub(crate) async fn answer<R: DeserializeOwned>(
        &self,
        key: Option<&str>,
        method: &str,
        params: impl Serialize,
    ) -> Result<R, RpcError> {
        let key = input_key(key, method, self.asked.fetch_add(1, Ordering::Relaxed) + 1);
        let request = json!({ "method": method, "params": params });
        loop {
            let mut task = self.load().await?;
            if let Some(answer) = task.input_responses.get(&key) {
                return serde_json::from_str(answer.get()).map_err(|e| {
                    RpcError::invalid_params(format!("the answer to `{key}` is not a `{method}` result: {e}"))
                });
            }
            if !task.status.is_terminal() && !task.input_requests.contains_key(&key) {
                if task.input_requests.len() >= MAX_INPUT_REQUESTS {
                    return Err(RpcError::internal(format!(
                        "a task asks at most {MAX_INPUT_REQUESTS} questions at once"
                    )));
                }
                task.input_requests.insert(key.clone(), request.clone());
                task.status = TaskStatus::InputRequired;
                task.touch();
                if !self.store.swap(&task).await.map_err(RpcError::internal)? {
                    continue;
                }
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// What the request that created the task handed it under `key`
    /// ([`TaskGate::hand_over`]), without asking the client.
    pub(crate) async fn handed(&self, key: &str) -> Option<Value> {
        let task = self.load().await.ok()?;
        serde_json::from_str(task.input_responses.get(key)?.get()).ok()
    }

    async fn load(&self) -> Result<TaskRecord, RpcError> {
        self.store
            .load(&self.id)
            .await
            .map_err(RpcError::internal)?
            .ok_or_else(|| RpcError::internal("the task is gone (expired)"))
    }
}

/// The gate of a call to a tool that asks first: the handler runs in the
/// request (questions by the request's own means) until it opens the gate
/// with `begin_task`; the call then becomes a task, which re-runs the
/// handler with the answers gathered so far.
#[derive(Default)]
pub(crate) struct TaskGate {
    opened: Notify,
    asked: AtomicUsize,
    answers: Mutex<Map<String, Value>>,
}

impl TaskGate {
    pub(crate) fn open(&self) {
        self.opened.notify_one();
    }

    pub(crate) async fn opened(&self) {
        self.opened.notified().await;
    }

    /// Keeps a session-era answer for the task's re-run, under the key the
    /// re-run will ask with.
    pub(crate) fn record(&self, key: Option<&str>, method: &str, answer: &Value) {
        let key = input_key(key, method, self.asked.fetch_add(1, Ordering::Relaxed) + 1);
        self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, answer.clone());
    }

    /// Hands `value` to the task's re-run under `key` (read with
    /// [`TaskRun::handed`]): what the request already started, such as a
    /// remote server's own task that the proxy's task waits for.
    pub(crate) fn hand_over(&self, key: &str, value: &Value) {
        self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key.to_owned(), value.clone());
    }

    pub(crate) fn answers(&self) -> Map<String, Value> {
        self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}
