//! Serves the tasks example (`examples/tasks/mod.rs`), its tasks in Redis
//! when `REDIS_URL` is set (with `--features redis`), in memory otherwise.
//!
//! ```sh
//! cargo run --example tasks                                          # memory
//! REDIS_URL=redis://127.0.0.1:6379/ cargo run --example tasks --features redis
//! ```
//!
//! With Redis, the work can leave the replicas that serve requests for
//! processes of workers alone, each scaled on its own:
//!
//! ```sh
//! export REDIS_URL=redis://127.0.0.1:6379/
//! MCP_TASK_WORKERS=0 cargo run --example tasks --features redis            # serves, runs no task
//! MCP_PORT=8001 cargo run --example tasks --features redis -- --worker      # runs tasks, serves none
//! ```
//!
//! A worker process serves only `/health`, `/ready` and `/metrics` on
//! `MCP_HOST:MCP_PORT`, and drains at Ctrl-C or SIGTERM: no new tasks,
//! `MCP_SHUTDOWN_GRACE_SECS` for those it runs, the rest handed back to the
//! queue for another worker.
//!
//! `MCP_TASK_WORKERS` sets the tasks one process runs at once (default 4;
//! 0 leaves them to worker processes, and needs Redis),
//! `MCP_TASK_TTL` how long a task is kept (seconds, default 3600),
//! `MCP_MAX_TASK_PAYLOAD` the bytes of arguments and result a task keeps
//! (default 262144) and `MCP_MAX_TASKS_PER_CLIENT` the unfinished tasks
//! one caller may have (default 100).

use quickmcp::prelude::*;
use quickmcp::server::ServerBuilder;
// The example's own module, built into this binary alone (the library
// holds it too, for the tests, behind its `library` feature).
#[path = "mod.rs"]
#[allow(dead_code)]
mod tasks;

/// Builds the server, or says which `MCP_*` variable is wrong and exits.
fn build(builder: ServerBuilder) -> Server {
    builder.try_build().unwrap_or_else(|error| {
        eprintln!("{error}");
        std::process::exit(2)
    })
}

/// The server, its tasks and sessions in Redis when `REDIS_URL` is set
/// (any replica serves any session, and a session's GET stream carries its
/// tasks' status from any replica), else in memory; counted by `metrics`.
async fn server_from_env(metrics: quickmcp_axum::metrics::McpMetrics) -> (Server, &'static str) {
    let Ok(url) = std::env::var("REDIS_URL") else {
        let builder = tasks::builder(quickmcp::tasks::MemoryTaskStore::new(), None);
        return (build(builder.middleware(metrics)), "memory");
    };
    #[cfg(feature = "redis")]
    {
        let shared = async {
            let store = quickmcp::redis::RedisTaskStore::connect(&url, "mcp").await?;
            let sessions = quickmcp::redis::RedisSessions::new(&url).connect().await?;
            Ok::<_, quickmcp::session::StoreError>((store, sessions))
        };
        match shared.await {
            Ok((store, sessions)) => {
                (build(tasks::builder(store, None).sessions(sessions).middleware(metrics)), "Redis")
            }
            Err(error) => {
                eprintln!("REDIS_URL={url}: {error}");
                std::process::exit(2)
            }
        }
    }
    #[cfg(not(feature = "redis"))]
    {
        eprintln!("REDIS_URL={url} is set, but this build has no Redis: run with `--features redis`");
        std::process::exit(2)
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = quickmcp_axum::McpConfig::from_env_or_exit();
    let metrics = quickmcp_axum::metrics::Metrics::new();
    let (server, store) = server_from_env(metrics.middleware()).await;
    let router = quickmcp_axum::McpRouter::new(server).config(config).metrics(metrics);
    if std::env::args().any(|arg| arg == "--worker") {
        println!("tasks worker process ({store} task store)");
        return router.run_workers().await;
    }
    println!("tasks server ({store} task store)");
    router.run(axum::Router::new()).await
}
