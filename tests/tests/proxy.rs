//! A remote server served through ours, over real sockets: every pair of
//! eras (the caller's, the remote's), the remote's questions answered by
//! the caller, progress and logs passed on, one upstream session per
//! downstream session, list changes and resource updates followed, a
//! remote that dies reconnected, and our own middleware applied.

use mcp_integration_tests::fixtures::{add, readme};
use mcp_integration_tests::{ERAS, spawn};
use quickmcp::middleware::Visibility;
use quickmcp::prelude::*;
use quickmcp::protocol::PromptMessage;
use quickmcp::proxy::Remote;
use quickmcp_axum::{McpRouter, ServeLimits};
use quickmcp_client::upstream::RemoteServer;
use quickmcp_client::{CallOptions, Client, Era};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Asks the caller's model for a word.
#[tool]
async fn ask_model(ctx: Context) -> Result<String, ToolError> {
    let question =
        json!({"messages": [{"role": "user", "content": {"type": "text", "text": "a word?"}}], "maxTokens": 5});
    let answer = ctx.input("word").sample(question).await.map_err(|e| ToolError::new(e.message))?;
    Ok(format!("the model said {}", answer["content"]["text"].as_str().unwrap_or_default()))
}

/// Counts to three, logging and reporting progress.
#[tool]
async fn count(ctx: Context) -> &'static str {
    for step in 1..=3u32 {
        ctx.info(format!("step {step}")).await;
        ctx.progress(step).of(3).await;
    }
    "counted"
}

/// The remote session this call runs in.
#[tool]
async fn whoami(ctx: Context) -> String {
    ctx.session_id().unwrap_or("none").to_owned()
}

/// Waits until cancelled (its run is then dropped, which it notes).
#[tool]
async fn wait_for_cancel(State(stopped): State<Arc<AtomicBool>>) -> &'static str {
    let _noted = Stopped(stopped);
    std::future::pending::<()>().await;
    "never"
}

/// Sets its flag when dropped.
struct Stopped(Arc<AtomicBool>);

impl Drop for Stopped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Asks to confirm, as a task of the remote's.
#[tool(task)]
async fn confirm(ctx: Context, file: String) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]});
    let answer = ctx.elicit(&format!("delete {file}?"), schema).await.map_err(|e| ToolError::new(e.message))?;
    Ok(format!("{file}: {}", answer.content.unwrap_or_default()["ok"]))
}

/// A forecast.
#[resource("weather://forecast/{city}", complete(city = cities))]
async fn forecast(city: String) -> String {
    format!("sunny in {city}")
}

async fn cities(prefix: String) -> Vec<String> {
    ["Oslo", "Osaka", "Rome"].iter().filter(|c| c.starts_with(&prefix)).map(|c| c.to_string()).collect()
}

/// Plans a trip.
#[prompt]
async fn plan(city: String) -> PromptMessage {
    PromptMessage::user(format!("plan {city}"))
}

fn remote_server(cancelled: Arc<AtomicBool>) -> Server {
    Server::builder("remote", "2.0.0")
        .instructions("the remote's instructions")
        .tools(tools![add, ask_model, count, whoami, wait_for_cancel, confirm])
        .resources(resources![forecast, readme])
        .prompts(prompts![plan])
        .state(cancelled)
        .build()
}

/// The remote on a socket of its own; its URL.
async fn serve_remote(server: Server) -> String {
    format!("{}/mcp", spawn(McpRouter::new(server).into_router()).await)
}

/// Our server, serving the remote at `url` (spoken to in `era`) under
/// `up`, beside a tool of its own.
async fn proxy_of(url: &str, era: Era) -> (Server, Remote) {
    let upstream = RemoteServer::http(url).configure(|builder| builder.era(era));
    let remote = Remote::connect(upstream).await.expect("the remote answers");
    let server = Server::builder("gateway", "1").tools(tools![whoami]).mount_remote("up", remote.clone()).build();
    (server, remote)
}

