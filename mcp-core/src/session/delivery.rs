//! The queue between a session's stream and the connection attached to it,
//! bounded in bytes: a reader that falls behind by more than the bound loses
//! its connection (it resumes with `Last-Event-ID` from the event store),
//! never the server's memory.

use super::events::Event;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;

/// Bytes of events a connection may have queued by default (1 MiB, the
/// default of `MCP_STREAM_BUFFER`).
pub const DEFAULT_STREAM_BUFFER: usize = crate::config::STREAM_BUFFER.default_number();

/// The sending side, attached to a stream.
#[derive(Debug, Clone)]
pub struct EventSink {
    tx: mpsc::UnboundedSender<Event>,
    queued: Arc<AtomicUsize>,
    limit: usize,
}

/// The receiving side, read by the connection's response body.
#[derive(Debug)]
pub struct EventReceiver {
    rx: mpsc::UnboundedReceiver<Event>,
    queued: Arc<AtomicUsize>,
}

/// A connected sink and receiver holding at most `limit` bytes of queued
/// events (one event is always admitted, whatever its size).
pub fn event_channel(limit: usize) -> (EventSink, EventReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    (EventSink { tx, queued: Arc::clone(&queued), limit }, EventReceiver { rx, queued })
}

impl EventSink {
    /// Queues `event`; gives it back when the connection is gone or would
    /// hold more than its limit (the caller then detaches it).
    pub fn send(&self, event: Event) -> Result<(), Event> {
        let size = event.data.len();
        let before = self.queued.fetch_add(size, Ordering::AcqRel);
        if before > 0 && before + size > self.limit {
            self.queued.fetch_sub(size, Ordering::AcqRel);
            return Err(event);
        }
        self.tx.send(event).map_err(|error| {
            self.queued.fetch_sub(size, Ordering::AcqRel);
            error.0
        })
    }

    /// Whether the connection stopped reading.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl EventReceiver {
    /// The next event; `None` once every sink is gone and the queue is empty.
    pub async fn recv(&mut self) -> Option<Event> {
        let event = self.rx.recv().await?;
        self.queued.fetch_sub(event.data.len(), Ordering::AcqRel);
        Some(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{EventId, StreamId};

    fn event(size: usize) -> Event {
        Event { id: EventId { stream: StreamId(1), seq: 1 }, data: vec![b'x'; size] }
    }

    #[tokio::test]
    async fn a_slow_reader_is_refused_past_its_bound_and_admitted_again_once_it_reads() {
        let (sink, mut receiver) = event_channel(10);
        assert!(sink.send(event(8)).is_ok());
        assert!(sink.send(event(8)).is_err(), "16 bytes would be queued");
        assert_eq!(receiver.recv().await.unwrap().data.len(), 8);
        assert!(sink.send(event(64)).is_ok(), "an empty queue takes any one event");
        drop(sink);
        assert!(receiver.recv().await.is_some());
        assert!(receiver.recv().await.is_none());
    }
}
