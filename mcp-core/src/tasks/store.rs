//! Where tasks live and how their work is handed out: the [`TaskStore`]
//! contract and the in-process [`MemoryTaskStore`].

use super::payload::Payload;
use super::record::TaskRecord;
use crate::store::now_ms;
use crate::store::{StoreError, StoreFuture};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Keeps tasks and queues their work, so that a task outlives the request
/// that created it and (with a shared store) the replica that runs it.
///
/// The contract every implementation keeps:
/// - `create` stores a new task with its `arguments` and queues it; when
///   it returns, `load` finds the task on every replica (the extension's
///   durable creation). It refuses the task with
///   [`StoreError::ClientFull`] when the task's
///   [`quota`](TaskRecord::quota) already has `quota` unfinished tasks,
///   and with [`StoreError::Full`] when the store holds its maximum;
/// - `load` answers the record alone: the arguments are kept apart
///   (`arguments`), and the result is shared, not copied, where the store
///   can;
/// - `swap` replaces a task only when the stored one is the version the
///   caller read (`record.version - 1`), so that concurrent changes from
///   several replicas never overwrite each other; `false` otherwise. A
///   task swapped to an ended status stops counting against its quota,
///   and its arguments are forgotten;
/// - `claim` hands a queued task to one worker, waiting up to `wait`;
///   the claim holds until `finish`, and `heartbeat` says the worker is
///   still at it;
/// - `reclaim` hands over at most `max` tasks whose worker has been silent
///   for `idle` (it died): the caller runs them again or fails them;
/// - `release` hands a claimed task back to the queue at once (a worker
///   shutting down), so that another worker claims it without waiting for
///   the claim to go silent;
/// - tasks are forgotten once their TTL from creation has passed.
pub trait TaskStore: Send + Sync + 'static {
    /// Stores a new task and its arguments, and queues its work, unless
    /// its quota holds `quota` unfinished tasks already.
    fn create<'a>(
        &'a self,
        record: &'a TaskRecord,
        arguments: Option<&'a Payload>,
        quota: usize,
    ) -> StoreFuture<'a, ()>;
    /// The task with `id`, unless it is unknown or expired.
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>>;
    /// The arguments of task `id`, until it ends.
    fn arguments<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Payload>>;
    /// Replaces the task when the stored version is `record.version - 1`.
    fn swap<'a>(&'a self, record: &'a TaskRecord) -> StoreFuture<'a, bool>;
    /// The next queued task, claimed by `worker`; `None` after `wait`.
    fn claim<'a>(&'a self, worker: &'a str, wait: Duration) -> StoreFuture<'a, Option<String>>;
    /// `worker` still runs task `id`.
    fn heartbeat<'a>(&'a self, worker: &'a str, id: &'a str) -> StoreFuture<'a, ()>;
    /// The work of task `id` is over: off the queue.
    fn finish<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;
    /// At most `max` claims silent for `idle`, now held by `worker`.
    fn reclaim<'a>(&'a self, worker: &'a str, idle: Duration, max: usize) -> StoreFuture<'a, Vec<String>>;
    /// Puts task `id`, claimed by `worker`, back on the queue for another
    /// worker. The default leaves the claim to go silent: another worker
    /// takes it over after the claim timeout.
    fn release<'a>(&'a self, worker: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        let _ = (worker, id);
        Box::pin(async { Ok(()) })
    }
    /// How much work waits and runs, for metrics; `None` when the store
    /// cannot tell.
    fn queue_stats(&self) -> StoreFuture<'_, Option<QueueStats>> {
        Box::pin(async { Ok(None) })
    }
    /// Whether only this process sees the tasks (then only its own workers
    /// can run them).
    fn in_process(&self) -> bool {
        false
    }
}

