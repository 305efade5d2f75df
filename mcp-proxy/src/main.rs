//! `mcp-proxy`: another MCP server served through ours.
//!
//! ```text
//! mcp-proxy --stdio -- npx -y @modelcontextprotocol/server-filesystem /data   # stdio server over Streamable HTTP
//! mcp-proxy http://127.0.0.1:9000/mcp                                          # HTTP server over Streamable HTTP
//! mcp-proxy --to-stdio https://example.com/mcp                                 # HTTP server over stdio
//! ```
//!
//! Served over HTTP, the endpoint is configured by the `MCP_*` variables
//! like any of ours (address, Origin checks, limits, rate limit, metrics,
//! auth); see docs/proxy.md. Exit status: 0 after a clean stop, 1 when the
//! upstream cannot be proxied or serving fails, 2 for a bad command line or
//! configuration.
//!
//! - `args`: the command line and its usage;
//! - `upstream`: connecting to the proxied server, and our server around it;
//! - `http`: serving over Streamable HTTP with the production features;
//! - `auth`, `sessions`: bearer tokens (`MCP_AUTH_*`) and Redis sessions
//!   (`REDIS_URL`).

mod args;
mod auth;
mod http;
mod sessions;
mod upstream;

use args::{Invocation, Mode, Parsed, USAGE};
use std::process::ExitCode;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let invocation = match args::parse(&arguments) {
        Ok(Parsed::Run(invocation)) => invocation,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("mcp-proxy {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("mcp-proxy: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Logs go to standard error: with `--to-stdio`, standard output is the protocol.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    match &invocation.mode {
        Mode::HttpToStdio { .. } => to_stdio(invocation).await,
        Mode::StdioToHttp { .. } | Mode::HttpToHttp { .. } => to_http(invocation).await,
    }
}

/// Serves the upstream over our Streamable HTTP endpoint.
async fn to_http(invocation: Invocation) -> ExitCode {
    // The configuration first: a mistake there stops us before the upstream starts.
    let redis_prefix = invocation.redis_prefix.as_deref().unwrap_or(sessions::DEFAULT_PREFIX);
    let endpoint = match http::Endpoint::from_env(redis_prefix).await {
        Ok(endpoint) => endpoint,
        Err(error) => return fail(2, &error),
    };
    let server = match upstream::connect(&invocation).await {
        Ok(remote) => upstream::server(&invocation, remote, |builder| endpoint.configure(builder)).await,
        Err(error) => Err(error),
    };
    match server {
        Ok(server) => done(endpoint.serve(server).await),
        Err(error) => fail(1, &error),
    }
}

/// Serves the upstream over our standard input and output, until the
/// client closes them.
async fn to_stdio(invocation: Invocation) -> ExitCode {
    let server = match upstream::connect(&invocation).await {
        Ok(remote) => upstream::server(&invocation, remote, |builder| builder).await,
        Err(error) => Err(error),
    };
    match server {
        Ok(server) => done(server.serve_stdio().await),
        Err(error) => fail(1, &error),
    }
}

fn done(served: std::io::Result<()>) -> ExitCode {
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(1, &error.to_string()),
    }
}

fn fail(status: u8, error: &str) -> ExitCode {
    eprintln!("mcp-proxy: {error}");
    ExitCode::from(status)
}
