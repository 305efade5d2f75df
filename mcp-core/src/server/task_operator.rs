//! Tasks as an operator runs them: a process of workers alone
//! ([`Server::run_workers`]), a drain that never loses a task
//! ([`Server::drain_tasks`]), and the numbers an autoscaler reads
//! ([`Server::task_stats`]).

use super::Server;
use super::task_worker as worker;
use crate::tasks::TaskStats;
use std::future::Future;
use std::time::Duration;

impl Server {
    /// Whether a tool of this server runs as a task (the tasks extension is
    /// offered).
    pub fn offers_tasks(&self) -> bool {
        self.inner.capabilities["extensions"].get(crate::tasks::EXTENSION).is_some()
    }

    /// Tasks this process runs at once (`MCP_TASK_WORKERS`; 0 in a replica
    /// that leaves them to worker processes).
    pub fn task_workers(&self) -> usize {
        self.tasks().options.workers
    }

    /// Runs this server's task workers, without serving requests, until
    /// `shutdown` resolves; then drains them ([`drain_tasks`](Self::drain_tasks)
    /// with `grace`). This is a worker process: on a shared task store
    /// (Redis) it runs the tasks that replicas serving requests queue,
    /// and scaling the work is adding such processes. A server with no
    /// workers (`MCP_TASK_WORKERS=0`) returns at once.
    ///
    /// ```no_run
    /// # async fn run(server: quickmcp::Server) {
    /// use std::time::Duration;
    ///
    /// let shutdown = async { tokio::signal::ctrl_c().await.ok(); };
    /// server.run_workers(shutdown, Duration::from_secs(30)).await;
    /// # }
    /// ```
    pub async fn run_workers(&self, shutdown: impl Future<Output = ()>, grace: Duration) {
        if self.tasks().options.workers == 0 {
            tracing::error!("run_workers on a server with no workers (MCP_TASK_WORKERS=0): nothing to run");
            return;
        }
        worker::start(self);
        shutdown.await;
        self.drain_tasks(grace).await;
    }

    /// Stops this process's workers from claiming tasks, lets the tasks
    /// they run finish for up to `grace`, then hands those still running
    /// back to the queue (their attempt not counted), where another worker
    /// claims them at once. Serving requests that create and read tasks
    /// goes on. Returns when no task runs here any more.
    pub async fn drain_tasks(&self, grace: Duration) {
        worker::drain(self.tasks(), grace).await;
    }

    /// The tasks at this moment: the store's queue (shared by replicas) and
    /// what this process's workers did; `None` for a server whose tools
    /// never run as tasks. Reads the store: call it at scrape time, not
    /// per request.
    pub async fn task_stats(&self) -> Option<TaskStats> {
        if !self.offers_tasks() {
            return None;
        }
        let tasks = self.tasks();
        let queue = match tasks.store.queue_stats().await {
            Ok(queue) => queue,
            Err(error) => {
                tracing::debug!(%error, "the task queue could not be measured");
                None
            }
        };
        Some(TaskStats::read(&tasks.counters, queue, tasks.options.workers, tasks.running()))
    }
}
