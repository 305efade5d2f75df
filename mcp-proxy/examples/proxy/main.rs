//! A gateway in front of two other MCP servers: one it starts over stdio,
//! one it reaches over Streamable HTTP with a bearer token. Their tools,
//! resources and prompts are served as `notes_*` and `weather_*` beside
//! the gateway's own tool, on one endpoint with our Origin checks, limits
//! and metrics.
//!
//! ```sh
//! cargo run -p quickmcp-proxy --example proxy
//! npx @modelcontextprotocol/inspector --cli http://127.0.0.1:8000/mcp --method tools/list
//! ```
//!
//! Both remote servers are stand-ins started by this program (the stdio
//! one is this same binary run with `--notes-stdio`; the HTTP one listens
//! on a free port and wants `Authorization: Bearer demo-token`): point
//! `RemoteServer::stdio` and `RemoteServer::http` at real ones instead.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use quickmcp::prelude::*;
use quickmcp::proxy::Remote;
use quickmcp_client::auth::StaticToken;
use quickmcp_client::upstream::RemoteServer;

/// What the HTTP stand-in wants from its callers.
const TOKEN: &str = "demo-token";

#[tokio::main]
async fn main() -> std::io::Result<()> {
    if std::env::args().any(|arg| arg == "--notes-stdio") {
        return notes().serve_stdio().await;
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let weather_url = serve_weather_with_token().await?;

    let me = std::env::current_exe()?.to_string_lossy().into_owned();
    let notes = RemoteServer::stdio(me, ["--notes-stdio"]);
    let weather = RemoteServer::http(weather_url)
        .configure(|client| client.authorizer(StaticToken(TOKEN.into())).timeout(std::time::Duration::from_secs(30)));
    let (notes, weather) = match tokio::try_join!(Remote::connect(notes), Remote::connect(weather)) {
        Ok(remotes) => remotes,
        Err(error) => return Err(std::io::Error::other(error.message)),
    };
    let gateway = Server::builder("gateway", "1.0.0")
        .tools(tools![gateway_status])
        .mount_remote("notes", notes)
        .mount_remote("weather", weather)
        .build();
    let router = quickmcp_axum::McpRouter::from_env(gateway).unwrap_or_else(|error| {
        eprintln!("{error}");
        std::process::exit(2)
    });
    router.run(axum::Router::new()).await
}

/// Says the gateway is up.
#[tool(annotations(read_only))]
async fn gateway_status() -> &'static str {
    "the gateway is up; its remote servers answer under notes_* and weather_*"
}

/// The stdio stand-in: a notes server.
fn notes() -> Server {
    /// Lists the notes.
    #[tool(annotations(read_only))]
    async fn list_notes() -> Json<Vec<&'static str>> {
        Json(vec!["buy milk", "call Ann"])
    }

    /// One note, by number.
    #[resource("notes://note/{number}", mime = "text/plain")]
    async fn note(number: u32) -> Result<String, ResourceError> {
        ["buy milk", "call Ann"]
            .get(number as usize)
            .map(|text| text.to_string())
            .ok_or_else(|| ResourceError::not_found(&format!("notes://note/{number}")))
    }

    Server::builder("notes", "1.0.0").tools(tools![list_notes]).resources(resources![note]).build()
}

/// The HTTP stand-in: a weather server that wants a bearer token, on a
/// free port; its MCP endpoint's URL.
async fn serve_weather_with_token() -> std::io::Result<String> {
    /// Current weather in `city` (demo data).
    #[tool(annotations(read_only))]
    async fn get_weather(city: String) -> String {
        format!("21 °C and sunny in {city} (demo data)")
    }

    async fn bearer(request: Request, next: Next) -> Result<Response, StatusCode> {
        let wanted = format!("Bearer {TOKEN}");
        match request.headers().get("authorization").and_then(|v| v.to_str().ok()) {
            Some(given) if given == wanted => Ok(next.run(request).await),
            _ => Err(StatusCode::UNAUTHORIZED),
        }
    }

    let server = Server::builder("weather", "1.0.0").tools(tools![get_weather]).build();
    let app = quickmcp_axum::McpRouter::new(server).into_router().layer(axum::middleware::from_fn(bearer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/mcp", listener.local_addr()?);
    tokio::spawn(async move { quickmcp_axum::serve(listener, app).await });
    Ok(url)
}
