//! Proxying: another MCP server's tools, resources and prompts served as
//! this server's own.
//!
//! A [`Remote`] is a catalog source backed by a client connection. Mounted
//! with [`ServerBuilder::proxy`](super::ServerBuilder::proxy) (names kept) or
//! [`ServerBuilder::mount_remote`](super::ServerBuilder::mount_remote)
//! (`prefix_name`, `scheme://prefix/path`, as [`mount`](super::ServerBuilder::mount)
//! does for a local server), its components sit in the catalog beside local
//! ones, so middleware, scopes, visibility, transforms, metrics and rate
//! limits apply to them unchanged.
//!
//! - `upstream`: what a client library implements to be proxied
//!   ([`Upstream`], [`UpstreamLink`]) and what it hands the remote's
//!   requests and notifications to ([`Downstream`]);
//! - `links`: one upstream connection per downstream session, opened
//!   lazily, reopened when it died, closed when the session ends;
//! - `relay`: the calls in flight on a link, which the remote's questions
//!   (sampling, elicitation, roots), progress and logs go back through;
//! - `components`: the remote's listing as tool, resource and prompt
//!   definitions whose handlers call the remote.
//!
//! `quickmcp-client` implements [`Upstream`] for every transport it has.

mod components;
mod links;
mod relay;
mod upstream;

pub use links::{DEFAULT_MAX_LINKS, IDLE_LINK};
pub use upstream::{Asked, Downstream, Upstream, UpstreamLink};

use super::catalog::{Catalog, Synced};
use super::{Server, WeakServer};
use crate::protocol::jsonrpc::RpcError;
use components::{Listing, Placed};
use links::Links;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A remote MCP server, connected and listed, ready to be served through
/// this one. Cheap to clone; serve it from one server.
///
/// ```no_run
/// # async fn run(upstream: impl quickmcp::proxy::Upstream) -> Result<(), quickmcp::protocol::jsonrpc::RpcError> {
/// use quickmcp::{Server, proxy::Remote};
///
/// let remote = Remote::connect(upstream).await?;
/// let server = Server::builder("gateway", "1.0.0").mount_remote("files", remote).build();
/// # let _ = server; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Remote {
    inner: Arc<RemoteInner>,
}

struct RemoteInner {
    links: Links,
    /// What the remote said of itself on the first connection
    /// (`serverInfo`, `capabilities`, `instructions`).
    declared: OnceLock<serde_json::Value>,
    /// What the remote offers, as last listed.
    listing: Mutex<Listing>,
    /// Set when mounted: the name prefix (empty: names kept).
    prefix: OnceLock<String>,
    /// The server serving it, once built.
    server: OnceLock<WeakServer>,
    /// What its components are registered under in that server's catalog.
    placed: Mutex<Placed>,
    /// A new listing is being fetched (after a `list_changed`).
    relisting: AtomicBool,
}

impl Remote {
    /// Connects to `upstream` and lists what it offers.
    pub async fn connect(upstream: impl Upstream) -> Result<Self, RpcError> {
        let inner = Arc::new(RemoteInner {
            links: Links::new(Arc::new(upstream)),
            declared: OnceLock::new(),
            listing: Mutex::default(),
            prefix: OnceLock::new(),
            server: OnceLock::new(),
            placed: Mutex::default(),
            relisting: AtomicBool::new(false),
        });
        inner.links.set_remote(Arc::downgrade(&inner));
        let shared = inner.links.shared().await?;
        let _ = inner.declared.set(shared.upstream.server().clone());
        let listing = Listing::fetch(&shared).await?;
        *inner.listing.lock().unwrap_or_else(|p| p.into_inner()) = listing;
        Ok(Self { inner })
    }

    /// The remote's `initialize` (or `server/discover`) result when it
    /// was connected: its `serverInfo`, capabilities and instructions.
    pub fn server_info(&self) -> &serde_json::Value {
        static NOTHING: serde_json::Value = serde_json::Value::Null;
        self.inner.declared.get().unwrap_or(&NOTHING)
    }

    /// What the remote declared for the extension `id`, when it is served
    /// with its own names (extension methods are passed on only then).
    pub(super) fn extension(&self, id: &str) -> Option<&serde_json::Value> {
        let declared = self.server_info()["capabilities"]["extensions"].get(id)?;
        self.prefix().is_empty().then_some(declared)
    }

    /// Passes `method` on to the remote as it came, on the connection of
    /// `session` (the shared one without a session).
    pub(super) async fn forward(
        &self,
        method: &str,
        params: Option<&serde_json::value::RawValue>,
        session: Option<&crate::session::Session>,
    ) -> Result<Box<serde_json::value::RawValue>, RpcError> {
        let params = match params {
            Some(raw) => serde_json::from_str(raw.get()).map_err(RpcError::invalid_params)?,
            None => serde_json::json!({}),
        };
        let link = self.inner.links.for_downstream(session).await?;
        let result = link.upstream.request(method, params).await?;
        crate::protocol::jsonrpc::to_raw(&result)
    }

