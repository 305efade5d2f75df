//! The client benchmark's driver: one client library (`ours`: mcp-client,
//! or `rmcp`: the official Rust SDK's client with its streamable HTTP
//! transport) calling `add` on a running `bench_server`.
//!
//! ```text
//! client-bench calls --client ours|rmcp --mode MODE --url URL [--conc N] [--duration S] [--warmup S]
//! client-bench idle  --client ours|rmcp --mode MODE --url URL [--clients N]
//! ```
//!
//! CLIENT `ours-shared` is mcp-client with one `reqwest::Client` shared by
//! all the process's clients (`HttpTransport::with_client`).
//!
//! MODE is `session` (2025-11-25 with `Mcp-Session-Id`, against a stateful
//! server), `stateless` (2025-11-25 `initialize`, no session, against a
//! stateless server) or `stateless-2026` (the 2026-07-28 era:
//! `server/discover`, then requests that carry their own `_meta`).
//!
//! `calls`: one client, `--conc` tasks each calling `add` in a closed loop
//! (a call starts when the task's previous one returned) for `--duration`
//! seconds after `--warmup`; every answer is checked. Prints
//! `calls CLIENT MODE CONC CALLS_PER_S ERRORS CPU_US_PER_CALL` (the last:
//! this process's CPU time, user and system, per call).
//!
//! `idle`: connects `--clients` separate clients (each with its own HTTP
//! connection pool, as separate users would), waits, and prints the growth
//! of this process's resident memory per client:
//! `idle CLIENT MODE N KIB_PER_CLIENT`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rmcp::ServiceExt as _;
use rmcp::service::ClientServiceExt as _;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Session,
    Stateless,
    Stateless2026,
}

struct Args {
    what: String,
    client: String,
    mode: Mode,
    url: String,
    conc: usize,
    duration: f64,
    warmup: f64,
    clients: usize,
}

