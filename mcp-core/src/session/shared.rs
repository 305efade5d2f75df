//! Sessions shared by replicas ([`Sessions::shared`]): signals to and from
//! the others over the [`SessionBus`], and the standalone stream recorded
//! in the store (`resources/updated` for subscribed sessions: `updates.rs`).

use super::live::Delivery;
use super::{Event, EventId, ResumeError, Session, Sessions, Signal, StoreError, StreamId, Swap, run_now_or_spawn};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Handles a notice from another replica: the notification's method and,
/// for `resources/updated`, the URI.
pub(crate) type NoticeHandler = Box<dyn Fn(&str, Option<&str>) + Send + Sync>;

/// The value naming a session's standalone stream, with shared stores.
pub(super) const STANDALONE: &str = "mcp.standalone";

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
