//! Serves the tasks example (`examples/tasks/mod.rs`), its tasks in Redis
//! when `REDIS_URL` is set (with `--features redis`), in memory otherwise.
//!
//! ```sh
//! cargo run --example tasks                                          # memory
//! REDIS_URL=redis://127.0.0.1:6379/ cargo run --example tasks --features redis
//! ```
//!
//! `MCP_TASK_WORKERS` sets the tasks one replica runs at once (default 4),
//! `MCP_TASK_TTL` how long a task is kept (seconds, default 3600),
//! `MCP_MAX_TASK_PAYLOAD` the bytes of arguments and result a task keeps
//! (default 262144) and `MCP_MAX_TASKS_PER_CLIENT` the unfinished tasks
//! one caller may have (default 100).

use mcp_core::prelude::*;
use mcp_core::server::ServerBuilder;
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

/// The server, on Redis when `REDIS_URL` is set, else in memory.
async fn server_from_env() -> (Server, &'static str) {
    let Ok(url) = std::env::var("REDIS_URL") else {
        return (build(tasks::builder(mcp_core::tasks::MemoryTaskStore::new(), None)), "memory");
    };
    #[cfg(feature = "redis")]
    {
        match mcp_core::redis::RedisTaskStore::connect(&url, "mcp").await {
            Ok(store) => (build(tasks::builder(store, None)), "Redis"),
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
    let config = mcp_axum::McpConfig::from_env_or_exit();
    let (server, store) = server_from_env().await;
    let listener = mcp_axum::bind(&config).await?;
    println!("tasks server ({store} task store): http://{}{}", listener.local_addr()?, config.path);
    mcp_axum::serve(listener, mcp_axum::McpRouter::new(server).config(config).into_router()).await
}
