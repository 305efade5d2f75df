//! turbomcp serving `add(a, b)`: `#[server]` and `#[tool]` on an impl, made
//! into an axum router by `builder().into_axum_router()` (which serves
//! `POST /mcp` itself).
//!
//! Sessions only: turbomcp 3's HTTP transport refuses a `tools/call` without
//! `Mcp-Session-Id` (400), so `BENCH_MODE=stateless` exits with an error and
//! run.sh has no stateless turbomcp rows. Served with `ConnectInfo` as its
//! own `serve` does: its Origin check lets a request without `Origin` in only
//! from a loopback peer it can see. The session cap (10 000 by default) is
//! raised to `MCP_MAX_SESSIONS` when that is larger.

use std::{env, process::ExitCode};

use bench_common::{Mode, Options};
use turbomcp::prelude::*;

#[derive(Clone)]
struct Calculator;

#[server(name = "peer-turbomcp", version = "0.1.0")]
impl Calculator {
    /// Adds two integers
    #[tool]
    async fn add(&self, a: i64, b: i64) -> Result<String, String> {
        a.checked_add(b).map(|sum| sum.to_string()).ok_or_else(|| "overflow".to_owned())
    }
}

fn main() -> ExitCode {
    if bench_common::mode() == Ok(Mode::Stateless) {
        eprintln!("peer-turbomcp: no stateless mode (its HTTP transport needs a session)");
        return ExitCode::FAILURE;
    }
    let mut config = ServerConfig::default();
    if let Some(max) = env::var("MCP_MAX_SESSIONS").ok().and_then(|v| v.parse::<usize>().ok()) {
        config.http_sessions.max_sessions = config.http_sessions.max_sessions.max(max);
    }
    bench_common::serve("peer-turbomcp", Options { connect_info: true }, move |_| {
        Calculator.builder().with_config(config).into_axum_router()
    })
}
