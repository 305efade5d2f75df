//! One request being answered: the messages its handler sends before the
//! result (progress, logs, questions to the client), then the result. Every
//! transport drives it the same way and only frames what it yields: a JSON
//! body or SSE events over HTTP, lines over stdio.

use super::in_flight::InFlight;
use super::outbox::{Outbound, Outbox};
use crate::era::Era;
use crate::protocol::jsonrpc::{self, RequestId, RpcError, code};
use crate::session::Session;
use futures_util::future::BoxFuture;
use serde_json::value::RawValue;

/// What a request's handler produced: its result or its error.
pub type Outcome = Result<Box<RawValue>, RpcError>;

/// What an [`Exchange`] yields next.
#[derive(Debug)]
pub enum Step {
    /// A message sent before the result (or a request to close the stream).
    Send(Outbound),
    /// The outcome; nothing follows it.
    Done(Outcome),
}

/// A request running, from dispatch to its outcome.
pub struct Exchange {
    id: RequestId,
    era: Era,
    session: Option<Session>,
    work: Option<BoxFuture<'static, Outcome>>,
    outcome: Option<Outcome>,
    outbox: Outbox,
    /// Runs until the client goes away (`subscriptions/listen`), never to a result.
    open_ended: bool,
    /// Keeps the request registered (and cancellable) until it is answered.
    _in_flight: Option<InFlight>,
}

impl Exchange {
    pub(crate) fn new(
        id: RequestId,
        era: Era,
        session: Option<Session>,
        work: BoxFuture<'static, Outcome>,
        outbox: Outbox,
        in_flight: Option<InFlight>,
    ) -> Self {
        Self { id, era, session, work: Some(work), outcome: None, outbox, open_ended: false, _in_flight: in_flight }
    }

    /// Marks a request that only ends when its stream does.
    pub(crate) fn open_ended(mut self) -> Self {
        self.open_ended = true;
        self
    }

    /// Whether the request runs until its stream closes rather than to a
    /// result (`subscriptions/listen`): a server shutting down ends it
    /// instead of waiting for it.
    pub fn is_open_ended(&self) -> bool {
        self.open_ended
    }

    /// The request's id.
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The request's era.
    pub fn era(&self) -> Era {
        self.era
    }

    /// The request's session, in session mode.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The next message the handler sent, or once it finished and every
    /// message before the result was taken, the outcome; `None` after that.
    /// A request that sends nothing yields its outcome first.
    pub async fn next(&mut self) -> Option<Step> {
        if let Some(work) = &mut self.work {
            let outcome = tokio::select! {
                biased;
                outcome = work => outcome,
                item = self.outbox.recv() => return Some(Step::Send(item)),
            };
            self.work = None;
            self.outcome = Some(outcome);
        }
        if let Some(item) = self.outbox.try_recv() {
            return Some(Step::Send(item));
        }
        self.outcome.take().map(Step::Done)
    }

    /// The size of the request's future, while it runs: what a held
    /// stream keeps for as long as it stays open.
    #[cfg(test)]
    pub(crate) fn work_size(&self) -> Option<usize> {
        self.work.as_deref().map(std::mem::size_of_val)
    }

    /// The response that answers `outcome`, encoded.
    pub fn answer(&self, outcome: &Outcome) -> Vec<u8> {
        match outcome {
            Ok(result) => jsonrpc::encode_result(&self.id, result),
            Err(error) => jsonrpc::encode_error(Some(&self.id), error),
        }
    }

    /// The response to send on a stream, or `None` for a cancelled request
    /// (its client stopped waiting).
    pub fn stream_answer(&self, outcome: &Outcome) -> Option<Vec<u8>> {
        let cancelled = matches!(outcome, Err(e) if e.code == code::REQUEST_CANCELLED);
        (!cancelled).then(|| self.answer(outcome))
    }
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange").field("id", &self.id).field("era", &self.era).finish_non_exhaustive()
    }
}
