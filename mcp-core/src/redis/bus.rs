//! [`RedisBus`]: signals between replicas over Redis pub/sub, with the
//! ones a replica must not miss also kept in a Redis Stream.

use super::keys::Keys;
use super::{Redis, unavailable};
use crate::session::{SessionBus, Signal};
use crate::store::{StoreError, StoreFuture};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Signals waiting to be acted on; beyond, the listener stops reading and
/// Redis buffers them (its pub/sub output limit applies).
const BACKLOG: usize = 4096;

/// Kept signals retained for replicas that reconnect (about; Redis trims
/// in whole nodes of its stream).
const KEPT: usize = 10_000;

/// How long the kept signals outlive the last one published: a replica
/// subscribes again within seconds of losing its subscription.
const KEPT_FOR: Duration = Duration::from_secs(60);

/// Appends a signal to the kept stream, then publishes it stamped with its
/// position there (`"kept":"ID"` spliced into the JSON envelope), in one
/// step so that no replica sees one without the other.
const PUBLISH_KEPT: &str = r#"
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'envelope', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], '{"kept":"' .. id .. '",' .. string.sub(ARGV[2], 2))
return id
"#;

/// [`Signal`]s published on the channel `PREFIX:bus`, each stamped with the
/// replica that sent it so that it ignores its own. Made by
/// [`RedisSessions::connect`](super::RedisSessions::connect).
///
/// Client answers, cancellations, claims of a session's GET stream and
/// the end of a session are
/// delivered at least once: they are also appended to the Redis Stream
/// `PREFIX:signals` (the last 10,000, kept a minute after the last), and a replica whose
/// subscription dropped reads what it missed there when it subscribes
/// again. Acting on one twice does nothing (an answer completes its
/// request once; a request is cancelled once; a claim closes an older
/// connection once; an ended session is let go of once).
/// Other signals are delivered at most once: a connection that missed an
/// event gets it from the event store (the gap is filled, or the client
/// resumes), and a missed `list_changed` is not repeated.
pub struct RedisBus {
    redis: Redis,
    channel: String,
    kept: String,
    replica: u64,
    publish_kept: Arc<redis::Script>,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    from: u64,
    signal: Signal,
    /// Its position in the kept stream, when kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kept: Option<String>,
}

impl RedisBus {
    pub(super) fn new(redis: Redis, keys: Keys) -> Self {
        Self {
            redis,
            channel: keys.bus(),
            kept: keys.kept_signals(),
            replica: crate::random::u64(),
            publish_kept: Arc::new(redis::Script::new(PUBLISH_KEPT)),
        }
    }
}

/// Whether a replica that missed `signal` must still get it.
fn must_arrive(signal: &Signal) -> bool {
    matches!(signal, Signal::Answer { .. } | Signal::Cancel { .. } | Signal::Claimed { .. } | Signal::Ended { .. })
}

impl SessionBus for RedisBus {
    fn publish(&self, signal: Signal) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let kept = must_arrive(&signal);
            let message = serde_json::to_string(&Envelope { from: self.replica, signal, kept: None })
                .map_err(|e| StoreError::Unavailable(format!("signal: {e}")))?;
            if kept {
                let mut invocation = self.publish_kept.key(&self.kept);
                invocation.arg(KEPT).arg(message).arg(KEPT_FOR.as_millis() as u64).arg(&self.channel);
                return self.redis.invoke::<String>(&invocation).await.map(drop);
            }
            let channel = self.channel.clone();
            self.redis.query::<()>(redis::cmd("PUBLISH").arg(channel).arg(message)).await
        })
    }

    fn listen(&self) -> mpsc::Receiver<Signal> {
        let (tx, rx) = mpsc::channel(BACKLOG);
        let listener = Listener {
            redis: self.redis.clone(),
            attempts: 0,
            channel: self.channel.clone(),
            kept: self.kept.clone(),
            me: self.replica,
            seen: None,
        };
        tokio::spawn(listener.run(tx));
        rx
    }
}

/// The subscription of one replica, and how far it has read the kept stream.
struct Listener {
    redis: Redis,
    /// Subscriptions tried so far (in a cluster, each tries the next node).
    attempts: usize,
    channel: String,
    kept: String,
    me: u64,
    /// The newest kept signal seen (live or caught up); `None` before the
    /// first subscription.
    seen: Option<StreamPosition>,
}

