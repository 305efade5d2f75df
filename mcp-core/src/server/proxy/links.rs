//! Upstream connections: one per downstream session, so that what the
//! remote keeps per session (log level, subscriptions, state a tool keeps)
//! stays with that session; and one shared by stateless-era callers, task
//! workers and the proxy's own listing. Each is opened on first use,
//! opened again when it died, and closed once its downstream session ended
//! here or it went unused for [`IDLE_LINK`].

use super::RemoteInner;
use super::relay::Relay;
use super::upstream::{Upstream, UpstreamLink};
use crate::Context;
use crate::protocol::ClientCapabilities;
use crate::protocol::jsonrpc::{RpcError, code};
use crate::server::WeakServer;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How long a session's upstream connection may go unused before it is
/// closed (a later call opens a new one).
pub const IDLE_LINK: Duration = Duration::from_secs(30 * 60);

/// How many sessions hold an upstream connection at once unless
/// [`Remote::max_connections`](super::Remote::max_connections) says
/// otherwise. For a stdio remote each is a child process.
pub const DEFAULT_MAX_LINKS: usize = 100;

/// How often ended sessions' connections are looked for.
const REAP_EVERY: Duration = Duration::from_secs(5);

/// One upstream connection and the downstream calls it carries.
pub(super) struct Link {
    pub(super) upstream: Arc<dyn UpstreamLink>,
    pub(super) relay: Arc<Relay>,
    last_used: Mutex<Instant>,
}

impl Link {
    fn touch(&self) {
        *self.last_used.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        self.last_used.lock().unwrap_or_else(|p| p.into_inner()).elapsed()
    }
}

/// A connection being opened or open; callers of one session wait for the
/// same opening.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<Link>>>>;

pub(super) struct Links {
    upstream: Arc<dyn Upstream>,
    shared: Slot,
    sessions: Mutex<HashMap<String, Slot>>,
    /// Most sessions holding a connection at once.
    max: std::sync::atomic::AtomicUsize,
    /// The remote these links serve (its relays report list changes).
    remote: std::sync::OnceLock<Weak<RemoteInner>>,
}

impl Links {
    pub(super) fn new(upstream: Arc<dyn Upstream>) -> Self {
        Self {
            upstream,
            shared: Slot::default(),
            sessions: Mutex::default(),
            max: std::sync::atomic::AtomicUsize::new(DEFAULT_MAX_LINKS),
            remote: std::sync::OnceLock::new(),
        }
    }

