//! The command line: what to do, to which server, with which options.
//! Hand-written: one command, a target, a few options.

use quickmcp_client::Era;
use serde_json::Value;
use std::time::Duration;

/// `mcp --help`.
pub const USAGE: &str = "\
mcp: call an MCP server from the command line

usage:
  mcp [OPTIONS] COMMAND URL [ARGS]       (the URL may also follow the ARGS)
  mcp [OPTIONS] COMMAND [ARGS] -- SERVER_COMMAND [SERVER_ARGS]

commands:
  list [tools|resources|templates|prompts]   every item of the list (default: tools)
  call TOOL [JSON]                           calls a tool with its arguments (default {})
  read URI                                   reads a resource
  prompt NAME [JSON]                         gets a prompt with its arguments (default {})
  ping                                       whether the server answers
  info                                       the era, protocol version and what the server says of itself

the server:
  URL                   a Streamable HTTP endpoint, e.g. http://127.0.0.1:8000/mcp
  -- COMMAND [ARGS]     a stdio server, started as a child process (its stderr passes through)

options:
  --era ERA             session (2025-11-25), stateless (2026-07-28) or auto (default: ask the server)
  --timeout SECONDS     the longest the whole command may take (default 60)
  -H, --header 'NAME: VALUE'
                        an HTTP header for every request (repeatable)
  --log-level LEVEL     asks for the server's logs from LEVEL up (debug, info, notice, warning,
                        error, …); in the 2025-11-25 era a server sends them unasked
  --token TOKEN         a bearer token (Authorization: Bearer TOKEN); the MCP_TOKEN
                        environment variable is read when --token is absent
  --oauth               log in with OAuth when the server asks (the URL to open is printed
                        on stderr; the browser comes back to --redirect-uri); tokens are kept
                        in --token-file and refreshed on the next runs
  --redirect-uri URI    where the browser comes back (default http://127.0.0.1:33418/callback)
  --token-file PATH     where --oauth keeps tokens (default $XDG_CONFIG_HOME/mcp-rs/tokens.json,
                        else ~/.config/mcp-rs/tokens.json)
  -h, --help            this text
  -V, --version         the version

JSON is an object, e.g. '{\"city\":\"Paris\"}', or - to read it from standard input.
The result is printed as JSON on stdout; the server's logs and progress during the
call go to stderr. Exit status: 0 done, 1 the call failed (or the tool reported an
error), 2 the command line is wrong.

examples:
  mcp call http://127.0.0.1:8000/mcp get_weather '{\"city\":\"Paris\"}'
  mcp list resources http://127.0.0.1:8000/mcp
  mcp list -- ./target/debug/examples/weather --stdio
";

/// What the user asked for.
#[derive(Debug, PartialEq)]
pub enum Invocation {
    /// `--help`.
    Help,
    /// `--version`.
    Version,
    /// A command to run against a server.
    Run(Box<Run>),
}

/// A command, its server and its options.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub command: Command,
    pub server: Server,
    pub era: Option<Era>,
    pub timeout: Duration,
    /// `--header` values, as given (`Name: value`).
    pub headers: Vec<(String, String)>,
    /// `--token`.
    pub token: Option<String>,
    /// `--log-level`.
    pub log_level: Option<String>,
    /// `--oauth` (with its `--redirect-uri` and `--token-file`).
    pub oauth: Option<OAuthOptions>,
}

/// Where `--oauth`'s browser comes back and where its tokens are kept.
#[derive(Debug, PartialEq)]
pub struct OAuthOptions {
    /// A loopback `http://` URI with a port.
    pub redirect_uri: String,
    /// The token file (`None`: the default one).
    pub token_file: Option<std::path::PathBuf>,
}

/// `--redirect-uri`'s default: a loopback port of its own.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:33418/callback";

/// Where the server is.
#[derive(Debug, PartialEq)]
pub enum Server {
    /// A Streamable HTTP endpoint.
    Http(String),
    /// A program to start and talk to over its standard input and output.
    Stdio { program: String, args: Vec<String> },
}

/// Which list `list` prints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ListKind {
    Tools,
    Resources,
    Templates,
    Prompts,
}

/// What to ask the server.
#[derive(Debug, PartialEq)]
pub enum Command {
    List(ListKind),
    Call { tool: String, arguments: Arguments },
    Read { uri: String },
    Prompt { name: String, arguments: Arguments },
    Ping,
    Info,
}

/// A JSON object from the command line, or `-`: standard input.
#[derive(Debug, PartialEq)]
pub enum Arguments {
    Given(Value),
    Stdin,
}

impl Arguments {
    fn parse(text: Option<&str>) -> Result<Self, String> {
        match text {
            None => Ok(Self::Given(Value::Object(Default::default()))),
            Some("-") => Ok(Self::Stdin),
            Some(text) => object(text).map(Self::Given),
        }
    }
}

/// `text` as a JSON object, or why it is not one.
pub fn object(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(format!("the arguments must be a JSON object, such as '{{\"city\":\"Paris\"}}', not {text}")),
        Err(error) => Err(format!("the arguments are not JSON ({error}): {text}")),
    }
}

