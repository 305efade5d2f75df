//! Sessions in a Redis Cluster (three primaries, three replicas, started
//! here from `redis-server` on loopback ports): two replicas of a server
//! serve one session, state written through one is read through the
//! other, an answer posted to one reaches the handler waiting on the
//! other, concurrent record updates all hold, and a primary fails over
//! mid-run with the session going on. Skipped (said) without `redis-server`
//! and `redis-cli`, as on machines without Redis.

use mcp_integration_tests::fixtures::{ask_name, record};
use mcp_integration_tests::{HttpClient, read_events, skip_without_service, spawn};
use quickmcp::prelude::*;
use quickmcp::redis::RedisSessions;
use quickmcp::session::SessionRecord;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Six `redis-server`s in cluster mode, killed (and their files removed) on drop.
struct Cluster {
    nodes: Vec<(u16, Child)>,
    dir: std::path::PathBuf,
}

impl Cluster {
    /// Starts and joins the nodes; `None` when `redis-server` is missing.
    async fn start() -> Option<Self> {
        let dir = std::env::temp_dir().join(mcp_integration_tests::unique("mcp-cluster"));
        std::fs::create_dir_all(&dir).ok()?;
        let mut nodes = Vec::new();
        for _ in 0..6 {
            let port = cluster_port()?;
            let child = Command::new("redis-server")
                .current_dir(&dir)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--cluster-enabled", "yes", "--cluster-node-timeout", "1000"])
                // Replicas synchronised at once, so that one can take over early.
                .args(["--repl-diskless-sync-delay", "0"])
                .args(["--cluster-config-file", &format!("nodes-{port}.conf")])
                .stdout(Stdio::null())
                .spawn()
                .ok()?;
            nodes.push((port, child));
        }
        let cluster = Self { nodes, dir };
        for (port, _) in &cluster.nodes {
            mcp_integration_tests::wait_for_port(*port).await;
        }
        let addresses: Vec<String> = cluster.nodes.iter().map(|(port, _)| format!("127.0.0.1:{port}")).collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .ok()?;
        assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stdout));
        cluster.wait_ok().await;
        Some(cluster)
    }

    /// Until every node says the cluster is whole and every replica is in
    /// step with its primary.
    async fn wait_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let whole =
                self.nodes.iter().all(|(port, _)| cli(*port, &["CLUSTER", "INFO"]).contains("cluster_state:ok"));
            let synced = self.nodes.iter().all(|(port, _)| {
                let replication = cli(*port, &["INFO", "replication"]);
                replication.contains("role:master") || replication.contains("master_link_status:up")
            });
            if whole && synced {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the cluster did not become whole");
    }

    fn url(&self) -> String {
        let hosts: Vec<String> = self.nodes.iter().take(3).map(|(port, _)| format!("127.0.0.1:{port}")).collect();
        format!("redis+cluster://{}", hosts.join(","))
    }

    /// The port of the primary serving `key`.
    fn primary_of(&self, key: &str) -> u16 {
        let slot: u16 = cli(self.nodes[0].0, &["CLUSTER", "KEYSLOT", key]).trim().parse().unwrap();
        let slots = cli(self.nodes[0].0, &["CLUSTER", "NODES"]);
        for line in slots.lines().filter(|line| line.contains("master")) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let port: u16 = fields[1].split(['@', ':']).nth(1).unwrap().parse().unwrap();
            for range in &fields[8..] {
                let (from, to) = range.split_once('-').unwrap_or((range, range));
                if let (Ok(from), Ok(to)) = (from.parse::<u16>(), to.parse::<u16>())
                    && (from..=to).contains(&slot)
                {
                    return port;
                }
            }
        }
        panic!("no primary serves slot {slot}");
    }

    /// Kills the node on `port`: its replica takes over its slots.
    fn kill(&mut self, port: u16) {
        if let Some((_, child)) = self.nodes.iter_mut().find(|(p, _)| *p == port) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (_, child) in &mut self.nodes {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A free port whose cluster bus port (10000 above) is free too: a node
/// refuses a port above 55535.
fn cluster_port() -> Option<u16> {
    (0..200).find_map(|_| {
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let bus_free = port <= 55535 && std::net::TcpListener::bind(("127.0.0.1", port + 10000)).is_ok();
        bus_free.then_some(port)
    })
}

fn cli(port: u16, args: &[&str]) -> String {
    let output = Command::new("redis-cli").args(["-p", &port.to_string()]).args(args).output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn server(sessions: quickmcp::session::Sessions) -> Server {
    Server::builder("replica", "0").tools(tools![record, ask_name]).sessions(sessions).build()
}

fn text_of(messages: &[Value]) -> String {
    messages.last().unwrap()["result"]["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn two_replicas_share_sessions_through_a_redis_cluster_and_survive_a_failover() {
    if Command::new("redis-cli").arg("--version").output().is_err() {
        return skip_without_service("redis-cli is not installed");
    }
    let Some(mut cluster) = Cluster::start().await else {
        return skip_without_service("redis-server is not installed");
    };
    let prefix = "mcp-cluster";
    let mut urls = Vec::new();
    let mut stores = Vec::new();
    for _ in 0..2 {
        let sessions = RedisSessions::new(cluster.url()).prefix(prefix).connect().await.unwrap();
        stores.push(sessions.clone());
        urls.push(format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server(sessions)).into_router()).await));
    }
    let mut on_a = HttpClient::new(&urls[0]);
    on_a.initialize().await;
    let on_b = HttpClient { url: urls[1].clone(), ..on_a.clone() };
    let call = |client: &HttpClient, id: i64, entry: &str| {
        let (client, entry) = (client.clone(), entry.to_owned());
        async move { client.request(id, "tools/call", json!({"name": "record", "arguments": {"entry": entry}})).await }
    };
    assert_eq!(text_of(&call(&on_a, 1, "a").await), "1");
    assert_eq!(text_of(&call(&on_b, 2, "b").await), "2", "state written through A is read through B");

    // An answer posted through B reaches the handler waiting on A.
    let ask =
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "ask_name", "arguments": {}}});
    let events = read_events(on_a.post(&ask).await, Duration::from_secs(10), |message| {
        if message["method"] == "elicitation/create" {
            let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": {"action": "accept", "content": {"name": "Di"}}});
            let on_b = on_b.clone();
            tokio::spawn(async move { assert_eq!(on_b.post(&reply).await.status(), 202) });
        }
        message["id"] == 3
    })
    .await;
    assert_eq!(events.last().unwrap().1["result"]["content"][0]["text"], "accept: \"Di\"");

    // Record updates through both stores at once all hold.
    let id = stores[0].create(SessionRecord::new()).await.unwrap().unwrap().id().to_owned();
    for round in 0..20 {
        let owner = format!("o{round}");
        let set_level = |r: &mut SessionRecord| r.initialized = true;
        let set_owner = |r: &mut SessionRecord| r.owner = Some(owner.clone());
        let (a, b) = tokio::join!(
            stores[0].store().update_record(&id, &set_level),
            stores[1].store().update_record(&id, &set_owner)
        );
        assert!(a.unwrap() && b.unwrap());
        let record = stores[1].store().load(&id).await.unwrap().unwrap();
        assert!(record.initialized && record.owner.as_deref() == Some(owner.as_str()), "round {round}");
    }

    // The primary holding the session's keys dies; its replica takes over
    // and the session goes on (a call may fail while the cluster notices).
    let session = on_a.session.clone().unwrap();
    let primary = cluster.primary_of(&format!("{prefix}:{{{session}}}:record"));
    cluster.kill(primary);
    let started = Instant::now();
    let mut answered = None;
    let mut refused = 0;
    let mut n = 10;
    while started.elapsed() < Duration::from_secs(30) {
        n += 1;
        let client = if n % 2 == 0 { &on_a } else { &on_b };
        let body = json!({"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": "record", "arguments": {"entry": "after"}}});
        let response = client.post(&body).await;
        if response.status() == 200 {
            let text = text_of(&mcp_integration_tests::messages(response).await);
            if text.parse::<usize>().is_ok() {
                answered = Some(text);
                break;
            }
        } else {
            assert_eq!(response.status(), 503, "while the cluster fails over: 503, nothing else");
            refused += 1;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let count: usize = answered.expect("the session answers again after the failover").parse().unwrap();
    assert!(count >= 3, "what was written before the failover is still there: {count}");
    println!(
        "failover: the session answered again after {:?} ({refused} calls refused 503 meanwhile)",
        started.elapsed()
    );
}

