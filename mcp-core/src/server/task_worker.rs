//! This replica's workers: each claims a queued task, runs its tool, and
//! settles the task with the result or the error. While it runs, the
//! worker renews its claim, writes progress, and stops the handler when the
//! task is cancelled (from any replica). A claim left silent by a dead
//! worker is taken over: run again while the tool's retries last, failed
//! after.

use crate::context::Context;
use crate::protocol::CallToolResult;
use crate::protocol::jsonrpc::RpcError;
use crate::server::{Server, WeakServer};
use crate::tasks::run::TaskRun;
use crate::tasks::{Payload, TaskRecord, TaskStatus, TaskStore, Tasks, result_too_large};
use serde_json::json;
use serde_json::value::RawValue;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How long a worker waits on the queue before looking whether its server
/// is still there.
const CLAIM_WAIT: Duration = Duration::from_secs(1);
/// Attempts at a compare-and-set before giving up on one change.
const SWAP_ATTEMPTS: usize = 16;

/// Starts this replica's workers, once. They stop when the server is
/// dropped.
pub(crate) fn start(server: &Server) {
    let tasks = server.tasks();
    tasks.start_once(|| {
        for _ in 0..tasks.options.workers.max(1) {
            tokio::spawn(work(server.downgrade()));
        }
        tokio::spawn(take_over(server.downgrade()));
    });
}

/// One worker: claim, run, repeat (while this replica runs fewer than
/// `workers` tasks, taken-over ones included).
async fn work(weak: WeakServer) {
    loop {
        let Some(tasks) = weak.upgrade().map(|s| Arc::clone(s.tasks())) else { return };
        if tasks.free() == 0 {
            tokio::time::sleep(tasks.options.heartbeat).await;
            continue;
        }
        match tasks.store.claim(&tasks.worker, CLAIM_WAIT).await {
            Ok(Some(id)) => {
                let Some(server) = weak.upgrade() else { return };
                run(&server, &id).await;
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "task queue unavailable");
                tokio::time::sleep(CLAIM_WAIT).await;
            }
        }
    }
}

/// Takes over the tasks of workers gone silent, here or on another replica,
/// as many as this replica has free slots for.
async fn take_over(weak: WeakServer) {
    loop {
        let Some(server) = weak.upgrade() else { return };
        let tasks = Arc::clone(server.tasks());
        drop(server);
        let timeout = tasks.options.claim_timeout;
        tokio::time::sleep((timeout / 3).max(Duration::from_millis(50))).await;
        let free = tasks.free();
        if free == 0 {
            continue;
        }
        match tasks.store.reclaim(&tasks.worker, timeout, free).await {
            Ok(ids) => {
                for id in ids {
                    tracing::warn!(task = %id, "taking over a task whose worker went silent");
                    let Some(server) = weak.upgrade() else { return };
                    tokio::spawn(async move { run(&server, &id).await });
                }
            }
            Err(error) => tracing::warn!(%error, "could not look for abandoned tasks"),
        }
    }
}

/// Runs task `id` (claimed by this replica) to its end.
pub(crate) async fn run(server: &Server, id: &str) {
    let tasks = server.tasks();
    tasks.running.fetch_add(1, Ordering::Relaxed);
    let _running = Running(&tasks.running);
    if let Some(task) = begin(&*tasks.store, id).await
        && let Some(outcome) = execute(server, tasks, task).await
    {
        settle(&*tasks.store, id, outcome, tasks.options.max_payload).await;
    }
    if let Err(error) = tasks.store.finish(id).await {
        tracing::warn!(task = %id, %error, "could not take a finished task off the queue");
    }
}

