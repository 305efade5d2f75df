//! Every `MCP_*` environment variable, read in one place.
//!
//! The server builder, the Redis session stores, `quickmcp_axum::McpConfig` and
//! `quickmcp_axum::auth::AuthConfig` all read their variables through [`Env`],
//! so that each variable has one default ([`VARIABLES`], the table that
//! `docs/configuration.md` documents), each kind of value one parser, and
//! every refused value one message: the variable, the value, and what it
//! accepts (`MCP_PORT="80a": expected a port number (0 to 65535)`).
//!
//! A refused value is never ignored: [`Env`] keeps every one, and its
//! reader reports them all at once ([`Env::finish`]), so that a typo stops
//! the server at startup instead of leaving a default in place.
//!
//! ```
//! use quickmcp::config::{self, Env};
//! use std::time::Duration;
//!
//! // Tests read from a lookup; `Env::process()` reads the environment.
//! let mut env = Env::from_lookup(|name| (name == "MCP_MAX_SESSIONS").then(|| "500".to_owned()));
//! assert_eq!(env.number(&config::MAX_SESSIONS), 500);
//! assert_eq!(env.seconds(&config::SESSION_TIMEOUT), Duration::from_secs(3600));
//! assert!(env.finish().is_ok());
//!
//! let mut env = Env::from_lookup(|_| Some("soon".to_owned()));
//! assert_eq!(env.seconds(&config::REQUEST_TIMEOUT), config::REQUEST_TIMEOUT.default_duration());
//! let error = env.finish().unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     r#"invalid configuration: MCP_REQUEST_TIMEOUT="soon": expected a whole number of seconds above 0"#
//! );
//! ```

use std::time::Duration;

/// How a variable's value is read: which [`Env`] method reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A whole number above 0 ([`Env::number`]).
    Number,
    /// A whole number, 0 included ([`Env::number`]).
    NumberOrZero,
    /// Whole seconds above 0 ([`Env::seconds`]).
    Seconds,
    /// Whole seconds, 0 included ([`Env::seconds`]).
    SecondsOrZero,
    /// Yes or no ([`Env::flag`]).
    Flag,
    /// Entries separated by commas, at least one ([`Env::list`]).
    List,
    /// Any text that is not blank ([`Env::text`]).
    Text,
    /// Read by a parser its reader gives ([`Env::custom`]).
    Custom,
    /// Like [`Custom`](Self::Custom), and never repeated in messages.
    Secret,
}

/// One `MCP_*` environment variable: an entry of [`VARIABLES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Variable {
    /// Its name, `MCP_…`.
    pub name: &'static str,
    /// Its default as `docs/configuration.md` writes it: the value itself
    /// for numbers, seconds and flags (`10000`, `off`), else a value or
    /// what applies when it is not set (`localhost names`).
    pub default: &'static str,
    /// What a value must be, completing "expected …".
    pub expects: &'static str,
    /// How it is read.
    pub kind: Kind,
}

impl Variable {
    const fn new(name: &'static str, default: &'static str, kind: Kind, expects: &'static str) -> Self {
        Self { name, default, expects, kind }
    }

    const fn number(name: &'static str, default: &'static str) -> Self {
        Self::new(name, default, Kind::Number, "a whole number above 0")
    }

    const fn seconds(name: &'static str, default: &'static str) -> Self {
        Self::new(name, default, Kind::Seconds, "a whole number of seconds above 0")
    }

    const fn list(name: &'static str, default: &'static str) -> Self {
        Self::new(name, default, Kind::List, "a comma-separated list of at least one entry")
    }

    /// The default as a number, for the variables whose default is a whole
    /// number: numbers, seconds, and [`PORT`].
    ///
    /// # Panics
    /// When the default is not a whole number (in a `const`, the build
    /// fails instead).
    pub const fn default_number(&self) -> usize {
        let digits = self.default.as_bytes();
        assert!(!digits.is_empty(), "the default is not a whole number");
        let mut number = 0;
        let mut at = 0;
        while at < digits.len() {
            assert!(digits[at].is_ascii_digit(), "the default is not a whole number");
            number = number * 10 + (digits[at] - b'0') as usize;
            at += 1;
        }
        number
    }

