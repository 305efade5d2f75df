//! The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663): a
//! `tools/call` answered with a task handle, then `tasks/get`,
//! `tasks/update` and `tasks/cancel`.
//!
//! - `record`: a task as stored, and its wire shapes;
//! - `store`: the [`TaskStore`] contract (tasks and their work queue) and
//!   [`MemoryTaskStore`]; the Redis one is `redis::RedisTaskStore`;
//! - `run`: what a handler running as a task sees (its questions, its
//!   progress), and the gate of tools that ask before the task begins;
//!
//! The server runs them: the methods are in `server::tasks`, the workers
//! that claim queued tasks, run them, keep their claims alive and take over
//! tasks whose worker died in `server::task_worker`.

mod limits;
mod payload;
mod record;
pub(crate) mod run;
mod stats;
mod store;

pub(crate) use limits::{check_answers, check_arguments, refused, result_too_large};
pub use payload::Payload;
pub use record::{TaskRecord, TaskStatus, quota_key};
pub use run::MAX_INPUT_REQUESTS;
pub(crate) use stats::Counters;
pub use stats::TaskStats;
pub use store::{MemoryTaskStore, QueueStats, TaskStore};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The extension's identifier, under `capabilities.extensions`.
pub const EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// Answers kept per task at most (each is one `tasks/update` entry).
pub const MAX_INPUT_RESPONSES: usize = 256;

/// The `-32021` of a client that cannot take a task.
pub(crate) fn tasks_required() -> crate::protocol::jsonrpc::RpcError {
    crate::protocol::jsonrpc::RpcError::new(
        crate::era::codes::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!("Missing required client capability: the `{EXTENSION}` extension"),
    )
    .with_data(serde_json::json!({ "requiredCapabilities": { "extensions": { EXTENSION: {} } } }))
}

/// Whether a tool runs as a task (`#[tool(task)]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TaskSupport {
    /// Never: the call is answered with its result (the default).
    #[default]
    Forbidden,
    /// When the client declared the extension; else the call runs as usual.
    Optional,
    /// Only as a task: a client without the extension gets `-32021`.
    Required,
}

/// How a tool runs as a task: `#[tool(task = "optional", retries = 1)]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskPolicy {
    /// Whether it runs as a task.
    pub support: TaskSupport,
    /// Runs after the first when a worker dies running it (its claim goes
    /// silent); after the last, the task fails.
    pub retries: u32,
    /// The handler asks the client first, in the request (multi-round or
    /// session questions), and becomes a task where it calls
    /// [`Context::begin_task`](crate::Context::begin_task).
    pub asks_first: bool,
}

impl TaskPolicy {
    /// A tool that runs as a task when the client can take one.
    pub const OPTIONAL: Self = Self { support: TaskSupport::Optional, retries: 0, asks_first: false };
    /// A tool that only runs as a task.
    pub const REQUIRED: Self = Self { support: TaskSupport::Required, retries: 0, asks_first: false };
}

/// Settings of a server's tasks; see
/// [`ServerBuilder::tasks`](crate::server::ServerBuilder::tasks).
#[derive(Debug, Clone)]
pub struct TaskOptions {
    /// How long a task is kept after it was created (`ttlMs`).
    pub ttl: Duration,
    /// How often clients should poll (`pollIntervalMs`).
    pub poll_interval: Duration,
    /// Tasks this process runs at once; 0 for a process that only serves
    /// requests while worker processes ([`Server::run_workers`](crate::Server::run_workers))
    /// run the tasks, on a shared store.
    pub workers: usize,
    /// A claim whose worker is silent this long is taken over.
    pub claim_timeout: Duration,
    /// How often a worker says it is alive, looks for cancellation and
    /// answers, and writes progress.
    pub heartbeat: Duration,
    /// Bytes a task keeps of its arguments, of its answers and of its
    /// result: a call with larger arguments is refused (`-32602`) before
    /// any task exists, and so is a `tasks/update` beyond; a larger result
    /// fails the task.
    pub max_payload: usize,
    /// Tasks one caller (its subject when authenticated, else its address,
    /// else every anonymous caller together) may have working or waiting
    /// for input at once; one more is refused (`-32004`, HTTP 429).
    pub max_per_client: usize,
}

impl Default for TaskOptions {
    fn default() -> Self {
        Self {
            ttl: crate::config::TASK_TTL.default_duration(),
            poll_interval: Duration::from_secs(1),
            workers: crate::config::TASK_WORKERS.default_number(),
            claim_timeout: Duration::from_secs(30),
            heartbeat: Duration::from_millis(250),
            max_payload: crate::config::MAX_TASK_PAYLOAD.default_number(),
            max_per_client: crate::config::MAX_TASKS_PER_CLIENT.default_number(),
        }
    }
}

/// A server's tasks: the store, the settings and this replica's workers
/// (started with the first task-related request).
pub(crate) struct Tasks {
    pub(crate) store: Arc<dyn TaskStore>,
    pub(crate) options: TaskOptions,
    /// This replica's name as a worker.
    pub(crate) worker: String,
    /// Tasks this replica runs now (kept at `workers` at most).
    pub(crate) running: AtomicUsize,
    /// How runs here ended.
    pub(crate) counters: Counters,
    /// Cancelled when the workers stop claiming (a drain began).
    pub(crate) stopping: CancellationToken,
    /// Cancelled when running tasks go back to the queue (the drain's
    /// grace is over).
    pub(crate) handing_back: CancellationToken,
    started: OnceLock<()>,
}

impl Tasks {
    pub(crate) fn new(store: Arc<dyn TaskStore>, options: TaskOptions) -> Self {
        let worker = format!("worker-{:016x}", crate::random::u64());
        Self {
            store,
            options,
            worker,
            running: AtomicUsize::new(0),
            counters: Counters::default(),
            stopping: CancellationToken::new(),
            handing_back: CancellationToken::new(),
            started: OnceLock::new(),
        }
    }

    /// Runs this replica could start now.
    pub(crate) fn free(&self) -> usize {
        self.options.workers.saturating_sub(self.running.load(Ordering::Relaxed))
    }

    /// Tasks running here now.
    pub(crate) fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    /// Runs `start` the first time only.
    pub(crate) fn start_once(&self, start: impl FnOnce()) {
        self.started.get_or_init(start);
    }
}

/// 128 random bits, hex: a task id nobody can guess.
pub(crate) fn new_task_id() -> String {
    format!("{:032x}", crate::random::u128())
}
