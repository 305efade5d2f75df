//! The tasks extension (SEP-2663) over real sockets, in both eras: calls
//! answered with a task handle, `tasks/get` until the result, questions
//! answered with `tasks/update`, `tasks/cancel` stopping the work, errors
//! and panics, progress, TTL expiry, bounds, gating on the client's
//! declaration, and tasks kept from other callers.

use mcp_integration_tests::{ERAS, Era, EraClient, HttpClient, read_events, spawn};
use quickmcp::auth::{Principal, RequireScopes};
use quickmcp::prelude::*;
use quickmcp::tasks::{MemoryTaskStore, TaskOptions};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Works that long, then says so; `finished` counts the runs that ended.
#[tool(task)]
async fn sleep_for(ctx: Context, ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    if let Some(finished) = ctx.state::<Finished>() {
        finished.0.fetch_add(1, Ordering::SeqCst);
    }
    format!("slept {ms} ms")
}

#[derive(Clone, Default)]
struct Finished(Arc<AtomicUsize>);

/// Only as a task.
#[tool(task = "required")]
async fn only_as_task() -> &'static str {
    "done"
}

/// Never a task.
#[tool]
async fn plain() -> &'static str {
    "plain"
}

/// Asks for a number, then doubles it.
#[tool(task)]
async fn double_asked(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
    let answer = ctx.input("n").elicit("Which number?", schema).await.map_err(|e| ToolError::new(e.to_string()))?;
    let n = answer.content.and_then(|c| c["n"].as_i64()).unwrap_or_default();
    Ok(format!("{}", n * 2))
}

/// Fails as a tool.
#[tool(task)]
async fn tool_error() -> Result<String, ToolError> {
    Err(ToolError::new("nope"))
}

/// Panics.
#[tool(task)]
async fn panics() -> String {
    panic!("the handler panicked on purpose")
}

/// Reports progress, then waits.
#[tool(task)]
async fn halfway(ctx: Context) -> &'static str {
    ctx.progress(1).of(2).message("halfway").await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    "never"
}

/// Reports progress without a message, then waits.
#[tool(task)]
async fn counted(ctx: Context) -> &'static str {
    ctx.progress(1).of(2).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    "never"
}

/// Returns `size` bytes of text.
#[tool(task)]
async fn big_result(size: usize) -> String {
    "x".repeat(size)
}

fn server_with(options: TaskOptions, store: MemoryTaskStore) -> Server {
    Server::builder("tasks-test", "0")
        .tools(tools![sleep_for, only_as_task, plain, double_asked, tool_error, panics, halfway, counted, big_result])
        .state(Finished::default())
        .tasks(options)
        .task_store(store)
        .build()
}

fn server() -> Server {
    server_with(TaskOptions { poll_interval: Duration::from_millis(100), ..TaskOptions::default() }, Default::default())
}

