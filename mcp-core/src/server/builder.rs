//! Configuring a [`Server`]: identity, catalog, shared state and limits.

use super::catalog::{Catalog, SharedCatalog};
use super::mount::{self, Mount};
use super::{Inner, Server, listen};
use crate::config::{self, Env, InvalidValue};
use crate::era::StateKeys;
use crate::handler::{PromptDef, ResourceDef, ToolDef, ToolTransform};
use crate::middleware::Middleware;
use crate::protocol::Implementation;
use crate::session::{MemoryEventStore, MemorySessionStore, Sessions};
use crate::skills::{SkillError, Skills};
use crate::tasks::{MemoryTaskStore, TaskOptions, TaskStore, TaskSupport, Tasks};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Configures a [`Server`].
pub struct ServerBuilder {
    info: Implementation,
    instructions: Option<String>,
    catalog: Catalog,
    duplicates: Vec<String>,
    state: http::Extensions,
    page_size: usize,
    client_request_timeout: Duration,
    request_timeout: Duration,
    max_sessions: usize,
    max_sessions_per_client: usize,
    max_listeners: usize,
    max_listeners_per_client: usize,
    max_session_state: usize,
    session_timeout: Duration,
    sessions: Option<Sessions>,
    state_keys: Option<StateKeys>,
    middleware: Vec<Arc<dyn Middleware>>,
    show_scoped_in_lists: bool,
    mounts: Vec<(String, Server)>,
    /// Remote servers, under their prefix (`None`: names kept).
    remotes: Vec<(Option<String>, super::proxy::Remote)>,
    invalid_env: Vec<InvalidValue>,
    /// What is wrong with the apps registered so far ([`App::problems`](crate::apps::App)).
    invalid_apps: Vec<String>,
    task_store: Option<Arc<dyn TaskStore>>,
    task_options: TaskOptions,
    skills: Skills,
}

impl Server {
    /// Starts building a server named `name` at `version`. The limits start
    /// at their defaults, or at the `MCP_*` environment variables named on
    /// each builder method when they are set; the methods override both.
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> ServerBuilder {
        let mut env = Env::process();
        let request_timeout = env.seconds(&config::REQUEST_TIMEOUT);
        let max_sessions = env.number(&config::MAX_SESSIONS);
        let max_sessions_per_client = env.number(&config::MAX_SESSIONS_PER_CLIENT);
        let session_timeout = env.seconds(&config::SESSION_TIMEOUT);
        let max_listeners = env.number(&config::MAX_LISTENERS);
        let max_listeners_per_client = env.number(&config::MAX_LISTENERS_PER_CLIENT);
        let max_session_state = env.number(&config::MAX_SESSION_STATE);
        let task_options = TaskOptions {
            ttl: env.seconds(&config::TASK_TTL),
            workers: env.number(&config::TASK_WORKERS),
            max_payload: env.number(&config::MAX_TASK_PAYLOAD),
            max_per_client: env.number(&config::MAX_TASKS_PER_CLIENT),
            ..TaskOptions::default()
        };
        let state_keys = env.custom(&config::STATE_KEYS, state_keys);
        let invalid_env = env.finish().err().map(|error| error.problems).unwrap_or_default();
        ServerBuilder {
            info: Implementation { name: name.into(), version: version.into(), title: None },
            instructions: None,
            catalog: Catalog::default(),
            duplicates: Vec::new(),
            state: http::Extensions::new(),
            page_size: 100,
            client_request_timeout: Duration::from_secs(300),
            request_timeout,
            max_sessions,
            max_sessions_per_client,
            max_listeners,
            max_listeners_per_client,
            max_session_state,
            session_timeout,
            invalid_env,
            sessions: None,
            state_keys,
            middleware: Vec::new(),
            show_scoped_in_lists: false,
            mounts: Vec::new(),
            remotes: Vec::new(),
            task_store: None,
            task_options,
            skills: Skills::new(),
            invalid_apps: Vec::new(),
        }
    }
}

/// Why no process could run this server's tasks, if none could: no
/// workers here on a store that no other process sees.
fn unrunnable_tasks(runs_tasks: bool, options: &TaskOptions, store: &dyn TaskStore) -> Vec<String> {
    if runs_tasks && options.workers == 0 && store.in_process() {
        vec![
            "MCP_TASK_WORKERS=0 leaves this server's tasks to worker processes, but its task store is in this \
             process: use a shared store (`RedisTaskStore`, with `REDIS_URL`) or give this process workers"
                .to_owned(),
        ]
    } else {
        Vec::new()
    }
}

