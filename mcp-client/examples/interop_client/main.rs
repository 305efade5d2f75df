//! mcp-client against other servers, one suite of checks per server; what
//! `.ci/interop/client.sh` runs. Prints one line per check and exits 1 when
//! any failed.
//!
//! ```sh
//! interop_client SUITE [--era session|stateless|auto] [--expect-era session|stateless] (URL | -- COMMAND ARGS)
//! ```
//!
//! Suites: `everything` (`@modelcontextprotocol/server-everything`),
//! `python` (`.ci/interop/python_server.py`), and our examples `weather`,
//! `auth` (the token in `MCP_TOKEN`), `tasks`, `transactions`.

mod everything;
mod ours;
mod python;

use quickmcp_client::transport::http::HttpTransport;
use quickmcp_client::transport::lines::LineTransport;
use quickmcp_client::{Client, ClientBuilder, Era};
use serde_json::{Value, json};
use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

/// The text our sampling handler answers with: a check finds it in the
/// tool's result.
pub const SAMPLED: &str = "sampled by mcp-client";

/// Where the server is and which era to speak.
pub struct Target {
    pub url: Option<String>,
    pub command: Vec<String>,
    pub era: Option<Era>,
}

impl Target {
    /// A client with the handlers every suite relies on: sampling,
    /// elicitation (answered from the schema's defaults), roots.
    pub fn builder(&self) -> ClientBuilder {
        let builder = Client::builder()
            .client_info("mcp-client-interop", env!("CARGO_PKG_VERSION"))
            .timeout(Duration::from_secs(30))
            .on_sampling(|_| async {
                Ok(json!({
                    "role": "assistant",
                    "content": {"type": "text", "text": SAMPLED},
                    "model": "mcp-client-interop",
                    "stopReason": "endTurn",
                }))
            })
            .on_elicitation(|request| async move { Ok(answer_elicitation(&request)) })
            .on_roots(|_| async { Ok(json!({"roots": [{"uri": "file:///interop", "name": "interop"}]})) });
        match self.era {
            Some(era) => builder.era(era),
            None => builder,
        }
    }

    /// Connects `builder` to the target.
    pub async fn connect(&self, builder: ClientBuilder) -> Result<Client, String> {
        match &self.url {
            Some(url) => {
                let mut headers = reqwest::header::HeaderMap::new();
                if let Some(token) =
                    quickmcp::config::Env::process().custom(&quickmcp::config::TOKEN, |token| Some(token.to_owned()))
                {
                    let value = format!("Bearer {token}").parse().map_err(|_| "MCP_TOKEN cannot go in a header")?;
                    headers.insert(reqwest::header::AUTHORIZATION, value);
                }
                let http = reqwest::Client::builder().default_headers(headers).build().map_err(|e| e.to_string())?;
                builder.connect(HttpTransport::with_client(http, url)).await.map_err(|e| format!("connecting: {e}"))
            }
            None => {
                let mut command = tokio::process::Command::new(&self.command[0]);
                command.args(&self.command[1..]);
                let transport =
                    LineTransport::spawn(command).map_err(|e| format!("starting {:?}: {e}", self.command))?;
                builder.connect(transport).await.map_err(|e| format!("connecting: {e}"))
            }
        }
    }
}

/// Accepts with a value for every field: its default, else one that fits
/// its type and format. URL mode: accepted (nothing to fill).
fn answer_elicitation(request: &Value) -> Value {
    if request["mode"] == "url" {
        return json!({"action": "accept"});
    }
    let mut content = serde_json::Map::new();
    for (name, field) in request["requestedSchema"]["properties"].as_object().into_iter().flatten() {
        let value = if let Some(default) = field.get("default") {
            default.clone()
        } else if let Some(first) = field["enum"].get(0) {
            first.clone()
        } else if let Some(first) = field["oneOf"].get(0) {
            first["const"].clone()
        } else {
            match (field["type"].as_str(), field["format"].as_str()) {
                (Some("boolean"), _) => json!(true),
                (Some("integer" | "number"), _) => field.get("minimum").cloned().unwrap_or(json!(1)),
                (Some("array"), _) => json!([field["items"]["enum"].get(0).cloned().unwrap_or(json!("mcp-client"))]),
                (_, Some("email")) => json!("interop@example.com"),
                (_, Some("uri")) => json!("https://example.com/interop"),
                (_, Some("date")) => json!("2000-01-01"),
                (_, Some("date-time")) => json!("2000-01-01T00:00:00Z"),
                _ => json!("mcp-client"),
            }
        };
        content.insert(name.clone(), value);
    }
    json!({"action": "accept", "content": content})
}

