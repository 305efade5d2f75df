//! Tasks as the seeds deploy them, over real sockets and processes: one
//! replica serving requests with no workers (`MCP_TASK_WORKERS=0`) and
//! worker processes alone on Redis. Twenty tasks spread over the workers;
//! one worker is SIGKILLed mid-task (its task runs again elsewhere), one
//! is SIGTERMed (it drains: what it runs goes back to the queue, nothing
//! is lost); the serving replica never runs a task, and its queue gauge
//! rises with the load and falls back to zero. Then, in process: a drain
//! hands a running task back without counting its attempt, and a
//! session-era client sees its task's status on its GET stream.

use mcp_integration_tests::{Era, EraClient, prefix, read_events, redis_url, spawn};
use quickmcp::prelude::*;
use quickmcp::redis::{RedisSessions, RedisTaskStore};
use quickmcp::server::ServerBuilder;
use quickmcp::tasks::{MemoryTaskStore, TaskOptions, TaskStore};
use quickmcp_axum::McpRouter;
use quickmcp_axum::metrics::Metrics;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const TASKS: usize = 20;

/// Works for `steps` tenths of a second, saying which process runs it;
/// answers with that process's id. One retry when its worker dies.
#[tool(task, retries = 1)]
async fn chunk(ctx: Context, steps: u32) -> String {
    let pid = std::process::id();
    for step in 1..=steps {
        ctx.progress(step).of(steps).message(format!("pid {pid}")).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pid.to_string()
}

/// Quick heartbeats and take-overs, so the test need not wait long.
fn options(workers: usize) -> TaskOptions {
    TaskOptions {
        workers,
        poll_interval: Duration::from_millis(100),
        claim_timeout: Duration::from_secs(1),
        heartbeat: Duration::from_millis(100),
        ..TaskOptions::default()
    }
}

fn fleet(store: impl TaskStore, workers: usize) -> ServerBuilder {
    Server::builder("fleet", "1.0.0").tools(tools![chunk]).task_store(store).tasks(options(workers))
}

fn capabilities() -> Value {
    json!({"extensions": {"io.modelcontextprotocol/tasks": {}}})
}

/// The worker process the test starts (and kills, and stops): two workers
/// on the task store under `TASK_WORKERS_PREFIX`, drained at SIGTERM with
/// half a second of grace.
#[tokio::test]
#[ignore = "a helper process, started by workers_alone_run_every_task_and_lose_none"]
async fn worker_process() {
    let Ok(prefix) = std::env::var("TASK_WORKERS_PREFIX") else { return };
    let store = RedisTaskStore::connect(&redis_url(), &prefix).await.expect("Redis");
    let server = fleet(store, 2).build();
    println!("WORKER READY");
    server.run_workers(quickmcp_axum::shutdown_signal(), Duration::from_millis(500)).await;
    println!("WORKER DRAINED");
}

fn start_worker(prefix: &str) -> Child {
    let mut process = Command::new(std::env::current_exe().unwrap())
        .args(["worker_process", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("TASK_WORKERS_PREFIX", prefix)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
    assert!(
        lines.by_ref().map_while(Result::ok).any(|line| line.contains("WORKER READY")),
        "the worker process starts"
    );
    // The rest of its output is read (and dropped), so it never blocks.
    std::thread::spawn(move || lines.for_each(drop));
    process
}

/// Every task's status, by id.
async fn statuses(client: &EraClient, ids: &[String]) -> HashMap<String, Value> {
    let mut all = HashMap::new();
    for id in ids {
        all.insert(id.clone(), client.request("tasks/get", json!({"taskId": id})).await);
    }
    all
}

/// Waits until some task's status message names process `pid`; that task.
async fn running_on(client: &EraClient, ids: &[String], pid: u32) -> String {
    let wanted = format!("pid {pid}");
    for _ in 0..300 {
        let all = statuses(client, ids).await;
        let found = all.iter().find(|(_, task)| task["status"] == "working" && task["statusMessage"] == wanted);
        if let Some((id, _)) = found {
            return id.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no task ran on process {pid}");
}

/// Waits until each process of `pids` has finished a task.
async fn finished_on(client: &EraClient, ids: &[String], pids: &[u32]) {
    for _ in 0..300 {
        let all = statuses(client, ids).await;
        let runners: HashSet<&str> = all.values().filter_map(|t| t["result"]["content"][0]["text"].as_str()).collect();
        if pids.iter().all(|pid| runners.contains(pid.to_string().as_str())) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not every worker of {pids:?} finished a task");
}

/// The value of the unlabelled series `name` in the Prometheus text.
fn gauge(metrics: &str, name: &str) -> f64 {
    let line = metrics.lines().find(|line| line.split(' ').next() == Some(name));
    line.and_then(|l| l.split(' ').nth(1)).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name}: {metrics}"))
}

async fn scrape(url: &str) -> String {
    reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn workers_alone_run_every_task_and_lose_none() {
    if !mcp_integration_tests::redis_answers().await {
        return;
    }
    let prefix = prefix();
    let store = RedisTaskStore::connect(&redis_url(), &prefix).await.unwrap();
    let metrics = Metrics::new();
    let replica = fleet(store, 0).middleware(metrics.middleware()).build();
    assert_eq!(replica.task_workers(), 0);
    let base = spawn(McpRouter::new(replica).metrics(metrics).into_router()).await;
    let client = EraClient::connect(format!("{base}/mcp"), Era::Stateless, capabilities()).await;

    let mut ids = Vec::new();
    for _ in 0..TASKS {
        let created = client.call("chunk", json!({"steps": 15})).await;
        assert_eq!(created["resultType"], "task", "{created}");
        ids.push(created["taskId"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = scrape(&base).await;
    assert_eq!(gauge(&before, "mcp_tasks_queued"), TASKS as f64, "no worker yet: all queued\n{before}");
    assert!(gauge(&before, "mcp_tasks_oldest_queued_seconds") > 0.0, "{before}");
    assert_eq!(gauge(&before, "mcp_task_workers"), 0.0, "{before}");

    let mut killed = start_worker(&prefix);
    let mut stopped = start_worker(&prefix);
    finished_on(&client, &ids, &[killed.id(), stopped.id()]).await;
    let interrupted = running_on(&client, &ids, killed.id()).await;
    killed.kill().unwrap();
    killed.wait().unwrap();

    let mut last = start_worker(&prefix);
    running_on(&client, &ids, stopped.id()).await;
    let term = Command::new("kill").args(["-TERM", &stopped.id().to_string()]).status().unwrap();
    assert!(term.success());
    let drained = stopped.wait().unwrap();
    assert!(drained.success(), "the SIGTERMed worker drains and exits cleanly: {drained:?}");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let done = loop {
        let all = statuses(&client, &ids).await;
        if all.values().all(|t| t["status"] != "working") {
            break all;
        }
        assert!(tokio::time::Instant::now() < deadline, "tasks stuck: {all:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut runners = HashSet::new();
    for (id, task) in &done {
        assert_eq!(task["status"], "completed", "task {id} is not lost: {task}");
        let pid = task["result"]["content"][0]["text"].as_str().unwrap().to_owned();
        assert_ne!(pid, std::process::id().to_string(), "the serving replica never runs a task");
        runners.insert(pid);
    }
    for worker in [killed.id(), stopped.id(), last.id()] {
        assert!(runners.contains(&worker.to_string()), "the tasks spread over every worker: {runners:?}");
    }
    assert_ne!(
        done[&interrupted]["result"]["content"][0]["text"],
        killed.id().to_string(),
        "the killed worker's task finished on another"
    );
    let after = scrape(&base).await;
    assert_eq!(gauge(&after, "mcp_tasks_queued"), 0.0, "{after}");
    assert_eq!(gauge(&after, "mcp_tasks_claimed"), 0.0, "{after}");

    last.kill().unwrap();
    last.wait().unwrap();
    let client = redis::Client::open(redis_url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{{{prefix}:tasks}}:*")).query_async(&mut connection).await.unwrap();
    let _: () = redis::cmd("DEL").arg(keys).query_async(&mut connection).await.unwrap();
}

#[tokio::test]
async fn a_drain_hands_a_running_task_back_without_counting_its_attempt() {
    // One store for two servers, as Redis is for two processes.
    let store = Arc::new(MemoryTaskStore::new());
    let first = fleet(Arc::clone(&store), 1).build();
    let client = EraClient::start_with(first.clone(), Era::Stateless, capabilities()).await;
    let created = client.call("chunk", json!({"steps": 50})).await;
    let id = created["taskId"].as_str().unwrap().to_owned();
    let get = || client.request("tasks/get", json!({"taskId": id.clone()}));
    for _ in 0..100 {
        if get().await.get("statusMessage").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.drain_tasks(Duration::ZERO).await;
    let stats = first.task_stats().await.unwrap();
    assert_eq!((stats.running, stats.handed_back), (0, 1), "{stats:?}");
    let queue = stats.queue.unwrap();
    assert_eq!((queue.queued, queue.claimed), (1, 0), "back on the queue: {queue:?}");
    assert_eq!(store.load(&id).await.unwrap().unwrap().attempts, 0, "the handed-back run is not counted");

    // Another process's workers (here: a second server on the same store) finish it.
    let second = fleet(store, 1).build();
    let finished = async {
        while get().await["status"] == "working" {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), second.run_workers(finished, Duration::from_secs(10)))
        .await
        .expect("the other worker finishes the task");
    let task = get().await;
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["result"]["content"][0]["text"], std::process::id().to_string());
}

#[test]
fn no_workers_on_a_store_only_this_process_sees_is_a_build_error() {
    let error = fleet(MemoryTaskStore::new(), 0).try_build().unwrap_err().to_string();
    assert!(error.contains("MCP_TASK_WORKERS=0"), "{error}");
    assert!(error.contains("RedisTaskStore"), "names the fix: {error}");
}

#[tokio::test]
async fn a_session_s_task_status_reaches_its_get_stream() {
    let server = fleet(MemoryTaskStore::new(), 1).build();
    let client = EraClient::start_with(server, Era::Session, capabilities()).await;
    let stream = client.http.get_stream(None).await;
    assert_eq!(stream.status(), 200);
    let created = client.call("chunk", json!({"steps": 3})).await;
    let id = created["taskId"].as_str().unwrap().to_owned();
    let ended = |m: &Value| m["method"] == "notifications/tasks" && m["params"]["status"] == "completed";
    let events = read_events(stream, Duration::from_secs(20), ended).await;
    let statuses: Vec<&Value> =
        events.iter().map(|(_, m)| m).filter(|m| m["method"] == "notifications/tasks").collect();
    assert!(statuses.iter().all(|m| m["params"]["taskId"] == id.as_str()), "{statuses:?}");
    assert_eq!(statuses.first().map(|m| &m["params"]["status"]), Some(&json!("working")), "{statuses:?}");
    let last = statuses.last().expect("task status on the GET stream");
    assert_eq!(last["params"]["status"], "completed", "{statuses:?}");
    assert_eq!(last["params"]["result"]["content"][0]["text"], std::process::id().to_string(), "{last}");
}

#[tokio::test]
async fn a_session_s_task_status_reaches_its_get_stream_on_another_replica() {
    if !mcp_integration_tests::redis_answers().await {
        return;
    }
    let prefix = prefix();
    let replica = || async {
        let sessions = RedisSessions::new(redis_url()).prefix(&prefix).connect().await.unwrap();
        let store = RedisTaskStore::connect(&redis_url(), &prefix).await.unwrap();
        let server = fleet(store, 1).sessions(sessions).build();
        format!("{}/mcp", spawn(McpRouter::new(server).into_router()).await)
    };
    let (a, b) = (replica().await, replica().await);
    let client = EraClient::connect(a, Era::Session, capabilities()).await;
    let mut on_b = client.http.clone();
    on_b.url = b;
    let stream = on_b.get_stream(None).await;
    assert_eq!(stream.status(), 200);
    let created = client.call("chunk", json!({"steps": 3})).await;
    let id = created["taskId"].as_str().unwrap().to_owned();
    let ended = |m: &Value| m["method"] == "notifications/tasks" && m["params"]["status"] == "completed";
    let events = read_events(stream, Duration::from_secs(20), ended).await;
    let last = events.last().map(|(_, m)| m).expect("task status on the GET stream held by the other replica");
    assert!(ended(last), "created through A, followed on B's stream: {events:?}");
    assert_eq!(last["params"]["taskId"], id.as_str());
}

#[tokio::test]
async fn a_worker_process_needs_task_tools_and_workers() {
    let plain = Server::builder("plain", "1.0.0").build();
    let refused = McpRouter::new(plain).run_workers().await.unwrap_err();
    assert!(refused.to_string().contains("no tool that runs as a task"), "{refused}");
    if !mcp_integration_tests::redis_answers().await {
        return;
    }
    let store = RedisTaskStore::connect(&redis_url(), &prefix()).await.unwrap();
    let refused = McpRouter::new(fleet(store, 0).build()).run_workers().await.unwrap_err();
    assert!(refused.to_string().contains("MCP_TASK_WORKERS=0"), "{refused}");
}

#[tokio::test]
async fn the_queue_works_again_after_redis_lost_it() {
    if !mcp_integration_tests::redis_answers().await {
        return;
    }
    let prefix = prefix();
    let store = RedisTaskStore::connect(&redis_url(), &prefix).await.unwrap();
    let server = fleet(store, 1).build();
    let client = EraClient::start_with(server, Era::Stateless, capabilities()).await;
    let first = client.call("chunk", json!({"steps": 1})).await;
    completed(&client, first["taskId"].as_str().unwrap()).await;

    // What a Redis restarted empty leaves: no queue, no consumer group.
    let redis = redis::Client::open(redis_url()).unwrap();
    let mut connection = redis.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("DEL").arg(format!("{{{prefix}:tasks}}:queue")).query_async(&mut connection).await.unwrap();
    let second = client.call("chunk", json!({"steps": 1})).await;
    let task = completed(&client, second["taskId"].as_str().unwrap()).await;
    assert_eq!(task["result"]["content"][0]["text"], std::process::id().to_string(), "{task}");
}

/// Task `id` once it completed, polled for at most 10 s.
async fn completed(client: &EraClient, id: &str) -> Value {
    for _ in 0..100 {
        let task = client.request("tasks/get", json!({"taskId": id})).await;
        if task["status"] == "completed" {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("task {id} did not complete within 10 s");
}

/// The memory task store, but `load` and `swap` fail while `down` is set:
/// a Redis failover or pause, as a worker sees it.
struct Flaky {
    inner: MemoryTaskStore,
    down: Arc<std::sync::atomic::AtomicBool>,
}

impl Flaky {
    fn is_down(&self) -> bool {
        self.down.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn unavailable<'a, T: Send + 'a>() -> quickmcp::session::StoreFuture<'a, T> {
    Box::pin(async { Err(quickmcp::session::StoreError::Unavailable("the test's store is down".into())) })
}

impl TaskStore for Flaky {
    fn create<'a>(
        &'a self,
        record: &'a quickmcp::tasks::TaskRecord,
        arguments: Option<&'a quickmcp::tasks::Payload>,
        quota: usize,
    ) -> quickmcp::session::StoreFuture<'a, ()> {
        self.inner.create(record, arguments, quota)
    }
    fn load<'a>(&'a self, id: &'a str) -> quickmcp::session::StoreFuture<'a, Option<quickmcp::tasks::TaskRecord>> {
        if self.is_down() { unavailable() } else { self.inner.load(id) }
    }
    fn arguments<'a>(&'a self, id: &'a str) -> quickmcp::session::StoreFuture<'a, Option<quickmcp::tasks::Payload>> {
        self.inner.arguments(id)
    }
    fn swap<'a>(&'a self, record: &'a quickmcp::tasks::TaskRecord) -> quickmcp::session::StoreFuture<'a, bool> {
        if self.is_down() { unavailable() } else { self.inner.swap(record) }
    }
    fn claim<'a>(&'a self, worker: &'a str, wait: Duration) -> quickmcp::session::StoreFuture<'a, Option<String>> {
        self.inner.claim(worker, wait)
    }
    fn heartbeat<'a>(&'a self, worker: &'a str, id: &'a str) -> quickmcp::session::StoreFuture<'a, ()> {
        self.inner.heartbeat(worker, id)
    }
    fn finish<'a>(&'a self, id: &'a str) -> quickmcp::session::StoreFuture<'a, ()> {
        self.inner.finish(id)
    }
    fn reclaim<'a>(
        &'a self,
        worker: &'a str,
        idle: Duration,
        max: usize,
    ) -> quickmcp::session::StoreFuture<'a, Vec<String>> {
        self.inner.reclaim(worker, idle, max)
    }
    fn release<'a>(&'a self, worker: &'a str, id: &'a str) -> quickmcp::session::StoreFuture<'a, ()> {
        self.inner.release(worker, id)
    }
    fn in_process(&self) -> bool {
        self.inner.in_process()
    }
}

#[tokio::test]
async fn a_task_that_ends_while_its_store_is_down_ends_once_it_is_back() {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let store = Flaky { inner: MemoryTaskStore::new(), down: Arc::clone(&down) };
    let server = fleet(store, 1).build();
    let client = EraClient::start_with(server, Era::Stateless, capabilities()).await;
    let created = client.call("chunk", json!({"steps": 6})).await;
    let id = created["taskId"].as_str().unwrap().to_owned();
    // The store stops answering while the task runs, and past its end.
    tokio::time::sleep(Duration::from_millis(200)).await;
    down.store(true, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    down.store(false, std::sync::atomic::Ordering::SeqCst);
    let task = completed(&client, &id).await;
    assert_eq!(task["result"]["content"][0]["text"], std::process::id().to_string(), "{task}");
}
