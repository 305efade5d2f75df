//! The task half: the queue an autoscaler scales workers on, and how this
//! process's runs ended. Read from the server at scrape time
//! ([`Server::task_stats`](quickmcp::Server::task_stats)), and written
//! only for a server whose tools run as tasks.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use quickmcp::tasks::TaskStats;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

/// The task metrics, in a registry of their own (encoded after the others
/// when the server has tasks).
pub(super) struct TaskMetrics {
    registry: Registry,
    queued: Gauge,
    claimed: Gauge,
    oldest_queued: Gauge<f64, AtomicU64>,
    workers: Gauge,
    running: Gauge,
    runs: Family<Outcome, Counter>,
    reclaimed: Counter,
    retried: Counter,
    /// Held while counters catch up with a reading, so that two scrapes
    /// at once never add the same runs twice.
    catching_up: Mutex<()>,
}

impl TaskMetrics {
    pub(super) fn new() -> Self {
        let mut registry = Registry::default();
        let queued = Gauge::default();
        registry.register("mcp_tasks_queued", "Tasks waiting for a worker (the shared queue)", queued.clone());
        let claimed = Gauge::default();
        registry.register("mcp_tasks_claimed", "Tasks claimed by a worker of any process", claimed.clone());
        let oldest_queued = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "mcp_tasks_oldest_queued_seconds",
            "How long the oldest waiting task has waited (0 when none waits)",
            oldest_queued.clone(),
        );
        let workers = Gauge::default();
        registry.register("mcp_task_workers", "Tasks this process may run at once", workers.clone());
        let running = Gauge::default();
        registry.register("mcp_tasks_running", "Tasks this process runs now", running.clone());
        let runs = Family::<Outcome, Counter>::default();
        registry.register("mcp_task_runs", "Task runs of this process by how they ended", runs.clone());
        let reclaimed = Counter::default();
        registry.register("mcp_tasks_reclaimed", "Tasks taken over here from a worker gone silent", reclaimed.clone());
        let retried = Counter::default();
        registry.register("mcp_tasks_retried", "Runs here that retried a task whose worker died", retried.clone());
        Self {
            registry,
            queued,
            claimed,
            oldest_queued,
            workers,
            running,
            runs,
            reclaimed,
            retried,
            catching_up: Mutex::default(),
        }
    }

    /// Sets the metrics to `stats` and appends them to `text`.
    pub(super) fn encode(&self, stats: &TaskStats, text: &mut String) {
        self.record(stats);
        if prometheus_client::encoding::text::encode(text, &self.registry).is_err() {
            tracing::debug!("the task metrics could not be encoded");
        }
    }

    fn record(&self, stats: &TaskStats) {
        let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        if let Some(queue) = stats.queue {
            self.queued.set(gauge(queue.queued));
            self.claimed.set(gauge(queue.claimed));
            self.oldest_queued.set(queue.oldest_queued.map_or(0.0, |age| age.as_secs_f64()));
        }
        self.workers.set(gauge(stats.workers));
        self.running.set(gauge(stats.running));
        let _one_at_a_time = self.catching_up.lock().unwrap_or_else(|p| p.into_inner());
        let outcomes = [
            ("completed", stats.completed),
            ("tool_error", stats.tool_errors),
            ("failed", stats.failed),
            ("cancelled", stats.cancelled),
            ("handed_back", stats.handed_back),
        ];
        for (outcome, total) in outcomes {
            catch_up(&self.runs.get_or_create(&Outcome { outcome }), total);
        }
        catch_up(&self.reclaimed, stats.reclaimed);
        catch_up(&self.retried, stats.retried);
    }
}

/// Adds to `counter` what `total` (a count since start) has beyond it.
fn catch_up(counter: &Counter, total: u64) {
    let behind = total.saturating_sub(counter.get());
    if behind > 0 {
        counter.inc_by(behind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_follow_the_totals_they_are_given_once() {
        let metrics = TaskMetrics::new();
        let mut stats = TaskStats::default();
        stats.completed = 3;
        stats.workers = 4;
        let mut text = String::new();
        metrics.encode(&stats, &mut text);
        metrics.encode(&stats, &mut text);
        stats.completed = 5;
        let mut last = String::new();
        metrics.encode(&stats, &mut last);
        assert!(last.contains("mcp_task_runs_total{outcome=\"completed\"} 5"), "{last}");
        assert!(last.contains("mcp_task_workers 4"), "{last}");
    }
}
