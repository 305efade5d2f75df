//! The server we proxy: connected once at start-up (so a command that does
//! not start, or a URL that does not answer, stops us with its reason), then
//! served as our own server's components.

use crate::args::{Invocation, Mode};
use quickmcp::Server;
use quickmcp::config::{self as var, Env};
use quickmcp::era::META_SERVER_INFO;
use quickmcp::proxy::Remote;
use quickmcp::server::ServerBuilder;
use quickmcp_client::auth::StaticToken;
use quickmcp_client::upstream::RemoteServer;
use serde_json::Value;

/// How to reach the upstream the command line names: an HTTP one with the
/// bearer token of `MCP_TOKEN` when set.
pub fn remote_server(invocation: &Invocation) -> RemoteServer {
    let (remote, token) = match &invocation.mode {
        Mode::StdioToHttp { program, args } => (RemoteServer::stdio(program, args.iter().cloned()), None),
        Mode::HttpToHttp { url } | Mode::HttpToStdio { url } => (RemoteServer::http(url), upstream_token()),
    };
    let era = invocation.era;
    remote.configure(|mut builder| {
        builder = builder.client_info("mcp-proxy", env!("CARGO_PKG_VERSION"));
        if let Some(era) = era {
            builder = builder.era(era);
        }
        if let Some(token) = token {
            builder = builder.authorizer(StaticToken(token));
        }
        builder
    })
}

/// `MCP_TOKEN`, the token the `mcp` command sends too (a blank one is none).
fn upstream_token() -> Option<String> {
    let token = Env::process().custom(&var::TOKEN, |token| Some(token.trim().to_owned()));
    token.filter(|token| !token.is_empty())
}

/// Connects to the upstream and lists what it offers; `Err` names it and
/// says why it cannot be used.
pub async fn connect(invocation: &Invocation) -> Result<Remote, String> {
    let what = match &invocation.mode {
        Mode::StdioToHttp { program, args } => {
            format!(
                "the command `{}`",
                std::iter::once(program).chain(args).map(String::as_str).collect::<Vec<_>>().join(" ")
            )
        }
        Mode::HttpToHttp { url } | Mode::HttpToStdio { url } => format!("the server at {url}"),
    };
    let remote = Remote::connect(remote_server(invocation)).await;
    let remote = remote.map_err(|error| format!("cannot proxy {what}: {}", error.message))?;
    Ok(remote.max_connections(invocation.max_upstreams.unwrap_or(quickmcp::proxy::DEFAULT_MAX_LINKS)))
}

/// Our server: the upstream's name (or `--name`), version and
/// instructions, serving its components (under `--prefix` if given).
/// `configure` adds what the transport needs (a session
/// store, metrics middleware).
pub async fn server(
    invocation: &Invocation,
    remote: Remote,
    configure: impl FnOnce(ServerBuilder) -> ServerBuilder,
) -> Result<Server, String> {
    let info = remote.server_info().clone();
    let server_info = server_info(&info);
    let upstream_name = server_info["name"].as_str().unwrap_or("mcp-proxy");
    let name = invocation.name.as_deref().unwrap_or(upstream_name).to_owned();
    let version = server_info["version"].as_str().unwrap_or(env!("CARGO_PKG_VERSION")).to_owned();
    let mut builder = Server::builder(name, version);
    if let Some(instructions) = info["instructions"].as_str() {
        builder = builder.instructions(instructions);
    }
    builder = match &invocation.prefix {
        Some(prefix) => builder.mount_remote(prefix, remote),
        None => builder.proxy(remote),
    };
    configure(builder).try_build().map_err(|error| format!("cannot serve the upstream: {error}"))
}

/// The `serverInfo` of an `initialize` result (2025-11-25), or of a
/// `server/discover` result, where it sits in `_meta` (2026-07-28).
fn server_info(result: &Value) -> &Value {
    match &result["serverInfo"] {
        Value::Null => &result["_meta"][META_SERVER_INFO],
        info => info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_info_of_either_era() {
        let initialize = json!({"serverInfo": {"name": "a"}});
        let discover = json!({"_meta": {META_SERVER_INFO: {"name": "b"}}});
        assert_eq!(server_info(&initialize)["name"], "a");
        assert_eq!(server_info(&discover)["name"], "b");
        assert_eq!(server_info(&json!({})), &Value::Null);
    }
}