    pub(super) fn set_max(&self, max: usize) {
        self.max.store(max.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    pub(super) fn set_remote(&self, remote: Weak<RemoteInner>) {
        let _ = self.remote.set(remote);
    }

    /// The connection shared by callers without a session.
    pub(super) async fn shared(&self) -> Result<Arc<Link>, RpcError> {
        self.open(&self.shared, None, every_capability).await
    }

    /// The connection of the session `ctx` runs in (the shared one without
    /// a session).
    pub(super) async fn for_context(&self, ctx: &Context) -> Result<Arc<Link>, RpcError> {
        self.for_session(ctx.session_id(), ctx.client_capabilities()).await
    }

    /// The connection of `session` (the shared one without a session).
    pub(super) async fn for_downstream(
        &self,
        session: Option<&crate::session::Session>,
    ) -> Result<Arc<Link>, RpcError> {
        let declared = session.and_then(|s| s.record().client_capabilities());
        self.for_session(session.map(|s| s.id()), declared.as_ref()).await
    }

    /// The connection of session `id` (the shared one without a session),
    /// declaring what its client declared.
    async fn for_session(
        &self,
        id: Option<&str>,
        declared: Option<&ClientCapabilities>,
    ) -> Result<Arc<Link>, RpcError> {
        let Some(id) = id else { return self.shared().await };
        let (slot, evicted) = self.slot_for(id)?;
        if let Some(link) = evicted {
            tokio::spawn(async move { link.upstream.close().await });
        }
        // The remote may ask what this session's client can answer.
        let capabilities = || declared.map_or_else(every_capability, mirrored);
        self.open(&slot, Some(id.to_owned()), capabilities).await
    }

    /// The connection in `slot`, opened (declaring `capabilities`) when
    /// there is none or it broke.
    async fn open(
        &self,
        slot: &Slot,
        session: Option<String>,
        capabilities: impl FnOnce() -> Value,
    ) -> Result<Arc<Link>, RpcError> {
        let mut held = slot.lock().await;
        if let Some(link) = held.as_ref().filter(|link| !link.upstream.is_closed()) {
            link.touch();
            return Ok(Arc::clone(link));
        }
        let remote = self.remote.get().cloned().unwrap_or_default();
        let for_session = session.is_some();
        let relay = Arc::new(Relay::new(session, remote));
        let downstream = relay.downstream(capabilities());
        let downstream = if for_session { downstream.for_session() } else { downstream };
        let upstream = self.upstream.connect(downstream).await?;
        let link = Arc::new(Link { upstream, relay, last_used: Mutex::new(Instant::now()) });
        *held = Some(Arc::clone(&link));
        Ok(link)
    }

    /// Session `id`'s slot. A new session over the limit takes the place of
    /// the one unused for longest among those with no call in flight (its
    /// connection is returned, to be closed); when every one is busy it is
    /// refused (`-32004`).
    fn slot_for(&self, id: &str) -> Result<(Slot, Option<Arc<Link>>), RpcError> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = sessions.get(id) {
            return Ok((Arc::clone(slot), None));
        }
        let max = self.max.load(std::sync::atomic::Ordering::Relaxed);
        let mut evicted = None;
        if sessions.len() >= max {
            let idle = sessions
                .iter()
                .filter_map(|(id, slot)| {
                    let held = slot.try_lock().ok()?;
                    let link = held.as_ref()?;
                    link.relay.is_idle().then(|| (id.clone(), link.idle_for(), Arc::clone(link)))
                })
                .max_by_key(|(_, idle_for, _)| *idle_for);
            let Some((oldest, _, link)) = idle else {
                return Err(RpcError::new(
                    code::SERVER_FULL,
                    format!(
                        "Service Unavailable: the proxy holds its most upstream connections ({max}), each in use: \
                         try again later"
                    ),
                ));
            };
            sessions.remove(&oldest);
            evicted = Some(link);
        }
        Ok((Arc::clone(sessions.entry(id.to_owned()).or_default()), evicted))
    }

    /// Open connections (the shared one included).
    pub(super) fn len(&self) -> usize {
        let shared = self.shared.try_lock().map_or(1, |held| usize::from(held.is_some()));
        shared + self.sessions.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Closes, every [`REAP_EVERY`], the connections of sessions that ended
    /// on `server` or went unused for [`IDLE_LINK`]; stops with the remote
    /// or the server.
    pub(super) fn reap_with(&self, remote: Weak<RemoteInner>, server: WeakServer) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(REAP_EVERY).await;
                let (Some(remote), Some(server)) = (remote.upgrade(), server.upgrade()) else { return };
                for link in remote.links.take_ended(|id| !server.sessions().is_live_here(id)) {
                    link.upstream.close().await;
                }
            }
        });
    }

    /// Removes and returns the open connections of sessions that `ended`
    /// or that went idle.
    fn take_ended(&self, ended: impl Fn(&str) -> bool) -> Vec<Arc<Link>> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let mut closing = Vec::new();
        sessions.retain(|id, slot| {
            // A slot being opened is locked: it is in use, keep it.
            let Ok(held) = slot.try_lock() else { return true };
            let idle = held.as_ref().is_none_or(|link| link.idle_for() > IDLE_LINK);
            if !(idle || ended(id)) {
                return true;
            }
            closing.extend(held.clone());
            false
        });
        closing
    }
}

/// What the shared connection declares: everything the proxy can pass on
/// (app-only tools included: the proxy lists them to hosts that show apps).
fn every_capability() -> Value {
    json!({
        "sampling": {},
        "elicitation": {"form": {}, "url": {}},
        "roots": {"listChanged": true},
        "extensions": {
            (crate::tasks::EXTENSION): {},
            (crate::apps::EXTENSION): {"mimeTypes": [crate::apps::MIME_TYPE]},
        },
    })
}

/// What a session's connection (or a stateless-era request) declares: what
/// its client declared (sampling, elicitation, roots, tasks, apps), so that the
/// remote asks only what the client can answer.
pub(super) fn mirrored(declared: &ClientCapabilities) -> Value {
    serde_json::to_value(declared).unwrap_or_else(|_| json!({}))
}