    /// Lets at most `max` sessions hold an upstream connection at once
    /// (default [`DEFAULT_MAX_LINKS`]; for a stdio remote each is a child
    /// process). A new session past it takes the place of the session
    /// whose connection went unused longest with no call in flight (that
    /// session reconnects when it next calls); when all are busy, the call
    /// is refused with `-32004`.
    ///
    /// ```no_run
    /// # async fn run(upstream: impl quickmcp::proxy::Upstream) -> Result<(), quickmcp::protocol::jsonrpc::RpcError> {
    /// let remote = quickmcp::proxy::Remote::connect(upstream).await?.max_connections(20);
    /// # let _ = remote; Ok(()) }
    /// ```
    #[must_use]
    pub fn max_connections(self, max: usize) -> Self {
        self.inner.links.set_max(max);
        self
    }

    /// How many upstream connections are open (one per downstream session
    /// that used the remote, plus the shared one).
    pub fn open_links(&self) -> usize {
        self.inner.links.len()
    }

    /// Names it in the catalog under `prefix` (empty: as the remote names
    /// them); `false` when it was already mounted.
    pub(super) fn set_prefix(&self, prefix: String) -> bool {
        self.inner.prefix.set(prefix).is_ok()
    }

    fn prefix(&self) -> &str {
        self.inner.prefix.get().map_or("", String::as_str)
    }

    /// Puts its components into `catalog` (replacing the previous ones;
    /// tools through the catalog's transforms); names already taken there
    /// are returned as clashes, with the transforms that did not apply.
    pub(super) fn sync(&self, catalog: &mut Catalog) -> Synced {
        let listing = self.inner.listing.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut placed = self.inner.placed.lock().unwrap_or_else(|p| p.into_inner());
        components::place(self, &listing, catalog, &mut placed)
    }

    /// Starts following the remote for `server`: its list changes, and the
    /// sessions whose links must close when they end.
    pub(super) fn attach(&self, server: &Server) {
        if self.inner.server.set(server.downgrade()).is_ok() {
            self.inner.links.reap_with(self.downgrade(), server.downgrade());
        }
    }

    /// Whether the resource (or template) registered under `key` is
    /// this remote's.
    pub(super) fn serves_resource(&self, key: &str) -> bool {
        self.inner.placed.lock().unwrap_or_else(|p| p.into_inner()).resources.iter().any(|k| k == key)
    }

    /// Subscribes `session` to `uri` at the remote (or unsubscribes),
    /// so that the remote tells it when the resource changes.
    pub(super) async fn forward_subscription(
        &self,
        session: &crate::session::Session,
        uri: &str,
        subscribe: bool,
    ) -> Result<(), RpcError> {
        let Some(own) = super::prefix::own_uri(self.prefix(), uri) else { return Ok(()) };
        let method = if subscribe { "resources/subscribe" } else { "resources/unsubscribe" };
        let link = self.inner.links.for_downstream(Some(session)).await?;
        match link.upstream.request(method, serde_json::json!({"uri": own})).await {
            // A stateless-era remote has no subscriptions (its updates come
            // on `subscriptions/listen` streams).
            Err(error) if error.code == crate::protocol::jsonrpc::code::METHOD_NOT_FOUND => Ok(()),
            result => result.map(drop),
        }
    }

    /// The remote said `uri` changed: tell the session whose connection it
    /// came on (it subscribed there), or, on the shared connection, the
    /// stateless era's listeners.
    fn resource_updated(&self, session: Option<&str>, uri: &str) {
        let Some(server) = self.server() else { return };
        let uri = super::prefix::uri(self.prefix(), uri);
        match session {
            Some(session) => {
                let params = serde_json::json!({"uri": uri});
                let message = crate::protocol::jsonrpc::encode_notification("notifications/resources/updated", &params);
                server.sessions().notify_session(session, &message);
            }
            None => server.inner.listeners.resource_updated(&uri),
        }
    }

    fn server(&self) -> Option<Server> {
        self.inner.server.get()?.upgrade()
    }

    fn downgrade(&self) -> std::sync::Weak<RemoteInner> {
        Arc::downgrade(&self.inner)
    }

    /// The remote said a list changed: list again (once at a time) and
    /// swap the components in, then tell our clients.
    fn relist(&self, method: String) {
        if self.inner.relisting.swap(true, Ordering::AcqRel) {
            return;
        }
        let remote = self.clone();
        tokio::spawn(async move {
            let listing = match remote.inner.links.shared().await {
                Ok(link) => Listing::fetch(&link).await,
                Err(error) => Err(error),
            };
            remote.inner.relisting.store(false, Ordering::Release);
            let listing = match listing {
                Ok(listing) => listing,
                Err(error) => return tracing::warn!(%error, "the remote server's lists could not be read again"),
            };
            *remote.inner.listing.lock().unwrap_or_else(|p| p.into_inner()) = listing;
            let Some(server) = remote.server() else { return };
            let synced = server.inner.catalog.edit(|catalog| remote.sync(catalog), &server.inner.state);
            for clash in synced.clashes {
                tracing::warn!("proxied {clash} is not served: the name is taken");
            }
            for error in synced.failed {
                tracing::error!("{error}: the proxied tool is not served");
            }
            server.announce_list_changed(&method);
        });
    }
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("prefix", &self.prefix()).finish_non_exhaustive()
    }
}