    /// The default of a seconds variable, as a duration.
    ///
    /// # Panics
    /// As [`default_number`](Self::default_number).
    pub const fn default_duration(&self) -> Duration {
        Duration::from_secs(self.default_number() as u64)
    }

    /// The default of a flag: `on` or `off`.
    ///
    /// # Panics
    /// When the default is neither (only [`Kind::Flag`] has one).
    pub const fn default_flag(&self) -> bool {
        match self.default.as_bytes() {
            b"on" => true,
            b"off" => false,
            _ => panic!("the default of a flag is on or off"),
        }
    }
}

// The transport (`quickmcp_axum::McpConfig`).

/// Address to bind.
pub const HOST: Variable = Variable::new("MCP_HOST", "127.0.0.1", Kind::Text, "a host name or address");
/// Port to bind.
pub const PORT: Variable = Variable::new("MCP_PORT", "8000", Kind::Custom, "a port number (0 to 65535)");
/// Path of the endpoint.
pub const PATH: Variable = Variable::new("MCP_PATH", "/mcp", Kind::Custom, "a path starting with /");
/// Stateless mode: no sessions.
pub const STATELESS: Variable =
    Variable::new("MCP_STATELESS", "off", Kind::Flag, "1, true, yes, on, 0, false, no or off");
/// `Host` names accepted (against DNS rebinding).
pub const ALLOWED_HOSTS: Variable = Variable::list("MCP_ALLOWED_HOSTS", "localhost names");
/// `Origin` values accepted.
pub const ALLOWED_ORIGINS: Variable = Variable::list("MCP_ALLOWED_ORIGINS", "localhost origins, any port");
/// Origins answered with CORS headers.
pub const CORS_ORIGINS: Variable = Variable::list("MCP_CORS_ORIGINS", "none");
/// Largest request body, in bytes.
pub const MAX_BODY: Variable = Variable::number("MCP_MAX_BODY", "4194304");
/// Interval of SSE keep-alive comments, in seconds.
pub const KEEP_ALIVE_SECS: Variable = Variable::seconds("MCP_KEEP_ALIVE_SECS", "15");
/// Requests per client address.
pub const RATE_LIMIT: Variable =
    Variable::new("MCP_RATE_LIMIT", "6000/min", Kind::Custom, "COUNT/s, COUNT/min, COUNT/h or off");
/// Proxies whose `X-Forwarded-For` names the client.
pub const TRUSTED_PROXIES: Variable =
    Variable::new("MCP_TRUSTED_PROXIES", "none", Kind::Custom, "comma-separated IP addresses");
/// Requests handled at once.
pub const MAX_CONCURRENT: Variable = Variable::number("MCP_MAX_CONCURRENT", "1024");
/// Bytes of events a slow SSE reader may have queued.
pub const STREAM_BUFFER: Variable = Variable::number("MCP_STREAM_BUFFER", "1048576");
/// Connections open at once.
pub const MAX_CONNECTIONS: Variable = Variable::number("MCP_MAX_CONNECTIONS", "10000");
/// Streams one HTTP/2 connection may have open at once.
pub const HTTP2_MAX_STREAMS: Variable = Variable::number("MCP_HTTP2_MAX_STREAMS", "100");
/// Time a client has to send a request head, in seconds.
pub const HEADER_TIMEOUT_SECS: Variable = Variable::seconds("MCP_HEADER_TIMEOUT_SECS", "10");
/// Time connections and streams get after a shutdown signal, in seconds.
pub const SHUTDOWN_GRACE_SECS: Variable =
    Variable::new("MCP_SHUTDOWN_GRACE_SECS", "10", Kind::SecondsOrZero, "a whole number of seconds");
/// Path of the liveness probe.
pub const HEALTH_PATH: Variable =
    Variable::new("MCP_HEALTH_PATH", "/health", Kind::Custom, "a path starting with / or off");
/// Path of the readiness probe.
pub const READY_PATH: Variable =
    Variable::new("MCP_READY_PATH", "/ready", Kind::Custom, "a path starting with / or off");
/// Where to serve `/metrics` instead of beside the endpoint.
pub const METRICS_ADDR: Variable =
    Variable::new("MCP_METRICS_ADDR", "none", Kind::Custom, "host:port (an IP address and a port)");

