//! [`RedisBus`]: signals between replicas over Redis pub/sub.

use super::keys::Keys;
use super::{Redis, unavailable};
use crate::session::{SessionBus, Signal};
use crate::store::{StoreError, StoreFuture};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::mpsc;

/// Signals waiting to be acted on; beyond, the listener stops reading and
/// Redis buffers them (its pub/sub output limit applies).
const BACKLOG: usize = 4096;

/// [`Signal`]s published on the channel `PREFIX:bus`, each stamped with the
/// replica that sent it so that it ignores its own. Made by
/// [`RedisSessions::connect`](super::RedisSessions::connect).
///
/// Delivery is at most once (pub/sub keeps nothing): a replica that was
/// disconnected meanwhile misses signals; its clients resume their
/// streams from the event store, and a handler awaiting an answer that
/// went missing stops at the request time limit.
pub struct RedisBus {
    redis: Redis,
    channel: String,
    replica: u64,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    from: u64,
    signal: Signal,
}

impl RedisBus {
    pub(super) fn new(redis: Redis, keys: Keys) -> Self {
        Self { redis, channel: keys.bus(), replica: rand::random() }
    }
}

impl SessionBus for RedisBus {
    fn publish(&self, signal: Signal) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let message = serde_json::to_string(&Envelope { from: self.replica, signal })
                .map_err(|e| StoreError::Unavailable(format!("signal: {e}")))?;
            let channel = self.channel.clone();
            self.redis.query::<()>(redis::cmd("PUBLISH").arg(channel).arg(message)).await
        })
    }

    fn listen(&self) -> mpsc::Receiver<Signal> {
        let (tx, rx) = mpsc::channel(BACKLOG);
        let (client, channel, replica) = (self.redis.client.clone(), self.channel.clone(), self.replica);
        tokio::spawn(async move {
            while !tx.is_closed() {
                if let Err(error) = relay(&client, &channel, replica, &tx).await {
                    tracing::warn!(%error, "the Redis session bus is disconnected; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        rx
    }
}

/// Forwards other replicas' signals to `tx` until the subscription or `tx` closes.
async fn relay(client: &redis::Client, channel: &str, me: u64, tx: &mpsc::Sender<Signal>) -> Result<(), StoreError> {
    let mut pubsub = client.get_async_pubsub().await.map_err(unavailable)?;
    pubsub.subscribe(channel).await.map_err(unavailable)?;
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let Ok(payload) = message.get_payload::<String>() else { continue };
        match serde_json::from_str::<Envelope>(&payload) {
            Ok(Envelope { from, .. }) if from == me => {}
            Ok(Envelope { signal, .. }) => {
                if tx.send(signal).await.is_err() {
                    return Ok(());
                }
            }
            Err(error) => tracing::debug!(%error, "a malformed signal on the session bus"),
        }
    }
    Err(StoreError::Unavailable("the subscription ended".into()))
}
