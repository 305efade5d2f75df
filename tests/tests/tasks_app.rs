//! The tasks example over real sockets: prime sieves and singular values
//! computed as tasks on a worker pool, progress and the status resource,
//! cancellation and bad input; then, with Redis, two replicas sharing the
//! tasks (created through one, read, answered and cancelled through the
//! other), and a replica process killed mid-task: its task is run again
//! by the other replica when the tool declares a retry, and fails when it
//! does not, never staying `working`.

use mcp_examples::tasks;
use mcp_integration_tests::{Era, EraClient, prefix, redis_url, skip_without_service, spawn};
use quickmcp::prelude::*;
use quickmcp::redis::RedisTaskStore;
use quickmcp::server::ServerBuilder;
use quickmcp::tasks::{MemoryTaskStore, TaskOptions, TaskStore};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn capabilities() -> Value {
    json!({"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}})
}

/// Quick heartbeats and take-overs, so the tests need not wait long.
fn options() -> TaskOptions {
    TaskOptions {
        poll_interval: Duration::from_millis(100),
        claim_timeout: Duration::from_secs(1),
        heartbeat: Duration::from_millis(100),
        ..TaskOptions::default()
    }
}

/// Asks for a word, then returns it.
#[tool(task)]
async fn echo_asked(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"word": {"type": "string"}}});
    let answer = ctx.input("word").elicit("Which word?", schema).await.map_err(|e| ToolError::new(e.to_string()))?;
    Ok(answer.content.and_then(|c| c["word"].as_str().map(str::to_owned)).unwrap_or_default())
}

/// Works for a minute, step by step, with no retry.
#[tool(task)]
async fn fragile(ctx: Context) -> &'static str {
    for step in 1..=600 {
        ctx.progress(step).of(600).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    "survived"
}

fn replica(store: impl TaskStore) -> ServerBuilder {
    tasks::builder(store, Some(options())).tools(tools![echo_asked, fragile])
}

async fn client(builder: ServerBuilder) -> EraClient {
    EraClient::start_with(builder.build(), Era::Stateless, capabilities()).await
}

fn task_id(created: &Value) -> String {
    assert_eq!(created["resultType"], "task", "{created}");
    created["taskId"].as_str().unwrap().to_owned()
}

async fn get(client: &EraClient, id: &str) -> Value {
    client.request("tasks/get", json!({"taskId": id})).await
}

