//! The queue between a running request and its transport: what the handler
//! sends before its result (progress, logs, server→client requests).
//!
//! One small allocation per request and a lock held for a push or a pop;
//! most requests never send anything through it. It holds at most
//! [`OUTBOX_LIMIT`] bytes of messages: a transport that cannot deliver them
//! (a client that stopped reading) makes further sends fail instead of
//! growing the queue.

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

/// Most bytes of messages queued in one outbox (1 MiB; one message is
/// always admitted, whatever its size).
pub const OUTBOX_LIMIT: usize = 1024 * 1024;

struct Shared {
    queue: Mutex<Queue>,
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
/// use quickmcp::peer::{Outbound, outbox};
/// let (sink, mut outbox) = outbox();
/// sink.send(Outbound::CloseStream).unwrap();
/// assert_eq!(outbox.try_recv(), Some(Outbound::CloseStream));
/// drop(outbox);
/// assert!(sink.send(Outbound::CloseStream).is_err());
/// ```
pub fn outbox() -> (Sink, Outbox) {
    let queue = Mutex::new(Queue::default());
    let shared = Arc::new(Shared { queue, waker: AtomicWaker::new(), open: AtomicBool::new(true) });
    (Sink { shared: Arc::clone(&shared) }, Outbox { shared })
}

/// The queued items and their size in bytes.
#[derive(Default)]
struct Queue {
    items: VecDeque<Outbound>,
    bytes: usize,
}

fn size(item: &Outbound) -> usize {
    match item {
        Outbound::Message(message) => message.len(),
        Outbound::CloseStream => 0,
    }
}

impl Shared {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Sink {
    /// Queues `item`; gives it back when the transport stopped listening
    /// or has [`OUTBOX_LIMIT`] bytes it could not deliver yet.
    pub fn send(&self, item: Outbound) -> Result<(), Outbound> {
        if !self.shared.open.load(Ordering::Acquire) {
            return Err(item);
        }
        {
            let mut queue = self.shared.queue();
            let grown = queue.bytes + size(&item);
            if !queue.items.is_empty() && grown > OUTBOX_LIMIT {
                return Err(item);
            }
            queue.bytes = grown;
            queue.items.push_back(item);
        }
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
        let mut queue = self.shared.queue();
        let item = queue.items.pop_front()?;
        queue.bytes -= size(&item);
        Some(item)
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

    #[test]
    fn an_undelivered_backlog_is_bounded_in_bytes() {
        let (sink, mut outbox) = outbox();
        let half = || Outbound::Message(vec![b'x'; OUTBOX_LIMIT / 2 + 1]);
        assert!(sink.send(half()).is_ok());
        assert!(sink.send(half()).is_err(), "over the limit");
        assert!(outbox.try_recv().is_some());
        assert!(sink.send(half()).is_ok(), "room again once delivered");
    }

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