async fn client_of(server: Server, era: Era) -> Client {
    let url = serve_remote(server).await;
    Client::builder()
        .era(era)
        .on_sampling(|_| async {
            Ok(json!({"role": "assistant", "content": {"type": "text", "text": "hello"}, "model": "m"}))
        })
        .connect_http(&url)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_pair_of_eras_sees_the_remote_under_its_prefix() {
    let url = serve_remote(remote_server(Arc::default())).await;
    for upstream_era in ERAS {
        let (server, _) = proxy_of(&url, upstream_era).await;
        for era in ERAS {
            let case = format!("caller {era:?}, remote {upstream_era:?}");
            let client = client_of(server.clone(), era).await;
            let names: Vec<String> =
                client.list_tools().await.unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect();
            assert_eq!(
                names,
                ["whoami", "up_add", "up_ask_model", "up_count", "up_whoami", "up_wait_for_cancel", "up_confirm"],
                "{case}"
            );
            let sum = client.call_tool("up_add", json!({"a": 2, "b": 3})).await.unwrap();
            assert_eq!(sum.text(), "5", "{case}");
            let bad = client.call_tool("up_add", json!({"a": "two"})).await.unwrap();
            assert!(bad.is_error && bad.text().contains("argument `a`"), "{case}: the remote's tool error: {bad:?}");
            let unknown = client.request("tools/call", json!({"name": "up_nothing", "arguments": {}})).await;
            assert!(
                matches!(unknown, Err(quickmcp_client::ClientError::Rpc(ref e)) if e.code == -32602),
                "{case}: {unknown:?}"
            );

            let asked = client.call_tool("up_ask_model", json!({})).await.unwrap();
            assert_eq!(asked.text(), "the model said hello", "{case}: the remote's question reached our caller");

            let templates = client.list_resource_templates().await.unwrap();
            assert_eq!(templates[0]["uriTemplate"], "weather://up/forecast/{city}", "{case}");
            let read = client.read_resource("weather://up/forecast/Oslo").await.unwrap();
            assert_eq!(
                (read[0]["text"].as_str(), read[0]["uri"].as_str()),
                (Some("sunny in Oslo"), Some("weather://up/forecast/Oslo")),
                "{case}"
            );
            let fixed = client.read_resource("doc://up/readme").await.unwrap();
            assert_eq!(fixed[0]["text"], "read me", "{case}");
            let prompt = client.get_prompt("up_plan", json!({"city": "Rome"})).await.unwrap();
            assert_eq!(prompt["messages"][0]["content"]["text"], "plan Rome", "{case}");
            let completed = client
                .complete(
                    json!({"type": "ref/resource", "uri": "weather://up/forecast/{city}"}),
                    json!({"name": "city", "value": "Os"}),
                )
                .await
                .unwrap();
            assert_eq!(completed["values"], json!(["Oslo", "Osaka"]), "{case}: completed by the remote");
        }
    }
}

#[tokio::test]
async fn progress_and_logs_reach_the_caller_before_the_result() {
    let url = serve_remote(remote_server(Arc::default())).await;
    for upstream_era in ERAS {
        let (server, _) = proxy_of(&url, upstream_era).await;
        let client = client_of(server, Era::Session).await;
        let mut notifications = client.notifications();
        let progress = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = Arc::clone(&progress);
        let options = CallOptions::new().on_progress(move |p| seen.lock().unwrap().push(p.progress));
        let result = client.call_tool_with("up_count", json!({}), options).await.unwrap();
        assert_eq!(result.text(), "counted");
        assert_eq!(*progress.lock().unwrap(), [1.0, 2.0, 3.0], "remote {upstream_era:?}");
        let mut logs = Vec::new();
        while let Ok(note) = notifications.try_recv() {
            if note.method == "notifications/message" {
                logs.push(note.params["data"].as_str().unwrap_or_default().to_owned());
            }
        }
        assert_eq!(logs, ["step 1", "step 2", "step 3"], "remote {upstream_era:?}: logs before the result");
    }
}

#[tokio::test]
async fn each_session_has_its_own_remote_session_closed_when_it_ends() {
    let url = serve_remote(remote_server(Arc::default())).await;
    let (server, remote) = proxy_of(&url, Era::Session).await;
    let gateway = serve_remote(server).await;
    let first = Client::builder().era(Era::Session).connect_http(&gateway).await.unwrap();
    let second = Client::builder().era(Era::Session).connect_http(&gateway).await.unwrap();
    let ids = [
        first.call_tool("up_whoami", json!({})).await.unwrap().text(),
        first.call_tool("up_whoami", json!({})).await.unwrap().text(),
        second.call_tool("up_whoami", json!({})).await.unwrap().text(),
    ];
    assert_eq!(ids[0], ids[1], "one remote session per session");
    assert_ne!(ids[0], ids[2], "and another for another session");
    assert_eq!(remote.open_links(), 3, "the shared connection and one per session");
    first.close().await;
    let closed = async {
        while remote.open_links() != 2 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(15), closed).await.expect("the ended session's connection closes");
}

#[tokio::test]
async fn cancelling_a_call_cancels_it_at_the_remote() {
    let cancelled = Arc::new(AtomicBool::new(false));
    let url = serve_remote(remote_server(Arc::clone(&cancelled))).await;
    let (server, _) = proxy_of(&url, Era::Session).await;
    let client = client_of(server, Era::Session).await;
    let call =
        client.call_tool_with("up_wait_for_cancel", json!({}), CallOptions::new().timeout(Duration::from_millis(500)));
    assert!(matches!(call.await, Err(quickmcp_client::ClientError::Timeout)));
    let reached = async {
        while !cancelled.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), reached).await.expect("the remote's handler saw the cancellation");
}