/// One store shared by several servers of a process, as a Redis store is
/// by processes (a server beside a pool of workers, tests).
impl<T: TaskStore + ?Sized> TaskStore for std::sync::Arc<T> {
    fn create<'a>(
        &'a self,
        record: &'a TaskRecord,
        arguments: Option<&'a Payload>,
        quota: usize,
    ) -> StoreFuture<'a, ()> {
        (**self).create(record, arguments, quota)
    }
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        (**self).load(id)
    }
    fn arguments<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Payload>> {
        (**self).arguments(id)
    }
    fn swap<'a>(&'a self, record: &'a TaskRecord) -> StoreFuture<'a, bool> {
        (**self).swap(record)
    }
    fn claim<'a>(&'a self, worker: &'a str, wait: Duration) -> StoreFuture<'a, Option<String>> {
        (**self).claim(worker, wait)
    }
    fn heartbeat<'a>(&'a self, worker: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        (**self).heartbeat(worker, id)
    }
    fn finish<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        (**self).finish(id)
    }
    fn reclaim<'a>(&'a self, worker: &'a str, idle: Duration, max: usize) -> StoreFuture<'a, Vec<String>> {
        (**self).reclaim(worker, idle, max)
    }
    fn release<'a>(&'a self, worker: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        (**self).release(worker, id)
    }
    fn queue_stats(&self) -> StoreFuture<'_, Option<QueueStats>> {
        (**self).queue_stats()
    }
    fn in_process(&self) -> bool {
        (**self).in_process()
    }
}

/// The work of a task store at one moment, for metrics and autoscaling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Tasks queued that no worker has claimed yet.
    pub queued: u64,
    /// Tasks claimed by a worker (running, or held by a worker that died
    /// until another takes them over).
    pub claimed: u64,
    /// How long the oldest queued task has waited.
    pub oldest_queued: Option<Duration>,
}

/// Tasks in this process: for one replica, or tests. Bounded: creating a
/// task beyond `max` tasks kept (ended ones too, until they expire) fails
/// (the client gets `-32000` naming the limit, and no task), and so does
/// one beyond its caller's quota of unfinished tasks (`-32004`). A record is stored
/// once: reading it copies its small fields and shares its result.
pub struct MemoryTaskStore {
    inner: Mutex<Queue>,
    queued: Notify,
    max: usize,
}

/// A task as kept: its record, and its arguments until it ends.
struct Kept {
    record: TaskRecord,
    arguments: Option<Payload>,
}

#[derive(Default)]
struct Queue {
    tasks: HashMap<String, Kept>,
    waiting: VecDeque<String>,
    claims: HashMap<String, (String, Instant)>,
    /// Unfinished tasks per quota.
    live: HashMap<String, usize>,
}

impl Queue {
    fn forget_expired(&mut self) {
        let now = now_ms();
        let expired: Vec<String> =
            self.tasks.values().filter(|t| t.record.expires_at_ms() <= now).map(|t| t.record.id.clone()).collect();
        for id in expired {
            self.forget(&id);
        }
    }

    fn forget(&mut self, id: &str) {
        if let Some(kept) = self.tasks.remove(id)
            && !kept.record.status.is_terminal()
        {
            self.release(&kept.record.quota);
        }
        self.claims.remove(id);
    }

    /// One unfinished task fewer for `quota`.
    fn release(&mut self, quota: &str) {
        if let Some(count) = self.live.get_mut(quota) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.live.remove(quota);
            }
        }
    }

    fn live(&self, quota: &str) -> usize {
        self.live.get(quota).copied().unwrap_or(0)
    }
}

impl MemoryTaskStore {
    /// Tasks kept at most (until they expire, ended ones too), by default.
    pub const DEFAULT_MAX: usize = 10_000;

    /// A store of at most [`DEFAULT_MAX`](Self::DEFAULT_MAX) tasks.
    pub fn new() -> Self {
        Self::with_max(Self::DEFAULT_MAX)
    }

