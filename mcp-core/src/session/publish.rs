//! Events of session streams: each is recorded in the event store, then
//! sent to the connection attached here, or to another replica's through
//! the bus; gaps are filled from the store; broadcasts reach every
//! session's standalone stream.

use super::live::{Delivery, LiveSession};
use super::{Event, EventId, ResumeError, Sessions, Signal, StreamId};
use serde_json::value::RawValue;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

impl Sessions {
    /// Sends `message` on the standalone stream of every session here for
    /// which `wanted` holds and that opened one. With stores that answer at
    /// once (memory) it is delivered before this returns, in order;
    /// otherwise on a task of its own.
    pub(crate) fn broadcast(&self, message: &[u8], wanted: impl Fn(&LiveSession) -> bool) {
        for (id, live) in self.shared.live.all() {
            if wanted(&live) {
                self.send_standalone(id, live, message);
            }
        }
    }

    /// Sends `message` on the standalone stream of session `id`; `false`
    /// when the session holds none open here.
    pub(crate) fn notify_session(&self, id: &str, message: &[u8]) -> bool {
        self.shared.live.get(id).is_some_and(|live| self.send_standalone(id.to_owned(), live, message))
    }

    /// Sends `message` on the standalone stream of session `id` wherever it
    /// is held: here, or (with shared sessions) on the replica holding it,
    /// through the bus; kept for resumption either way. `false` when the
    /// session has no standalone stream.
    pub(crate) async fn notify_standalone(&self, id: &str, message: &[u8]) -> bool {
        if self.notify_session(id, message) {
            return true;
        }
        if !self.is_shared() {
            return false;
        }
        let Ok(Some(stream)) = self.stored_standalone(id).await else { return false };
        let live = self.shared.live.get_or_create(id);
        self.publish(id, &live, stream, message.to_vec()).await.is_ok()
    }

    fn send_standalone(&self, id: String, live: Arc<LiveSession>, message: &[u8]) -> bool {
        let Some(stream) = live.standalone() else { return false };
        let (sessions, message) = (self.clone(), message.to_vec());
        run_now_or_spawn(async move {
            if let Err(error) = sessions.publish(&id, &live, stream, message).await {
                tracing::debug!(?error, "a standalone stream could not take a notification");
            }
        });
        true
    }

    /// Records `message` as the next event of `stream` and sends it to the
    /// connection attached there.
    pub(super) async fn publish(
        &self,
        id: &str,
        live: &LiveSession,
        stream: StreamId,
        message: Vec<u8>,
    ) -> Result<EventId, ResumeError> {
        let event = self.shared.events.append(id, stream, &message).await?;
        let data = self.shared.bus.is_some().then(|| message.clone());
        match live.deliver(Event { id: event, data: message }) {
            Delivery::Sent => {}
            Delivery::Gap { after } => self.fill(id, live, after).await,
            Delivery::NotHere => {
                // Its connection, if any, is on another replica.
                let data = data.and_then(|d| String::from_utf8(d).ok()).and_then(|t| RawValue::from_string(t).ok());
                if let (Some(bus), Some(data)) = (&self.shared.bus, data) {
                    let signal = Signal::Event { session: id.to_owned(), stream: stream.0, seq: event.seq, data };
                    if let Err(error) = bus.publish(signal).await {
                        tracing::debug!(%error, "an event could not be handed to other replicas");
                    }
                }
            }
        }
        Ok(event)
    }

    /// Sends the connection attached here the events of its stream after
    /// `after`, from the event store, in order (another replica appended
    /// them and their signals are late or lost). When they are gone the
    /// connection is closed: the client resumes and learns it.
    pub(super) async fn fill(&self, id: &str, live: &LiveSession, after: EventId) {
        match self.shared.events.replay_after(id, after).await {
            Ok(replay) => {
                for event in replay.events {
                    live.deliver(event);
                }
            }
            Err(error) => {
                tracing::debug!(?error, "a stream's missing events could not be read; closing its connection");
                live.detach(after.stream);
            }
        }
    }
}

/// When a stream attached here after another replica held it is compared
/// with the store: that replica may have sent an event to its own, older
/// connection just before letting go, and no signal then says so.
const CATCH_UP_AFTER: [Duration; 5] = [
    Duration::from_millis(250),
    Duration::from_millis(750),
    Duration::from_secs(2),
    Duration::from_secs(7),
    Duration::from_secs(20),
];

impl Sessions {
    /// Catches the connection attached to `stream` up with the store a few
    /// times after it attached (see [`CATCH_UP_AFTER`]): events appended on
    /// another replica that reached neither this connection nor a signal
    /// (sent to a connection there that was closing, or a signal lost)
    /// are filled from the store, in order. Only with shared sessions;
    /// stops when the connection goes.
    pub(super) fn catch_up_later(&self, id: &str, live: Arc<LiveSession>, stream: StreamId) {
        if !self.is_shared() {
            return;
        }
        // Weakly held: the sessions may be dropped meanwhile.
        let (shared, id) = (Arc::downgrade(&self.shared), id.to_owned());
        tokio::spawn(async move {
            for delay in CATCH_UP_AFTER {
                tokio::time::sleep(delay).await;
                let Some(seen) = live.position(stream) else { return };
                let Some(shared) = shared.upgrade() else { return };
                let sessions = Sessions { shared };
                match sessions.shared.events.last_event_id(&id, stream).await {
                    Ok(last) if last.seq > seen => {
                        tracing::debug!(session = %id, seen, last = last.seq, "a stream caught up from the store");
                        sessions.fill(&id, &live, EventId { stream, seq: seen }).await;
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        });
    }
}

/// Runs `work` to completion now when it never waits (memory stores), else
/// on a task of its own.
pub(super) fn run_now_or_spawn(work: impl Future<Output = ()> + Send + 'static) {
    let mut work = Box::pin(work);
    if futures_util::FutureExt::now_or_never(&mut work).is_none()
        && let Ok(runtime) = tokio::runtime::Handle::try_current()
    {
        runtime.spawn(work);
    }
}
