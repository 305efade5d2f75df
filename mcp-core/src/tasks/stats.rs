//! What a process's workers did, and what waits in the queue: the numbers
//! behind the task metrics an autoscaler reads.

use super::QueueStats;
use std::sync::atomic::{AtomicU64, Ordering};

/// How runs of this process ended, counted as they end.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) completed: AtomicU64,
    pub(crate) tool_errors: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) cancelled: AtomicU64,
    pub(crate) reclaimed: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) handed_back: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// The tasks of a server at one moment: the shared queue (any replica's
/// view is the same) and this process's workers (their own counts since
/// start); see [`Server::task_stats`](crate::Server::task_stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskStats {
    /// The store's queue, when the store can tell.
    pub queue: Option<QueueStats>,
    /// Tasks this process may run at once (`MCP_TASK_WORKERS`).
    pub workers: u64,
    /// Tasks this process runs now.
    pub running: u64,
    /// Runs here that ended with a result.
    pub completed: u64,
    /// Runs here that ended with a tool error (`isError`).
    pub tool_errors: u64,
    /// Runs here that ended with a JSON-RPC error, or out of retries.
    pub failed: u64,
    /// Runs here stopped because the task ended elsewhere (cancelled,
    /// expired).
    pub cancelled: u64,
    /// Tasks taken over here from a worker gone silent.
    pub reclaimed: u64,
    /// Runs here that were a retry (an earlier worker died running them).
    pub retried: u64,
    /// Runs handed back to the queue by a draining worker.
    pub handed_back: u64,
}

impl TaskStats {
    pub(crate) fn read(counters: &Counters, queue: Option<QueueStats>, workers: usize, running: usize) -> Self {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Self {
            queue,
            workers: workers as u64,
            running: running as u64,
            completed: get(&counters.completed),
            tool_errors: get(&counters.tool_errors),
            failed: get(&counters.failed),
            cancelled: get(&counters.cancelled),
            reclaimed: get(&counters.reclaimed),
            retried: get(&counters.retried),
            handed_back: get(&counters.handed_back),
        }
    }
}
