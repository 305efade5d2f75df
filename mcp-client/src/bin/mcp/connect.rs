//! From the command line's options to a connected [`Client`]: the HTTP
//! headers (`--header`, the bearer token) or the child process.

use crate::args::{OAuthOptions, Run, Server};
use quickmcp_client::auth::{ClientMetadata, FileStore, LoopbackRedirect, OAuth};
use quickmcp_client::transport::http::HttpTransport;
use quickmcp_client::transport::lines::LineTransport;
use quickmcp_client::{Client, ClientError};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

/// Connects to the server `run` names, in its era.
pub async fn connect(run: &Run) -> Result<Client, String> {
    // `--timeout` bounds the whole command (main's deadline, which names the
    // option); each call's own limit lies past it, so that one deadline, not
    // a race of two, ends a command that waits too long.
    let per_call = run.timeout.saturating_add(std::time::Duration::from_secs(60));
    let builder = Client::builder().client_info("mcp-cli", env!("CARGO_PKG_VERSION")).timeout(per_call);
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
            let mut transport = HttpTransport::with_client(http, url);
            if let Some(options) = &run.oauth {
                transport = transport.with_authorizer(std::sync::Arc::new(oauth(options)?));
            }
            builder.connect(transport).await.map_err(|e| format!("cannot connect: {e}"))
        }
        Server::Stdio { program, args } => {
            if !run.headers.is_empty() || run.token.is_some() || run.oauth.is_some() {
                return Err("--header, --token and --oauth apply to HTTP servers; this one is a stdio server".into());
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
        (Err(why), Some(quickmcp_client::Era::Stateless)) => {
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

/// The bearer token: `--token`, else the `MCP_TOKEN` environment variable
/// (not with `--oauth`, whose authorizer sets `Authorization` itself).
fn bearer_token(run: &Run) -> Option<String> {
    if run.oauth.is_some() {
        return None;
    }
    // A blank `MCP_TOKEN` is no token, as before: the reader's complaint is not reported.
    let from_environment =
        || quickmcp::config::Env::process().custom(&quickmcp::config::TOKEN, |token| Some(token.to_owned()));
    run.token.clone().or_else(from_environment).filter(|token| !token.trim().is_empty())
}

/// `--oauth`: the authorization code flow, registered dynamically as
/// `mcp-cli` (or through a client ID metadata document where the server
/// prefers one), the user sent to the URL printed on stderr and awaited on
/// the loopback redirect URI; tokens kept in the token file, so the next
/// run refreshes instead of asking again.
fn oauth(options: &OAuthOptions) -> Result<OAuth, String> {
    let token_file = match &options.token_file {
        Some(path) => path.clone(),
        None => default_token_file()?,
    };
    if let Some(folder) = token_file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    }
    let redirect_uri = options.redirect_uri.clone();
    Ok(OAuth::builder()
        .client_metadata(ClientMetadata {
            client_name: "mcp-cli".into(),
            redirect_uri: redirect_uri.clone(),
            ..ClientMetadata::default()
        })
        .on_authorize(LoopbackRedirect::new(redirect_uri, |url| {
            eprintln!("mcp: to authorize, open this URL in a browser:\n{url}");
        }))
        .store(FileStore::new(token_file))
        .build())
}

/// `$XDG_CONFIG_HOME/mcp-rs/tokens.json`, else `~/.config/mcp-rs/tokens.json`.
fn default_token_file() -> Result<std::path::PathBuf, String> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|home| std::path::Path::new(&home).join(".config"))
        })
        .ok_or("--oauth keeps tokens under $XDG_CONFIG_HOME or $HOME, and neither is set: give --token-file")?;
    Ok(config.join("mcp-rs").join("tokens.json"))
}