/// `MCP_STATE_KEYS`: the keys that sign the stateless era's
/// `requestState`, as `id:secret` pairs separated by commas, newest first;
/// replicas behind one load balancer need the same. A secret has at least
/// 32 characters.
fn state_keys(value: &str) -> Option<StateKeys> {
    let keys: Option<Vec<(String, Vec<u8>)>> = value
        .split(',')
        .map(|pair| {
            let (id, secret) = pair.trim().split_once(':')?;
            (!id.is_empty() && secret.len() >= 32).then(|| (id.to_owned(), secret.as_bytes().to_vec()))
        })
        .collect();
    Some(StateKeys::new(keys?, Duration::from_secs(600)))
}

/// Why a server could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BuildError {
    /// Names registered more than once.
    pub duplicates: Vec<String>,
    /// Handlers whose `State<T>` was never registered with
    /// [`ServerBuilder::state`], as "tool `name` needs `State<Type>`".
    pub missing_state: Vec<String>,
    /// Mount prefixes that cannot prefix names and URIs.
    pub invalid_prefixes: Vec<String>,
    /// `MCP_*` variables with values that cannot be used, each with what it
    /// accepts.
    pub invalid_env: Vec<InvalidValue>,
    /// Skills that break a rule of the skills extension, each with why.
    pub invalid_skills: Vec<SkillError>,
    /// Tool transforms that do not apply to their tool, each with why
    /// ([`ServerBuilder::transform_tool`]).
    pub invalid_transforms: Vec<String>,
    /// MCP Apps mistakes, each with why: a tool showing a page that no
    /// resource serves, a page whose URI is not `ui://`, a declared origin
    /// that is not one ([`ServerBuilder::app`]).
    pub invalid_apps: Vec<String>,
    /// Task settings no process could run tasks with, each with the fix:
    /// no workers (`MCP_TASK_WORKERS=0`) on a store only this process sees.
    pub invalid_tasks: Vec<String>,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut problems = Vec::new();
        if !self.duplicates.is_empty() {
            problems.push(format!("registered more than once: {}", self.duplicates.join(", ")));
        }
        if !self.invalid_env.is_empty() {
            problems.push(config::describe(&self.invalid_env));
        }
        if !self.invalid_prefixes.is_empty() {
            problems.push(format!(
                "mount prefixes may hold only letters, digits, `-` and `_`: {}",
                self.invalid_prefixes.join(", ")
            ));
        }
        if !self.missing_state.is_empty() {
            problems
                .push(format!("shared state never registered with `.state(..)`: {}", self.missing_state.join(", ")));
        }
        if !self.invalid_skills.is_empty() {
            let skills: Vec<String> = self.invalid_skills.iter().map(ToString::to_string).collect();
            problems.push(format!("invalid skills: {}", skills.join("; ")));
        }
        if !self.invalid_transforms.is_empty() {
            problems.push(self.invalid_transforms.join("; "));
        }
        if !self.invalid_apps.is_empty() {
            problems.push(self.invalid_apps.join("; "));
        }
        if !self.invalid_tasks.is_empty() {
            problems.push(self.invalid_tasks.join("; "));
        }
        write!(f, "cannot build the MCP server: {}", problems.join("; "))
    }
}

impl std::error::Error for BuildError {}

impl ServerBuilder {
    /// A display name for the server.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// How to use this server, sent to the client at `initialize`.
    #[must_use]
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Registers one tool.
    #[must_use]
    pub fn tool(mut self, def: ToolDef) -> Self {
        let name = def.tool.name.clone();
        if !self.catalog.tools.insert(name.clone(), def) {
            self.duplicates.push(format!("tool `{name}`"));
        }
        self
    }

    /// Registers tools (see [`tools!`](crate::tools)).
    #[must_use]
    pub fn tools(self, defs: impl IntoIterator<Item = ToolDef>) -> Self {
        defs.into_iter().fold(self, Self::tool)
    }

