//! From the command line's options to a connected [`Client`]: the HTTP
//! headers (`--header`, the bearer token) or the child process.

use crate::args::{Run, Server};
use mcp_client::transport::http::HttpTransport;
use mcp_client::transport::lines::LineTransport;
use mcp_client::{Client, ClientError};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

/// Where a bearer token comes from when `--token` is absent.
pub const TOKEN_VARIABLE: &str = "MCP_TOKEN";

/// Connects to the server `run` names, in its era.
pub async fn connect(run: &Run) -> Result<Client, String> {
    let builder = Client::builder().client_info("mcp-cli", env!("CARGO_PKG_VERSION")).timeout(run.timeout);
    let builder = match run.era {
        Some(era) => builder.era(era),
        None => builder,
    };
    let connected = match &run.server {
        Server::Http(url) => {
            let http = reqwest::Client::builder()
                .default_headers(headers(run)?)
                .connect_timeout(run.timeout)
                .build()
                .map_err(|e| format!("cannot set up HTTP: {e}"))?;
            builder.connect(HttpTransport::with_client(http, url)).await.map_err(|e| format!("cannot connect: {e}"))
        }
        Server::Stdio { program, args } => {
            if !run.headers.is_empty() || run.token.is_some() {
                return Err("--header and --token apply to HTTP servers; this one is a stdio server".into());
            }
            let mut command = tokio::process::Command::new(program);
            command.args(args);
            let transport = LineTransport::spawn(command).map_err(|e| format!("cannot start {program:?}: {e}"))?;
            builder.connect(transport).await.map_err(|e| match e {
                ClientError::Closed => format!("{program:?} ended its output without answering (did it exit?)"),
                other => format!("cannot connect to {program:?}: {other}"),
            })
        }
    };
    // A server of the session era only refuses `server/discover` its own way.
    match (connected, run.era) {
        (Err(why), Some(mcp_client::Era::Stateless)) => {
            Err(format!("{why} (does the server speak 2026-07-28? --era auto asks it)"))
        }
        (connected, _) => connected,
    }
}

/// Every request's headers: `--header`s, then `Authorization`.
fn headers(run: &Run) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    for (name, value) in &run.headers {
        let header =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("--header: {name:?} is not a header name"))?;
        let value =
            HeaderValue::from_str(value).map_err(|_| format!("--header {name}: its value cannot go in a header"))?;
        headers.append(header, value);
    }
    if let Some(token) = bearer_token(run) {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .map_err(|_| "the token cannot go in an Authorization header".to_owned())?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    Ok(headers)
}

/// The bearer token: `--token`, else the `MCP_TOKEN` environment variable.
///
/// Where `--oauth` plugs in (the OAuth client of issue 25): with the flag,
/// `connect` builds an `mcp_client::auth::OAuth` authorizer (its token
/// store a file under the user's configuration directory, its
/// `on_authorize` printing the URL on stderr and reading the redirect from
/// stdin) and gives it to the builder (`ClientBuilder::authorizer`) instead
/// of this fixed `Authorization` header; the flow then runs on the
/// server's `401`, and its refreshes and step-ups follow.
fn bearer_token(run: &Run) -> Option<String> {
    run.token.clone().or_else(|| std::env::var(TOKEN_VARIABLE).ok()).filter(|token| !token.trim().is_empty())
}
