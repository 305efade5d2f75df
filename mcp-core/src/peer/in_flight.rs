//! The requests a peer is answering: each id runs once at a time, and each
//! can be cancelled (`notifications/cancelled`, or the end of its session or
//! connection).

use crate::protocol::jsonrpc::RequestId;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio_util::sync::CancellationToken;

/// The requests running, by id. Cheap to clone: clones share the table.
#[derive(Debug, Default, Clone)]
pub struct InFlightRequests {
    running: Arc<Mutex<HashMap<RequestId, CancellationToken>>>,
}

impl InFlightRequests {
    fn lock(&self) -> MutexGuard<'_, HashMap<RequestId, CancellationToken>> {
        // A panic while holding this lock leaves a plain map behind; keep going.
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers request `id` as running; `None` when a request with that id
    /// already runs (checked and registered under one lock). The guard
    /// unregisters it when dropped.
    ///
    /// ```
    /// use quickmcp::protocol::jsonrpc::RequestId;
    /// use quickmcp::peer::InFlightRequests;
    ///
    /// let running = InFlightRequests::default();
    /// let guard = running.begin(RequestId::Number(1)).unwrap();
    /// assert!(running.begin(RequestId::Number(1)).is_none(), "an id runs once at a time");
    /// assert!(running.cancel(&RequestId::Number(1)));
    /// assert!(guard.token().is_cancelled());
    /// drop(guard);
    /// assert!(!running.contains(&RequestId::Number(1)));
    /// ```
    pub fn begin(&self, id: RequestId) -> Option<InFlight> {
        let token = CancellationToken::new();
        match self.lock().entry(id.clone()) {
            Entry::Occupied(_) => return None,
            Entry::Vacant(slot) => slot.insert(token.clone()),
        };
        Some(InFlight { running: self.clone(), id, token })
    }

    /// Cancels request `id`; `false` when it does not run here.
    pub fn cancel(&self, id: &RequestId) -> bool {
        self.lock().get(id).map(CancellationToken::cancel).is_some()
    }

    /// Whether request `id` runs here.
    pub fn contains(&self, id: &RequestId) -> bool {
        self.lock().contains_key(id)
    }

    /// Whether no request runs.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Cancels every request (the session or connection ended).
    pub fn cancel_all(&self) {
        for token in self.lock().values() {
            token.cancel();
        }
    }
}

/// A request in flight; unregisters itself when dropped.
#[derive(Debug)]
pub struct InFlight {
    running: InFlightRequests,
    id: RequestId,
    token: CancellationToken,
}

impl InFlight {
    /// Cancelled by `notifications/cancelled` or when the session ends.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.running.lock().remove(&self.id);
    }
}