fn tasks_capabilities() -> Value {
    json!({"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}})
}

async fn task_client(server: Server, era: Era) -> EraClient {
    EraClient::start_with(server, era, tasks_capabilities()).await
}

async fn get(client: &EraClient, id: &str) -> Value {
    client.request("tasks/get", json!({"taskId": id})).await
}

/// Polls until the task reaches `status` (or ends); bounded.
async fn until(client: &EraClient, id: &str, status: &str) -> Value {
    for _ in 0..100 {
        let task = get(client, id).await;
        if task["status"] == status || ["completed", "failed", "cancelled"].contains(&task["status"].as_str().unwrap())
        {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("task {id} never reached {status}")
}

fn task_id(created: &Value) -> String {
    assert_eq!(created["resultType"], "task", "{created}");
    created["taskId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_call_becomes_a_task_that_ends_with_its_result() {
    for era in ERAS {
        let client = task_client(server(), era).await;
        let created = client.call("sleep_for", json!({"ms": 200})).await;
        let id = task_id(&created);
        assert_eq!(id.len(), 32, "128 random bits");
        assert_eq!(created["status"], "working");
        assert_eq!(created["ttlMs"], 3_600_000);
        assert_eq!(created["pollIntervalMs"], 100);
        for absent in ["result", "error", "inputRequests", "requestState", "ttl", "pollInterval"] {
            assert!(created.get(absent).is_none(), "{era:?}: {absent} in {created}");
        }
        let now = get(&client, &id).await;
        assert_eq!(now["taskId"], id.as_str(), "readable as soon as it is announced");
        assert_eq!(now["resultType"], "complete");
        let done = until(&client, &id, "completed").await;
        assert_eq!(done["status"], "completed", "{era:?}: {done}");
        assert_eq!(done["result"]["content"][0]["text"], "slept 200 ms");
        assert!(done["lastUpdatedAt"].as_str().unwrap() >= done["createdAt"].as_str().unwrap());
    }
}

#[tokio::test]
async fn without_the_extension_calls_run_now_or_are_refused() {
    for era in ERAS {
        let client = EraClient::start_with(server(), era, json!({})).await;
        let now = client.call("sleep_for", json!({"ms": 1})).await;
        assert_eq!(now["content"][0]["text"], "slept 1 ms", "{era:?}: an optional task tool runs as a call");
        let refused = client.call("only_as_task", json!({})).await;
        assert_eq!(refused["code"], -32021, "{era:?}: {refused}");
        assert!(refused["data"]["requiredCapabilities"]["extensions"]["io.modelcontextprotocol/tasks"].is_object());
        for method in ["tasks/get", "tasks/cancel"] {
            let gated = client.request(method, json!({"taskId": "x"})).await;
            assert_eq!(gated["code"], -32021, "{era:?} {method}: {gated}");
        }
        let tasks_client = task_client(server(), era).await;
        let plain = tasks_client.call("plain", json!({})).await;
        assert_eq!(plain["content"][0]["text"], "plain", "a tool that is no task stays a call");
        for removed in ["tasks/list", "tasks/result"] {
            let answer = tasks_client.request(removed, json!({"taskId": "x"})).await;
            assert_eq!(answer["code"], -32601, "{era:?} {removed}");
        }
    }
}

#[tokio::test]
async fn the_extension_is_advertised_when_a_tool_runs_as_a_task() {
    let client = task_client(server(), Era::Stateless).await;
    let discovered = client.request("server/discover", json!({})).await;
    assert!(discovered["capabilities"]["extensions"]["io.modelcontextprotocol/tasks"].is_object(), "{discovered}");
    let mut session =
        HttpClient::new(format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server()).into_router()).await));
    let initialized = session.initialize().await;
    assert!(initialized["capabilities"]["extensions"]["io.modelcontextprotocol/tasks"].is_object());
    let plain = Server::builder("plain", "0").tools(tools![plain]).build();
    let client = EraClient::start(plain, Era::Stateless).await;
    let discovered = client.request("server/discover", json!({})).await;
    assert!(discovered["capabilities"].get("extensions").is_none(), "{discovered}");
}

#[tokio::test]
async fn unknown_tasks_and_bad_params_are_invalid_params() {
    for era in ERAS {
        let client = task_client(server(), era).await;
        for method in ["tasks/get", "tasks/cancel"] {
            let unknown = client.request(method, json!({"taskId": "no-such-task"})).await;
            assert_eq!(unknown["code"], -32602, "{era:?} {method}: {unknown}");
        }
        let update = client.request("tasks/update", json!({"taskId": "no-such-task", "inputResponses": {}})).await;
        assert_eq!(update["code"], -32602);
        let id = task_id(&client.call("sleep_for", json!({"ms": 5000})).await);
        let bad = client.request("tasks/update", json!({"taskId": id, "inputResponses": [1, 2]})).await;
        assert_eq!(bad["code"], -32602, "inputResponses must be an object: {bad}");
        let missing = client.request("tasks/get", json!({})).await;
        assert_eq!(missing["code"], -32602, "{missing}");
        client.request("tasks/cancel", json!({"taskId": id})).await;
    }
}

#[tokio::test]
async fn cancelling_stops_the_work_and_is_idempotent() {
    let server = server();
    let finished = server.state::<Finished>().unwrap().0;
    let client = task_client(server, Era::Stateless).await;
    let id = task_id(&client.call("sleep_for", json!({"ms": 400})).await);
    let ack = client.request("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(ack, json!({"resultType": "complete"}), "an empty acknowledgement");
    assert_eq!(get(&client, &id).await["status"], "cancelled");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(finished.load(Ordering::SeqCst), 0, "the handler was stopped before it finished");
    let task = get(&client, &id).await;
    assert_eq!(task["status"], "cancelled", "the end of a cancelled run changes nothing: {task}");
    assert!(task.get("result").is_none());
    let again = client.request("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(again, json!({"resultType": "complete"}));
    let done = task_id(&client.call("sleep_for", json!({"ms": 1})).await);
    until(&client, &done, "completed").await;
    assert_eq!(client.request("tasks/cancel", json!({"taskId": done})).await, json!({"resultType": "complete"}));
    assert_eq!(get(&client, &done).await["status"], "completed", "an ended task stays as it ended");
}

#[tokio::test]
async fn questions_wait_for_tasks_update() {
    for era in ERAS {
        let client = task_client(server(), era).await;
        let id = task_id(&client.call("double_asked", json!({})).await);
        let asking = until(&client, &id, "input_required").await;
        assert_eq!(asking["status"], "input_required", "{asking}");
        assert_eq!(asking["inputRequests"]["n"]["method"], "elicitation/create");
        let ignored = client
            .request("tasks/update", json!({"taskId": id, "inputResponses": {"other": {"action": "accept"}}}))
            .await;
        assert_eq!(ignored, json!({"resultType": "complete"}), "an unknown key is acknowledged and ignored");
        assert_eq!(get(&client, &id).await["status"], "input_required");
        let answer = json!({"n": {"action": "accept", "content": {"n": 21}}});
        let ack = client.request("tasks/update", json!({"taskId": id, "inputResponses": answer})).await;
        assert_eq!(ack, json!({"resultType": "complete"}));
        let done = until(&client, &id, "completed").await;
        assert_eq!(done["result"]["content"][0]["text"], "42", "{era:?}: {done}");
        assert!(done.get("inputRequests").is_none());
    }
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    let client = task_client(server(), Era::Stateless).await;
    let id = task_id(&client.call("double_asked", json!({})).await);
    assert_eq!(until(&client, &id, "input_required").await["status"], "input_required");
    let bound = quickmcp::config::MAX_TASK_PAYLOAD.default_number();
    let huge = json!({"n": {"action": "accept", "content": {"n": 21, "padding": "x".repeat(bound)}}});
    let refused = client.request("tasks/update", json!({"taskId": id, "inputResponses": huge})).await;
    assert_eq!(refused["code"], -32602, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("MCP_MAX_TASK_PAYLOAD"), "{refused}");
    assert_eq!(get(&client, &id).await["status"], "input_required", "nothing was kept");
    let answer = json!({"n": {"action": "accept", "content": {"n": 21}}});
    client.request("tasks/update", json!({"taskId": id, "inputResponses": answer})).await;
    assert_eq!(until(&client, &id, "completed").await["result"]["content"][0]["text"], "42");
}

#[tokio::test]
async fn tool_errors_complete_and_panics_fail() {
    let client = task_client(server(), Era::Stateless).await;
    let id = task_id(&client.call("tool_error", json!({})).await);
    let done = until(&client, &id, "completed").await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["isError"], true);
    let id = task_id(&client.call("panics", json!({})).await);
    let failed = until(&client, &id, "failed").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], -32603);
    assert!(failed.get("result").is_none());
}

/// Polls task `id` until its status message is `expected`, then cancels
/// it; panics with the last message seen otherwise.
async fn until_message(client: &EraClient, id: &str, expected: &str) {
    let mut last = Value::Null;
    for _ in 0..60 {
        let task = get(client, id).await;
        if task["statusMessage"] == expected {
            client.request("tasks/cancel", json!({"taskId": id})).await;
            return;
        }
        last = task["statusMessage"].clone();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the status message never became {expected:?}; last {last}");
}

#[tokio::test]
async fn progress_shows_in_the_status_message() {
    let client = task_client(server(), Era::Stateless).await;
    // The handler's message as written (it may hold its own fraction)...
    let id = task_id(&client.call("halfway", json!({})).await);
    until_message(&client, &id, "halfway").await;
    // ... and how far it got when it wrote none.
    let id = task_id(&client.call("counted", json!({})).await);
    until_message(&client, &id, "1/2").await;
}

#[tokio::test]
async fn tools_list_shows_which_tools_run_as_tasks() {
    for era in ERAS {
        let client = task_client(server(), era).await;
        let listed = client.request("tools/list", json!({})).await;
        let tools = listed["tools"].as_array().unwrap();
        let tool = |name: &str| tools.iter().find(|t| t["name"] == name).unwrap().clone();
        assert_eq!(tool("sleep_for")["execution"], json!({"taskSupport": "optional"}), "{era:?}");
        assert_eq!(tool("only_as_task")["execution"], json!({"taskSupport": "required"}), "{era:?}");
        assert!(tool("plain").get("execution").is_none(), "{era:?}: forbidden is the default, not written");
    }
}

#[tokio::test]
async fn oversized_arguments_are_refused_before_a_task_exists() {
    // One task fits in the store: a refused call must not take its place.
    let client = task_client(server_with(TaskOptions::default(), MemoryTaskStore::with_max(1)), Era::Stateless).await;
    let bound = quickmcp::config::MAX_TASK_PAYLOAD.default_number();
    let refused = client.call("sleep_for", json!({"ms": 1, "padding": "x".repeat(bound)})).await;
    assert_eq!(refused["code"], -32602, "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("MCP_MAX_TASK_PAYLOAD") && message.contains(&bound.to_string()), "{message}");
    assert_eq!(refused["data"]["limit"], bound);
    let id = task_id(&client.call("sleep_for", json!({"ms": 1})).await);
    assert_eq!(until(&client, &id, "completed").await["result"]["content"][0]["text"], "slept 1 ms");
}

#[tokio::test]
async fn an_oversized_result_fails_the_task() {
    let client = task_client(server(), Era::Stateless).await;
    let bound = quickmcp::config::MAX_TASK_PAYLOAD.default_number();
    let id = task_id(&client.call("big_result", json!({"size": bound + 1})).await);
    let failed = until(&client, &id, "failed").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(message.contains("MCP_MAX_TASK_PAYLOAD") && message.contains(&bound.to_string()), "{message}");
    assert!(failed.get("result").is_none());
    let id = task_id(&client.call("big_result", json!({"size": 1000})).await);
    assert_eq!(until(&client, &id, "completed").await["status"], "completed", "a result within the bound is kept");
}

#[tokio::test]
async fn each_caller_has_a_quota_of_unfinished_tasks() {
    let quota = quickmcp::config::MAX_TASKS_PER_CLIENT.default_number();
    let client = HttpClient::new(serve_as_users(server()).await);
    let call = json!({"name": "sleep_for", "arguments": {"ms": 30_000}});
    let mut first = None;
    for _ in 0..quota {
        let id = task_id(&as_user(&client, "alice", "tools/call", call.clone()).await);
        first.get_or_insert(id);
    }
    let refused = as_user(&client, "alice", "tools/call", call.clone()).await;
    assert_eq!(refused["code"], -32004, "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("MCP_MAX_TASKS_PER_CLIENT") && message.contains(&quota.to_string()), "{message}");
    assert_eq!(refused["data"]["limit"], quota);
    // Another caller has a quota of its own.
    task_id(&as_user(&client, "bob", "tools/call", call.clone()).await);
    // A task that ends gives its place back.
    as_user(&client, "alice", "tasks/cancel", json!({"taskId": first.unwrap()})).await;
    task_id(&as_user(&client, "alice", "tools/call", call).await);
}

#[tokio::test]
async fn a_caller_without_the_scope_gets_the_refusal_not_a_task() {
    let server = Server::builder("scoped", "0").tools(tools![whoami]).middleware(RequireScopes::new()).build();
    let client = HttpClient::new(serve_as_users(server).await);
    let refused = as_user(&client, "reader", "tools/call", json!({"name": "whoami", "arguments": {}})).await;
    assert_eq!(refused["code"], -32003, "the plain call's insufficient-scope answer, no task: {refused}");
    assert_eq!(refused["data"]["scope"], "jobs:run");
    let created = as_user(&client, "alice", "tools/call", json!({"name": "whoami", "arguments": {}})).await;
    task_id(&created);

    // The same when the scopes are checked by a mounted server.
    let child = Server::builder("child", "0").tools(tools![whoami]).middleware(RequireScopes::new()).build();
    let client = HttpClient::new(serve_as_users(Server::builder("app", "0").mount("jobs", child).build()).await);
    let refused = as_user(&client, "reader", "tools/call", json!({"name": "jobs_whoami", "arguments": {}})).await;
    assert_eq!(refused["code"], -32003, "mounted: {refused}");
    task_id(&as_user(&client, "alice", "tools/call", json!({"name": "jobs_whoami", "arguments": {}})).await);
}

#[tokio::test]
async fn tasks_expire_with_their_ttl() {
    let options = TaskOptions { ttl: Duration::from_millis(300), ..TaskOptions::default() };
    let client = task_client(server_with(options, Default::default()), Era::Stateless).await;
    let id = task_id(&client.call("sleep_for", json!({"ms": 1})).await);
    assert_eq!(get(&client, &id).await["ttlMs"], 300);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(get(&client, &id).await["code"], -32602, "an expired task is gone");
}

#[tokio::test]
async fn a_full_store_refuses_new_tasks() {
    let client = task_client(server_with(TaskOptions::default(), MemoryTaskStore::with_max(2)), Era::Stateless).await;
    let first = task_id(&client.call("sleep_for", json!({"ms": 5000})).await);
    task_id(&client.call("sleep_for", json!({"ms": 5000})).await);
    let refused = client.call("sleep_for", json!({"ms": 5000})).await;
    assert_eq!(refused["code"], -32005, "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("maximum of 2 tasks") && !message.contains("session store"), "{message}");
    assert_eq!(refused["data"]["limit"], 2);
    assert_eq!(get(&client, &first).await["status"], "working", "the tasks stored are untouched");
}

/// Serves `server` with callers named by an `x-user` header (standing in
/// for a verified token granting `jobs:run`, but to `reader`).
async fn serve_as_users(server: Server) -> String {
    let app = quickmcp_axum::McpRouter::new(server).into_router().layer(axum::middleware::map_request(
        |mut request: axum::extract::Request| async move {
            if let Some(user) = request.headers().get("x-user").and_then(|v| v.to_str().ok()).map(str::to_owned) {
                let claims = json!({"team": format!("{user}'s team")});
                // `reader` holds no scope.
                let scopes = if user == "reader" { vec![] } else { vec!["jobs:run".into()] };
                request.extensions_mut().insert(Principal::new(user, scopes, claims));
            }
            request
        },
    ));
    format!("{}/mcp", spawn(app).await)
}

async fn as_user(client: &HttpClient, user: &str, method: &str, params: Value) -> Value {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": tasks_capabilities(),
    });
    let name = ["name", "taskId"].iter().find_map(|k| params.get(*k)?.as_str()).unwrap_or_default().to_owned();
    let headers =
        [("mcp-protocol-version", "2026-07-28"), ("mcp-method", method), ("mcp-name", name.as_str()), ("x-user", user)];
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let answer: Value = client.post_with(&headers).body(body.to_string()).send().await.unwrap().json().await.unwrap();
    answer.get("result").or_else(|| answer.get("error")).cloned().unwrap()
}

#[tokio::test]
async fn a_task_is_seen_only_by_its_creator() {
    let client = HttpClient::new(serve_as_users(server()).await);
    let created =
        as_user(&client, "alice", "tools/call", json!({"name": "sleep_for", "arguments": {"ms": 5000}})).await;
    let id = task_id(&created);
    let own = as_user(&client, "alice", "tasks/get", json!({"taskId": id})).await;
    assert_eq!(own["status"], "working");
    for method in ["tasks/get", "tasks/cancel"] {
        let foreign = as_user(&client, "mallory", method, json!({"taskId": id})).await;
        assert_eq!(foreign["code"], -32602, "{method}: another caller is told it does not exist");
    }
    let update = json!({"taskId": id, "inputResponses": {}});
    assert_eq!(as_user(&client, "mallory", "tasks/update", update).await["code"], -32602);
    assert_eq!(as_user(&client, "alice", "tasks/get", json!({"taskId": id})).await["status"], "working");
    as_user(&client, "alice", "tasks/cancel", json!({"taskId": id})).await;
}

/// Says who runs it; needs the `jobs:run` scope.
#[tool(task, scopes("jobs:run"))]
async fn whoami(caller: Principal) -> String {
    format!("{} of {}", caller.subject(), caller.claims()["team"].as_str().unwrap_or_default())
}

#[tokio::test]
async fn a_task_runs_as_its_creator() {
    let server = Server::builder("scoped", "0").tools(tools![whoami]).middleware(RequireScopes::new()).build();
    let client = HttpClient::new(serve_as_users(server).await);
    let id = task_id(&as_user(&client, "alice", "tools/call", json!({"name": "whoami", "arguments": {}})).await);
    for _ in 0..100 {
        let task = as_user(&client, "alice", "tasks/get", json!({"taskId": id})).await;
        if task["status"] == "completed" {
            let text = &task["result"]["content"][0]["text"];
            assert_eq!(text, "alice of alice's team", "the run saw its creator's principal and scopes: {task}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the task never completed");
}

/// Opens a `subscriptions/listen` stream declaring `capabilities`.
async fn listen(client: &EraClient, capabilities: Value, notifications: Value) -> reqwest::Response {
    let body = json!({"jsonrpc": "2.0", "id": "watch", "method": "subscriptions/listen", "params": {
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": capabilities,
        },
        "notifications": notifications}});
    let headers = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "subscriptions/listen")];
    client.http.post_with(&headers).body(body.to_string()).send().await.unwrap()
}

#[tokio::test]
async fn a_listener_hears_the_status_of_its_tasks() {
    let client = task_client(server(), Era::Stateless).await;
    let id = task_id(&client.call("double_asked", json!({})).await);
    let stream = listen(&client, tasks_capabilities(), json!({"taskIds": [id, "no-such-task"]})).await;
    assert_eq!(stream.status(), 200);
    let answering = async {
        until(&client, &id, "input_required").await;
        let answer = json!({"n": {"action": "accept", "content": {"n": 4}}});
        client.request("tasks/update", json!({"taskId": id, "inputResponses": answer})).await;
    };
    let (heard, ()) =
        tokio::join!(read_events(stream, Duration::from_secs(5), |m| m["params"]["status"] == "completed"), answering);
    let ack = &heard[0].1;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(ack["params"]["notifications"]["taskIds"], json!([id]), "only tasks that exist and are the caller's");
    let statuses: Vec<&str> = heard[1..]
        .iter()
        .filter(|(_, m)| m["method"] == "notifications/tasks" && m["params"]["taskId"] == id.as_str())
        .map(|(_, m)| m["params"]["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"input_required"), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&"completed"), "{statuses:?}");
    let last = &heard.last().unwrap().1["params"];
    assert_eq!(last["result"]["content"][0]["text"], "8", "the notification carries the task as tasks/get would");
    assert_eq!(last["_meta"]["io.modelcontextprotocol/subscriptionId"], "watch");

    let refused = listen(&client, json!({}), json!({"taskIds": [id]})).await;
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32021, "following tasks needs the extension: {body}");
    let many: Vec<String> = (0..=quickmcp::server::MAX_WATCHED_TASKS).map(|n| format!("task-{n}")).collect();
    let refused = listen(&client, tasks_capabilities(), json!({"taskIds": many})).await;
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32602, "a listener follows a bounded number of tasks: {body}");
}

/// Asks whether to go on, in the request; then works as a task.
#[tool(task, asks_first)]
async fn confirm_then_work(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"go": {"type": "boolean"}}});
    let answer = ctx.input("go").elicit("Go on?", schema).await.map_err(|e| ToolError::new(e.to_string()))?;
    ctx.begin_task().await;
    Ok(format!("went on: {}", answer.action))
}

