//! This replica's workers: each claims a queued task, runs its tool, and
//! settles the task with the result or the error. While it runs, the
//! worker renews its claim, writes progress, and stops the handler when the
//! task is cancelled (from any replica). A claim left silent by a dead
//! worker is taken over: run again while the tool's retries last, failed
//! after. A drain stops the claiming, lets running tasks finish for a
//! grace period, and hands back the rest (their attempt not counted).

use crate::context::Context;
use crate::protocol::CallToolResult;
use crate::protocol::jsonrpc::RpcError;
use crate::server::{Server, WeakServer};
use crate::tasks::run::TaskRun;
use crate::tasks::{Counters, Payload, TaskRecord, TaskStatus, TaskStore, Tasks, result_too_large};
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
/// How long a worker keeps trying to record a task's end while the store
/// does not answer (a Redis failover takes seconds), and its pause between
/// tries.
const SETTLE_FOR: Duration = Duration::from_secs(30);
const SETTLE_PAUSE: Duration = Duration::from_millis(250);
/// How long handing back the running tasks may take, once the grace is over.
const HAND_BACK_LIMIT: Duration = Duration::from_secs(5);

/// Starts this replica's workers, once (none when it has none: worker
/// processes run its tasks). They stop when the server is dropped, or
/// drained.
pub(crate) fn start(server: &Server) {
    let tasks = server.tasks();
    if tasks.options.workers == 0 {
        return;
    }
    tasks.start_once(|| {
        for _ in 0..tasks.options.workers {
            tokio::spawn(work(server.downgrade()));
        }
        tokio::spawn(take_over(server.downgrade()));
    });
}

/// Stops claiming, waits up to `grace` for the running tasks, then hands
/// back those still running (see [`Server::drain_tasks`]).
pub(crate) async fn drain(tasks: &Tasks, grace: Duration) {
    tasks.stopping.cancel();
    if idle_within(tasks, grace).await {
        return;
    }
    tracing::warn!(running = tasks.running(), ?grace, "tasks still running after the grace period: handing them back");
    tasks.handing_back.cancel();
    idle_within(tasks, HAND_BACK_LIMIT).await;
}

/// Waits up to `limit` for no task to run here; whether none does.
async fn idle_within(tasks: &Tasks, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tasks.running() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tasks.running() == 0
}

/// One worker: claim, run, repeat (while this replica runs fewer than
/// `workers` tasks, taken-over ones included), until the drain.
async fn work(weak: WeakServer) {
    loop {
        let Some(tasks) = weak.upgrade().map(|s| Arc::clone(s.tasks())) else { return };
        if tasks.stopping.is_cancelled() {
            return;
        }
        if tasks.free() == 0 {
            tokio::time::sleep(tasks.options.heartbeat).await;
            continue;
        }
        match tasks.store.claim(&tasks.worker, CLAIM_WAIT).await {
            Ok(Some(id)) if tasks.stopping.is_cancelled() => hand_back(&tasks, &id, false).await,
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
        tokio::select! {
            () = tokio::time::sleep((timeout / 3).max(Duration::from_millis(50))) => {}
            () = tasks.stopping.cancelled() => return,
        }
        let free = tasks.free();
        if free == 0 {
            continue;
        }
        match tasks.store.reclaim(&tasks.worker, timeout, free).await {
            Ok(ids) => {
                for id in ids {
                    tracing::warn!(task = %id, "taking over a task whose worker went silent");
                    Counters::add(&tasks.counters.reclaimed);
                    let Some(server) = weak.upgrade() else { return };
                    tokio::spawn(async move { run(&server, &id).await });
                }
            }
            Err(error) => tracing::warn!(%error, "could not look for abandoned tasks"),
        }
    }
}

/// How a run ended.
enum Ended {
    /// With this outcome, to record.
    Outcome(Result<CallToolResult, RpcError>),
    /// Elsewhere (cancelled, expired): nothing to record.
    Elsewhere,
    /// Not at all: handed back by a drain, for another worker.
    HandedBack,
}

/// Runs task `id` (claimed by this replica) to its end.
pub(crate) async fn run(server: &Server, id: &str) {
    let tasks = server.tasks();
    tasks.running.fetch_add(1, Ordering::Relaxed);
    let _running = Running(&tasks.running);
    let counters = &tasks.counters;
    let task = match begin(tasks, id).await {
        Begun::Run(task) => *task,
        Begun::Nothing => return finish(tasks, id).await,
        // Taken off the queue now, it would never run: another worker
        // takes it once its claim goes silent.
        Begun::Unavailable => return hand_back(tasks, id, false).await,
    };
    match execute(server, tasks, task).await {
        Ended::Outcome(outcome) => {
            let counter = match &outcome {
                Ok(result) if result.is_error => &counters.tool_errors,
                Ok(_) => &counters.completed,
                Err(_) => &counters.failed,
            };
            Counters::add(counter);
            if settle(&*tasks.store, id, outcome, tasks.options.max_payload).await {
                finish(tasks, id).await;
            } else {
                // Its end is not recorded: off the queue, it would stay
                // `working` for good; run again, it ends.
                hand_back(tasks, id, false).await;
            }
        }
        Ended::Elsewhere => {
            Counters::add(&counters.cancelled);
            finish(tasks, id).await;
        }
        Ended::HandedBack => hand_back(tasks, id, true).await,
    }
}

/// Takes task `id` off the queue: its work is over.
async fn finish(tasks: &Tasks, id: &str) {
    if let Err(error) = tasks.store.finish(id).await {
        tracing::warn!(task = %id, %error, "could not take a finished task off the queue");
    }
}

/// Puts task `id` back on the queue for another worker; `begun` when this
/// worker counted an attempt at it, which is taken back.
async fn hand_back(tasks: &Tasks, id: &str, begun: bool) {
    Counters::add(&tasks.counters.handed_back);
    if begun {
        undo_attempt(&*tasks.store, id).await;
    }
    match tasks.store.release(&tasks.worker, id).await {
        Ok(()) => tracing::info!(task = %id, "handed a task back to the queue"),
        Err(error) => {
            tracing::warn!(task = %id, %error, "could not hand a task back; it is taken over once its claim goes silent");
        }
    }
}

/// Takes back the attempt `begin` counted: a run handed back is not a run
/// that failed.
async fn undo_attempt(store: &dyn TaskStore, id: &str) {
    for _ in 0..SWAP_ATTEMPTS {
        let Ok(Some(mut task)) = store.load(id).await else { return };
        if task.status.is_terminal() {
            return;
        }
        task.attempts = task.attempts.saturating_sub(1);
        task.touch();
        if store.swap(&task).await.unwrap_or(false) {
            return;
        }
    }
}

/// Counts a run while it lasts, however it ends.
struct Running<'a>(&'a AtomicUsize);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What [`begin`] found.
enum Begun {
    /// An attempt is counted: run it.
    Run(Box<TaskRecord>),
    /// Nothing to run: gone, ended, or out of attempts (then failed).
    Nothing,
    /// The store did not answer.
    Unavailable,
}

