//! One session as a request sees it: its record and its live handles.

use super::live::LiveSession;
use super::{
    ClientInfo, EventId, EventSink, Replay, ResumeError, SessionRecord, SessionStore, Sessions, Signal, StreamId,
};
use crate::peer::{Answer, InFlight};
use crate::protocol::LoggingLevel;
use crate::protocol::jsonrpc::RequestId;
use crate::store::StoreError;
use std::sync::{Arc, OnceLock};
use tokio::sync::oneshot;

/// One session as a request sees it: a snapshot of its record, taken when
/// the request arrived, and its live handles in this process. Transports
/// use it to run streams; handlers see only the record
/// ([`Context::session`](crate::Context::session)).
#[derive(Clone)]
pub struct Session {
    pub(super) record: Arc<SessionRecord>,
    pub(super) live: OnceLock<Arc<LiveSession>>,
    pub(super) sessions: Sessions,
}

impl Session {
    /// The session id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// The record as it was when the request arrived.
    pub fn record(&self) -> &SessionRecord {
        &self.record
    }

    /// The store that keeps the session (its record and named values).
    pub(crate) fn store(&self) -> &dyn SessionStore {
        self.sessions.store()
    }

    fn live(&self) -> &Arc<LiveSession> {
        self.live.get_or_init(|| self.sessions.shared.live.get_or_create(&self.record.id))
    }

    /// Applies `edit` to the stored record, atomically (a session ended
    /// meanwhile stays ended).
    async fn update(&self, edit: impl Fn(&mut SessionRecord) + Send + Sync) -> Result<(), StoreError> {
        self.sessions.shared.store.update_record(self.id(), &edit).await.map(drop)
    }

    /// Records what the client declared in `initialize`.
    pub(crate) async fn set_client(&self, client: ClientInfo) -> Result<(), StoreError> {
        self.update(|r| r.client = Some(client.clone())).await
    }

    /// Records `notifications/initialized`.
    pub(crate) async fn mark_initialized(&self) -> Result<(), StoreError> {
        self.update(|r| r.initialized = true).await
    }

    /// Records `logging/setLevel`.
    pub(crate) async fn set_log_level(&self, level: LoggingLevel) -> Result<(), StoreError> {
        self.update(|r| r.log_level = level).await
    }

    /// Registers a request in flight; the guard unregisters it when dropped.
    /// `None` when a request with the same id already runs.
    pub(crate) fn begin_request(&self, id: RequestId) -> Option<InFlight> {
        self.live().running.begin(id)
    }

    /// Cancels a request in flight (`notifications/cancelled`), here or,
    /// through the bus, on the replica that runs it.
    pub(crate) fn cancel_request(&self, id: &RequestId) -> bool {
        self.live().running.cancel(id)
            || self.sessions.signal_others(Signal::Cancel { session: self.id().to_owned(), id: id.clone() })
    }

    /// Whether a request with `id` is still running here.
    pub fn is_in_flight(&self, id: &RequestId) -> bool {
        self.live().running.contains(id)
    }

    /// Allocates an id for a server→client request and a receiver for its answer.
    pub(crate) fn await_client(&self) -> (RequestId, oneshot::Receiver<Answer>) {
        self.live().pending.begin()
    }

    /// Delivers the client's answer; `false` when nothing awaited it.
    pub(crate) fn complete_client_request(&self, id: &RequestId, answer: Answer) -> bool {
        if self.live().pending.contains(id) {
            return self.live().pending.complete(id, answer);
        }
        // The handler awaiting it may run on another replica.
        self.sessions.signal_others(Signal::Answer { session: self.id().to_owned(), id: id.clone(), answer })
    }

    /// Forgets an awaited answer (the handler stopped waiting).
    pub(crate) fn abandon_client_request(&self, id: &RequestId) {
        self.live().pending.abandon(id);
    }

    /// Subscribes to `uri`; `false` when the session already holds `max`
    /// other subscriptions.
    /// With shared stores the subscription is recorded there too, so that
    /// a replica where the resource changes finds the session.
    pub(crate) async fn subscribe(&self, uri: &str, max: usize) -> Result<bool, StoreError> {
        if self.sessions.is_shared() {
            return self.sessions.shared.store.subscribe(self.id(), uri, max).await;
        }
        Ok(self.live().subscribe(uri, max))
    }