#[tokio::test]
async fn a_tool_that_asks_first_asks_in_the_session_then_becomes_a_task() {
    let server = Server::builder("asks", "0").tools(tools![confirm_then_work]).build();
    let mut client =
        HttpClient::new(format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await));
    client.initialize_with(tasks_capabilities()).await;
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
        "params": {"name": "confirm_then_work", "arguments": {}}});
    let response = client.post(&body).await;
    let answerer = client.clone();
    let mut asked = Value::Null;
    let events = read_events(response, Duration::from_secs(5), |message| {
        if message["method"] == "elicitation/create" {
            asked = message.clone();
            let reply =
                json!({"jsonrpc": "2.0", "id": message["id"], "result": {"action": "accept", "content": {"go": true}}});
            let answerer = answerer.clone();
            tokio::spawn(async move { assert_eq!(answerer.post(&reply).await.status(), 202) });
        }
        message["id"] == 9
    })
    .await;
    assert_eq!(asked["params"]["message"], "Go on?", "asked in the request, before any task");
    let created = &events.last().unwrap().1["result"];
    let id = task_id(created);
    for _ in 0..100 {
        let task = client.request(10, "tasks/get", json!({"taskId": id})).await;
        let task = &task.last().unwrap()["result"];
        if task["status"] == "completed" {
            assert_eq!(task["result"]["content"][0]["text"], "went on: accept", "the run found the answer: {task}");
            return;
        }
        assert_eq!(task["status"], "working", "never asked again: {task}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the task never completed");
}

