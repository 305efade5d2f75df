//! The command line: which way we bridge, and the few settings that belong
//! to the proxy rather than to the endpoint (those are `MCP_*` variables).

use quickmcp_client::Era;

/// What `--help` prints, and what a bad command line is answered with.
pub const USAGE: &str = "\
usage: mcp-proxy [OPTIONS] --stdio -- COMMAND [ARGS...]   a stdio server over Streamable HTTP
       mcp-proxy [OPTIONS] URL                              a Streamable HTTP server over Streamable HTTP
       mcp-proxy [OPTIONS] --to-stdio URL                   a Streamable HTTP server over stdio

options:
  --name NAME         the server name our callers see (default: the upstream's)
  --prefix PREFIX     serve the upstream's tools and prompts as PREFIX_name and its
                      resources as scheme://PREFIX/path (default: names kept)
  --era ERA           the protocol era spoken to the upstream: session (2025-11-25)
                      or stateless (2026-07-28); default: try stateless, fall back
  --redis-prefix P    the prefix of this bridge's keys in Redis (default: mcp-proxy);
                      bridges in front of different servers need different ones
  --max-upstreams N   at most N sessions hold an upstream connection at once (with
                      --stdio, a child process each); a new session takes the place
                      of the longest idle one, or is refused when all are busy
                      (default: 100)
  -h, --help          this help
  -V, --version       the version

Served over HTTP, the endpoint is configured by the MCP_* variables like any
server of this framework: MCP_HOST, MCP_PORT, MCP_ALLOWED_ORIGINS,
MCP_RATE_LIMIT, MCP_METRICS_ADDR, MCP_AUTH_ISSUER, ... (docs/configuration.md);
REDIS_URL keeps sessions in Redis (feature `redis`). MCP_TOKEN is the bearer
token sent to an HTTP upstream. Logs go to standard error (RUST_LOG).
See docs/proxy.md.

examples:
  mcp-proxy --stdio -- npx -y @modelcontextprotocol/server-filesystem /data
  MCP_PORT=9000 mcp-proxy http://10.0.0.5:8000/mcp
  mcp-proxy --to-stdio https://mcp.example.com/mcp";

/// Where the remote server is, and how we serve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `--stdio -- COMMAND ARGS`: a child process served over HTTP.
    StdioToHttp { program: String, args: Vec<String> },
    /// `URL`: a Streamable HTTP server served over our HTTP endpoint.
    HttpToHttp { url: String },
    /// `--to-stdio URL`: a Streamable HTTP server served over our stdio.
    HttpToStdio { url: String },
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub mode: Mode,
    /// `--name`: our server's name.
    pub name: Option<String>,
    /// `--prefix`: the names the upstream's components are mounted under.
    pub prefix: Option<String>,
    /// `--era`: the era spoken upstream (`None`: negotiated).
    pub era: Option<Era>,
    /// `--redis-prefix`: the prefix of the sessions' keys in Redis.
    pub redis_prefix: Option<String>,
    /// `--max-upstreams`: most sessions with an upstream connection at once.
    pub max_upstreams: Option<usize>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Invocation),
    Help,
    Version,
}

/// Reads the arguments (without the program name); `Err` says what is
/// wrong with them, in one line.
pub fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut name = None;
    let mut prefix = None;
    let mut era = None;
    let mut redis_prefix = None;
    let mut max_upstreams = None;
    let mut to_stdio = false;
    let mut stdio = false;
    let mut url = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--name" => name = Some(value_of("--name", rest.next())?),
            "--prefix" => prefix = Some(prefix_of(value_of("--prefix", rest.next())?)?),
            "--era" => era = Some(era_of(&value_of("--era", rest.next())?)?),
            "--redis-prefix" => redis_prefix = Some(value_of("--redis-prefix", rest.next())?),
            "--max-upstreams" => {
                max_upstreams = Some(count_of("--max-upstreams", &value_of("--max-upstreams", rest.next())?)?)
            }
            "--to-stdio" => to_stdio = true,
            "--stdio" => stdio = true,
            "--" => {
                let command: Vec<String> = rest.cloned().collect();
                let mode = finish(stdio, to_stdio, url, Some(command))?;
                return Ok(Parsed::Run(Invocation { mode, name, prefix, era, redis_prefix, max_upstreams }));
            }
            option if option.starts_with('-') => return Err(format!("unknown option {option}")),
            positional if url.is_none() => url = Some(positional.to_owned()),
            extra => return Err(format!("unexpected argument {extra:?} (a command goes after `--stdio --`)")),
        }
    }
    let mode = finish(stdio, to_stdio, url, None)?;
    Ok(Parsed::Run(Invocation { mode, name, prefix, era, redis_prefix, max_upstreams }))
}

