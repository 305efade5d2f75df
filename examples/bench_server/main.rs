//! The server `bench/server/run.sh` measures: tool `add(a, b)` answering the sum as
//! text, built with the same public API as any user's server.
//!
//! `BENCH_MODE=stateless` (no sessions, JSON answers) or `stateful`
//! (`Mcp-Session-Id` sessions); `MCP_HOST`, `MCP_PORT`, `MCP_MAX_SESSIONS` (at
//! least 100 000 here).
//! `BENCH_METRICS=1` counts into Prometheus metrics (the HTTP layer and the
//! MCP middleware). `BENCH_MIDDLEWARE=timing` installs the `Timing` middleware (no tracing
//! subscriber: it measures the middleware chain, not log output). Built with
//! `--features auth`, `BENCH_AUTH_SECRET=…` requires HS256 bearer tokens
//! signed with that secret (issuer `bench`, audience `bench`). Built with
//! `--features redis`, `REDIS_URL=…` keeps the sessions in Redis (under a
//! fresh key prefix per run).
//! `BENCH_TOOL=handler` serves `add` as a `#[tool]` that calls an axum
//! handler; `BENCH_TOOL=openapi` serves the same handler's OpenAPI
//! operation as the tool (mcp-openapi, called in process): the cost of the
//! OpenAPI layer is the difference between the two.

use quickmcp::prelude::*;

/// Adds two integers.
#[tool]
async fn add(a: i64, b: i64) -> String {
    (a + b).to_string()
}

/// The arguments of the REST handler.
#[derive(serde::Deserialize)]
struct AddArgs {
    a: i64,
    b: i64,
}

/// The REST handler both `BENCH_TOOL` variants call.
async fn add_handler(axum::Json(args): axum::Json<AddArgs>) -> String {
    (args.a + args.b).to_string()
}

/// `add` written by hand around the REST handler.
#[tool(name = "add")]
async fn add_via_handler(a: i64, b: i64) -> String {
    add_handler(axum::Json(AddArgs { a, b })).await
}

/// The REST handler's operation, as an OpenAPI document would describe it.
#[cfg(feature = "openapi")]
const ADD_DOCUMENT: &str = r#"{"openapi": "3.1.0", "info": {"title": "bench", "version": "1"},
  "paths": {"/add": {"post": {"operationId": "add", "summary": "Adds two integers.",
    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
      "required": ["a", "b"], "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}}},
    "responses": {"200": {"description": "the sum", "content": {"text/plain": {"schema": {"type": "string"}}}}}}}}}"#;

/// The `add` tool `BENCH_TOOL` asks for.
fn add_tool() -> Vec<quickmcp::handler::ToolDef> {
    match std::env::var("BENCH_TOOL").as_deref() {
        Ok("handler") => tools![add_via_handler],
        #[cfg(feature = "openapi")]
        Ok("openapi") => {
            let rest = axum::Router::new().route("/add", axum::routing::post(add_handler));
            match quickmcp_openapi::OpenApi::from_json(ADD_DOCUMENT).and_then(|api| api.in_process(rest).build()) {
                Ok(generated) => generated.tools,
                Err(error) => panic!("{error}"),
            }
        }
        #[cfg(not(feature = "openapi"))]
        Ok("openapi") => {
            panic!("BENCH_TOOL=openapi needs `cargo build --release --example bench_server --features openapi`")
        }
        _ => tools![add],
    }
}

fn main() -> std::io::Result<()> {
    let stateless = std::env::var("BENCH_MODE").is_ok_and(|m| m == "stateless");
    // The harness opens many sessions: at least 100 000, more when
    // MCP_MAX_SESSIONS asks for more (as the peers do).
    let max_sessions = quickmcp::config::Env::process().number(&quickmcp::config::MAX_SESSIONS).max(100_000);
    let mut config = quickmcp_axum::McpConfig::from_env_or_exit();
    config.stateless = stateless;
    // The harness measures throughput from one address: no per-client limit.
    config.rate_limit = None;
    // One worker per CPU this process may use (the harness pins it to one).
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        // Every session of the harness comes from one address.
        let mut server = Server::builder("bench", "0.1.0")
            .tools(add_tool())
            .max_sessions(max_sessions)
            .max_sessions_per_client(usize::MAX);
        if std::env::var("BENCH_MIDDLEWARE").is_ok_and(|m| m == "timing") {
            server = server.middleware(quickmcp::middleware::Timing::new());
        }
        #[cfg(feature = "redis")]
        if let Ok(url) = std::env::var("REDIS_URL") {
            let prefix = format!("bench-{}", std::process::id());
            let sessions = quickmcp::redis::RedisSessions::new(url)
                .prefix(prefix)
                .max_sessions(max_sessions)
                .connect()
                .await
                .map_err(std::io::Error::other)?;
            server = server.sessions(sessions);
        }
        let metrics = std::env::var_os("BENCH_METRICS").map(|_| quickmcp_axum::metrics::Metrics::new());
        if let Some(metrics) = &metrics {
            server = server.middleware(metrics.middleware());
        }
        let server = server.build();
        let mut router = quickmcp_axum::McpRouter::new(server).config(config.clone());
        if let Some(metrics) = metrics {
            router = router.metrics(metrics);
        }
        #[cfg(feature = "auth")]
        let router = match std::env::var("BENCH_AUTH_SECRET") {
            Ok(secret) => {
                let settings = quickmcp_axum::auth::AuthConfig::new("bench", "bench");
                let verifier = quickmcp_axum::auth::JwtVerifier::with_secret(&settings, secret.as_bytes());
                router.auth(quickmcp_axum::auth::Auth::new(settings, verifier))
            }
            Err(_) => router,
        };
        let app = router.into_router();
        let listener = quickmcp_axum::bind(&config).await?;
        println!(
            "bench_server ({}) on http://{}{}",
            if stateless { "stateless" } else { "stateful" },
            listener.local_addr()?,
            config.path
        );
        quickmcp_axum::serve(listener, app).await
    })
}