/// How many `overlap` runs are under way, and the most ever at once.
#[derive(Clone, Default)]
struct Overlap(Arc<(AtomicUsize, AtomicUsize)>);

/// Runs for a moment, counting how many run at once.
#[tool(task)]
async fn overlap(ctx: Context) -> &'static str {
    let Some(Overlap(counts)) = ctx.state::<Overlap>() else { return "no state" };
    let now = counts.0.fetch_add(1, Ordering::SeqCst) + 1;
    counts.1.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(150)).await;
    counts.0.fetch_sub(1, Ordering::SeqCst);
    "done"
}

#[tokio::test]
async fn a_replica_runs_at_most_its_workers_at_once() {
    let overlap_state = Overlap::default();
    let options = TaskOptions { workers: 2, heartbeat: Duration::from_millis(20), ..TaskOptions::default() };
    let server =
        Server::builder("pool", "0").tools(tools![overlap]).state(overlap_state.clone()).tasks(options).build();
    let client = task_client(server, Era::Stateless).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(task_id(&client.call("overlap", json!({})).await));
    }
    for id in &ids {
        assert_eq!(until(&client, id, "completed").await["status"], "completed");
    }
    let most = overlap_state.0.1.load(Ordering::SeqCst);
    assert!((1..=2).contains(&most), "two workers ran {most} tasks at once");
}