/// Adds two integers, slowly, as a task.
#[tool(task)]
async fn slow_sum(a: i64, b: i64) -> String {
    tokio::time::sleep(Duration::from_millis(100)).await;
    (a + b).to_string()
}

#[tokio::test]
async fn tasks_run_through_a_redis_cluster_and_after_a_failover_of_their_primary() {
    use mcp_integration_tests::{Era, EraClient};
    use quickmcp::redis::RedisTaskStore;
    use quickmcp::tasks::TaskOptions;
    if Command::new("redis-cli").arg("--version").output().is_err() {
        return skip_without_service("redis-cli is not installed");
    }
    let Some(mut cluster) = Cluster::start().await else {
        return skip_without_service("redis-server is not installed");
    };
    let options = TaskOptions {
        poll_interval: Duration::from_millis(100),
        claim_timeout: Duration::from_secs(1),
        heartbeat: Duration::from_millis(100),
        ..TaskOptions::default()
    };
    let capabilities = json!({"extensions": {"io.modelcontextprotocol/tasks": {}}});
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let store = RedisTaskStore::connect(&cluster.url(), "mcp-cluster").await.unwrap();
        let server =
            Server::builder("tasks", "0").tools(tools![slow_sum]).task_store(store).tasks(options.clone()).build();
        replicas.push(EraClient::start_with(server, Era::Stateless, capabilities.clone()).await);
    }
    // Created through A, run by either replica's worker, read through B.
    let finish = |id: String| {
        let b = &replicas[1];
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let task = b.request("tasks/get", json!({"taskId": id})).await;
                if task["status"] == "completed" {
                    return task["result"]["content"][0]["text"].as_str().unwrap_or_default().to_owned();
                }
                assert!(Instant::now() < deadline, "task {id} stuck: {task}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let create = |n: i64| replicas[0].call("slow_sum", json!({"a": n, "b": 1}));
    for n in 0..3 {
        let created = create(n).await;
        assert_eq!(created["resultType"], "task", "{created}");
        let id = created["taskId"].as_str().unwrap().to_owned();
        assert_eq!(finish(id).await, (n + 1).to_string());
    }
    // The primary holding the tasks' slot dies; once its replica is
    // promoted, tasks are created and run again (workers find the new
    // primary for their blocking reads).
    let primary = cluster.primary_of("{mcp-cluster:tasks}:queue");
    cluster.kill(primary);
    let started = Instant::now();
    let mut done = None;
    while started.elapsed() < Duration::from_secs(30) && done.is_none() {
        let created = create(41).await;
        match created["taskId"].as_str() {
            Some(id) => done = Some(finish(id.to_owned()).await),
            None => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    assert_eq!(done.as_deref(), Some("42"), "a task runs after the failover");
    println!("tasks: a task ran again {:?} after the primary died", started.elapsed());
}