/// Polls until `done` holds of the task; bounded by `secs`.
async fn wait_for(client: &EraClient, id: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let task = get(client, id).await;
        if done(&task) {
            return task;
        }
        assert!(tokio::time::Instant::now() < deadline, "task {id} stuck: {task}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ended(task: &Value) -> bool {
    ["completed", "failed", "cancelled"].contains(&task["status"].as_str().unwrap_or_default())
}

#[tokio::test]
async fn computations_run_as_tasks_on_a_worker_pool() {
    let client = client(replica(MemoryTaskStore::new())).await;
    let sieve = json!({"task_type": "prime_sieve", "data": {"limit": 3_000_000}});
    let svd = json!({"task_type": "svd", "data": {"matrix": [[3.0, 0.0], [4.0, 5.0]]}});
    let random = json!({"task_type": "svd", "data": {"size": 40, "seed": 7}});
    let mut ids = Vec::new();
    for arguments in [&sieve, &svd, &random] {
        ids.push(task_id(&client.call("distributed_compute", arguments.clone()).await));
    }
    let results: Vec<Value> =
        futures_util::future::join_all(ids.iter().map(|id| wait_for(&client, id, 120, ended))).await;
    for result in &results {
        assert_eq!(result["status"], "completed", "{result}");
    }
    let primes = &results[0]["result"]["structuredContent"];
    assert_eq!(primes["values"][0], 216_816.0, "π(3·10⁶): {primes}");
    assert_eq!(primes["values"][1], 2_999_999.0);
    let singular = results[1]["result"]["structuredContent"]["values"].as_array().unwrap().clone();
    assert!((singular[0].as_f64().unwrap() - 45f64.sqrt()).abs() < 1e-9, "{singular:?}");
    assert!((singular[1].as_f64().unwrap() - 5f64.sqrt()).abs() < 1e-9);
    assert_eq!(results[2]["result"]["structuredContent"]["task_type"], "svd");

    let status = client.request("resources/read", json!({"uri": format!("task://status/{}", ids[0])})).await;
    let text: Value = serde_json::from_str(status["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text["status"], "completed", "the status resource shows the task: {text}");
    let unknown = client.request("resources/read", json!({"uri": "task://status/nope"})).await;
    assert_eq!(unknown["code"], -32602, "{unknown}");
}

#[tokio::test]
async fn progress_cancellation_and_bad_input() {
    let client = client(replica(MemoryTaskStore::new())).await;
    let id = task_id(
        &client
            .call("distributed_compute", json!({"task_type": "prime_sieve", "data": {"limit": 2_000_000_000}}))
            .await,
    );
    let working =
        wait_for(&client, &id, 60, |t| t["statusMessage"].as_str().is_some_and(|m| m.contains("sieved"))).await;
    assert_eq!(working["status"], "working", "{working}");
    client.request("tasks/cancel", json!({"taskId": id})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(get(&client, &id).await["status"], "cancelled");

    let bad = task_id(&client.call("distributed_compute", json!({"task_type": "prime_sieve", "data": {}})).await);
    let done = wait_for(&client, &bad, 30, ended).await;
    assert_eq!(done["result"]["isError"], true, "{done}");
}

#[tokio::test]
async fn arguments_that_do_not_decode_are_refused_before_any_task_exists() {
    // A store that keeps one task: were a task created for each bad call,
    // the good call at the end would find it full.
    let client = client(replica(MemoryTaskStore::with_max(1))).await;
    for bad in [
        json!({"task_type": "fft", "data": {}}),
        json!({"data": {}}),
        json!({"task_type": "svd", "data": {}, "extra": 1}),
        json!("not an object"),
    ] {
        let refused = client.request("tools/call", json!({"name": "distributed_compute", "arguments": bad})).await;
        assert!(refused.get("taskId").is_none(), "no task for {bad}: {refused}");
        let text = refused["content"][0]["text"].as_str().unwrap_or_default().to_owned();
        assert_eq!(refused["isError"], true, "a tool error, as a plain call's: {refused}");
        assert!(text.contains("argument") || text.contains("arguments"), "{text}");
    }
    let refused = client.call("distributed_compute", json!({"task_type": "fft", "data": {}})).await;
    let text = refused["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("invalid value for argument `task_type`: expected "), "{text}");
    let good = json!({"task_type": "svd", "data": {"matrix": [[1.0, 0.0], [0.0, 1.0]]}});
    let id = task_id(&client.call("distributed_compute", good).await);
    assert_eq!(wait_for(&client, &id, 30, ended).await["status"], "completed");
}

/// A task store in Redis under a fresh prefix, or `None` (said, or failed
/// under `REQUIRE_REDIS`).
async fn redis_store(prefix: &str) -> Option<RedisTaskStore> {
    if !mcp_integration_tests::redis_answers().await {
        return None;
    }
    match RedisTaskStore::connect(&redis_url(), prefix).await {
        Ok(store) => Some(store),
        Err(error) => {
            skip_without_service(&format!("Redis at {} is not reachable ({error}); set REDIS_URL", redis_url()));
            None
        }
    }
}

/// Deletes what a test left under `prefix` (the queue stream outlives the
/// tasks, whose keys expire).
async fn clean(prefix: &str) {
    let mut connection = redis_connection().await;
    let mut keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{{{prefix}:tasks}}:*")).query_async(&mut connection).await.unwrap();
    keys.push(format!("{{{prefix}:tasks}}:queue"));
    let _: () = redis::cmd("DEL").arg(keys).query_async(&mut connection).await.unwrap();
}

async fn redis_connection() -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(redis_url()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}

#[tokio::test]
async fn in_redis_a_caller_s_unfinished_tasks_and_the_tasks_kept_are_bounded() {
    let prefix = prefix();
    let Some(store) = redis_store(&prefix).await else { return };
    let bounded = TaskOptions { max_per_client: 2, ..options() };
    let client = client(tasks::builder(store.with_max(3), Some(bounded))).await;
    let long = json!({"task_type": "prime_sieve", "data": {"limit": 2_000_000_000}});
    let first = task_id(&client.call("distributed_compute", long.clone()).await);
    let second = task_id(&client.call("distributed_compute", long.clone()).await);
    let refused = client.call("distributed_compute", long.clone()).await;
    assert_eq!(refused["code"], -32004, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("maximum of 2 unfinished tasks (MCP_MAX_TASKS_PER_CLIENT)"));

    let mut redis = redis_connection().await;
    let key = |id: &str| format!("{{{prefix}:tasks}}:task:{id}");
    let record: String = redis::cmd("HGET").arg(key(&first)).arg("json").query_async(&mut redis).await.unwrap();
    assert!(!record.contains("2000000000"), "the record is kept without the arguments: {record}");
    let arguments: String = redis::cmd("HGET").arg(key(&first)).arg("args").query_async(&mut redis).await.unwrap();
    assert!(arguments.contains("2000000000"), "{arguments}");

    // An ended task leaves its caller's quota, and forgets its arguments.
    client.request("tasks/cancel", json!({"taskId": first})).await;
    let kept: bool = redis::cmd("HEXISTS").arg(key(&first)).arg("args").query_async(&mut redis).await.unwrap();
    assert!(!kept, "the arguments of an ended task are deleted");
    let third = task_id(&client.call("distributed_compute", long.clone()).await);
    // Three tasks kept (one ended): the store is full.
    client.request("tasks/cancel", json!({"taskId": second})).await;
    let full = client.call("distributed_compute", long).await;
    assert_eq!(full["code"], -32005, "{full}");
    assert!(full["message"].as_str().unwrap().contains("maximum of 3 tasks"), "{full}");
    client.request("tasks/cancel", json!({"taskId": third})).await;
    clean(&prefix).await;
}

#[tokio::test]
async fn two_replicas_share_their_tasks() {
    let prefix = prefix();
    let Some(store) = redis_store(&prefix).await else { return };
    let a = client(replica(store.clone())).await;
    let b = client(replica(store)).await;

    let id = task_id(&a.call("echo_asked", json!({})).await);
    let asking = wait_for(&b, &id, 30, |t| t["status"] == "input_required").await;
    assert_eq!(asking["inputRequests"]["word"]["method"], "elicitation/create", "read through the other replica");
    let answer = json!({"word": {"action": "accept", "content": {"word": "replicated"}}});
    b.request("tasks/update", json!({"taskId": id, "inputResponses": answer})).await;
    let done = wait_for(&a, &id, 30, ended).await;
    assert_eq!(done["result"]["content"][0]["text"], "replicated", "answered through B, seen through A: {done}");

    let long = json!({"task_type": "prime_sieve", "data": {"limit": 2_000_000_000}});
    let id = task_id(&a.call("distributed_compute", long).await);
    wait_for(&b, &id, 60, |t| t.get("statusMessage").is_some()).await;
    assert_eq!(b.request("tasks/cancel", json!({"taskId": id})).await, json!({"resultType": "complete"}));
    tokio::time::sleep(Duration::from_millis(600)).await;
    let cancelled = get(&a, &id).await;
    assert_eq!(cancelled["status"], "cancelled", "cancelled through B, seen through A: {cancelled}");
    let message = cancelled["statusMessage"].clone();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(get(&a, &id).await["statusMessage"], message, "the worker stopped: no progress after the cancel");
    clean(&prefix).await;
}

/// The replica process that `a_killed_worker_s_task_is_run_again_or_failed`
/// starts (and kills): serves the example on the task store under
/// `TASKS_REPLICA_PREFIX` and prints its URL.
#[tokio::test]
#[ignore = "a helper process, started by a_killed_worker_s_task_is_run_again_or_failed"]
async fn replica_process() {
    let Ok(prefix) = std::env::var("TASKS_REPLICA_PREFIX") else { return };
    let store = RedisTaskStore::connect(&redis_url(), &prefix).await.expect("Redis");
    let url = spawn(quickmcp_axum::McpRouter::new(replica(store).build()).into_router()).await;
    println!("REPLICA {url}/mcp");
    std::future::pending::<()>().await;
}

#[tokio::test]
async fn a_killed_worker_s_task_is_run_again_or_failed() {
    let prefix = prefix();
    let Some(store) = redis_store(&prefix).await else { return };
    let mut process = Command::new(std::env::current_exe().unwrap())
        .args(["replica_process", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("TASKS_REPLICA_PREFIX", &prefix)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        // The test runner prints the test's name on the same line first.
        .find_map(|line| line.split_once("REPLICA ").map(|(_, url)| url.to_owned()))
        .expect("the replica process says where it serves");
    let doomed = EraClient::connect(url, Era::Stateless, capabilities()).await;

    // Both run in the doomed process (no other replica has workers yet).
    let sieve = json!({"task_type": "prime_sieve", "data": {"limit": 50_000_000}});
    let retried = task_id(&doomed.call("distributed_compute", sieve).await);
    let lost = task_id(&doomed.call("fragile", json!({})).await);
    for id in [&retried, &lost] {
        wait_for(&doomed, id, 60, |t| t.get("statusMessage").is_some()).await;
    }
    process.kill().unwrap();
    process.wait().unwrap();

    // The survivor takes both over once their claims go silent.
    let survivor = client(replica(store)).await;
    let done = wait_for(&survivor, &retried, 120, ended).await;
    assert_eq!(done["status"], "completed", "declared one retry: run again to the end: {done}");
    assert_eq!(done["result"]["structuredContent"]["values"][0], 3_001_134.0, "π(5·10⁷)");
    let failed = wait_for(&survivor, &lost, 60, ended).await;
    assert_eq!(failed["status"], "failed", "declared no retry: failed, not stuck: {failed}");
    assert!(failed["error"]["message"].as_str().unwrap().contains("stopped"), "{failed}");
    // The dead replica leaves the consumer group once silent for ten claim
    // timeouts (its work taken over).
    let client = redis::Client::open(redis_url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let info = redis::cmd("XINFO").arg("CONSUMERS").arg(format!("{{{prefix}:tasks}}:queue")).arg("workers").clone();
    let mut consumers = 0;
    for _ in 0..150 {
        let reply: redis::streams::StreamInfoConsumersReply = info.query_async(&mut connection).await.unwrap();
        consumers = reply.consumers.len();
        if consumers == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(consumers, 1, "only the survivor is left in the group");
    clean(&prefix).await;
}