#[tokio::test]
async fn the_remotes_list_changes_and_resource_updates_reach_the_caller() {
    let remote_side = remote_server(Arc::default());
    let url = serve_remote(remote_side.clone()).await;
    let (server, _) = proxy_of(&url, Era::Session).await;
    let client = client_of(server, Era::Session).await;
    let mut notifications = client.notifications();
    client.subscribe("doc://up/readme").await.unwrap();
    client.list_tools().await.unwrap();

    remote_side.notify_resource_updated("doc://readme");
    remote_side.remove_tool("count");
    let mut methods = Vec::new();
    let wanted = ["notifications/resources/updated", "notifications/tools/list_changed"];
    let heard = async {
        while !wanted.iter().all(|m| methods.contains(&m.to_string())) {
            let note = notifications.recv().await.unwrap();
            if note.method == "notifications/resources/updated" {
                assert_eq!(note.params["uri"], "doc://up/readme", "under our URI");
            }
            methods.push(note.method);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), heard).await.expect("both notifications arrive");
    let names: Vec<String> =
        client.list_tools().await.unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect();
    assert!(!names.contains(&"up_count".to_owned()), "the removed tool is gone: {names:?}");
}

#[tokio::test]
async fn a_remote_that_died_is_a_clear_error_then_reconnected() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = McpRouter::new(remote_server(Arc::default())).into_router();
    let first = tokio::spawn(quickmcp_axum::serve_with(listener, app, ServeLimits::default(), async {
        let _ = stopped.await;
    }));
    let (server, _) = proxy_of(&format!("http://{address}/mcp"), Era::Session).await;
    let client = client_of(server, Era::Session).await;
    assert_eq!(client.call_tool("up_add", json!({"a": 1, "b": 1})).await.unwrap().text(), "2");

    stop.send(()).unwrap();
    let _ = first.await;
    let error = client.call_tool("up_add", json!({"a": 1, "b": 1})).await.unwrap_err();
    let quickmcp_client::ClientError::Rpc(error) = error else { panic!("a JSON-RPC error, not {error:?}") };
    assert_eq!(error.code, -32603);
    assert!(error.message.contains("is unavailable"), "{}", error.message);

    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    tokio::spawn(quickmcp_axum::serve(listener, McpRouter::new(remote_server(Arc::default())).into_router()));
    assert_eq!(client.call_tool("up_add", json!({"a": 2, "b": 2})).await.unwrap().text(), "4", "reconnected");
}