/// Parses the arguments after the program's name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Invocation, String> {
    let mut args = args.into_iter();
    let mut words = Vec::new();
    let mut server_command = Vec::new();
    let (mut era, mut timeout, mut headers, mut token) = (None, Duration::from_secs(60), Vec::new(), None);
    let mut log_level = None;
    let (mut oauth, mut redirect_uri, mut token_file) = (false, None, None);
    while let Some(arg) = args.next() {
        let mut value = |option: &str| args.next().ok_or_else(|| format!("{option} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(Invocation::Help),
            "-V" | "--version" => return Ok(Invocation::Version),
            "--" => {
                server_command.extend(args.by_ref());
                if server_command.is_empty() {
                    return Err("`--` must be followed by the command that starts the server".into());
                }
            }
            "--era" => era = parse_era(&value("--era")?)?,
            "--timeout" => timeout = parse_timeout(&value("--timeout")?)?,
            "-H" | "--header" => headers.push(parse_header(&value("--header")?)?),
            "--token" => token = Some(value("--token")?),
            "--log-level" => log_level = Some(parse_level(&value("--log-level")?)?),
            "--oauth" => oauth = true,
            "--redirect-uri" => redirect_uri = Some(value("--redirect-uri")?),
            "--token-file" => token_file = Some(value("--token-file")?.into()),
            option if option.starts_with('-') && option.len() > 1 => {
                return Err(format!("unknown option {option}"));
            }
            _ => words.push(arg),
        }
    }
    if words.is_empty() {
        return Err("no command given".into());
    }
    let verb = words.remove(0);
    // The URL may come anywhere after the command: `list URL prompts`, `list prompts URL`.
    let url = words.iter().position(|w| w.starts_with("http://") || w.starts_with("https://"));
    let server = match (url, server_command.is_empty()) {
        (Some(_), false) => return Err("two servers given: a URL, and a command after `--`".into()),
        (Some(at), true) => Server::Http(words.remove(at)),
        (None, false) => {
            let program = server_command.remove(0);
            Server::Stdio { program, args: server_command }
        }
        (None, true) => {
            return Err(format!(
                "`{verb}` needs the server: an http:// or https:// URL, or `-- COMMAND` for a stdio server"
            ));
        }
    };
    let command = command(&verb, &words)?;
    if !oauth && (redirect_uri.is_some() || token_file.is_some()) {
        return Err("--redirect-uri and --token-file go with --oauth".into());
    }
    if oauth && token.is_some() {
        return Err("--oauth and --token both give a token: choose one".into());
    }
    let oauth = oauth.then(|| OAuthOptions {
        redirect_uri: redirect_uri.unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_owned()),
        token_file,
    });
    Ok(Invocation::Run(Box::new(Run { command, server, era, timeout, headers, token, log_level, oauth })))
}

fn command(verb: &str, rest: &[String]) -> Result<Command, String> {
    let at_most = |n: usize| {
        if rest.len() > n {
            Err(format!("`{verb}` takes at most {n} argument(s); unexpected {:?}", rest[n]))
        } else {
            Ok(())
        }
    };
    let needs = |what: &str| rest.first().cloned().ok_or_else(|| format!("`{verb}` needs {what}"));
    Ok(match verb {
        "list" => {
            at_most(1)?;
            Command::List(match rest.first().map(String::as_str) {
                None | Some("tools") => ListKind::Tools,
                Some("resources") => ListKind::Resources,
                Some("templates") => ListKind::Templates,
                Some("prompts") => ListKind::Prompts,
                Some(other) => return Err(format!("cannot list {other:?}: tools, resources, templates or prompts")),
            })
        }
        "call" => {
            at_most(2)?;
            Command::Call { tool: needs("a tool name")?, arguments: Arguments::parse(rest.get(1).map(String::as_str))? }
        }
        "read" => {
            at_most(1)?;
            Command::Read { uri: needs("a resource URI")? }
        }
        "prompt" => {
            at_most(2)?;
            Command::Prompt {
                name: needs("a prompt name")?,
                arguments: Arguments::parse(rest.get(1).map(String::as_str))?,
            }
        }
        "ping" => {
            at_most(0)?;
            Command::Ping
        }
        "info" => {
            at_most(0)?;
            Command::Info
        }
        other => return Err(format!("unknown command {other:?}: list, call, read, prompt, ping or info")),
    })
}

fn parse_era(text: &str) -> Result<Option<Era>, String> {
    match text {
        "auto" => Ok(None),
        "session" | "2025-11-25" => Ok(Some(Era::Session)),
        "stateless" | "2026-07-28" => Ok(Some(Era::Stateless)),
        other => Err(format!("--era {other:?}: session, stateless or auto")),
    }
}

