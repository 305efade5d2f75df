//! Where tasks live and how their work is handed out: the [`TaskStore`]
//! contract and the in-process [`MemoryTaskStore`].

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
/// - `create` stores a new task and queues it; when it returns, `load`
///   finds the task on every replica (the extension's durable creation);
/// - `swap` replaces a task only when the stored one is the version the
///   caller read (`record.version - 1`), so that concurrent changes from
///   several replicas never overwrite each other; `false` otherwise;
/// - `claim` hands a queued task to one worker, waiting up to `wait`;
///   the claim holds until `finish`, and `heartbeat` says the worker is
///   still at it;
/// - `reclaim` hands over at most `max` tasks whose worker has been silent
///   for `idle` (it died): the caller runs them again or fails them;
/// - tasks are forgotten once their TTL from creation has passed.
pub trait TaskStore: Send + Sync + 'static {
    /// Stores a new task and queues its work.
    fn create<'a>(&'a self, record: &'a TaskRecord) -> StoreFuture<'a, ()>;
    /// The task with `id`, unless it is unknown or expired.
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>>;
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
}

/// Tasks in this process: for one replica, or tests. Bounded: creating a
/// task beyond `max` live tasks fails (the client gets `-32603`, and no
/// task).
pub struct MemoryTaskStore {
    inner: Mutex<Queue>,
    queued: Notify,
    max: usize,
}

#[derive(Default)]
struct Queue {
    tasks: HashMap<String, TaskRecord>,
    waiting: VecDeque<String>,
    claims: HashMap<String, (String, Instant)>,
}

impl Queue {
    fn forget_expired(&mut self) {
        let now = now_ms();
        let expired: Vec<String> =
            self.tasks.values().filter(|t| t.expires_at_ms() <= now).map(|t| t.id.clone()).collect();
        for id in expired {
            self.tasks.remove(&id);
            self.claims.remove(&id);
        }
    }
}

impl MemoryTaskStore {
    /// Live tasks kept at most, by default.
    pub const DEFAULT_MAX: usize = 10_000;

    /// A store of at most [`DEFAULT_MAX`](Self::DEFAULT_MAX) live tasks.
    pub fn new() -> Self {
        Self::with_max(Self::DEFAULT_MAX)
    }

    /// A store of at most `max` live tasks.
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
    fn create<'a>(&'a self, record: &'a TaskRecord) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            {
                let mut queue = self.queue();
                if queue.tasks.len() >= self.max {
                    queue.forget_expired();
                }
                if queue.tasks.len() >= self.max {
                    let why = format!("the task store holds its maximum of {} tasks", self.max);
                    return Err(StoreError::Unavailable(why));
                }
                queue.tasks.insert(record.id.clone(), record.clone());
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
                Some(task) if task.expires_at_ms() <= now_ms() => {
                    queue.tasks.remove(id);
                    Ok(None)
                }
                task => Ok(task.cloned()),
            }
        })
    }

    fn swap<'a>(&'a self, record: &'a TaskRecord) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut queue = self.queue();
            match queue.tasks.get_mut(&record.id) {
                Some(stored) if stored.version + 1 == record.version => {
                    *stored = record.clone();
                    Ok(true)
                }
                _ => Ok(false),
            }
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
}