// The server (`ServerBuilder`, and the Redis session stores).

/// Sessions open at once.
pub const MAX_SESSIONS: Variable = Variable::number("MCP_MAX_SESSIONS", "10000");
/// Sessions one client address may hold.
pub const MAX_SESSIONS_PER_CLIENT: Variable = Variable::number("MCP_MAX_SESSIONS_PER_CLIENT", "256");
/// How long an unused session lives, in seconds.
pub const SESSION_TIMEOUT: Variable = Variable::seconds("MCP_SESSION_TIMEOUT", "3600");
/// How long a handler may run, in seconds.
pub const REQUEST_TIMEOUT: Variable = Variable::seconds("MCP_REQUEST_TIMEOUT", "600");
/// `subscriptions/listen` streams the server holds open at once.
pub const MAX_LISTENERS: Variable = Variable::number("MCP_MAX_LISTENERS", "10000");
/// `subscriptions/listen` streams one client (principal, else address) holds.
pub const MAX_LISTENERS_PER_CLIENT: Variable = Variable::number("MCP_MAX_LISTENERS_PER_CLIENT", "16");
/// Largest value one `SessionState` holds, in bytes of JSON.
pub const MAX_SESSION_STATE: Variable = Variable::number("MCP_MAX_SESSION_STATE", "1048576");
/// How long a task is kept after its creation, in seconds.
pub const TASK_TTL: Variable = Variable::seconds("MCP_TASK_TTL", "3600");
/// Tasks one replica runs at once.
pub const TASK_WORKERS: Variable = Variable::new(
    "MCP_TASK_WORKERS",
    "4",
    Kind::NumberOrZero,
    "a whole number (0: this process runs no tasks, worker processes do)",
);
/// Bytes a task keeps of its arguments, and of its result.
pub const MAX_TASK_PAYLOAD: Variable = Variable::number("MCP_MAX_TASK_PAYLOAD", "262144");
/// Unfinished tasks one caller (subject, else address) may have at once.
pub const MAX_TASKS_PER_CLIENT: Variable = Variable::number("MCP_MAX_TASKS_PER_CLIENT", "100");
/// Keys signing the stateless era's `requestState`.
pub const STATE_KEYS: Variable = Variable::new(
    "MCP_STATE_KEYS",
    "a random key per process",
    Kind::Secret,
    "id:secret pairs separated by commas, each secret at least 32 characters",
);

// Authentication (`quickmcp_axum::auth::AuthConfig`, feature `auth`).

/// The token issuer; authentication is off without it.
pub const AUTH_ISSUER: Variable = Variable::new(
    "MCP_AUTH_ISSUER",
    "none (no authentication)",
    Kind::Text,
    "the token issuer (the iss of its tokens)",
);
/// This endpoint's public URI.
pub const AUTH_RESOURCE: Variable =
    Variable::new("MCP_AUTH_RESOURCE", "required with the issuer", Kind::Text, "this endpoint's public URI");
/// The audience tokens must carry.
pub const AUTH_AUDIENCE: Variable = Variable::new("MCP_AUTH_AUDIENCE", "the resource URI", Kind::Text, "an audience");
/// Where the issuer's signing keys are.
pub const AUTH_JWKS_URL: Variable =
    Variable::new("MCP_AUTH_JWKS_URL", "from the issuer's metadata", Kind::Text, "the URL of a JWKS");
/// Scopes advertised in the metadata and in challenges.
pub const AUTH_SCOPES: Variable =
    Variable::new("MCP_AUTH_SCOPES", "none", Kind::Custom, "scopes separated by spaces or commas");

/// Whether only RFC 9068 access tokens (`typ: at+jwt`) are accepted.
pub const AUTH_REQUIRE_AT_JWT: Variable =
    Variable::new("MCP_AUTH_REQUIRE_AT_JWT", "off", Kind::Flag, "1, true, yes, on, 0, false, no or off");

/// Whether the development issuer (`quickmcp_axum`, feature `dev-issuer`) may
/// run on a bind address other than loopback.
pub const DEV_ISSUER: Variable =
    Variable::new("MCP_DEV_ISSUER", "off", Kind::Flag, "1, true, yes, on, 0, false, no or off");