    pub(crate) async fn unsubscribe(&self, uri: &str) -> Result<(), StoreError> {
        if self.sessions.is_shared() {
            return self.sessions.shared.store.unsubscribe(self.id(), uri).await;
        }
        self.live().unsubscribe(uri);
        Ok(())
    }

    /// Ends the session (`DELETE`): cancels what it runs, closes its
    /// streams, forgets its events. `false` when it had ended already.
    pub async fn end(&self) -> Result<bool, StoreError> {
        self.sessions.remove(self.id()).await
    }

    /// Starts a response stream; its events are kept for resumption.
    pub async fn open_stream(&self) -> Result<StreamId, StoreError> {
        self.sessions.events().open_stream(self.id()).await
    }

    /// Sends the stream's new events to `sink` from now on.
    pub fn attach(&self, stream: StreamId, sink: EventSink) {
        self.live().attach(stream, sink);
    }

    /// Closes the connection attached to `stream`; the stream stays
    /// resumable.
    pub fn detach(&self, stream: StreamId) {
        self.live().detach(stream);
    }

    /// Records `message` as the next event of `stream` and sends it to the
    /// attached connection.
    pub async fn publish(&self, stream: StreamId, message: Vec<u8>) -> Result<EventId, ResumeError> {
        self.sessions.publish(self.id(), self.live(), stream, message).await
    }

    /// Marks `stream` complete (its response was sent) and closes its
    /// connection; its events stay a while for late resumption.
    pub async fn finish_stream(&self, stream: StreamId) {
        if let Err(error) = self.sessions.events().finish(self.id(), stream).await {
            tracing::warn!(%error, "could not mark a stream finished");
        }
        self.detach(stream);
    }

    /// Resumes the stream of `after`: the events that follow it, then (when
    /// the stream is still open) its new events through `sink`. New events
    /// may reach `sink` that the replay also holds; skip those with an id at
    /// or before the replay's last.
    pub async fn resume(&self, after: EventId, sink: EventSink) -> Result<Replay, ResumeError> {
        // Attach first, so nothing appended while the replay is read is missed.
        if !self.live().attach_resumed(after, sink) {
            return Err(ResumeError::Held);
        }
        let replay = self.sessions.events().replay_after(self.id(), after).await;
        if let Some(last) = replay.as_ref().ok().and_then(|r| r.events.last()) {
            // The transport sends the replay first: the connection has those.
            self.live().seen(after.stream, last.id.seq);
        }
        if !replay.as_ref().is_ok_and(|r| r.open) {
            self.detach(after.stream);
            return replay;
        }
        if self.sessions.is_shared() && self.sessions.stored_standalone(self.id()).await? == Some(after.stream) {
            // The standalone stream, resumed here after another replica held
            // it: a connection still open there closes.
            let claim = self.live().reclaim_standalone(after.stream);
            self.sessions.signal_others(Signal::Claimed {
                session: self.id().to_owned(),
                stream: after.stream.0,
                claim,
            });
        }
        self.sessions.catch_up_later(self.id(), Arc::clone(self.live()), after.stream);
        replay
    }

    /// Attaches `sink` to the standalone (GET) stream and returns the id of
    /// its priming event; `None` when another connection holds it.
    pub async fn open_standalone(&self, sink: EventSink) -> Result<Option<EventId>, ResumeError> {
        let stream = match self.live().standalone() {
            Some(stream) => stream,
            None if self.sessions.is_shared() => self.shared_standalone().await?,
            None => self.open_stream().await?,
        };
        let Some((stream, claim)) = self.live().claim_standalone(stream, sink) else {
            return Ok(None);
        };
        if self.sessions.is_shared() {
            // One GET stream per session across replicas: the newest holds it.
            self.sessions.signal_others(Signal::Claimed { session: self.id().to_owned(), stream: stream.0, claim });
        }
        let priming = self.sessions.events().last_event_id(self.id(), stream).await?;
        self.live().seen(stream, priming.seq);
        self.sessions.catch_up_later(self.id(), Arc::clone(self.live()), stream);
        Ok(Some(priming))
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("id", &self.id()).finish_non_exhaustive()
    }
}