fn args() -> Args {
    let mut argv = std::env::args().skip(1);
    let what = argv.next().unwrap_or_default();
    let mut args = Args {
        what,
        client: "ours".into(),
        mode: Mode::Session,
        url: "http://127.0.0.1:8000/mcp".into(),
        conc: 1,
        duration: 5.0,
        warmup: 1.0,
        clients: 500,
    };
    while let Some(flag) = argv.next() {
        let value = argv.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--client" => args.client = value,
            "--mode" => {
                args.mode = match value.as_str() {
                    "session" => Mode::Session,
                    "stateless" => Mode::Stateless,
                    "stateless-2026" => Mode::Stateless2026,
                    other => panic!("unknown mode {other}"),
                }
            }
            "--url" => args.url = value,
            "--conc" => args.conc = value.parse().expect("--conc N"),
            "--duration" => args.duration = value.parse().expect("--duration S"),
            "--warmup" => args.warmup = value.parse().expect("--warmup S"),
            "--clients" => args.clients = value.parse().expect("--clients N"),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// One connected client of either library.
#[derive(Clone)]
enum AnyClient {
    Ours(quickmcp_client::Client),
    Rmcp(Arc<rmcp::service::RunningService<rmcp::RoleClient, ()>>),
}

async fn connect(library: &str, mode: Mode, url: &str, conc: usize) -> AnyClient {
    match library {
        "ours" | "ours-shared" => {
            let era = if mode == Mode::Stateless2026 { quickmcp_client::Era::Stateless } else { quickmcp_client::Era::Session };
            // `ours-shared`: every client of the process shares one reqwest
            // client (its TLS roots, resolver and pool), as an application
            // holding many connections would (HttpTransport::with_client).
            let client = if library == "ours-shared" {
                static SHARED: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
                let http = SHARED.get_or_init(reqwest::Client::new).clone();
                let transport = quickmcp_client::transport::http::HttpTransport::with_client(http, url);
                quickmcp_client::Client::builder().era(era).connect(transport).await.expect("ours: connect")
            } else {
                quickmcp_client::Client::builder().era(era).connect_http(url).await.expect("ours: connect")
            };
            AnyClient::Ours(client)
        }
        "rmcp" => {
            use rmcp::transport::StreamableHttpClientTransport;
            use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
            // rmcp caps POSTs in flight at 16 by default: allow as many as
            // the benchmark makes, its best setup for this load.
            let config = StreamableHttpClientTransportConfig::with_uri(url).max_concurrent_requests(conc.max(16));
            let transport = StreamableHttpClientTransport::from_config(config);
            let service = if mode == Mode::Stateless2026 {
                let lifecycle = rmcp::service::ClientLifecycleMode::Discover {
                    preferred_versions: vec![rmcp::model::ProtocolVersion::V_2026_07_28],
                };
                ().serve_with_lifecycle(transport, lifecycle).await.expect("rmcp: discover")
            } else {
                ().serve(transport).await.expect("rmcp: initialize")
            };
            AnyClient::Rmcp(Arc::new(service))
        }
        other => panic!("unknown client {other}"),
    }
}

impl AnyClient {
    /// Calls `add(a, b)` and checks the sum.
    async fn add(&self, a: i64, b: i64) -> Result<(), String> {
        let text = match self {
            Self::Ours(client) => {
                let result =
                    client.call_tool("add", serde_json::json!({"a": a, "b": b})).await.map_err(|e| e.to_string())?;
                result.text()
            }
            Self::Rmcp(service) => {
                let mut arguments = serde_json::Map::new();
                arguments.insert("a".into(), a.into());
                arguments.insert("b".into(), b.into());
                let params = rmcp::model::CallToolRequestParams::new("add").with_arguments(arguments);
                let result = service.call_tool(params).await.map_err(|e| e.to_string())?;
                result.content.first().and_then(|c| c.as_text()).map(|t| t.text.clone()).unwrap_or_default()
            }
        };
        if text == (a + b).to_string() { Ok(()) } else { Err(format!("add({a}, {b}) answered {text:?}")) }
    }
}

/// CPU time this process has used (user + system), in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name in parentheses: state is field 3; utime and
    // stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(14) + field(15)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn calls(args: &Args) {
    let client = connect(&args.client, args.mode, &args.url, args.conc).await;
    let calls = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let warm_until = start + Duration::from_secs_f64(args.warmup);
    let end = warm_until + Duration::from_secs_f64(args.duration);
    let mut tasks = Vec::new();
    let cpu_at_start = tokio::spawn(async move {
        tokio::time::sleep_until(warm_until.into()).await;
        cpu_ticks()
    });
    for task in 0..args.conc {
        let (client, calls, errors) = (client.clone(), calls.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = task as i64;
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                let outcome = client.add(n, 7).await;
                n += 1;
                if now >= warm_until {
                    match outcome {
                        Ok(()) => calls.fetch_add(1, Ordering::Relaxed),
                        Err(why) => {
                            if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                                eprintln!("first error: {why}");
                            }
                            0
                        }
                    };
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a call task panicked");
    }
    let cpu = (cpu_ticks() - cpu_at_start.await.expect("the CPU reading")) as f64 / TICKS_PER_SECOND;
    let done = calls.load(Ordering::Relaxed);
    let rate = done as f64 / args.duration;
    // The client's own CPU time per call, in microseconds: what the noise of
    // a shared machine disturbs least.
    let cpu_per_call = cpu * 1e6 / done.max(1) as f64;
    println!(
        "calls {} {:?} {} {:.0} {} {:.1}",
        args.client,
        args.mode,
        args.conc,
        rate,
        errors.load(Ordering::Relaxed),
        cpu_per_call
    );
}

async fn idle(args: &Args) {
    // Pools, the allocator's arenas and the runtime exist before the reading.
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(connect(&args.client, args.mode, &args.url, 1).await);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib();
    for _ in 0..args.clients {
        held.push(connect(&args.client, args.mode, &args.url, 1).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib();
    // They still answer (after the reading: calls are not idle).
    for client in held.iter().rev().take(5) {
        client.add(2, 3).await.expect("an idle client still answers");
    }
    let per = (after.saturating_sub(before)) as f64 / args.clients as f64;
    println!("idle {} {:?} {} {:.1}", args.client, args.mode, args.clients, per);
}

fn main() {
    let args = args();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        match args.what.as_str() {
            "calls" => calls(&args).await,
            "idle" => idle(&args).await,
            other => panic!("usage: client-bench calls|idle ... (got {other:?})"),
        }
    });
}