    /// Transforms the tool that enters the catalog as `name` (see
    /// [`ToolTransform`]): this server's own tools when it is built, tools
    /// added later with [`Server::add_tool`], and mounted and remote
    /// servers' tools (named `prefix_name` here when they have a prefix)
    /// whenever the catalog follows their server.
    /// Transforms given for one name apply in order, each to the previous
    /// one's result; a renamed tool is served, listed, removed and
    /// transformed no further under its new name.
    ///
    /// A transform that does not apply is a build error
    /// ([`BuildError::invalid_transforms`]) for the tools there at build,
    /// and keeps a tool that comes later out (with an error logged). A name
    /// no tool has at build is logged as a warning, not refused: the tool
    /// may come later.
    ///
    /// ```
    /// use quickmcp::handler::{ArgTransform, ToolTransform};
    /// use quickmcp::prelude::*;
    /// use serde_json::json;
    ///
    /// /// Current weather.
    /// #[tool]
    /// async fn get_weather(city: String) -> String {
    ///     format!("sunny in {city}")
    /// }
    ///
    /// let weather = Server::builder("weather", "1.0.0").tools(tools![get_weather]).build();
    /// let app = Server::builder("app", "1.0.0")
    ///     .mount("weather", weather)
    ///     .transform_tool(
    ///         "weather_get_weather",
    ///         ToolTransform::new().rename("forecast").argument("city", ArgTransform::new().rename("place")),
    ///     )
    ///     .build();
    /// assert_eq!(app.tool_names(), ["forecast"]);
    /// ```
    #[must_use]
    pub fn transform_tool(mut self, name: impl Into<String>, transform: ToolTransform) -> Self {
        Arc::make_mut(&mut self.catalog.transforms).entry(name.into()).or_default().push(transform);
        self
    }

    /// Registers one resource or template.
    #[must_use]
    pub fn resource(mut self, def: ResourceDef) -> Self {
        let key = def.key().to_owned();
        if !self.catalog.add_resource(def) {
            self.duplicates.push(format!("resource `{key}`"));
        }
        self
    }

    /// Registers resources (see [`resources!`](crate::resources)).
    #[must_use]
    pub fn resources(self, defs: impl IntoIterator<Item = ResourceDef>) -> Self {
        defs.into_iter().fold(self, Self::resource)
    }

    /// Registers one prompt.
    #[must_use]
    pub fn prompt(mut self, def: PromptDef) -> Self {
        let name = def.prompt.name.clone();
        if !self.catalog.prompts.insert(name.clone(), def) {
            self.duplicates.push(format!("prompt `{name}`"));
        }
        self
    }

    /// Registers prompts (see [`prompts!`](crate::prompts)).
    #[must_use]
    pub fn prompts(self, defs: impl IntoIterator<Item = PromptDef>) -> Self {
        defs.into_iter().fold(self, Self::prompt)
    }

    /// Shares `value` with handlers through `State<T>` (one value per type).
    #[must_use]
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// Items per page of the list methods (default 100).
    #[must_use]
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Serves an app's page (MCP Apps, see [`apps`](crate::apps)) at its
    /// `ui://` URI. Tools show it with `#[tool(ui = "ui://..")]` or
    /// [`ToolDef::with_ui`]; the build fails when a tool shows a page no
    /// resource serves, or when the app declares something a host could
    /// not use (see [`App`](crate::apps::App)).
    ///
    /// ```
    /// use quickmcp::apps::App;
    /// use quickmcp::prelude::*;
    ///
    /// /// The week ahead.
    /// #[tool(ui = "ui://weather/week")]
    /// async fn week(city: String) -> String { format!("{city}: mild") }
    ///
    /// let error = Server::builder("w", "1.0.0").tools(tools![week]).try_build().unwrap_err();
    /// assert!(error.to_string().contains("tool `week` shows `ui://weather/week`, which no resource serves"));
    ///
    /// let page = App::html("ui://weather/week", "<!doctype html><title>The week</title>");
    /// assert!(Server::builder("w", "1.0.0").tools(tools![week]).app(page).try_build().is_ok());
    /// ```
    #[must_use]
    pub fn app(mut self, app: crate::apps::App) -> Self {
        self.invalid_apps.extend(app.problems());
        self.resource(app.into_def())
    }

