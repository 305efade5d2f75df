//! `mcp`: what `curl` is for HTTP, for MCP servers. Lists, calls, reads and
//! prompts against a Streamable HTTP endpoint or a stdio server it starts,
//! in either era; prints the result as JSON (`mcp --help`).
//!
//! ```sh
//! cargo run -p quickmcp-client --bin mcp -- call http://127.0.0.1:8000/mcp get_weather '{"city":"Paris"}'
//! cargo run -p quickmcp-client --bin mcp -- list -- ./target/debug/examples/weather --stdio
//! ```

mod args;
mod connect;
mod output;

use args::{Arguments, Command, Invocation, ListKind, Run};
use quickmcp_client::{Client, Era};
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// How long closing (DELETE of the session, the child's exit) may take.
const CLOSE_WITHIN: Duration = Duration::from_secs(5);

/// How a run ended.
enum Failure {
    /// The command line is wrong (exit status 2).
    Usage(String),
    /// The call failed, or the tool reported an error (exit status 1).
    Call(String),
}

fn main() -> ExitCode {
    let outcome = match args::parse(std::env::args().skip(1)) {
        Ok(Invocation::Help) => {
            print!("{}", args::USAGE);
            Ok(())
        }
        Ok(Invocation::Version) => {
            println!("mcp {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Ok(Invocation::Run(run)) => execute(*run),
        Err(why) => Err(Failure::Usage(why)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(why)) => {
            eprintln!("mcp: {why}\nmcp: `mcp --help` shows the usage");
            ExitCode::from(2)
        }
        Err(Failure::Call(why)) => {
            eprintln!("mcp: {why}");
            ExitCode::FAILURE
        }
    }
}

fn execute(mut run: Run) -> Result<(), Failure> {
    // Arguments from standard input are read (and checked) before any
    // server is started.
    run.command = match run.command {
        Command::Call { tool, arguments } => Command::Call { tool, arguments: read_arguments(arguments)? },
        Command::Prompt { name, arguments } => Command::Prompt { name, arguments: read_arguments(arguments)? },
        other => other,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Call(format!("cannot start the runtime: {e}")))?;
    let outcome = runtime.block_on(async {
        let limit = run.timeout;
        match tokio::time::timeout(limit, connect_and_ask(&run)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!("no answer within {} s (--timeout)", limit.as_secs_f64())),
        }
    });
    // Tasks still running (a session's GET stream) are not waited for.
    runtime.shutdown_background();
    outcome.map_err(Failure::Call)
}

fn read_arguments(arguments: Arguments) -> Result<Arguments, Failure> {
    let Arguments::Stdin = arguments else { return Ok(arguments) };
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
        .map_err(|e| Failure::Usage(format!("cannot read the arguments from standard input: {e}")))?;
    args::object(text.trim()).map(Arguments::Given).map_err(Failure::Usage)
}

/// Connects, runs the command while printing the server's notifications,
/// prints the result, closes.
async fn connect_and_ask(run: &Run) -> Result<(), String> {
    let client = connect::connect(run).await?;
    let mut notifications = client.notifications();
    if let (Some(level), Era::Session) = (&run.log_level, client.era()) {
        client.set_level(level).await.map_err(|e| format!("logging/setLevel {level}: {e}"))?;
    }
    let asked = ask(&client, &run.command, run.log_level.as_deref());
    tokio::pin!(asked);
    let answer = loop {
        tokio::select! {
            answer = &mut asked => break answer,
            notification = notifications.recv() => match notification {
                Ok(notification) => eprintln!("{}", output::describe(&notification)),
                Err(RecvError::Lagged(missed)) => eprintln!("({missed} notifications from the server were dropped)"),
                Err(RecvError::Closed) => {}
            },
        }
    };
    loop {
        match notifications.try_recv() {
            Ok(notification) => eprintln!("{}", output::describe(&notification)),
            Err(TryRecvError::Lagged(missed)) => eprintln!("({missed} notifications from the server were dropped)"),
            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
        }
    }
    let printed = answer.and_then(|result| {
        output::print(&result)?;
        match result.get("isError") {
            Some(Value::Bool(true)) => Err("the tool reported an error (its result is above)".to_owned()),
            _ => Ok(()),
        }
    });
    let _ = tokio::time::timeout(CLOSE_WITHIN, client.close()).await;
    printed
}

/// The command's request, and the result to print. Calls ask for progress
/// and, in the 2026-07-28 era, for logs from `log_level` up.
async fn ask(client: &Client, command: &Command, log_level: Option<&str>) -> Result<Value, String> {
    let mut meta = json!({"progressToken": 1});
    if let (Some(level), Era::Stateless) = (log_level, client.era()) {
        meta[quickmcp::era::META_LOG_LEVEL] = json!(level);
    }
    let given = |arguments: &Arguments| match arguments {
        Arguments::Given(value) => value.clone(),
        Arguments::Stdin => Value::Object(Default::default()),
    };
    match command {
        Command::List(kind) => {
            let (what, items) = match kind {
                ListKind::Tools => ("tools/list", client.list_tools().await),
                ListKind::Resources => ("resources/list", client.list_resources().await),
                ListKind::Templates => ("resources/templates/list", client.list_resource_templates().await),
                ListKind::Prompts => ("prompts/list", client.list_prompts().await),
            };
            items.map(Value::Array).map_err(|e| format!("{what}: {e}"))
        }
        Command::Call { tool, arguments } => {
            let params = json!({"name": tool, "arguments": given(arguments), "_meta": meta});
            client.request("tools/call", params).await.map_err(|e| format!("calling tool {tool:?}: {e}"))
        }
        Command::Read { uri } => {
            let params = json!({"uri": uri, "_meta": meta});
            client.request("resources/read", params).await.map_err(|e| format!("reading {uri}: {e}"))
        }
        Command::Prompt { name, arguments } => {
            let params = json!({"name": name, "arguments": given(arguments), "_meta": meta});
            client.request("prompts/get", params).await.map_err(|e| format!("getting prompt {name:?}: {e}"))
        }
        Command::Ping => client.ping().await.map(|()| json!({})).map_err(|e| format!("ping: {e}")),
        Command::Info => Ok(json!({
            "era": match client.era() { Era::Session => "session", Era::Stateless => "stateless" },
            "protocolVersion": client.protocol_version(),
            "server": client.server(),
        })),
    }
}
