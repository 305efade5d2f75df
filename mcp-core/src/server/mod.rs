//! The server: what it offers and how a message reaches a handler,
//! whatever transport carried it.
//!
//! - `builder`: configuring a [`Server`];
//! - `catalog`: tools, resources and prompts, runtime changes and their
//!   `list_changed` notifications;
//! - `inbound`: the one entry of every transport ([`Server::receive`]):
//!   classification, era, session open and lookup, duplicate ids;
//! - `dispatch`: the 2025-11-25 era's method table, notifications and the
//!   client's answers;
//! - `stateless`: the 2026-07-28 era's method table and multi-round calls;
//! - `access`: may this caller use this component (the scopes it
//!   declares, checked for every authenticated caller);
//! - `call`: running a handler, the one path every `tools/call`,
//!   `resources/read` and `prompts/get` of either era takes;
//! - `listen`: the stateless era's `subscriptions/listen` streams;
//! - `tasks`: the tasks extension's methods, and calls answered with a task;
//! - `task_worker`: this replica's workers, which run queued tasks;
//! - `task_operator`: worker processes, draining, and task statistics;
//! - `task_follow`: a session's tasks' status on its GET stream;
//! - `skills`: the skills extension's methods;
//! - `prefix`: how a mount's prefix renames what it offers;
//! - `proxy`: remote servers served through this one ([`proxy::Remote`]).

mod access;
mod apps;
mod builder;
mod call;
mod catalog;
mod dispatch;
mod inbound;
mod listen;
mod mount;
mod prefix;
pub mod proxy;
mod registry;
mod skills;
mod stateless;
mod task_follow;
mod task_operator;
mod task_worker;
mod tasks;

pub use crate::tasks::MAX_INPUT_RESPONSES;
pub use builder::{BuildError, ServerBuilder};
pub use dispatch::{MAX_SUBSCRIBED_URI, MAX_SUBSCRIPTIONS};
pub use inbound::{Arrival, EraCheck, Refusal, Routed, SessionSource};
pub use listen::{MAX_WATCHED_TASKS, META_SUBSCRIPTION_ID, SubscriptionFilter};

use crate::era::StateKeys;
use crate::protocol::Implementation;
use crate::session::Sessions;
use serde_json::Value;
use std::sync::Arc;

/// An MCP server: cheap to clone, shared by every transport that serves it.
///
/// ```
/// use quickmcp::prelude::*;
///
/// /// Adds two numbers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> String {
///     (a + b).to_string()
/// }
///
/// let server = Server::builder("calculator", "1.0.0").tools(tools![add]).build();
/// assert_eq!(server.info().name, "calculator");
/// ```
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    info: Implementation,
    instructions: Option<String>,
    capabilities: Value,
    stateless_capabilities: Value,
    state_keys: StateKeys,
    catalog: catalog::SharedCatalog,
    listeners: listen::Listeners,
    /// Most bytes of JSON one `SessionState` value holds.
    max_session_state: usize,
    state: http::Extensions,
    sessions: Sessions,
    page_size: usize,
    client_request_timeout: std::time::Duration,
    request_timeout: std::time::Duration,
    /// Outermost first; empty: requests take the direct path.
    middleware: Vec<Arc<dyn crate::middleware::Middleware>>,
    /// Whether lists show authenticated callers what their scopes do not
    /// allow (`ServerBuilder::show_scoped_in_lists`).
    show_scoped_in_lists: bool,
    /// Servers mounted in this one (their proxies live in the catalog).
    mounts: Vec<Arc<mount::Mount>>,
    /// Remote servers served through this one (their components live in
    /// the catalog).
    remotes: Vec<proxy::Remote>,
    /// Servers this one is mounted in, told when its catalog changes.
    parents: std::sync::Mutex<Vec<(std::sync::Weak<Inner>, std::sync::Weak<mount::Mount>)>>,
    /// Tasks: their store, settings and this replica's workers.
    tasks: Arc<crate::tasks::Tasks>,
    /// The skills served, by the URI of their `SKILL.md`.
    skills: registry::Registry<crate::skills::Manifest>,
}

/// A [`Server`] that does not keep it alive: what background work (task
/// workers, a metrics gauge) holds.
#[derive(Clone)]
pub struct WeakServer(std::sync::Weak<Inner>);

impl WeakServer {
    /// The server, while something else keeps it alive.
    pub fn upgrade(&self) -> Option<Server> {
        self.0.upgrade().map(|inner| Server { inner })
    }
}

impl Server {
    /// A handle that does not keep this server alive.
    pub fn downgrade(&self) -> WeakServer {
        WeakServer(Arc::downgrade(&self.inner))
    }

    /// Name and version.
    pub fn info(&self) -> &Implementation {
        &self.inner.info
    }

    /// The sessions of the 2025-11-25 era: the registry itself stays
    /// inside the crate. Transports find the one session a message names
    /// with [`Server::find_session`], bound to its caller as any client is;
    /// tools see their own through [`Context::session`](crate::Context::session).
    pub(crate) fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// Whether this server keeps sessions (a stateless server's
    /// `Sessions::none()` does not).
    pub fn keeps_sessions(&self) -> bool {
        self.inner.sessions.keeps_sessions()
    }

    /// How many sessions the session store holds (the `mcp_sessions_active`
    /// gauge).
    pub async fn session_count(&self) -> Result<usize, crate::session::StoreError> {
        self.inner.sessions.count().await
    }

    /// Whether every store this server depends on answers (readiness
    /// probes); the error names the one that does not.
    pub async fn ready(&self) -> Result<(), String> {
        self.inner.sessions.ready().await
    }

    /// How long a handler waits for the client to answer a request the
    /// server sent it (elicitation, sampling, roots).
    pub fn client_request_timeout(&self) -> std::time::Duration {
        self.inner.client_request_timeout
    }

    /// How long a request's handler may run.
    pub(crate) fn request_timeout(&self) -> std::time::Duration {
        self.inner.request_timeout
    }

    /// Most bytes of JSON one [`SessionState`](crate::context::SessionState)
    /// value holds ([`ServerBuilder::max_session_state`]).
    pub fn max_session_state(&self) -> usize {
        self.inner.max_session_state
    }

    /// Shared state of type `T`.
    pub fn state<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.inner.state.get::<T>().cloned()
    }
}

impl std::fmt::Debug for WeakServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeakServer").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("info", &self.inner.info).finish_non_exhaustive()
    }
}