    /// Serves `skills` (the skills extension, SEP-2640): each file as a
    /// resource `skill://<name>/<path>`, and `skills/list`, `skills/get`
    /// and `resources/directory/read`. Called again, it adds more. A skill
    /// that broke a rule fails the build (see [`Skills::problems`]).
    ///
    /// ```
    /// use quickmcp::Server;
    /// use quickmcp::skills::{Skill, Skills};
    ///
    /// let skills = Skills::new().skill(Skill::new("git-workflow", "Our Git conventions"));
    /// let server = Server::builder("docs", "1.0.0").skills(skills).build();
    /// # let _ = server;
    /// ```
    #[must_use]
    pub fn skills(mut self, skills: Skills) -> Self {
        self.skills = self.skills.merge(skills);
        self
    }

    /// Keeps sessions and their stream events in `sessions` (e.g. shared
    /// stores, so that several replicas serve one client) instead of in
    /// memory; [`max_sessions`](Self::max_sessions),
    /// [`max_sessions_per_client`](Self::max_sessions_per_client) and
    /// [`session_timeout`](Self::session_timeout) then do not apply.
    ///
    /// ```
    /// use quickmcp::Server;
    /// use quickmcp::session::{MemoryEventStore, MemorySessionStore, Sessions};
    /// use std::time::Duration;
    ///
    /// let sessions = Sessions::new(
    ///     MemorySessionStore::new(100, Duration::from_secs(600)),
    ///     MemoryEventStore::new(64, 4),
    /// );
    /// let server = Server::builder("demo", "0.1.0").sessions(sessions).build();
    /// # let _ = server;
    /// ```
    #[must_use]
    pub fn sessions(mut self, sessions: Sessions) -> Self {
        self.sessions = Some(sessions);
        self
    }

    /// Where tasks live and how their work is queued (the tasks extension;
    /// default: [`MemoryTaskStore`], this process only). Replicas that share
    /// a store (`RedisTaskStore`) answer for each other's tasks and run
    /// each other's queued work.
    #[must_use]
    pub fn task_store(mut self, store: impl TaskStore) -> Self {
        self.task_store = Some(Arc::new(store));
        self
    }

    /// Settings of tasks: their TTL (`MCP_TASK_TTL`, seconds), the poll
    /// interval suggested to clients, the workers of this replica
    /// (`MCP_TASK_WORKERS`), how soon a silent worker's task is taken
    /// over, the bytes a task keeps of its arguments and result
    /// (`MCP_MAX_TASK_PAYLOAD`) and the unfinished tasks one caller may
    /// have (`MCP_MAX_TASKS_PER_CLIENT`). Replaces every setting, those from the variables too.
    ///
    /// ```
    /// use quickmcp::{prelude::*, tasks::TaskOptions};
    /// use std::time::Duration;
    ///
    /// let options = TaskOptions { ttl: Duration::from_secs(600), workers: 8, ..TaskOptions::default() };
    /// let server = Server::builder("jobs", "1.0.0").tasks(options).build();
    /// # let _ = server;
    /// ```
    #[must_use]
    pub fn tasks(mut self, options: TaskOptions) -> Self {
        self.task_options = options;
        self
    }

    /// How long a handler waits for the client's answer to a request the
    /// server sent (`ctx.elicit`, `ctx.sample`, `ctx.roots`; default five
    /// minutes, a person may be filling in a form). Past it the call gets
    /// `-32001`, and the session stops waiting.
    #[must_use]
    pub fn client_request_timeout(mut self, timeout: Duration) -> Self {
        self.client_request_timeout = timeout;
        self
    }

