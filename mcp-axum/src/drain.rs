//! Shutdown reaching open streams: [`serve_with`](crate::serve_with) tells
//! every request it serves when shutdown begins, so that streams that would
//! otherwise stay open until the grace period ends (a session's GET stream,
//! a stateless `subscriptions/listen`) close at once, with a last event
//! asking the client to reconnect, possibly to another replica.

use tokio::sync::watch;

/// The sending half, held by the serving loop.
pub(crate) struct DrainSignal(watch::Sender<bool>);

/// In each request's extensions: resolves when the server starts shutting
/// down.
#[derive(Clone, Debug)]
pub(crate) struct Draining(watch::Receiver<bool>);

impl DrainSignal {
    pub(crate) fn new() -> (Self, Draining) {
        let (sender, receiver) = watch::channel(false);
        (Self(sender), Draining(receiver))
    }

    /// Starts the drain: every [`Draining::started`] resolves.
    pub(crate) fn start(&self) {
        self.0.send_replace(true);
    }
}

impl Draining {
    /// Resolves once shutdown has begun (or the serving loop is gone).
    pub(crate) async fn started(mut self) {
        let _ = self.0.wait_for(|draining| *draining).await;
    }

    /// Resolves when `draining` does, or never without one (a router
    /// served by something other than [`serve_with`](crate::serve_with)).
    pub(crate) async fn started_or_never(draining: Option<Self>) {
        match draining {
            Some(draining) => draining.started().await,
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_clone_sees_the_start_and_a_dropped_signal_counts_as_one() {
        let (signal, draining) = DrainSignal::new();
        let waiting = tokio::spawn(draining.clone().started());
        signal.start();
        waiting.await.unwrap();
        let (signal, draining) = DrainSignal::new();
        drop(signal);
        draining.started().await;
    }
}
