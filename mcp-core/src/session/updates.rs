//! `resources/updated` for subscribed sessions with shared stores: appended
//! to their streams in order by a worker of their own, and awaited by the
//! answer of the request that raised them, so that a client that acts on
//! the answer (unsubscribes, say) cannot overtake its notification.

use super::Sessions;
use crate::store::StoreError;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// `resources/updated` notifications waiting to be appended to subscribed
/// sessions' streams; beyond, new ones are dropped (and logged).
const PENDING_UPDATES: usize = 4096;

/// Longest an answer waits for the notifications queued before it: a
/// Redis slow enough to exceed it delays the notification, not the answer.
const ANSWER_WAITS_AT_MOST: Duration = Duration::from_secs(2);

/// A notification for the sessions subscribed to a URI, numbered in the
/// order it was queued.
struct Update {
    number: u64,
    uri: String,
    message: Vec<u8>,
}

/// The worker's queue and how far it got.
pub(super) struct UpdateQueue {
    /// The number the next notification takes, held while it is queued so
    /// that numbers follow the queue's order.
    next: Mutex<u64>,
    tx: mpsc::Sender<Update>,
    /// The number of the last notification the worker finished with
    /// (appended, or given up on).
    done: watch::Receiver<u64>,
}

impl Sessions {
    /// With shared stores: appends `message` (a `resources/updated` for
    /// `uri`) to the standalone stream of every session subscribed to `uri`,
    /// on whichever replica, in the order of the calls; the connection
    /// holding the stream gets it here or through the bus, and a client
    /// that was between connections gets it by resuming.
    pub(crate) fn resource_updated(&self, uri: &str, message: Vec<u8>) {
        let Some(queue) = self.update_queue() else {
            return;
        };
        let mut next = queue.next.lock().unwrap_or_else(|p| p.into_inner());
        let update = Update { number: *next, uri: uri.to_owned(), message };
        match queue.tx.try_send(update) {
            Ok(()) => *next += 1,
            Err(_) => {
                tracing::warn!(uri, "resources/updated dropped: {PENDING_UPDATES} notifications are already waiting")
            }
        }
    }

    /// Waits until the notifications queued so far by
    /// [`resource_updated`](Self::resource_updated) are appended (at most
    /// [`ANSWER_WAITS_AT_MOST`]); immediate when none wait.
    pub(crate) async fn updates_appended(&self) {
        let Some(queue) = self.shared.updates.get() else { return };
        // Numbers start at 1: with none queued, `last` is 0, done already.
        let last = *queue.next.lock().unwrap_or_else(|p| p.into_inner()) - 1;
        let mut done = queue.done.clone();
        if *done.borrow() >= last {
            return;
        }
        // On the heap: few answers wait, and every request's future would
        // otherwise keep room for the timer.
        let appended = Box::pin(tokio::time::timeout(ANSWER_WAITS_AT_MOST, done.wait_for(|done| *done >= last))).await;
        if appended.is_err() {
            tracing::debug!("an answer went ahead of the resources/updated it raised");
        }
    }

    /// The ordered worker of [`resource_updated`](Self::resource_updated),
    /// started on first use; `None` without a Tokio runtime.
    fn update_queue(&self) -> Option<&UpdateQueue> {
        if let Some(queue) = self.shared.updates.get() {
            return Some(queue);
        }
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (tx, mut rx) = mpsc::channel::<Update>(PENDING_UPDATES);
        let (finished, done) = watch::channel(0);
        if self.shared.updates.set(UpdateQueue { next: Mutex::new(1), tx, done }).is_ok() {
            let shared = Arc::downgrade(&self.shared);
            runtime.spawn(async move {
                while let Some(update) = rx.recv().await {
                    let Some(shared) = shared.upgrade() else { break };
                    let sessions = Sessions { shared };
                    if let Err(error) = sessions.append_to_subscribers(&update.uri, update.message).await {
                        tracing::warn!(%error, uri = update.uri, "resources/updated could not reach subscribed sessions");
                    }
                    finished.send_replace(update.number);
                }
            });
        }
        self.shared.updates.get()
    }

    async fn append_to_subscribers(&self, uri: &str, message: Vec<u8>) -> Result<(), StoreError> {
        for id in self.shared.store.subscribers(uri).await? {
            let Some(stream) = self.stored_standalone(&id).await? else {
                continue; // no GET stream yet: nowhere to send it, as in one process
            };
            let live = self.shared.live.get(&id).unwrap_or_default();
            if let Err(error) = self.publish(&id, &live, stream, message.clone()).await {
                tracing::debug!(?error, "a subscribed session's stream is gone");
            }
        }
        Ok(())
    }
}