    /// How long a tool, resource or prompt handler may run before its call
    /// is answered `-32001` and the handler is dropped (`MCP_REQUEST_TIMEOUT`
    /// in seconds; default ten minutes). Work that takes longer belongs in a
    /// task. Like every timeout here, it needs a Tokio runtime with its time
    /// driver (`#[tokio::main]` has one; a hand-built runtime needs
    /// `enable_time()` or `enable_all()`).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Most sessions open at once in the default memory store
    /// (`MCP_MAX_SESSIONS`, default 10 000).
    #[must_use]
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max;
        self
    }

    /// Most `subscriptions/listen` streams the server holds at once
    /// (`MCP_MAX_LISTENERS`, default 10 000, as many as the connections
    /// `MCP_MAX_CONNECTIONS` lets in); one more is answered with an error
    /// naming the limit. Each idle stream takes about 20 KiB
    /// (docs/performance.md).
    ///
    /// ```
    /// let server = quickmcp::Server::builder("demo", "1.0.0").max_listeners(2000).build();
    /// # let _ = server;
    /// ```
    #[must_use]
    pub fn max_listeners(mut self, max: usize) -> Self {
        self.max_listeners = max;
        self
    }

    /// Most `subscriptions/listen` streams one client holds at once
    /// (`MCP_MAX_LISTENERS_PER_CLIENT`, default 16), counted by its verified
    /// subject, else by its address; one more is answered `-32004` (HTTP
    /// 429). The server holds at most [`max_listeners`](Self::max_listeners)
    /// in all.
    #[must_use]
    pub fn max_listeners_per_client(mut self, max: usize) -> Self {
        self.max_listeners_per_client = max;
        self
    }

    /// Most bytes of JSON one [`SessionState`](crate::context::SessionState)
    /// value holds (`MCP_MAX_SESSION_STATE`, default 1 MiB); a larger
    /// write fails with [`StateError::TooLarge`](crate::context::StateError)
    /// and leaves the stored value as it was.
    #[must_use]
    pub fn max_session_state(mut self, bytes: usize) -> Self {
        self.max_session_state = bytes;
        self
    }

    /// Most sessions one client address may hold at once in the default
    /// memory store (`MCP_MAX_SESSIONS_PER_CLIENT`, default 256); one more
    /// `initialize` is answered 429. Behind a proxy, set
    /// `MCP_TRUSTED_PROXIES` so that clients are told apart.
    #[must_use]
    pub fn max_sessions_per_client(mut self, max: usize) -> Self {
        self.max_sessions_per_client = max;
        self
    }

    /// How long an unused session lives in the default memory store
    /// (`MCP_SESSION_TIMEOUT` in seconds, default one hour).
    #[must_use]
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = timeout;
        self
    }

    /// Adds `middleware` around every request (see [`crate::middleware`]).
    /// Middleware added first runs outermost: it sees the request first and
    /// the result last.
    ///
    /// ```
    /// use quickmcp::Server;
    /// use quickmcp::middleware::{ResponseCache, Timing};
    /// use std::time::Duration;
    ///
    /// let server = Server::builder("demo", "1.0.0")
    ///     .middleware(Timing::new())
    ///     .middleware(ResponseCache::new(Duration::from_secs(30)))
    ///     .build();
    /// # let _ = server;
    /// ```
    #[must_use]
    pub fn middleware(mut self, middleware: impl Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// Whether lists (`tools/list`, `resources/list`, …) show an
    /// authenticated caller the tools, resources and prompts whose scopes
    /// their token lacks. Default `false`: they are left out. Calls to
    /// them are refused either way (403 `insufficient_scope` over HTTP,
    /// naming the scopes, so that a client can step up); show them when
    /// clients should learn what more scopes would allow.
    #[must_use]
    pub fn show_scoped_in_lists(mut self, show: bool) -> Self {
        self.show_scoped_in_lists = show;
        self
    }

    /// Serves `server`'s tools, resources and prompts from this one under
    /// `prefix` (letters, digits, `-`, `_`): tools and prompts as
    /// `prefix_name`, resources as `scheme://prefix/path`. Each keeps its
    /// own state and middleware (run inside this server's), and changes to
    /// `server`'s catalog show here (with `list_changed` to this server's
    /// clients). A name that clashes with one of this server's is a build
    /// error naming both.
    ///
    /// ```
    /// use quickmcp::prelude::*;
    ///
    /// /// Current weather.
    /// #[tool]
    /// async fn get_weather(city: String) -> String {
    ///     format!("sunny in {city}")
    /// }
    ///
    /// let weather = Server::builder("weather", "1.0.0").tools(tools![get_weather]).build();
    /// let app = Server::builder("app", "1.0.0").mount("weather", weather).build();
    /// assert_eq!(app.tool_names(), ["weather_get_weather"]);
    /// ```
    #[must_use]
    pub fn mount(mut self, prefix: impl Into<String>, server: Server) -> Self {
        self.mounts.push((prefix.into(), server));
        self
    }

    /// Serves a remote MCP server's tools, resources and prompts as this
    /// server's own, under the names the remote gives them (see
    /// [`proxy`](crate::proxy)). Names already taken here fail the build.
    #[must_use]
    pub fn proxy(mut self, remote: super::proxy::Remote) -> Self {
        self.remotes.push((None, remote));
        self
    }

    /// Serves a remote MCP server under `prefix`, as [`mount`](Self::mount)
    /// does a local one: its tools and prompts as `prefix_name`, its
    /// resources as `scheme://prefix/path`.
    #[must_use]
    pub fn mount_remote(mut self, prefix: impl Into<String>, remote: super::proxy::Remote) -> Self {
        self.remotes.push((Some(prefix.into()), remote));
        self
    }

    /// Keys that sign the `requestState` of multi-round-trip requests in the
    /// stateless era. Replicas behind a load balancer must share them: set
    /// them here or in `MCP_STATE_KEYS` (`id:secret` pairs, newest first,
    /// separated by commas; secrets of 32 characters or more). The default
    /// is a random key per process.
    #[must_use]
    pub fn request_state_keys(mut self, keys: StateKeys) -> Self {
        self.state_keys = Some(keys);
        self
    }

    /// Builds the server, or lists what is wrong: names registered twice,
    /// handlers taking a `State<T>` that [`state`](Self::state) never
    /// registered.
    ///
    /// ```
    /// use quickmcp::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct Notes;
    ///
    /// /// Counts the notes.
    /// #[tool]
    /// async fn count_notes(State(_notes): State<Notes>) -> String {
    ///     "0".into()
    /// }
    ///
    /// let error = Server::builder("notes", "0.1.0").tools(tools![count_notes]).try_build().unwrap_err();
    /// assert!(error.to_string().contains("tool `count_notes` needs `State<"));
    /// assert!(Server::builder("notes", "0.1.0").tools(tools![count_notes]).state(Notes).try_build().is_ok());
    /// ```
    // Built once, at startup: the error's size (one list per kind of
    // mistake) costs nothing worth a `Box` in the signature.
    #[allow(clippy::result_large_err)]
    pub fn try_build(mut self) -> Result<Server, BuildError> {
        let (skill_manifests, invalid_skills) = std::mem::take(&mut self.skills).into_parts();
        let skills = super::skills::register(skill_manifests, &mut self.catalog, &mut self.duplicates);
        self.catalog.entered = Some(Default::default());
        let (renamed_twice, failed) = self.catalog.transform_tools();
        self.duplicates.extend(renamed_twice);
        let mut invalid_transforms: Vec<String> = failed.iter().map(ToString::to_string).collect();
        let missing_state = self.catalog.missing_state(&self.state);
        // This server's own tools; mounted servers checked theirs when they
        // were built, and a remote's pages are the remote's to serve.
        let mut invalid_apps = std::mem::take(&mut self.invalid_apps);
        invalid_apps.extend(super::apps::missing_pages(&self.catalog));
        let invalid_prefixes: Vec<String> =
            self.mounts.iter().map(|(prefix, _)| prefix).filter(|p| !mount::valid_prefix(p)).cloned().collect();
        let remote_prefixes = self.remotes.iter().filter_map(|(prefix, _)| prefix.as_ref());
        let invalid_prefixes: Vec<String> =
            invalid_prefixes.into_iter().chain(remote_prefixes.filter(|p| !mount::valid_prefix(p)).cloned()).collect();
        for (prefix, remote) in &self.remotes {
            if !remote.set_prefix(prefix.clone().unwrap_or_default()) {
                self.duplicates.push(format!("remote {remote:?} (served twice)"));
                continue;
            }
            let synced = remote.sync(&mut self.catalog);
            self.duplicates.extend(synced.clashes);
            invalid_transforms.extend(synced.failed.iter().map(ToString::to_string));
        }
        let mounts: Vec<Arc<Mount>> =
            self.mounts.into_iter().map(|(prefix, server)| Arc::new(Mount::new(prefix, server))).collect();
        for mount in &mounts {
            let synced = mount.sync(&mut self.catalog);
            self.duplicates.extend(synced.clashes);
            invalid_transforms.extend(synced.failed.iter().map(ToString::to_string));
        }
        let entered = self.catalog.entered.take().unwrap_or_default();
        for name in self.catalog.transforms.keys().filter(|name| !entered.contains(*name)) {
            tracing::warn!("a transform names tool `{name}`, which this server does not have yet");
        }
        let task_store = self.task_store.unwrap_or_else(|| Arc::new(MemoryTaskStore::new()));
        let runs_tasks = self.catalog.tools.iter().any(|def| def.task.support != TaskSupport::Forbidden);
        let invalid_tasks = unrunnable_tasks(runs_tasks, &self.task_options, &*task_store);
        let problems = !self.duplicates.is_empty()
            || !missing_state.is_empty()
            || !invalid_prefixes.is_empty()
            || !self.invalid_env.is_empty()
            || !invalid_skills.is_empty()
            || !invalid_transforms.is_empty()
            || !invalid_apps.is_empty()
            || !invalid_tasks.is_empty();
        if problems {
            let (duplicates, invalid_env) = (self.duplicates, self.invalid_env);
            return Err(BuildError {
                duplicates,
                missing_state,
                invalid_prefixes,
                invalid_env,
                invalid_skills,
                invalid_transforms,
                invalid_apps,
                invalid_tasks,
            });
        }
        // Both eras promise the same: the stateless era carries list-changed
        // and resource-updated notifications on `subscriptions/listen`
        // streams, as the session era does on its GET stream.
        let mut capabilities = json!({
            "tools": { "listChanged": true },
            "resources": { "subscribe": true, "listChanged": true },
            "prompts": { "listChanged": true },
            "logging": {},
            "completions": {},
        });
        // Tasks are offered when a tool can run as one.
        if runs_tasks {
            capabilities["extensions"][crate::tasks::EXTENSION] = json!({});
        }
        if !skills.is_empty() {
            capabilities["extensions"][crate::skills::EXTENSION] = super::skills::capability();
        } else if let Some(declared) =
            self.remotes.iter().find_map(|(_, remote)| remote.extension(crate::skills::EXTENSION))
        {
            // Passed on to the remote that has them.
            capabilities["extensions"][crate::skills::EXTENSION] = declared.clone();
        }
        if super::apps::offered(&self.catalog) {
            capabilities["extensions"][crate::apps::EXTENSION] = json!({});
        }
        let stateless_capabilities = capabilities.clone();
        let server = Server {
            inner: Arc::new(Inner {
                info: self.info,
                instructions: self.instructions,
                capabilities,
                stateless_capabilities,
                state_keys: self.state_keys.unwrap_or_else(StateKeys::random),
                catalog: SharedCatalog::new(self.catalog),
                listeners: listen::Listeners::new(self.max_listeners, self.max_listeners_per_client),
                max_session_state: self.max_session_state,
                state: self.state,
                sessions: self.sessions.unwrap_or_else(|| {
                    let store = MemorySessionStore::new(self.max_sessions, self.session_timeout)
                        .max_per_client(self.max_sessions_per_client);
                    Sessions::new(store, MemoryEventStore::default())
                }),
                page_size: self.page_size,
                client_request_timeout: self.client_request_timeout,
                request_timeout: self.request_timeout,
                middleware: self.middleware,
                show_scoped_in_lists: self.show_scoped_in_lists,
                mounts,
                remotes: self.remotes.into_iter().map(|(_, remote)| remote).collect(),
                parents: std::sync::Mutex::default(),
                tasks: Arc::new(Tasks::new(task_store, self.task_options)),
                skills,
            }),
        };
        for remote in &server.inner.remotes {
            remote.attach(&server);
        }
        for mount in &server.inner.mounts {
            mount.server.add_parent(Arc::downgrade(&server.inner), Arc::downgrade(mount));
        }
        let notified = Arc::downgrade(&server.inner);
        server.inner.sessions.on_notice(Box::new(move |method, uri| {
            if let Some(inner) = notified.upgrade() {
                Server { inner }.on_remote_notice(method, uri);
            }
        }));
        Ok(server)
    }

    /// Builds the server.
    ///
    /// # Panics
    /// When [`try_build`](Self::try_build) fails (a name registered twice,
    /// a `State<T>` never registered, an `MCP_*` variable with a value it
    /// cannot use): a mistake to fix before the server starts, and the
    /// message names every case.
    pub fn build(self) -> Server {
        match self.try_build() {
            Ok(server) => server,
            Err(e) => panic!("{e}"),
        }
    }
}