    /// A store of at most `max` tasks.
    pub fn with_max(max: usize) -> Self {
        Self { inner: Mutex::default(), queued: Notify::new(), max }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for MemoryTaskStore {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskStore for MemoryTaskStore {
    fn create<'a>(
        &'a self,
        record: &'a TaskRecord,
        arguments: Option<&'a Payload>,
        quota: usize,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            {
                let mut queue = self.queue();
                if queue.tasks.len() >= self.max || queue.live(&record.quota) >= quota {
                    queue.forget_expired();
                }
                if queue.live(&record.quota) >= quota {
                    return Err(StoreError::ClientFull(quota));
                }
                if queue.tasks.len() >= self.max {
                    return Err(StoreError::Full(self.max));
                }
                let kept = Kept { record: record.clone(), arguments: arguments.cloned() };
                queue.tasks.insert(record.id.clone(), kept);
                *queue.live.entry(record.quota.clone()).or_default() += 1;
                queue.waiting.push_back(record.id.clone());
            }
            self.queued.notify_one();
            Ok(())
        })
    }

    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        Box::pin(async move {
            let mut queue = self.queue();
            match queue.tasks.get(id) {
                Some(task) if task.record.expires_at_ms() <= now_ms() => {
                    queue.forget(id);
                    Ok(None)
                }
                task => Ok(task.map(|t| t.record.clone())),
            }
        })
    }

    fn arguments<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Payload>> {
        Box::pin(async move { Ok(self.queue().tasks.get(id).and_then(|t| t.arguments.clone())) })
    }

    fn swap<'a>(&'a self, record: &'a TaskRecord) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut queue = self.queue();
            let Some(stored) = queue.tasks.get_mut(&record.id) else { return Ok(false) };
            if stored.record.version + 1 != record.version {
                return Ok(false);
            }
            let ends = !stored.record.status.is_terminal() && record.status.is_terminal();
            stored.record = record.clone();
            if ends {
                stored.arguments = None;
                queue.release(&record.quota);
            }
            Ok(true)
        })
    }

    fn claim<'a>(&'a self, worker: &'a str, wait: Duration) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let deadline = tokio::time::Instant::now() + wait;
            loop {
                let queued = self.queued.notified();
                {
                    let mut queue = self.queue();
                    if let Some(id) = queue.waiting.pop_front() {
                        queue.claims.insert(id.clone(), (worker.to_owned(), Instant::now()));
                        return Ok(Some(id));
                    }
                }
                if tokio::time::timeout_at(deadline, queued).await.is_err() {
                    return Ok(None);
                }
            }
        })
    }

    fn heartbeat<'a>(&'a self, worker: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            if let Some(claim) = self.queue().claims.get_mut(id) {
                *claim = (worker.to_owned(), Instant::now());
            }
            Ok(())
        })
    }

    fn finish<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.queue().claims.remove(id);
            Ok(())
        })
    }

    fn reclaim<'a>(&'a self, worker: &'a str, idle: Duration, max: usize) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let mut queue = self.queue();
            queue.forget_expired();
            let mut taken = Vec::new();
            for (id, claim) in &mut queue.claims {
                if taken.len() < max && claim.1.elapsed() >= idle {
                    *claim = (worker.to_owned(), Instant::now());
                    taken.push(id.clone());
                }
            }
            Ok(taken)
        })
    }

    fn release<'a>(&'a self, _worker: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            {
                let mut queue = self.queue();
                if queue.claims.remove(id).is_none() {
                    return Ok(());
                }
                queue.waiting.push_front(id.to_owned());
            }
            self.queued.notify_one();
            Ok(())
        })
    }

    fn queue_stats(&self) -> StoreFuture<'_, Option<QueueStats>> {
        Box::pin(async move {
            let queue = self.queue();
            let now = now_ms();
            let created = queue.waiting.iter().filter_map(|id| queue.tasks.get(id)).map(|t| t.record.created_ms).min();
            Ok(Some(QueueStats {
                queued: queue.waiting.len() as u64,
                claimed: queue.claims.len() as u64,
                oldest_queued: created.map(|ms| Duration::from_millis(now.saturating_sub(ms))),
            }))
        })
    }

    fn in_process(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::TaskStatus;
    use crate::tasks::record::sample;

    fn payload(json: &str) -> Payload {
        serde_json::from_str(json).unwrap()
    }

    #[tokio::test]
    async fn arguments_are_kept_apart_until_the_task_ends_and_results_are_shared() {
        let store = MemoryTaskStore::new();
        let task = sample("a", "anonymous");
        store.create(&task, Some(&payload(r#"{"n":1}"#)), 10).await.unwrap();
        assert_eq!(store.arguments("a").await.unwrap().unwrap().get(), r#"{"n":1}"#);
        let mut done = store.load("a").await.unwrap().unwrap();
        done.status = TaskStatus::Completed;
        done.result = Some(payload(r#"{"content":[]}"#));
        done.touch();
        assert!(store.swap(&done).await.unwrap());
        assert!(store.arguments("a").await.unwrap().is_none(), "an ended task forgets its arguments");
        let (first, second) = (store.load("a").await.unwrap().unwrap(), store.load("a").await.unwrap().unwrap());
        let shared = first.result.unwrap().shares(&second.result.unwrap());
        assert!(shared, "reading a task shares its result, never copies it");
    }

    #[tokio::test]
    async fn each_quota_holds_a_bounded_number_of_unfinished_tasks() {
        let store = MemoryTaskStore::with_max(5);
        store.create(&sample("a1", "sub:alice"), None, 2).await.unwrap();
        store.create(&sample("a2", "sub:alice"), None, 2).await.unwrap();
        assert_eq!(store.create(&sample("a3", "sub:alice"), None, 2).await, Err(StoreError::ClientFull(2)));
        store.create(&sample("b1", "sub:bob"), None, 2).await.unwrap();
        // An ended task leaves the quota (and stays in the store).
        let mut ended = store.load("a1").await.unwrap().unwrap();
        ended.status = TaskStatus::Cancelled;
        ended.touch();
        assert!(store.swap(&ended).await.unwrap());
        store.create(&sample("a3", "sub:alice"), None, 2).await.unwrap();
        store.create(&sample("c1", "anonymous"), None, 2).await.unwrap();
        assert_eq!(store.create(&sample("c2", "anonymous"), None, 2).await, Err(StoreError::Full(5)));
    }

    #[tokio::test]
    async fn a_released_task_is_claimed_again_first_and_counted_as_queued() {
        let store = MemoryTaskStore::new();
        store.create(&sample("a", "anonymous"), None, 10).await.unwrap();
        store.create(&sample("b", "anonymous"), None, 10).await.unwrap();
        let stats = store.queue_stats().await.unwrap().unwrap();
        assert_eq!((stats.queued, stats.claimed), (2, 0));
        assert!(stats.oldest_queued.is_some());
        let wait = Duration::from_millis(10);
        assert_eq!(store.claim("w1", wait).await.unwrap().as_deref(), Some("a"));
        assert_eq!(store.queue_stats().await.unwrap().unwrap().claimed, 1);
        store.release("w1", "a").await.unwrap();
        let stats = store.queue_stats().await.unwrap().unwrap();
        assert_eq!((stats.queued, stats.claimed), (2, 0), "handed back: queued again");
        assert_eq!(store.claim("w2", wait).await.unwrap().as_deref(), Some("a"), "first in line again");
        assert_eq!(store.claim("w2", wait).await.unwrap().as_deref(), Some("b"));
        assert_eq!(store.claim("w2", wait).await.unwrap(), None);
    }

    #[tokio::test]
    async fn expired_tasks_leave_their_quota() {
        let store = MemoryTaskStore::new();
        let mut old = sample("a1", "addr:10.0.0.1");
        old.created_ms = 0;
        store.create(&old, None, 1).await.unwrap();
        store.create(&sample("a2", "addr:10.0.0.1"), None, 1).await.unwrap();
        assert!(store.load("a1").await.unwrap().is_none());
    }
}