/// Counts a run while it lasts, however it ends.
struct Running<'a>(&'a AtomicUsize);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Counts a new attempt at the task; `None` when there is nothing to run
/// (gone, ended, or out of attempts: then failed).
async fn begin(store: &dyn TaskStore, id: &str) -> Option<TaskRecord> {
    for _ in 0..SWAP_ATTEMPTS {
        let mut task = store.load(id).await.ok()??;
        if task.status.is_terminal() {
            return None;
        }
        if task.attempts >= task.max_attempts {
            let stopped = RpcError::internal(format!(
                "the worker running this task stopped, {} time(s); no retries left",
                task.attempts
            ));
            settle(store, id, Err(stopped), 0).await;
            return None;
        }
        task.attempts += 1;
        task.touch();
        if store.swap(&task).await.ok()? {
            return Some(task);
        }
    }
    None
}

/// Runs the tool; `None` when the task ended meanwhile (cancelled, expired).
async fn execute(server: &Server, tasks: &Tasks, task: TaskRecord) -> Option<Result<CallToolResult, RpcError>> {
    let Some(def) = server.tool(&task.tool) else {
        return Some(Err(RpcError::invalid_params(format!("Unknown tool: {}", task.tool))));
    };
    let run = Arc::new(TaskRun::new(&task, Arc::clone(&tasks.store), tasks.options.heartbeat));
    let mut extensions = http::Extensions::new();
    if let Some(creator) = task.principal() {
        extensions.insert(creator);
    }
    let ctx = Context::for_task(server.clone(), Arc::clone(&run), extensions);
    let arguments = match tasks.store.arguments(&task.id).await {
        Ok(arguments) => arguments.and_then(|a| RawValue::from_string(a.get().to_owned()).ok()),
        Err(e) => return Some(Err(RpcError::internal(e))),
    };
    let work = crate::context::guarded_for(&ctx, server.run_tool(&def, ctx.clone(), arguments), tasks.options.ttl);
    tokio::select! {
        outcome = work => Some(outcome),
        () = watch(tasks, &run) => None,
    }
}

/// Renews the claim and writes progress until the task ends elsewhere.
async fn watch(tasks: &Tasks, run: &TaskRun) {
    let store = &*tasks.store;
    loop {
        tokio::time::sleep(tasks.options.heartbeat).await;
        if let Err(error) = store.heartbeat(&tasks.worker, &run.id).await {
            tracing::warn!(task = %run.id, %error, "could not renew a task's claim");
            continue;
        }
        let Ok(task) = store.load(&run.id).await else { continue };
        let Some(mut task) = task else { return };
        if task.status.is_terminal() {
            return;
        }
        let progress = run.progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if progress.is_some() && progress != task.status_message {
            task.status_message = progress;
            task.touch();
            // Lost to a concurrent change: written at the next beat.
            let _ = store.swap(&task).await;
        }
    }
}

/// Ends the task with `outcome`, unless it ended already. A result over
/// `max_payload` bytes fails the task instead.
pub(crate) async fn settle(
    store: &dyn TaskStore,
    id: &str,
    outcome: Result<CallToolResult, RpcError>,
    max_payload: usize,
) {
    let outcome = outcome.and_then(|result| match Payload::to_json(&result) {
        Ok(kept) if kept.len() <= max_payload => Ok(kept),
        Ok(kept) => Err(result_too_large(kept.len(), max_payload)),
        Err(e) => Err(RpcError::internal(e)),
    });
    let (status, result, error) = match outcome {
        Ok(result) => (TaskStatus::Completed, Some(result), None),
        Err(e) => {
            let mut error = json!({ "code": e.code, "message": e.message });
            if let Some(data) = e.data {
                error["data"] = data;
            }
            (TaskStatus::Failed, None, Some(error))
        }
    };
    for _ in 0..SWAP_ATTEMPTS {
        let Ok(Some(mut task)) = store.load(id).await else { return };
        if task.status.is_terminal() {
            return;
        }
        task.status = status;
        task.status_message = error.as_ref().and_then(|e| e["message"].as_str()).map(str::to_owned);
        task.result.clone_from(&result);
        task.error.clone_from(&error);
        task.input_requests.clear();
        task.touch();
        if store.swap(&task).await.unwrap_or(false) {
            return;
        }
    }
    tracing::error!(task = %id, "could not record the end of a task");
}
