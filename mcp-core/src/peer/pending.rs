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
    /// Ids are this prefix, a counter and a random part drawn once per
    /// table: with several replicas serving one session, an answer may
    /// reach another replica, which routes it by id, so two tables' ids
    /// must differ. (Drawn once, not per request: a proxy sends a request
    /// upstream for every call, and a draw is a system call.)
    prefix: &'static str,
    inner: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    next: u64,
    /// Drawn when the first request is sent.
    salt: Option<u32>,
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
        let salt = *pending.salt.get_or_insert_with(crate::random::u32);
        let id = RequestId::String(format!("{}-{}-{salt:x}", self.prefix, pending.next));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_in_a_table_and_differ_between_tables() {
        let (one, other) = (PendingRequests::new("c"), PendingRequests::new("c"));
        let ids: Vec<RequestId> = (0..3).map(|_| one.begin().0).collect();
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "{ids:?}");
        // Two replicas' tables for one session count alike; their random parts
        // tell their first ids apart (equal once in 2^32).
        assert_ne!(ids[0], other.begin().0);
    }
}
