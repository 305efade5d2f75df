//! A multi-model AI gateway: `query_models(prompt, models, strategy)` asks
//! several model providers with a strategy (`first_available`, `fastest`,
//! `consensus`), each call bounded by a per-provider time limit, failing
//! over to the next provider, skipping providers whose circuit breaker is
//! open, and answering repeated queries from a response cache (Redis when
//! `REDIS_URL` is set and the `redis` feature is on, memory otherwise).
//!
//! The providers are STAND-INS (`standins.rs`): local HTTP servers on
//! loopback with configurable latency and failure rates, started by the
//! example; no model is called. `main.rs` serves it: `cargo run --example
//! gateway`.

mod breaker;
mod query;
pub mod standins;

pub use query::MAX_MODELS;
use query::{Answer, Gateway, ModelStatus, Strategy};
use quickmcp::middleware::ResponseCache;
use quickmcp::prelude::*;
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
    /// The models to ask (see `list_models`), at most 8, each once; all of
    /// them when omitted.
    models: Option<Models>,
    strategy: Strategy,
    State(gateway): State<Gateway>,
) -> Result<Json<Answer>, ToolError> {
    let models = match models {
        Some(Models(names)) if names.len() > MAX_MODELS => {
            return Err(ToolError(format!("name at most {MAX_MODELS} models (this query names {})", names.len())));
        }
        Some(Models(names)) => names,
        None => gateway.models(),
    };
    Ok(Json(gateway.query(&prompt, &models, strategy).await?))
}

/// Model names, as a query lists them: at most [`MAX_MODELS`] (the
/// schema's `maxItems`, checked by `query_models` too).
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[schemars(inline)]
struct Models(#[schemars(length(max = 8))] Vec<String>);

/// The models this gateway can ask, and whether each is being skipped
/// (circuit open after repeated failures).
#[tool(annotations(read_only))]
async fn list_models(State(gateway): State<Gateway>) -> Json<Vec<ModelStatus>> {
    Json(gateway.status())
}

/// Starts `standins` and returns the gateway's MCP server over them, with
/// `cache` in front of `query_models`, and each stand-in's request count.
pub async fn server(
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