// The client's command-line tool (`mcp`, in mcp-client).

/// The bearer token `mcp` sends when `--token` is absent.
pub const TOKEN: Variable = Variable::new("MCP_TOKEN", "none", Kind::Secret, "a bearer token");

/// Every `MCP_*` variable, in the order of `docs/configuration.md`.
pub const VARIABLES: &[Variable] = &[
    HOST,
    PORT,
    PATH,
    STATELESS,
    ALLOWED_HOSTS,
    ALLOWED_ORIGINS,
    CORS_ORIGINS,
    MAX_BODY,
    KEEP_ALIVE_SECS,
    RATE_LIMIT,
    TRUSTED_PROXIES,
    MAX_CONCURRENT,
    STREAM_BUFFER,
    MAX_CONNECTIONS,
    HTTP2_MAX_STREAMS,
    HEADER_TIMEOUT_SECS,
    SHUTDOWN_GRACE_SECS,
    HEALTH_PATH,
    READY_PATH,
    METRICS_ADDR,
    MAX_SESSIONS,
    MAX_SESSIONS_PER_CLIENT,
    SESSION_TIMEOUT,
    REQUEST_TIMEOUT,
    MAX_LISTENERS,
    MAX_LISTENERS_PER_CLIENT,
    MAX_SESSION_STATE,
    TASK_TTL,
    TASK_WORKERS,
    MAX_TASK_PAYLOAD,
    MAX_TASKS_PER_CLIENT,
    STATE_KEYS,
    AUTH_ISSUER,
    AUTH_RESOURCE,
    AUTH_AUDIENCE,
    AUTH_JWKS_URL,
    AUTH_SCOPES,
    AUTH_REQUIRE_AT_JWT,
    DEV_ISSUER,
    TOKEN,
];

/// A value of an `MCP_*` variable that cannot be used. Shown as
/// `MCP_PORT="80a": expected a port number (0 to 65535)`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidValue {
    /// The variable.
    pub variable: Variable,
    /// The value as set; for a [`Kind::Secret`] variable, only its length
    /// (`<12 characters, hidden>`).
    pub value: String,
}

impl std::fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { variable, value } = self;
        match variable.kind {
            Kind::Secret => write!(f, "{}={value}: expected {}", variable.name, variable.expects),
            _ => write!(f, "{}={value:?}: expected {}", variable.name, variable.expects),
        }
    }
}

/// Every refused value of one reading, in the order read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The refused values.
    pub problems: Vec<InvalidValue>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&describe(&self.problems))
    }
}

impl std::error::Error for ConfigError {}

/// `invalid configuration: ` and each problem, separated by `; `.
pub(crate) fn describe(problems: &[InvalidValue]) -> String {
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    format!("invalid configuration: {}", problems.join("; "))
}

/// Reads `MCP_*` variables from the environment or a lookup, keeping every
/// value it refuses for [`finish`](Self::finish). A variable that is not
/// set is not a problem; a blank one is refused like any other bad value.
pub struct Env<'a> {
    lookup: Box<Lookup<'a>>,
    problems: Vec<InvalidValue>,
}

/// Where [`Env`] finds a variable's value (`None`: not set).
type Lookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

impl std::fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env").field("problems", &self.problems).finish_non_exhaustive()
    }
}

impl Env<'static> {
    /// The process environment. A value that is not valid Unicode counts
    /// as not set.
    pub fn process() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