/// Counts a new attempt at the task.
async fn begin(tasks: &Tasks, id: &str) -> Begun {
    let store = &*tasks.store;
    for _ in 0..SWAP_ATTEMPTS {
        let mut task = match store.load(id).await {
            Ok(Some(task)) => task,
            Ok(None) => return Begun::Nothing,
            Err(_) => return Begun::Unavailable,
        };
        if task.status.is_terminal() {
            return Begun::Nothing;
        }
        if task.attempts >= task.max_attempts {
            let stopped = RpcError::internal(format!(
                "the worker running this task stopped, {} time(s); no retries left",
                task.attempts
            ));
            Counters::add(&tasks.counters.failed);
            return if settle(store, id, Err(stopped), 0).await { Begun::Nothing } else { Begun::Unavailable };
        }
        task.attempts += 1;
        task.touch();
        let Ok(swapped) = store.swap(&task).await else { return Begun::Unavailable };
        if swapped {
            if task.attempts > 1 {
                Counters::add(&tasks.counters.retried);
            }
            return Begun::Run(Box::new(task));
        }
    }
    Begun::Nothing
}

/// Runs the tool, until it ends, the task ends elsewhere, or a drain hands
/// it back.
async fn execute(server: &Server, tasks: &Tasks, task: TaskRecord) -> Ended {
    let Some(def) = server.tool(&task.tool) else {
        return Ended::Outcome(Err(RpcError::invalid_params(format!("Unknown tool: {}", task.tool))));
    };
    let run = Arc::new(TaskRun::new(&task, Arc::clone(&tasks.store), tasks.options.heartbeat));
    let mut extensions = http::Extensions::new();
    if let Some(creator) = task.principal() {
        extensions.insert(creator);
    }
    let ctx = Context::for_task(server.clone(), Arc::clone(&run), extensions);
    let arguments = match tasks.store.arguments(&task.id).await {
        Ok(arguments) => arguments.and_then(|a| RawValue::from_string(a.get().to_owned()).ok()),
        Err(e) => return Ended::Outcome(Err(RpcError::internal(e))),
    };
    let work = crate::context::guarded_for(&ctx, server.run_tool(&def, ctx.clone(), arguments), tasks.options.ttl);
    tokio::select! {
        outcome = work => Ended::Outcome(outcome),
        () = watch(tasks, &run) => Ended::Elsewhere,
        () = tasks.handing_back.cancelled() => Ended::HandedBack,
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

/// Ends the task with `outcome`, unless it ended already; `false` when
/// that could not be recorded (the store did not answer for
/// [`SETTLE_FOR`], or every attempt lost a race). A result over
/// `max_payload` bytes fails the task instead.
pub(crate) async fn settle(
    store: &dyn TaskStore,
    id: &str,
    outcome: Result<CallToolResult, RpcError>,
    max_payload: usize,
) -> bool {
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
    let give_up = tokio::time::Instant::now() + SETTLE_FOR;
    let mut races = 0;
    while races < SWAP_ATTEMPTS {
        let mut task = match store.load(id).await {
            Ok(Some(task)) if !task.status.is_terminal() => task,
            Ok(_) => return true,
            Err(error) if tokio::time::Instant::now() < give_up => {
                tracing::warn!(task = %id, %error, "the end of a task waits for the store");
                tokio::time::sleep(SETTLE_PAUSE).await;
                continue;
            }
            Err(_) => break,
        };
        task.status = status;
        task.status_message = error.as_ref().and_then(|e| e["message"].as_str()).map(str::to_owned);
        task.result.clone_from(&result);
        task.error.clone_from(&error);
        task.input_requests.clear();
        task.touch();
        match store.swap(&task).await {
            Ok(true) => return true,
            Ok(false) => races += 1,
            Err(_) => tokio::time::sleep(SETTLE_PAUSE).await,
        }
        if tokio::time::Instant::now() >= give_up {
            break;
        }
    }
    tracing::error!(task = %id, "could not record the end of a task");
    false
}
