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
//! auth with `--features auth`); see docs/proxy.md.

use mcp_client::upstream::RemoteServer;
use mcp_core::Server;
use mcp_core::proxy::Remote;

const USAGE: &str = "usage: mcp-proxy --stdio -- COMMAND [ARGS...]   serve a stdio server over Streamable HTTP
       mcp-proxy URL                              serve a Streamable HTTP server over Streamable HTTP
       mcp-proxy --to-stdio URL                   serve a Streamable HTTP server over stdio";

/// Where the remote server is, and how we serve it.
enum Mode {
    StdioToHttp(String, Vec<String>),
    HttpToHttp(String),
    HttpToStdio(String),
}

fn mode(args: &[String]) -> Option<Mode> {
    match args {
        [flag, dash, program, rest @ ..] if flag == "--stdio" && dash == "--" => {
            Some(Mode::StdioToHttp(program.clone(), rest.to_vec()))
        }
        [flag, url] if flag == "--to-stdio" => Some(Mode::HttpToStdio(url.clone())),
        [url] if url.starts_with("http://") || url.starts_with("https://") => Some(Mode::HttpToHttp(url.clone())),
        _ => None,
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // Logs go to standard error: with `--to-stdio`, standard output is the protocol.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = mode(&args) else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let upstream = match &mode {
        Mode::StdioToHttp(program, args) => RemoteServer::stdio(program, args.iter().cloned()),
        Mode::HttpToHttp(url) | Mode::HttpToStdio(url) => RemoteServer::http(url),
    };
    let remote = match Remote::connect(upstream).await {
        Ok(remote) => remote,
        Err(error) => {
            eprintln!("mcp-proxy: {}", error.message);
            std::process::exit(1);
        }
    };
    let server = proxy_server(remote).await;
    match mode {
        Mode::HttpToStdio(_) => server.serve_stdio().await,
        Mode::StdioToHttp(..) | Mode::HttpToHttp(_) => {
            let router = mcp_axum::McpRouter::from_env(server).unwrap_or_else(|error| {
                eprintln!("{error}");
                std::process::exit(2)
            });
            router.run(axum::Router::new()).await
        }
    }
}

/// Our server: the remote's name and instructions, its components.
async fn proxy_server(remote: Remote) -> Server {
    let info = remote.server_info().clone();
    let name = info["serverInfo"]["name"].as_str().unwrap_or("mcp-proxy").to_owned();
    let version = info["serverInfo"]["version"].as_str().unwrap_or(env!("CARGO_PKG_VERSION")).to_owned();
    let mut builder = Server::builder(name, version);
    if let Some(instructions) = info["instructions"].as_str() {
        builder = builder.instructions(instructions);
    }
    builder.proxy(remote).try_build().unwrap_or_else(|error| {
        eprintln!("mcp-proxy: {error}");
        std::process::exit(1)
    })
}
