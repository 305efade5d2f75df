//! Serves the transactions example (`examples/transactions/mod.rs`), its
//! sessions in Redis when `REDIS_URL` is set (with `--features redis`), in
//! memory otherwise.
//!
//! ```sh
//! cargo run --example transactions                                   # memory
//! REDIS_URL=redis://127.0.0.1:6379/ cargo run --example transactions --features redis
//! ```

use quickmcp::session::Sessions;
// The example's own module, built into this binary alone (the library
// holds it too, for the tests, behind its `library` feature).
#[path = "mod.rs"]
#[allow(dead_code)]
mod transactions;

/// Sessions in Redis when `REDIS_URL` is set; `None` (memory) otherwise.
async fn sessions_from_env() -> Option<Sessions> {
    let url = std::env::var("REDIS_URL").ok()?;
    #[cfg(feature = "redis")]
    {
        match quickmcp::redis::RedisSessions::new(&url).connect().await {
            Ok(sessions) => Some(sessions),
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
    let sessions = sessions_from_env().await;
    let store = if sessions.is_some() { "Redis" } else { "memory" };
    let listener = quickmcp_axum::bind(&config).await?;
    println!("transactions: MCP endpoint at http://{}{} (sessions in {store})", listener.local_addr()?, config.path);
    let limits = quickmcp_axum::ServeLimits::from_config(&config);
    let app = quickmcp_axum::McpRouter::new(transactions::server(sessions)).config(config).into_router();
    quickmcp_axum::serve_with(listener, app, limits, quickmcp_axum::shutdown_signal()).await
}
