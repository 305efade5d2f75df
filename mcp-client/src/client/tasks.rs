//! The tasks calls: a tool called as a task, then polled, answered,
//! awaited or cancelled.

use super::Client;
use super::exchange::Extras;
use crate::error::ClientError;
use crate::inbox::ServerNotification;
use crate::tasks::{EXTENSION, MAX_INPUT_ROUNDS, Task, TaskHandle, TaskStatus};
use quickmcp::middleware::Era;
use quickmcp::protocol::CallToolResult;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast::{self, error::RecvError};

/// How long a task's status stream may stay open at least (a task's TTL
/// when longer).
const LISTEN_AT_LEAST: std::time::Duration = std::time::Duration::from_secs(3600);

/// Ends a task's status stream when the wait ends (or is dropped).
struct Following(Option<tokio::task::JoinHandle<()>>);

impl Drop for Following {
    fn drop(&mut self) {
        if let Some(listen) = self.0.take() {
            listen.abort();
        }
    }
}

impl Client {
    /// Calls tool `name` as a task (the server must offer the tasks
    /// extension, and the tool support tasks): the handle comes back at
    /// once, the work goes on at the server. In the session era declare
    /// tasks with [`ClientBuilder::tasks`](crate::ClientBuilder::tasks).
    pub async fn call_tool_as_task(&self, name: &str, arguments: Value) -> Result<TaskHandle, ClientError> {
        let headers = self.param_headers(name, &arguments)?;
        let extras = Extras { name: Some(name.to_owned()), headers, task: true, ..Extras::default() };
        let result = self.request_with("tools/call", json!({"name": name, "arguments": arguments}), &extras).await?;
        if result.get("resultType").and_then(Value::as_str) != Some("task") {
            return Err(ClientError::Protocol(format!("the server ran tool `{name}` at once rather than as a task")));
        }
        Ok(TaskHandle { client: self.clone(), task: task(result)? })
    }

    /// A `tools/call` answered with a task (the client declared tasks):
    /// waits for its result.
    pub(crate) async fn await_task(&self, created: Value) -> Result<CallToolResult, ClientError> {
        TaskHandle { client: self.clone(), task: task(created)? }.wait().await
    }

    async fn task_request(&self, method: &str, id: &str, mut params: Value) -> Result<Value, ClientError> {
        params["taskId"] = json!(id);
        let extras = Extras { name: Some(id.to_owned()), task: true, ..Extras::default() };
        self.request_with(method, params, &extras).await
    }
}

impl TaskHandle {
    /// Asks the server where the task is (`tasks/get`).
    pub async fn refresh(&mut self) -> Result<&Task, ClientError> {
        let result = self.client.task_request("tasks/get", &self.task.task_id, json!({})).await?;
        self.task = task(result)?;
        Ok(&self.task)
    }

    /// Asks the server to stop the task (`tasks/cancel`); cancelling an
    /// ended task changes nothing.
    pub async fn cancel(&self) -> Result<(), ClientError> {
        self.client.task_request("tasks/cancel", &self.task.task_id, json!({})).await.map(drop)
    }