/// The mode the flags, the URL and the command after `--` make together.
fn finish(stdio: bool, to_stdio: bool, url: Option<String>, command: Option<Vec<String>>) -> Result<Mode, String> {
    match (stdio, to_stdio, url, command) {
        (true, true, ..) => Err("--stdio and --to-stdio are two different modes: choose one".into()),
        (true, false, None, Some(command)) => match command.split_first() {
            Some((program, args)) => Ok(Mode::StdioToHttp { program: program.clone(), args: args.to_vec() }),
            None => Err("--stdio needs a command after `--`".into()),
        },
        (true, false, Some(url), _) => Err(format!("--stdio takes a command after `--`, not {url:?}")),
        (true, false, None, None) => {
            Err("--stdio needs a command after `--` (mcp-proxy --stdio -- COMMAND ARGS)".into())
        }
        (false, _, _, Some(_)) => Err("a command after `--` needs --stdio".into()),
        (false, to_stdio, Some(url), None) => {
            let url = url_of(url)?;
            Ok(if to_stdio { Mode::HttpToStdio { url } } else { Mode::HttpToHttp { url } })
        }
        (false, true, None, None) => Err("--to-stdio needs the URL of a Streamable HTTP server".into()),
        (false, false, None, None) => Err("nothing to proxy: give a URL, or --stdio -- COMMAND".into()),
    }
}

fn value_of(option: &str, value: Option<&String>) -> Result<String, String> {
    match value {
        Some(value) if !value.starts_with("--") && !value.trim().is_empty() => Ok(value.clone()),
        _ => Err(format!("{option} needs a value")),
    }
}

fn url_of(url: String) -> Result<String, String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url)
    } else {
        Err(format!("{url:?} is not an http:// or https:// URL (a command goes after `--stdio --`)"))
    }
}

fn prefix_of(prefix: String) -> Result<String, String> {
    let valid = prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid { Ok(prefix) } else { Err(format!("--prefix {prefix:?}: letters, digits, '-' and '_' only")) }
}

fn count_of(option: &str, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(count) if count > 0 => Ok(count),
        _ => Err(format!("{option} {value:?}: expected a whole number above 0")),
    }
}

fn era_of(era: &str) -> Result<Era, String> {
    match era {
        "session" | "2025-11-25" => Ok(Era::Session),
        "stateless" | "2026-07-28" => Ok(Era::Stateless),
        other => Err(format!("--era {other:?}: expected session or stateless")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> Result<Parsed, String> {
        parse(&line.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
    }

    fn mode(line: &str) -> Mode {
        match parsed(line) {
            Ok(Parsed::Run(invocation)) => invocation.mode,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn the_three_modes() {
        assert_eq!(
            mode("--stdio -- npx -y server --flag"),
            Mode::StdioToHttp { program: "npx".into(), args: vec!["-y".into(), "server".into(), "--flag".into()] }
        );
        assert_eq!(mode("http://h/mcp"), Mode::HttpToHttp { url: "http://h/mcp".into() });
        assert_eq!(mode("--to-stdio https://h/mcp"), Mode::HttpToStdio { url: "https://h/mcp".into() });
    }

    #[test]
    fn options_before_the_command() {
        let Ok(Parsed::Run(run)) =
            parsed("--name gw --prefix fs --era session --redis-prefix gw1 --max-upstreams 8 --stdio -- srv --name x")
        else {
            panic!("not parsed")
        };
        assert_eq!(run.name.as_deref(), Some("gw"));
        assert_eq!(run.prefix.as_deref(), Some("fs"));
        assert_eq!(run.era, Some(Era::Session));
        assert_eq!(run.redis_prefix.as_deref(), Some("gw1"));
        assert_eq!(run.max_upstreams, Some(8));
        assert_eq!(run.mode, Mode::StdioToHttp { program: "srv".into(), args: vec!["--name".into(), "x".into()] });
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parsed("--help"), Ok(Parsed::Help));
        assert_eq!(parsed("http://h/mcp -h"), Ok(Parsed::Help));
        assert_eq!(parsed("-V"), Ok(Parsed::Version));
    }

    #[test]
    fn mistakes_say_what_is_wrong() {
        for (line, expected) in [
            ("", "nothing to proxy"),
            ("--stdio", "needs a command"),
            ("--stdio --", "needs a command"),
            ("--stdio http://h/mcp", "takes a command"),
            ("-- srv", "needs --stdio"),
            ("--to-stdio", "needs the URL"),
            ("--stdio --to-stdio -- srv", "choose one"),
            ("npx server", "unexpected argument"),
            ("server", "not an http"),
            ("--port 80 http://h", "unknown option --port"),
            ("--name", "--name needs a value"),
            ("--era 2024 http://h", "expected session or stateless"),
            ("--prefix a/b http://h", "letters, digits"),
            ("--max-upstreams 0 http://h", "above 0"),
        ] {
            let error = parsed(line).expect_err(line);
            assert!(error.contains(expected), "{line:?}: {error}");
        }
    }
}