impl<'a> Env<'a> {
    /// Variables as `lookup` gives them (`None`: not set), for tests or
    /// another source than the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self { lookup: Box::new(lookup), problems: Vec::new() }
    }

    /// A [`Kind::Number`] or [`Kind::NumberOrZero`] variable: its value,
    /// else its default (when not set, or refused).
    pub fn number(&mut self, variable: &Variable) -> usize {
        debug_assert!(matches!(variable.kind, Kind::Number | Kind::NumberOrZero), "{} is not a number", variable.name);
        let zero = variable.kind == Kind::NumberOrZero;
        let number = |value: &str| value.parse::<usize>().ok().filter(|n| zero || *n > 0);
        self.read(variable, number).unwrap_or_else(|| variable.default_number())
    }

    /// A [`Kind::Seconds`] or [`Kind::SecondsOrZero`] variable: its value,
    /// else its default.
    pub fn seconds(&mut self, variable: &Variable) -> Duration {
        debug_assert!(matches!(variable.kind, Kind::Seconds | Kind::SecondsOrZero), "{} is not seconds", variable.name);
        let zero = variable.kind == Kind::SecondsOrZero;
        let seconds = |value: &str| value.parse::<u64>().ok().filter(|s| zero || *s > 0).map(Duration::from_secs);
        self.read(variable, seconds).unwrap_or_else(|| variable.default_duration())
    }

    /// A [`Kind::Flag`] variable (`1`, `true`, `yes`, `on` or `0`, `false`,
    /// `no`, `off`, in any case): its value, else its default.
    pub fn flag(&mut self, variable: &Variable) -> bool {
        debug_assert_eq!(variable.kind, Kind::Flag, "{} is not a flag", variable.name);
        self.read(variable, flag).unwrap_or_else(|| variable.default_flag())
    }

    /// A [`Kind::List`] variable, its entries trimmed; `None` when not set
    /// or refused (the default is the reader's).
    pub fn list(&mut self, variable: &Variable) -> Option<Vec<String>> {
        debug_assert_eq!(variable.kind, Kind::List, "{} is not a list", variable.name);
        self.read(variable, |value| Some(split_list(value)).filter(|list| !list.is_empty()))
    }

    /// A [`Kind::Text`] variable, trimmed; `None` when not set or refused.
    pub fn text(&mut self, variable: &Variable) -> Option<String> {
        debug_assert_eq!(variable.kind, Kind::Text, "{} is not text", variable.name);
        self.read(variable, |value| Some(value.to_owned()))
    }

    /// A [`Kind::Custom`] or [`Kind::Secret`] variable, read by `parse`
    /// (which gets the value trimmed, and answers `None` to refuse it);
    /// `None` when not set or refused.
    pub fn custom<T>(&mut self, variable: &Variable, parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        debug_assert!(
            matches!(variable.kind, Kind::Custom | Kind::Secret),
            "{} has an Env method of its kind",
            variable.name
        );
        self.read(variable, parse)
    }

    /// Every value refused so far, as one error.
    pub fn finish(self) -> Result<(), ConfigError> {
        match self.problems.is_empty() {
            true => Ok(()),
            false => Err(ConfigError { problems: self.problems }),
        }
    }

    /// The value of `variable` when set, read by `parse` once trimmed; a
    /// blank value or one `parse` refuses is noted.
    fn read<T>(&mut self, variable: &Variable, parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        let value = (self.lookup)(variable.name)?;
        let trimmed = value.trim();
        let parsed = if trimmed.is_empty() { None } else { parse(trimmed) };
        if parsed.is_none() {
            let value = match variable.kind {
                Kind::Secret => format!("<{} characters, hidden>", value.len()),
                _ => value,
            };
            self.problems.push(InvalidValue { variable: *variable, value });
        }
        parsed
    }
}