fn parse_level(text: &str) -> Result<String, String> {
    const LEVELS: [&str; 8] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
    if LEVELS.contains(&text) {
        Ok(text.to_owned())
    } else {
        Err(format!("--log-level {text:?}: one of {}", LEVELS.join(", ")))
    }
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|secs| secs.is_finite() && *secs > 0.0 && *secs <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("--timeout {text:?}: a number of seconds, more than 0 and at most 86400"))
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text.split_once(':').ok_or_else(|| format!("--header {text:?}: expected 'Name: value'"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("--header {text:?}: the header has no name"));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(line: &str) -> Result<Run, String> {
        match parse(line.split(' ').map(str::to_owned))? {
            Invocation::Run(run) => Ok(*run),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_call_to_a_url_with_its_arguments() {
        let run = run(r#"call http://127.0.0.1:8000/mcp get_weather {"city":"Paris"} --era session -H X-A:b"#).unwrap();
        assert_eq!(run.server, Server::Http("http://127.0.0.1:8000/mcp".into()));
        let arguments = Arguments::Given(json!({"city": "Paris"}));
        assert_eq!(run.command, Command::Call { tool: "get_weather".into(), arguments });
        assert_eq!(run.era, Some(Era::Session));
        assert_eq!(run.headers, [("X-A".to_owned(), "b".to_owned())]);
    }

    #[test]
    fn a_stdio_server_after_the_double_dash() {
        let stdio = run("list prompts --timeout 2.5 -- ./weather --stdio --era x").unwrap();
        assert_eq!(stdio.command, Command::List(ListKind::Prompts));
        let args = vec!["--stdio".to_owned(), "--era".to_owned(), "x".to_owned()];
        assert_eq!(stdio.server, Server::Stdio { program: "./weather".into(), args });
        assert_eq!(stdio.timeout, Duration::from_millis(2500));
        assert_eq!(run("list -- ./weather").unwrap().command, Command::List(ListKind::Tools));
        let either_order = run("list templates https://h/mcp").unwrap();
        assert_eq!(
            (either_order.command, either_order.server),
            (Command::List(ListKind::Templates), Server::Http("https://h/mcp".into()))
        );
    }

    #[test]
    fn mistakes_are_named() {
        let error = |line: &str| run(line).unwrap_err();
        assert_eq!(
            error("call http://h/mcp t [1]"),
            "the arguments must be a JSON object, such as '{\"city\":\"Paris\"}', not [1]"
        );
        assert!(error("call http://h/mcp t {").starts_with("the arguments are not JSON"));
        assert_eq!(error("list things http://h/mcp"), "cannot list \"things\": tools, resources, templates or prompts");
        assert_eq!(error("list http://h/mcp -- ./server"), "two servers given: a URL, and a command after `--`");
        assert_eq!(error("list http://h/mcp things"), "cannot list \"things\": tools, resources, templates or prompts");
        assert_eq!(error("read http://h/mcp"), "`read` needs a resource URI");
        assert_eq!(
            error("ping"),
            "`ping` needs the server: an http:// or https:// URL, or `-- COMMAND` for a stdio server"
        );
        assert_eq!(parse(Vec::<String>::new()), Err("no command given".into()));
        assert_eq!(error("ping http://h/mcp --era new"), "--era \"new\": session, stateless or auto");
        assert_eq!(
            error("ping http://h/mcp --timeout 0"),
            "--timeout \"0\": a number of seconds, more than 0 and at most 86400"
        );
        assert_eq!(error("ping http://h/mcp --frobnicate"), "unknown option --frobnicate");
        assert_eq!(error("ping http://h/mcp --"), "`--` must be followed by the command that starts the server");
        assert_eq!(error("ping http://h/mcp extra"), "`ping` takes at most 0 argument(s); unexpected \"extra\"");
        assert_eq!(error("fetch http://h/mcp"), "unknown command \"fetch\": list, call, read, prompt, ping or info");
        assert!(error("ping http://h/mcp --log-level loud").starts_with("--log-level \"loud\": one of debug, info,"));
        assert_eq!(error("ping http://h/mcp -H novalue"), "--header \"novalue\": expected 'Name: value'");
    }

    #[test]
    fn oauth_and_its_options() {
        let default = run("ping http://h/mcp --oauth").unwrap().oauth.unwrap();
        assert_eq!(default, OAuthOptions { redirect_uri: DEFAULT_REDIRECT_URI.into(), token_file: None });
        let chosen = run("ping http://h/mcp --oauth --redirect-uri http://127.0.0.1:9/cb --token-file t.json");
        let chosen = chosen.unwrap().oauth.unwrap();
        assert_eq!((chosen.redirect_uri.as_str(), chosen.token_file), ("http://127.0.0.1:9/cb", Some("t.json".into())));
        assert_eq!(run("ping http://h/mcp").unwrap().oauth, None);
        let error = |line: &str| run(line).unwrap_err();
        assert_eq!(error("ping http://h/mcp --token-file t.json"), "--redirect-uri and --token-file go with --oauth");
        assert_eq!(error("ping http://h/mcp --oauth --token x"), "--oauth and --token both give a token: choose one");
    }

    #[test]
    fn arguments_from_standard_input_and_help() {
        let run = run("prompt http://h/mcp greet -").unwrap();
        assert_eq!(run.command, Command::Prompt { name: "greet".into(), arguments: Arguments::Stdin });
        assert_eq!(parse(["list".to_owned(), "--help".to_owned()]), Ok(Invocation::Help));
    }
}
