//! The tasks extension's side of the method table: a task tool's call
//! answered with `CreateTaskResult`, and `tasks/get`, `tasks/update`,
//! `tasks/cancel`, in either era. Tasks are bound to the caller who created
//! them: anyone else is told the task does not exist.

use super::Server;
use super::task_worker as worker;
use crate::auth::Principal;
use crate::handler::ToolDef;
use crate::peer::RequestEnv;
use crate::protocol::ClientCapabilities;
use crate::protocol::jsonrpc::{RpcError, decode_params, to_raw};
use crate::tasks::{
    MAX_INPUT_RESPONSES, Payload, TaskRecord, TaskStatus, TaskSupport, check_answers, new_task_id, quota_key, refused,
    tasks_required,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

/// How a call to a tool goes, given what the client declared.
pub(crate) enum Dispatch {
    /// Run it and answer with its result.
    Now,
    /// Answer with a task handle.
    Task,
}

/// Whether a call to `def` runs now or as a task, or is refused.
pub(crate) fn dispatch_of(def: &ToolDef, capabilities: Option<&ClientCapabilities>) -> Result<Dispatch, RpcError> {
    let can_take_task = capabilities.is_some_and(ClientCapabilities::tasks);
    match (def.task.support, can_take_task) {
        (TaskSupport::Forbidden, _) | (TaskSupport::Optional, false) => Ok(Dispatch::Now),
        (TaskSupport::Required, false) => Err(tasks_required()),
        (_, true) => Ok(Dispatch::Task),
    }
}

/// Who creates a task: the caller (else its address) it belongs to, and
/// the session it was created in (session era).
pub(crate) struct Creator {
    pub(crate) caller: Option<Principal>,
    pub(crate) address: Option<IpAddr>,
    pub(crate) session: Option<String>,
}

#[derive(Deserialize)]
struct TaskParams {
    #[serde(rename = "taskId")]
    task_id: String,
}

#[derive(Deserialize)]
struct UpdateParams {
    #[serde(rename = "taskId")]
    task_id: String,
    #[serde(rename = "inputResponses")]
    input_responses: BTreeMap<String, Payload>,
}

fn not_found() -> RpcError {
    RpcError::invalid_params("Failed to retrieve task: Task not found")
}

fn complete(fields: Map<String, Value>) -> Result<Box<RawValue>, RpcError> {
    let mut result = Map::with_capacity(fields.len() + 1);
    result.insert("resultType".into(), json!("complete"));
    result.extend(fields);
    to_raw(&result)
}

impl Server {
    /// The tasks of this server.
    pub(crate) fn tasks(&self) -> &Arc<crate::tasks::Tasks> {
        &self.inner.tasks
    }

    /// Stores a task for a call of `def` and queues it; answers with the
    /// handle once any replica can read it. `answers` are what the client
    /// already answered in the request (the task's re-run finds them).
    /// Arguments over the payload bound, and a caller (`caller`, else its
    /// `address`) at its quota of unfinished tasks, are refused first. A
    /// task created in a `session` is followed for it (its status on the
    /// session's GET stream).
    pub(crate) async fn create_task(
        &self,
        def: &ToolDef,
        arguments: Option<Box<RawValue>>,
        creator: Creator,
        capabilities: ClientCapabilities,
        answers: Map<String, Value>,
    ) -> Result<Box<RawValue>, RpcError> {
        let Creator { caller, address, session } = creator;
        let tasks = self.tasks();
        // The arguments' size was checked when the call arrived (`call_tool`).
        worker::start(self);
        let arguments = arguments.as_deref().map(Payload::from_raw);
        let answers = kept_answers(answers, tasks.options.max_payload)?;
        let owner = caller.as_ref().map(|p| p.subject().to_owned());
        let now = crate::store::now_ms();
        let record = TaskRecord {
            id: new_task_id(),
            version: 0,
            status: TaskStatus::Working,
            status_message: None,
            created_ms: now,
            updated_ms: now,
            ttl_ms: millis(tasks.options.ttl),
            poll_interval_ms: millis(tasks.options.poll_interval).max(1),
            quota: quota_key(owner.as_deref(), address),
            owner,
            scopes: caller.as_ref().map(|p| p.scopes().to_vec()).unwrap_or_default(),
            claims: caller.map(|p| p.claims().clone()).unwrap_or_default(),
            tool: def.tool.name.clone(),
            client_capabilities: capabilities,
            input_requests: Map::new(),
            input_responses: answers,
            result: None,
            error: None,
            attempts: 0,
            max_attempts: def.task.retries.saturating_add(1),
        };
        tasks.store.create(&record, arguments.as_ref(), tasks.options.max_per_client).await.map_err(refused)?;
        if let Some(session) = session {
            self.follow_task(session, record.id.clone());
        }
        let mut result = Map::new();
        result.insert("resultType".into(), json!("task"));
        result.extend(record.summary());
        to_raw(&result)
    }

    /// `tasks/get`, `tasks/update` and `tasks/cancel`, for a client that
    /// declared the extension (`capabilities`).
    pub(crate) async fn task_method(
        &self,
        method: &str,
        params: Option<&RawValue>,
        env: &RequestEnv,
        capabilities: Option<&ClientCapabilities>,
    ) -> Result<Box<RawValue>, RpcError> {
        if !capabilities.is_some_and(ClientCapabilities::tasks) {
            return Err(tasks_required());
        }
        worker::start(self);
        let owner = crate::auth::caller_subject(&env.extensions).map(str::to_owned);
        match method {
            "tasks/get" => {
                let p: TaskParams = decode_params(params)?;
                let task = self.visible_task(&p.task_id, owner.as_deref()).await?;
                to_raw(&task.view(Some("complete")))
            }
            "tasks/update" => {
                let p: UpdateParams = decode_params(params)?;
                let max = self.tasks().options.max_payload;
                let accept = |task: &mut TaskRecord| accept_answers(task, &p.input_responses, max);
                self.change_task(&p.task_id, owner.as_deref(), accept).await?;
                complete(Map::new())
            }
            "tasks/cancel" => {
                let p: TaskParams = decode_params(params)?;
                self.change_task(&p.task_id, owner.as_deref(), |task| Ok(cancel(task))).await?;
                complete(Map::new())
            }
            method => Err(RpcError::method_not_found(method)),
        }
    }

    /// The task `id` as `tasks/get` shows it (a `DetailedTask`), when the
    /// caller in `ctx` may see it; `-32602` otherwise. For handlers that
    /// report on tasks, such as a `task://status/{id}` resource.
    pub async fn task_status(&self, id: &str, ctx: &crate::Context) -> Result<Map<String, Value>, RpcError> {
        let owner = crate::auth::caller_subject(ctx.extensions()).map(str::to_owned);
        Ok(self.visible_task(id, owner.as_deref()).await?.detailed())
    }

    /// Those of `ids` that exist and `owner` may see.
    pub(super) async fn visible_tasks(&self, ids: Vec<String>, owner: Option<&str>) -> Result<Vec<String>, RpcError> {
        let mut visible = Vec::with_capacity(ids.len());
        for id in ids {
            let task = self.tasks().store.load(&id).await.map_err(RpcError::internal)?;
            if task.is_some_and(|t| t.visible_to(owner)) && !visible.contains(&id) {
                visible.push(id);
            }
        }
        Ok(visible)
    }

    async fn visible_task(&self, id: &str, owner: Option<&str>) -> Result<TaskRecord, RpcError> {
        let task = self.tasks().store.load(id).await.map_err(RpcError::internal)?;
        task.filter(|t| t.visible_to(owner)).ok_or_else(not_found)
    }

    /// Applies `change` to a task by compare-and-set, retrying when another
    /// replica changed it meanwhile; `change` says whether it changed
    /// anything, or refuses the change.
    async fn change_task(
        &self,
        id: &str,
        owner: Option<&str>,
        change: impl Fn(&mut TaskRecord) -> Result<bool, RpcError>,
    ) -> Result<(), RpcError> {
        for _ in 0..16 {
            let mut task = self.visible_task(id, owner).await?;
            if !change(&mut task)? {
                return Ok(());
            }
            task.touch();
            if self.tasks().store.swap(&task).await.map_err(RpcError::internal)? {
                return Ok(());
            }
        }
        Err(RpcError::internal("the task changes too often; try again"))
    }
}

/// The answers given in the request that creates a task, as the task
/// keeps them (within `max_payload` bytes).
fn kept_answers(answers: Map<String, Value>, max_payload: usize) -> Result<BTreeMap<String, Payload>, RpcError> {
    let kept = answers
        .into_iter()
        .map(|(key, answer)| Payload::to_json(&answer).map(|answer| (key, answer)))
        .collect::<Result<BTreeMap<_, _>, _>>()
        .map_err(RpcError::internal)?;
    check_answers(kept.values().map(Payload::len).sum(), max_payload)?;
    Ok(kept)
}

/// Takes the answers to open questions; other keys are ignored (unknown,
/// answered already). The task works again once nothing is open. The
/// answers a task keeps are bounded, as its arguments, by `max_payload`
/// bytes in all.
fn accept_answers(
    task: &mut TaskRecord,
    responses: &BTreeMap<String, Payload>,
    max_payload: usize,
) -> Result<bool, RpcError> {
    let open = responses.iter().filter(|(key, _)| task.input_requests.contains_key(*key));
    let kept = task.input_responses.values().map(Payload::len).sum::<usize>()
        + open.map(|(_, answer)| answer.len()).sum::<usize>();
    check_answers(kept, max_payload)?;
    let mut changed = false;
    for (key, answer) in responses {
        if task.input_requests.contains_key(key) && task.input_responses.len() < MAX_INPUT_RESPONSES {
            task.input_requests.remove(key);
            task.input_responses.insert(key.clone(), answer.clone());
            changed = true;
        }
    }
    if changed && task.input_requests.is_empty() && task.status == TaskStatus::InputRequired {
        task.status = TaskStatus::Working;
    }
    Ok(changed)
}

/// Cancels a task that has not ended; an ended one stays as it is.
fn cancel(task: &mut TaskRecord) -> bool {
    if task.status.is_terminal() {
        return false;
    }
    task.status = TaskStatus::Cancelled;
    task.status_message = Some("cancelled by the client".into());
    task.input_requests.clear();
    true
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
