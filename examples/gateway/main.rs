//! Serves the gateway example (`examples/gateway/mod.rs`) over stand-in
//! providers it starts on loopback, its response cache in Redis when
//! `REDIS_URL` is set (with `--features redis`), in memory otherwise.
//!
//! ```sh
//! cargo run --example gateway
//! GATEWAY_STANDINS=alpha:40:0,beta:150:0.5 GATEWAY_TIMEOUT_MS=300 cargo run --example gateway
//! ```

use quickmcp::middleware::{MemoryCache, ResponseCache};
// The example's own module, built into this binary alone (the library
// holds it too, for the tests, behind its `library` feature).
#[path = "mod.rs"]
#[allow(dead_code)]
mod gateway;

use gateway::{standins, standins::StandIn};
use std::time::Duration;

/// The response cache: in Redis when `REDIS_URL` is set (with the `redis`
/// feature), else in memory.
async fn cache_from_env() -> ResponseCache {
    let cache = ResponseCache::new(Duration::from_secs(60));
    let Ok(url) = std::env::var("REDIS_URL") else {
        return cache.store(MemoryCache::default());
    };
    #[cfg(feature = "redis")]
    match quickmcp::redis::RedisCache::connect(&url, "gateway").await {
        Ok(store) => cache.store(store),
        Err(error) => {
            eprintln!("REDIS_URL={url}: {error}");
            std::process::exit(2)
        }
    }
    #[cfg(not(feature = "redis"))]
    {
        eprintln!("REDIS_URL={url} is set, but this build has no Redis: run with `--features redis`");
        std::process::exit(2)
    }
}

fn env_or_exit<T>(name: &str, default: T, parse: impl Fn(&str) -> Result<T, String>) -> T {
    match std::env::var(name) {
        Ok(value) => parse(&value).unwrap_or_else(|why| {
            eprintln!("{name}={value:?}: {why}");
            std::process::exit(2)
        }),
        Err(_) => default,
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = quickmcp_axum::McpConfig::from_env_or_exit();
    let default_standins = StandIn::parse_list(standins::DEFAULT_STANDINS).expect("valid defaults");
    let standins = env_or_exit("GATEWAY_STANDINS", default_standins, StandIn::parse_list);
    let millis = |v: &str| v.parse().map(Duration::from_millis).map_err(|_| "whole milliseconds".to_owned());
    let timeout = env_or_exit("GATEWAY_TIMEOUT_MS", Duration::from_millis(1000), millis);
    let cooldown = env_or_exit("GATEWAY_COOLDOWN_MS", Duration::from_secs(10), millis);
    let (server, _) = gateway::server(standins, timeout, cooldown, cache_from_env().await).await?;
    let listener = quickmcp_axum::bind(&config).await?;
    println!(
        "gateway: MCP endpoint at http://{}{} (providers are local stand-ins)",
        listener.local_addr()?,
        config.path
    );
    let limits = quickmcp_axum::ServeLimits::from_config(&config);
    let app = quickmcp_axum::McpRouter::new(server).config(config).into_router();
    quickmcp_axum::serve_with(listener, app, limits, quickmcp_axum::shutdown_signal()).await
}