/// A yes/no value.
fn flag(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The entries of a comma-separated list, trimmed, without empty ones.
pub fn split_list(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variable table of `docs/configuration.md`: `(name, default)` of
    /// each row whose first cell is an `MCP_*` variable.
    fn documented() -> Vec<(String, String)> {
        include_str!("../../docs/configuration.md")
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.strip_prefix('|')?.split('|').map(str::trim).collect();
                let name = cells.first()?.strip_prefix("`MCP_")?.strip_suffix('`')?;
                Some((format!("MCP_{name}"), cells.get(1)?.replace('`', "")))
            })
            .collect()
    }

    #[test]
    fn the_documented_variables_are_the_variables_read_with_their_defaults() {
        let documented = documented();
        for (name, default) in &documented {
            let variable = VARIABLES.iter().find(|v| v.name == name);
            let variable = variable.unwrap_or_else(|| panic!("{name} is documented but never read"));
            assert_eq!(default, variable.default, "the documented default of {name}");
        }
        for variable in VARIABLES {
            let rows = documented.iter().filter(|(name, _)| name == variable.name).count();
            assert_eq!(rows, 1, "{} has {rows} rows in docs/configuration.md", variable.name);
        }
    }

    #[test]
    fn every_default_is_a_value_its_own_parser_accepts() {
        for variable in VARIABLES {
            let mut env = Env::from_lookup(|_| Some(variable.default.to_owned()));
            match variable.kind {
                Kind::Number | Kind::NumberOrZero => assert_eq!(env.number(variable), variable.default_number()),
                Kind::Seconds | Kind::SecondsOrZero => assert_eq!(env.seconds(variable), variable.default_duration()),
                Kind::Flag => assert_eq!(env.flag(variable), variable.default_flag()),
                _ => continue,
            }
            assert!(env.finish().is_ok(), "{}", variable.name);
        }
    }

    #[test]
    fn names_are_unique_and_prefixed() {
        for (at, variable) in VARIABLES.iter().enumerate() {
            assert!(variable.name.starts_with("MCP_"), "{}", variable.name);
            assert!(!VARIABLES[..at].iter().any(|v| v.name == variable.name), "{} twice", variable.name);
        }
    }

    #[test]
    fn each_kind_refuses_what_it_cannot_use_and_names_it() {
        let cases = [
            (MAX_SESSIONS, "0"),
            (MAX_SESSIONS, "-1"),
            (MAX_SESSIONS, "1e3"),
            (SESSION_TIMEOUT, "1h"),
            (KEEP_ALIVE_SECS, "0"),
            (SHUTDOWN_GRACE_SECS, "-5"),
            (TASK_WORKERS, "-1"),
            (STATELESS, "maybe"),
            (ALLOWED_HOSTS, " , "),
            (HOST, "   "),
            (AUTH_AUDIENCE, ""),
        ];
        for (variable, value) in cases {
            let mut env = Env::from_lookup(|name| (name == variable.name).then(|| value.to_owned()));
            match variable.kind {
                Kind::Number | Kind::NumberOrZero => assert_eq!(env.number(&variable), variable.default_number()),
                Kind::Seconds | Kind::SecondsOrZero => assert_eq!(env.seconds(&variable), variable.default_duration()),
                Kind::Flag => assert_eq!(env.flag(&variable), variable.default_flag()),
                Kind::List => assert_eq!(env.list(&variable), None),
                _ => assert_eq!(env.text(&variable), None),
            }
            let message = env.finish().unwrap_err().to_string();
            let expected = format!("invalid configuration: {}={value:?}: expected {}", variable.name, variable.expects);
            assert_eq!(message, expected);
        }
    }

    #[test]
    fn values_are_trimmed_and_zero_allowed_where_said() {
        let mut env = Env::from_lookup(|name| match name {
            "MCP_MAX_SESSIONS" => Some(" 12 ".into()),
            "MCP_SHUTDOWN_GRACE_SECS" => Some("0".into()),
            "MCP_TASK_WORKERS" => Some("0".into()),
            "MCP_STATELESS" => Some("YES".into()),
            "MCP_ALLOWED_HOSTS" => Some("a.example, ,b.example".into()),
            "MCP_HOST" => Some(" 0.0.0.0 ".into()),
            _ => None,
        });
        assert_eq!(env.number(&MAX_SESSIONS), 12);
        assert_eq!(env.seconds(&SHUTDOWN_GRACE_SECS), Duration::ZERO);
        assert_eq!(env.number(&TASK_WORKERS), 0);
        assert!(env.flag(&STATELESS));
        assert_eq!(env.list(&ALLOWED_HOSTS).unwrap(), ["a.example", "b.example"]);
        assert_eq!(env.text(&HOST).as_deref(), Some("0.0.0.0"));
        assert_eq!(env.list(&CORS_ORIGINS), None, "not set");
        assert!(env.finish().is_ok());
    }

    #[test]
    fn a_secret_is_never_repeated() {
        let mut env = Env::from_lookup(|_| Some("k1:short".to_owned()));
        assert_eq!(env.custom(&STATE_KEYS, |_| None::<()>), None);
        let error = env.finish().unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("short"), "{shown}");
        assert!(shown.contains("MCP_STATE_KEYS=<8 characters, hidden>: expected id:secret pairs"), "{shown}");
    }
}
