//! Sessions shared by replicas ([`Sessions::shared`]): signals to and from
//! the others over the [`SessionBus`], `resources/updated` appended to
//! subscribed sessions' streams wherever they are held, and the standalone
//! stream recorded in the store.

use super::live::Delivery;
use super::{Event, EventId, ResumeError, Session, Sessions, Signal, StoreError, StreamId, Swap, run_now_or_spawn};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Handles a notice from another replica: the notification's method and,
/// for `resources/updated`, the URI.
pub(crate) type NoticeHandler = Box<dyn Fn(&str, Option<&str>) + Send + Sync>;

/// The value naming a session's standalone stream, with shared stores.
pub(super) const STANDALONE: &str = "mcp.standalone";

/// `resources/updated` notifications waiting to be appended to subscribed
/// sessions' streams; beyond, new ones are dropped (and logged).
const PENDING_UPDATES: usize = 4096;

impl Sessions {
    /// Hands `signal` to other replicas on a task of its own; `false`
    /// when there are none (no bus).
    pub(super) fn signal_others(&self, signal: Signal) -> bool {
        if self.shared.bus.is_none() {
            return false;
        }
        let sessions = self.clone();
        run_now_or_spawn(async move {
            if let Some(bus) = &sessions.shared.bus
                && let Err(error) = bus.publish(signal).await
            {
                tracing::debug!(%error, "a signal could not be handed to other replicas");
            }
        });
        true
    }

    /// Whether other replicas share these sessions (a bus is set).
    pub(crate) fn is_shared(&self) -> bool {
        self.shared.bus.is_some()
    }

    /// Sets what to do with other replicas' notices (the server does, once).
    pub(crate) fn on_notice(&self, handler: NoticeHandler) {
        let _ = self.shared.notices.set(handler);
    }

    /// Tells other replicas' listening clients about `method` (for `uri`).
    pub(crate) fn announce(&self, method: &str, uri: Option<&str>) {
        self.signal_others(Signal::Notice { method: method.to_owned(), uri: uri.map(str::to_owned) });
    }

    /// With shared stores: appends `message` (a `resources/updated` for
    /// `uri`) to the standalone stream of every session subscribed to `uri`,
    /// on whichever replica, in the order of the calls; the connection
    /// holding the stream gets it here or through the bus, and a client
    /// that was between connections gets it by resuming.
    pub(crate) fn resource_updated(&self, uri: &str, message: Vec<u8>) {
        let Some(queue) = self.update_queue() else {
            return;
        };
        if queue.try_send((uri.to_owned(), message)).is_err() {
            tracing::warn!(uri, "resources/updated dropped: {PENDING_UPDATES} notifications are already waiting");
        }
    }

    /// The ordered worker of [`resource_updated`](Self::resource_updated),
    /// started on first use; `None` without a Tokio runtime.
    fn update_queue(&self) -> Option<&tokio::sync::mpsc::Sender<(String, Vec<u8>)>> {
        if let Some(queue) = self.shared.updates.get() {
            return Some(queue);
        }
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(String, Vec<u8>)>(PENDING_UPDATES);
        if self.shared.updates.set(tx).is_ok() {
            let shared = Arc::downgrade(&self.shared);
            runtime.spawn(async move {
                while let Some((uri, message)) = rx.recv().await {
                    let Some(shared) = shared.upgrade() else { break };
                    let sessions = Sessions { shared };
                    if let Err(error) = sessions.append_to_subscribers(&uri, message).await {
                        tracing::warn!(%error, uri, "resources/updated could not reach subscribed sessions");
                    }
                }
            });
        }
        self.shared.updates.get()
    }

    async fn append_to_subscribers(&self, uri: &str, message: Vec<u8>) -> Result<(), StoreError> {
        for id in self.shared.store.subscribers(uri).await? {
            let Some(stream) = self.stored_standalone(&id).await? else {
                continue; // no GET stream yet: nowhere to send it, as in one process
            };
            let live = self.shared.live.get(&id).unwrap_or_default();
            if let Err(error) = self.publish(&id, &live, stream, message.clone()).await {
                tracing::debug!(?error, "a subscribed session's stream is gone");
            }
        }
        Ok(())
    }

    /// The standalone stream of session `id` recorded in the shared store.
    pub(super) async fn stored_standalone(&self, id: &str) -> Result<Option<StreamId>, StoreError> {
        let value = self.shared.store.load_value(id, STANDALONE).await?;
        Ok(value.and_then(|hex| u64::from_str_radix(&hex, 16).ok()).map(StreamId))
    }

    /// Acts on other replicas' signals for the live handles held here,
    /// once per `Sessions`, while it exists; needs a running Tokio runtime.
    pub(super) fn start_listener(&self) {
        let Some(bus) = &self.shared.bus else {
            return;
        };
        if self.shared.listening.load(Ordering::Relaxed) || self.shared.listening.swap(true, Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.shared.listening.store(false, Ordering::Relaxed);
            return;
        };
        let mut signals = bus.listen();
        let shared = Arc::downgrade(&self.shared);
        let ended = tokio_util::sync::CancellationToken::new();
        let _ = self.shared.listener.set(ended.clone().drop_guard());
        runtime.spawn(async move {
            // Ends with the sessions: dropping `signals` ends the bus's
            // subscription too.
            while let Some(signal) = ended.run_until_cancelled(signals.recv()).await.flatten() {
                let Some(shared) = shared.upgrade() else {
                    break;
                };
                Sessions { shared }.act_on(signal);
            }
        });
    }
}

impl Sessions {
    /// Does what another replica's `signal` asks of a live handle held
    /// here; nothing when none is.
    fn act_on(&self, signal: Signal) {
        let shared = &self.shared;
        match signal {
            Signal::Event { session, stream, seq, data } => {
                let Some(live) = shared.live.get(&session) else { return };
                let id = EventId { stream: StreamId(stream), seq };
                if let Delivery::Gap { after } =
                    live.deliver(Event { id, data: String::from(Box::<str>::from(data)).into_bytes() })
                {
                    let sessions = self.clone();
                    tokio::spawn(async move { sessions.fill(&session, &live, after).await });
                }
            }
            Signal::Answer { session, id, answer } => {
                if let Some(live) = shared.live.get(&session) {
                    live.pending.complete(&id, answer);
                }
            }
            Signal::Claimed { session, stream, claim } => {
                if let Some(live) = shared.live.get(&session)
                    && live.yield_standalone(StreamId(stream), claim)
                {
                    tracing::debug!(%session, "a newer GET stream on another replica took over this session's");
                }
            }
            Signal::Ended { session } => shared.live.close(&session),
            Signal::Cancel { session, id } => {
                if let Some(live) = shared.live.get(&session) {
                    live.running.cancel(&id);
                }
            }
            Signal::Notice { method, uri } => {
                if let Some(handler) = shared.notices.get() {
                    handler(&method, uri.as_deref());
                }
            }
        }
    }
}

impl Session {
    /// The session's standalone stream: the one recorded in the shared
    /// store (created and recorded when there is none), so that every
    /// replica appends to the same stream.
    pub(super) async fn shared_standalone(&self) -> Result<StreamId, ResumeError> {
        let store = &self.sessions.shared.store;
        loop {
            if let Some(stream) = self.sessions.stored_standalone(self.id()).await? {
                return Ok(stream);
            }
            let stream = self.open_stream().await?;
            match store.swap_value(self.id(), STANDALONE, None, &stream.to_string()).await? {
                Swap::Done => return Ok(stream),
                Swap::Changed => continue, // another replica recorded one first
                Swap::Gone => return Err(ResumeError::Gone),
            }
        }
    }
}
