//! The queue between a running request and its transport: what the handler
//! sends before its result (progress, logs, server→client requests).
//!
//! One small allocation per request and a lock held for a push or a pop;
//! most requests never send anything through it.

use futures_util::task::AtomicWaker;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

/// What a running request sends before its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// An encoded JSON-RPC message (progress, log, server→client request).
    Message(Vec<u8>),
    /// End the response stream now; the client resumes it with
    /// `Last-Event-ID` (SSE polling).
    CloseStream,
}

struct Shared {
    queue: Mutex<VecDeque<Outbound>>,
    waker: AtomicWaker,
    open: AtomicBool,
}

/// The sending side, held by the request's `Context` (cheap to clone).
#[derive(Clone)]
pub struct Sink {
    shared: Arc<Shared>,
}

/// The receiving side, held by the transport.
pub struct Outbox {
    shared: Arc<Shared>,
}

/// A connected sink and outbox.
///
/// ```
/// use mcp_core::transport::{Outbound, outbox};
/// let (sink, mut outbox) = outbox();
/// sink.send(Outbound::CloseStream).unwrap();
/// assert_eq!(outbox.try_recv(), Some(Outbound::CloseStream));
/// drop(outbox);
/// assert!(sink.send(Outbound::CloseStream).is_err());
/// ```
pub fn outbox() -> (Sink, Outbox) {
    let shared =
        Arc::new(Shared { queue: Mutex::new(VecDeque::new()), waker: AtomicWaker::new(), open: AtomicBool::new(true) });
    (Sink { shared: Arc::clone(&shared) }, Outbox { shared })
}

impl Shared {
    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Outbound>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Sink {
    /// Queues `item`; gives it back when the transport stopped listening.
    pub fn send(&self, item: Outbound) -> Result<(), Outbound> {
        if !self.shared.open.load(Ordering::Acquire) {
            return Err(item);
        }
        self.shared.queue().push_back(item);
        self.shared.waker.wake();
        Ok(())
    }

    /// Whether the transport stopped listening.
    pub fn is_closed(&self) -> bool {
        !self.shared.open.load(Ordering::Acquire)
    }
}

impl Outbox {
    /// The next item, waiting for one.
    pub async fn recv(&mut self) -> Outbound {
        std::future::poll_fn(|cx| {
            if let Some(item) = self.try_recv() {
                return Poll::Ready(item);
            }
            self.shared.waker.register(cx.waker());
            // An item may have arrived between the check and the registration.
            self.try_recv().map_or(Poll::Pending, Poll::Ready)
        })
        .await
    }

    /// The next item, if one is queued.
    pub fn try_recv(&mut self) -> Option<Outbound> {
        self.shared.queue().pop_front()
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.shared.open.store(false, Ordering::Release);
    }
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink").field("closed", &self.is_closed()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn recv_wakes_on_send_from_another_task() {
        let (sink, mut outbox) = outbox();
        let sender = tokio::spawn(async move {
            tokio::task::yield_now().await;
            sink.send(Outbound::Message(b"1".to_vec())).unwrap();
        });
        assert_eq!(outbox.recv().await, Outbound::Message(b"1".to_vec()));
        sender.await.unwrap();
    }
}