/// The checks of one suite: each prints one line.
#[derive(Default)]
pub struct Checks {
    label: String,
    failed: usize,
    passed: usize,
}

impl Checks {
    /// Runs one check (at most 60 s) and prints its outcome.
    pub async fn check(&mut self, name: &str, check: impl Future<Output = Result<(), String>>) {
        let outcome = match tokio::time::timeout(Duration::from_secs(60), check).await {
            Ok(outcome) => outcome,
            Err(_) => Err("no outcome within 60 s".into()),
        };
        match outcome {
            Ok(()) => {
                self.passed += 1;
                println!("  ok    {}: {name}", self.label);
            }
            Err(why) => {
                self.failed += 1;
                println!("  FAIL  {}: {name}: {why}", self.label);
            }
        }
    }
}

/// `Err(what)` unless `holds`.
pub fn expect(holds: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if holds { Ok(()) } else { Err(what()) }
}

/// A call's text, or why it failed (an error result included).
pub async fn call_text(client: &Client, tool: &str, arguments: Value) -> Result<String, String> {
    let result = client.call_tool(tool, arguments).await.map_err(|e| e.to_string())?;
    if result.is_error {
        return Err(format!("{tool} reported an error: {}", result.text()));
    }
    Ok(result.text())
}

/// The era the client must end up in (`--expect-era`), checked first.
pub fn era_name(era: Era) -> &'static str {
    match era {
        Era::Session => "session",
        Era::Stateless => "stateless",
    }
}

fn parse_era(text: &str) -> Result<Option<Era>, String> {
    match text {
        "auto" => Ok(None),
        "session" => Ok(Some(Era::Session)),
        "stateless" => Ok(Some(Era::Stateless)),
        other => Err(format!("unknown era {other:?}")),
    }
}

struct Arguments {
    suite: String,
    target: Target,
    expect_era: Option<Era>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Arguments, String> {
    let suite = args.next().ok_or("usage: interop_client SUITE [--era E] [--expect-era E] (URL | -- COMMAND)")?;
    let (mut url, mut command, mut era, mut expect_era) = (None, Vec::new(), None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--era" => era = parse_era(&args.next().unwrap_or_default())?,
            "--expect-era" => expect_era = parse_era(&args.next().unwrap_or_default())?,
            "--" => command.extend(args.by_ref()),
            _ if url.is_none() => url = Some(arg),
            other => return Err(format!("unexpected {other:?}")),
        }
    }
    if url.is_none() && command.is_empty() {
        return Err("no server: a URL or `-- COMMAND`".into());
    }
    Ok(Arguments { suite, target: Target { url, command, era }, expect_era })
}

#[tokio::main]
async fn main() -> ExitCode {
    let arguments = match parse(std::env::args().skip(1)) {
        Ok(arguments) => arguments,
        Err(why) => {
            eprintln!("interop_client: {why}");
            return ExitCode::from(2);
        }
    };
    let target = &arguments.target;
    let transport = if target.url.is_some() { "http" } else { "stdio" };
    let client = match target.connect(suite_builder(&arguments.suite, target)).await {
        Ok(client) => client,
        Err(why) => {
            println!("  FAIL  {} ({transport}): connect: {why}", arguments.suite);
            return ExitCode::FAILURE;
        }
    };
    // Named by the era the handshake settled on.
    let label = format!("{} ({transport}, {})", arguments.suite, client.protocol_version().unwrap_or("?"));
    let mut checks = Checks { label, ..Checks::default() };
    if let Some(expected) = arguments.expect_era {
        checks
            .check("the era agreed", async {
                let agreed = (client.era(), client.protocol_version().unwrap_or_default());
                expect(agreed.0 == expected, || format!("expected the {} era, got {agreed:?}", era_name(expected)))
            })
            .await;
    }
    match arguments.suite.as_str() {
        "everything" => everything::run(&client, &mut checks).await,
        "python" => python::run(&client, &mut checks).await,
        "weather" => ours::weather(&client, &mut checks).await,
        "auth" => ours::auth(&client, target, &mut checks).await,
        "tasks" => ours::tasks(&client, &mut checks).await,
        "transactions" => ours::transactions(&client, &mut checks).await,
        other => {
            eprintln!("interop_client: unknown suite {other:?}");
            return ExitCode::from(2);
        }
    }
    client.close().await;
    println!("  {}: {} passed, {} failed", checks.label, checks.passed, checks.failed);
    if checks.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// What each suite's client declares besides the handlers.
fn suite_builder(suite: &str, target: &Target) -> ClientBuilder {
    let builder = target.builder();
    match suite {
        "tasks" => builder.capability("extensions", json!({"io.modelcontextprotocol/tasks": {}})),
        _ => builder,
    }
}
