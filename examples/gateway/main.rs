//! A multi-model AI gateway: `query_models(prompt, models, strategy)` asks
//! several model providers with a strategy (`first_available`, `fastest`,
//! `consensus`), each call bounded by a per-provider time limit, failing
//! over to the next provider, skipping providers whose circuit breaker is
//! open, and answering repeated queries from a response cache (Redis when
//! `REDIS_URL` is set and the `redis` feature is on, memory otherwise).
//!
//! The providers are STAND-INS (`standins.rs`): local HTTP servers on
//! loopback with configurable latency and failure rates, started by the
//! example; no model is called.
//!
//! ```sh
//! cargo run --example gateway
//! GATEWAY_STANDINS=alpha:40:0,beta:150:0.5 GATEWAY_TIMEOUT_MS=300 cargo run --example gateway
//! ```

mod breaker;
mod gateway;
pub mod standins;

use gateway::{Answer, Gateway, ModelStatus, Strategy};
use mcp_core::middleware::{MemoryCache, ResponseCache};
use mcp_core::prelude::*;
use standins::StandIn;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// Asks models for an answer to `prompt`. `first_available` tries them in
/// order until one answers; `fastest` asks all and takes the first answer;
/// `consensus` asks all and takes the answer most give. Repeated queries
/// are answered from the cache for a minute.
#[tool(annotations(read_only, idempotent, open_world))]
async fn query_models(
    prompt: String,
    /// The models to ask (see `list_models`); all of them when omitted.
    models: Option<Vec<String>>,
    strategy: Strategy,
    State(gateway): State<Gateway>,
) -> Result<Json<Answer>, ToolError> {
    let models = models.unwrap_or_else(|| gateway.models());
    Ok(Json(gateway.query(&prompt, &models, strategy).await?))
}

/// The models this gateway can ask, and whether each is being skipped
/// (circuit open after repeated failures).
#[tool(annotations(read_only))]
async fn list_models(State(gateway): State<Gateway>) -> Json<Vec<ModelStatus>> {
    Json(gateway.status())
}

/// Starts `standins` and returns the gateway's MCP server over them, with
/// `cache` in front of `query_models`, and each stand-in's request count.
pub async fn gateway_server(
    standins: Vec<StandIn>,
    timeout: Duration,
    cooldown: Duration,
    cache: ResponseCache,
) -> std::io::Result<(Server, Vec<Arc<AtomicU64>>)> {
    let mut providers = Vec::new();
    let mut counters = Vec::new();
    for standin in standins {
        let name = standin.name.clone();
        let (address, received) = standins::start(standin).await?;
        tracing::info!(%name, %address, "stand-in provider started");
        providers.push((name, address));
        counters.push(received);
    }
    let server = Server::builder("gateway", env!("CARGO_PKG_VERSION"))
        .instructions("Ask several (stand-in) models at once: query_models with a strategy.")
        .tools(tools![query_models, list_models])
        .state(Gateway::new(providers, timeout, cooldown))
        .middleware(cache)
        .build();
    Ok((server, counters))
}

/// The response cache: in Redis when `REDIS_URL` is set (with the `redis`
/// feature), else in memory.
async fn cache_from_env() -> ResponseCache {
    let cache = ResponseCache::new(Duration::from_secs(60));
    let Ok(url) = std::env::var("REDIS_URL") else {
        return cache.store(MemoryCache::default());
    };
    #[cfg(feature = "redis")]
    match mcp_core::redis::RedisCache::connect(&url, "gateway").await {
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
    let config = mcp_axum::McpConfig::from_env_or_exit();
    let default_standins = StandIn::parse_list(standins::DEFAULT_STANDINS).expect("valid defaults");
    let standins = env_or_exit("GATEWAY_STANDINS", default_standins, StandIn::parse_list);
    let millis = |v: &str| v.parse().map(Duration::from_millis).map_err(|_| "whole milliseconds".to_owned());
    let timeout = env_or_exit("GATEWAY_TIMEOUT_MS", Duration::from_millis(1000), millis);
    let cooldown = env_or_exit("GATEWAY_COOLDOWN_MS", Duration::from_secs(10), millis);
    let (server, _) = gateway_server(standins, timeout, cooldown, cache_from_env().await).await?;
    let listener = mcp_axum::bind(&config).await?;
    println!(
        "gateway: MCP endpoint at http://{}{} (providers are local stand-ins)",
        listener.local_addr()?,
        config.path
    );
    let limits = mcp_axum::ServeLimits::from_config(&config);
    let app = mcp_axum::McpRouter::new(server).config(config).into_router();
    mcp_axum::serve_with(listener, app, limits, mcp_axum::shutdown_signal()).await
}