impl Listener {
    /// Relays signals until `tx` closes (the sessions were dropped),
    /// subscribing again after each failure.
    async fn run(mut self, tx: mpsc::Sender<Signal>) {
        while !tx.is_closed() {
            if let Err(error) = self.relay(&tx).await {
                tracing::warn!(%error, "the Redis session bus is disconnected; reconnecting");
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                () = tx.closed() => {}
            }
        }
    }

    /// Subscribes, catches up on the kept signals missed since the last
    /// one seen, then forwards other replicas' signals to `tx` until the
    /// subscription or `tx` closes.
    async fn relay(&mut self, tx: &mpsc::Sender<Signal>) -> Result<(), StoreError> {
        let node = self.redis.node(self.attempts);
        self.attempts += 1;
        let mut pubsub = node.get_async_pubsub().await.map_err(unavailable)?;
        pubsub.subscribe(&self.channel).await.map_err(unavailable)?;
        // Subscribed first, read second: a signal published in between is
        // seen twice, never missed.
        self.catch_up(tx).await?;
        let mut messages = pubsub.on_message();
        loop {
            let message = tokio::select! {
                message = messages.next() => message,
                () = tx.closed() => return Ok(()),
            };
            let Some(message) = message else { break };
            let Ok(payload) = message.get_payload::<String>() else { continue };
            match serde_json::from_str::<Envelope>(&payload) {
                Ok(envelope) => {
                    if let Some(position) = envelope.kept.as_deref().and_then(StreamPosition::parse) {
                        self.seen = self.seen.max(Some(position));
                    }
                    if envelope.from != self.me && tx.send(envelope.signal).await.is_err() {
                        return Ok(());
                    }
                }
                Err(error) => tracing::debug!(%error, "a malformed signal on the session bus"),
            }
        }
        Err(StoreError::Unavailable("the subscription ended".into()))
    }

    /// Forwards the kept signals after the last one seen; on the first
    /// subscription, only notes where the stream ends.
    async fn catch_up(&mut self, tx: &mpsc::Sender<Signal>) -> Result<(), StoreError> {
        let Some(seen) = self.seen else {
            let newest: Vec<(String, Vec<(String, String)>)> =
                self.redis.query(redis::cmd("XREVRANGE").arg(&self.kept).arg("+").arg("-").arg("COUNT").arg(1)).await?;
            self.seen = Some(newest.first().and_then(|(id, _)| StreamPosition::parse(id)).unwrap_or_default());
            return Ok(());
        };
        let missed: Vec<(String, Vec<(String, String)>)> = self
            .redis
            .query(redis::cmd("XRANGE").arg(&self.kept).arg(format!("({seen}")).arg("+").arg("COUNT").arg(KEPT))
            .await?;
        for (id, fields) in missed {
            self.seen = self.seen.max(StreamPosition::parse(&id));
            let Some((_, envelope)) = fields.iter().find(|(field, _)| field == "envelope") else { continue };
            match serde_json::from_str::<Envelope>(envelope) {
                Ok(envelope) if envelope.from != self.me => {
                    if tx.send(envelope.signal).await.is_err() {
                        return Ok(());
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::debug!(%error, "a malformed kept signal"),
            }
        }
        Ok(())
    }
}

/// A Redis Stream entry id, `MILLISECONDS-SEQUENCE`, ordered as Redis orders them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct StreamPosition(u64, u64);

impl StreamPosition {
    fn parse(id: &str) -> Option<Self> {
        let (ms, seq) = id.split_once('-')?;
        Some(Self(ms.parse().ok()?, seq.parse().ok()?))
    }
}

impl std::fmt::Display for StreamPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0, self.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_positions_order_as_redis_orders_them() {
        let parse = |id| StreamPosition::parse(id).unwrap();
        assert!(parse("1700000000000-2") > parse("1700000000000-1"));
        assert!(parse("1700000000001-0") > parse("1700000000000-9"));
        assert_eq!(parse("5-3").to_string(), "5-3");
        assert_eq!(StreamPosition::parse("x-1"), None);
        assert_eq!(StreamPosition::default().to_string(), "0-0");
    }

    #[test]
    fn only_answers_and_cancellations_are_kept() {
        let id = crate::protocol::jsonrpc::RequestId::Number(1);
        assert!(must_arrive(&Signal::Cancel { session: "s".into(), id: id.clone() }));
        assert!(must_arrive(&Signal::Answer {
            session: "s".into(),
            id,
            answer: Err(crate::protocol::jsonrpc::RpcError::internal("x"))
        }));
        assert!(!must_arrive(&Signal::Notice { method: "m".into(), uri: None }));
    }
}