#[tokio::test]
async fn our_middleware_applies_to_proxied_tools_and_clashes_fail_the_build() {
    let url = serve_remote(remote_server(Arc::default())).await;
    let remote = Remote::connect(RemoteServer::http(&url)).await.unwrap();
    let server = Server::builder("gateway", "1")
        .mount_remote("up", remote)
        .middleware(Visibility::new().rule(|component, _| component.name() != "up_whoami"))
        .build();
    let client = client_of(server, Era::Stateless).await;
    let names: Vec<Value> = client.list_tools().await.unwrap().iter().map(|t| t["name"].clone()).collect();
    assert!(!names.contains(&json!("up_whoami")), "hidden by our own rule: {names:?}");
    assert!(client.call_tool("up_whoami", json!({})).await.is_err());

    let remote = Remote::connect(RemoteServer::http(&url)).await.unwrap();
    let error = Server::builder("gateway", "1").tools(tools![add]).proxy(remote).try_build().unwrap_err();
    assert_eq!(error.duplicates, ["tool `add` (this server and the remote)"]);
    let remote = Remote::connect(RemoteServer::http(&url)).await.unwrap();
    let error = Server::builder("gateway", "1").mount_remote("a/b", remote).try_build().unwrap_err();
    assert_eq!(error.invalid_prefixes, ["a/b"]);
}

#[tokio::test]
async fn a_remote_task_becomes_ours_and_its_questions_reach_the_caller() {
    let url = serve_remote(remote_server(Arc::default())).await;
    for upstream_era in ERAS {
        let (server, _) = proxy_of(&url, upstream_era).await;
        for era in ERAS {
            let case = format!("caller {era:?}, remote {upstream_era:?}");
            let gateway = serve_remote(server.clone()).await;
            let client = Client::builder()
                .era(era)
                .tasks()
                .on_elicitation(|_| async { Ok(json!({"action": "accept", "content": {"ok": true}})) })
                .connect_http(&gateway)
                .await
                .unwrap();
            let task = client.call_tool_as_task("up_confirm", json!({"file": "a.txt"})).await.expect(&case);
            let result = tokio::time::timeout(Duration::from_secs(20), task.wait()).await.expect(&case).expect(&case);
            assert_eq!(result.text(), "a.txt: true", "{case}");
            // Without tasks, the caller waits for the remote's task in the call.
            let plain = Client::builder()
                .era(era)
                .on_elicitation(|_| async { Ok(json!({"action": "accept", "content": {"ok": false}})) })
                .connect_http(&gateway)
                .await
                .unwrap();
            assert_eq!(
                plain.call_tool("up_confirm", json!({"file": "b"})).await.expect(&case).text(),
                "b: false",
                "{case}"
            );
        }
    }
}

#[tokio::test]
async fn upstream_connections_are_capped_idle_ones_give_way_busy_ones_refuse() {
    let url = serve_remote(remote_server(Arc::default())).await;
    let upstream = RemoteServer::http(&url).configure(|builder| builder.era(Era::Session));
    let remote = Remote::connect(upstream).await.unwrap().max_connections(1);
    let gateway = serve_remote(Server::builder("gateway", "1").mount_remote("up", remote.clone()).build()).await;
    let first = Client::builder().era(Era::Session).connect_http(&gateway).await.unwrap();
    let second = Client::builder().era(Era::Session).connect_http(&gateway).await.unwrap();
    let before = first.call_tool("up_whoami", json!({})).await.unwrap().text();
    second.call_tool("up_whoami", json!({})).await.unwrap();
    assert_eq!(remote.open_links(), 2, "the shared connection and one session's: the idle one gave way");
    let after = first.call_tool("up_whoami", json!({})).await.unwrap().text();
    assert_ne!(before, after, "the session that gave way reconnects with a new remote session");

    let busy =
        first.call_tool_with("up_wait_for_cancel", json!({}), CallOptions::new().timeout(Duration::from_secs(3)));
    let refused = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        second.call_tool("up_add", json!({"a": 1, "b": 2})).await
    };
    let (_, refused) = tokio::join!(busy, refused);
    let Err(quickmcp_client::ClientError::Rpc(error)) = refused else { panic!("refused, not {refused:?}") };
    assert_eq!(error.code, -32005, "a bound of the whole proxy: {}", error.message);
    assert!(error.message.contains("most upstream connections (1)"), "{}", error.message);
}
