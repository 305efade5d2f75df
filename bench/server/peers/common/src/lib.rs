//! The part every peer server shares, so that two peers differ only in the
//! framework that answers the request.
//!
//! - [`mode`]: `BENCH_MODE` (`stateless`, the default, or `stateful`).
//! - [`serve`]: binds `MCP_HOST:MCP_PORT` (default `127.0.0.1:8000`), turns on
//!   `TCP_NODELAY` for every accepted connection (an answer written in pieces,
//!   as SSE is, otherwise waits for the client's delayed ACK) and serves the
//!   app on a multi-thread tokio runtime with tokio's default worker count:
//!   one per CPU the process may use, so one under `taskset -c 0`.

use std::{env, net::SocketAddr, process::ExitCode};

use axum::{serve::ListenerExt, Router};

/// How the bench runs a server (bench/server/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No sessions; `tools/call` answers without `initialize`.
    Stateless,
    /// `initialize` opens a session (`Mcp-Session-Id`) later requests carry.
    Stateful,
}

/// The mode `BENCH_MODE` asks for.
pub fn mode() -> Result<Mode, String> {
    match env::var("BENCH_MODE").as_deref() {
        Err(_) | Ok("stateless") => Ok(Mode::Stateless),
        Ok("stateful") => Ok(Mode::Stateful),
        Ok(other) => Err(format!("BENCH_MODE={other:?}: expected stateless or stateful")),
    }
}

/// Whether handlers see the peer's address (`ConnectInfo`), as some
/// frameworks' own `serve` functions provide.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub connect_info: bool,
}

/// Builds the app with `make_app` inside the runtime (some frameworks spawn
/// tasks while they build their router) and serves it until killed. Errors
/// are printed with `name` and become a failing exit code.
pub fn serve(name: &str, options: Options, make_app: impl FnOnce(Mode) -> Router) -> ExitCode {
    match try_serve(name, options, make_app) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{name}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn try_serve(name: &str, options: Options, make_app: impl FnOnce(Mode) -> Router) -> Result<(), String> {
    let mode = mode()?;
    let host = env::var("MCP_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port = env::var("MCP_PORT").unwrap_or_else(|_| "8000".into());
    let addr: SocketAddr = format!("{host}:{port}")
        .parse()
        .map_err(|_| format!("MCP_HOST={host:?} MCP_PORT={port:?} is not an address"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|err| err.to_string())?;
    runtime.block_on(async move {
        let app = make_app(mode);
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|err| format!("bind {addr}: {err}"))?.tap_io(|stream| {
                let _ = stream.set_nodelay(true);
            });
        eprintln!("{name} ({mode:?}): http://{addr}/mcp");
        let served = if options.connect_info {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
        } else {
            axum::serve(listener, app).await
        };
        served.map_err(|err| err.to_string())
    })
}