    /// Waits for the task to end, polling at the server's `pollIntervalMs`
    /// (earlier when a `notifications/tasks` for it arrives), answering its
    /// questions with the client's handlers: the tool's result, or the
    /// task's error ([`ClientError::Rpc`]); a cancelled task is
    /// [`ClientError::Cancelled`].
    pub async fn wait(mut self) -> Result<CallToolResult, ClientError> {
        let mut notifications = self.client.notifications();
        let _following = self.follow();
        let mut rounds = 0;
        loop {
            match self.task.status {
                TaskStatus::Completed => {
                    let result = self.task.result.take().unwrap_or_default();
                    return serde_json::from_value(result)
                        .map_err(|e| ClientError::Protocol(format!("task {}'s result: {e}", self.task.task_id)));
                }
                TaskStatus::Failed => {
                    let error = self.task.error.take().unwrap_or_else(|| {
                        quickmcp::protocol::jsonrpc::RpcError::internal("the task failed and said no more")
                    });
                    return Err(ClientError::Rpc(error));
                }
                TaskStatus::Cancelled => return Err(ClientError::Cancelled),
                TaskStatus::InputRequired if self.task.input_requests.as_ref().is_some_and(|q| !q.is_empty()) => {
                    rounds += 1;
                    if rounds > MAX_INPUT_ROUNDS {
                        return Err(ClientError::Protocol(format!(
                            "task {} asked for input more than {MAX_INPUT_ROUNDS} times",
                            self.task.task_id
                        )));
                    }
                    self.answer().await?;
                }
                TaskStatus::Working | TaskStatus::InputRequired => {
                    if let Some(heard) = self.pause(&mut notifications).await {
                        self.task = heard;
                        continue;
                    }
                }
            }
            self.refresh().await?;
        }
    }

    /// Waits for the poll interval, or less when a `notifications/tasks`
    /// for this task arrives: then the task as it says.
    async fn pause(&self, notifications: &mut broadcast::Receiver<ServerNotification>) -> Option<Task> {
        let pause = tokio::time::sleep(self.task.poll_interval());
        tokio::pin!(pause);
        loop {
            tokio::select! {
                () = &mut pause => return None,
                note = notifications.recv() => match note {
                    Ok(note) if note.method == "notifications/tasks"
                        && note.params["taskId"] == self.task.task_id.as_str() => return task(note.params).ok(),
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => {
                        (&mut pause).await;
                        return None;
                    }
                },
            }
        }
    }

    /// In the stateless era, a `subscriptions/listen` stream for the task,
    /// so that its status changes arrive as they happen; it ends when the
    /// guard is dropped. A server without one is polled only.
    fn follow(&self) -> Following {
        if self.client.era() != Era::Stateless {
            return Following(None);
        }
        let client = self.client.clone();
        let params = json!({"notifications": {"taskIds": [self.task.task_id]}});
        let lasts = std::time::Duration::from_millis(self.task.ttl_ms.unwrap_or(0)).max(LISTEN_AT_LEAST);
        Following(Some(tokio::spawn(async move {
            let extras = Extras { task: true, timeout: Some(lasts), ..Extras::default() };
            if let Err(error) = client.request_with("subscriptions/listen", params, &extras).await {
                tracing::debug!(%error, "no status stream for a task; polling only");
            }
        })))
    }

    /// Answers the task's open questions (`tasks/update`).
    async fn answer(&mut self) -> Result<(), ClientError> {
        let handlers = &self.client.inner.handlers;
        let questions = self.task.input_requests.take().into_iter().flatten();
        // Answered together, as a round's questions are.
        let answers: Map<String, Value> =
            futures_util::future::try_join_all(questions.map(|(key, question)| async move {
                let asked = question.get("method").and_then(Value::as_str).unwrap_or_default();
                let params = question.get("params").cloned().unwrap_or_default();
                let answer = handlers.answer_keyed(&key, asked, params).await?;
                Ok::<_, ClientError>((key, answer))
            }))
            .await?
            .into_iter()
            .collect();
        let params = json!({"inputResponses": answers});
        self.client.task_request("tasks/update", &self.task.task_id, params).await.map(drop)
    }
}

fn task(value: Value) -> Result<Task, ClientError> {
    serde_json::from_value(value).map_err(|e| ClientError::Protocol(format!("a task: {e}")))
}

/// Declares the extension in a stateless-era request's client capabilities.
pub(super) fn declare(meta: &mut Value) {
    let capabilities = &mut meta["io.modelcontextprotocol/clientCapabilities"];
    if !capabilities.is_object() {
        *capabilities = json!({});
    }
    if !capabilities["extensions"].is_object() {
        capabilities["extensions"] = json!({});
    }
    capabilities["extensions"][EXTENSION] = json!({});
}
