//! The requests a peer sent and awaits answers to: their ids and where each
//! answer goes. The server's questions to the client (sampling, elicitation,
//! roots) wait here; so do a client's requests to a server.

use crate::protocol::jsonrpc::{RequestId, RpcError};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// The other peer's answer to a request: its result or its error.
pub type Answer = Result<Box<RawValue>, RpcError>;

/// Requests sent and not answered yet, by id.
#[derive(Debug)]
pub struct PendingRequests {
    /// Ids are this prefix, a counter and a random part: with several
    /// replicas serving one session, an answer may reach another replica,
    /// which routes it by id.
    prefix: &'static str,
    inner: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    next: u64,
    awaiting: HashMap<RequestId, oneshot::Sender<Answer>>,
}

impl Default for PendingRequests {
    fn default() -> Self {
        Self::new("srv")
    }
}

impl PendingRequests {
    /// A table whose ids start with `prefix`.
    pub fn new(prefix: &'static str) -> Self {
        Self { prefix, inner: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh id for a request about to be sent, and where its answer
    /// arrives.
    ///
    /// ```
    /// use quickmcp::peer::PendingRequests;
    ///
    /// let pending = PendingRequests::new("c");
    /// let (id, mut answer) = pending.begin();
    /// assert!(pending.complete(&id, Ok(serde_json::value::to_raw_value(&1).unwrap())));
    /// assert_eq!(answer.try_recv().unwrap().unwrap().get(), "1");
    /// assert!(!pending.complete(&id, Ok(serde_json::value::to_raw_value(&2).unwrap())), "answered once");
    /// ```
    pub fn begin(&self) -> (RequestId, oneshot::Receiver<Answer>) {
        let (tx, rx) = oneshot::channel();
        let mut pending = self.lock();
        pending.next += 1;
        let id = RequestId::String(format!("{}-{}-{:x}", self.prefix, pending.next, crate::random::u32()));
        pending.awaiting.insert(id.clone(), tx);
        (id, rx)
    }

    /// Delivers the answer to request `id`; `false` when nothing here awaits it.
    pub fn complete(&self, id: &RequestId, answer: Answer) -> bool {
        self.lock().awaiting.remove(id).is_some_and(|tx| tx.send(answer).is_ok())
    }

    /// Whether request `id` awaits its answer here.
    pub fn contains(&self, id: &RequestId) -> bool {
        self.lock().awaiting.contains_key(id)
    }

    /// Forgets request `id` (whoever sent it stopped waiting).
    pub fn abandon(&self, id: &RequestId) {
        self.lock().awaiting.remove(id);
    }

    /// Forgets every request (the session or connection ended): their
    /// waiters see the channel close.
    pub fn clear(&self) {
        self.lock().awaiting.clear();
    }
}
