//! [`RedisEventStore`]: stream events in capped Redis Streams.

use super::Redis;
use super::batch::Batch;
use super::keys::{Keys, finished_field};
use super::lifetime::Lifetime;
use crate::session::{Event, EventId, EventStore, MemoryEventStore, Replay, ResumeError, StreamId};
use crate::store::{StoreError, StoreFuture};
use std::sync::Arc;

/// Appends an event: the stream's next position (from its field in the
/// `streams` hash) becomes the entry id `0-SEQ`, so that positions are
/// gapless and ordered whichever replica appends; -1 for an unknown stream.
/// The oldest events go while the stream holds more than `ARGV[3]` events
/// or `ARGV[5]` bytes (the newest event always stays), the bytes kept in
/// the `streams` hash beside the position.
const APPEND: &str = r"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
local seq = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('XADD', KEYS[2], '0-' .. seq, 'm', ARGV[2])
local bytes = redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':bytes', string.len(ARGV[2]))
local count = redis.call('XLEN', KEYS[2])
while count > 1 and (count > tonumber(ARGV[3]) or bytes > tonumber(ARGV[5])) do
  local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  redis.call('XDEL', KEYS[2], oldest[1])
  bytes = redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':bytes', -string.len(oldest[2][2]))
  count = count - 1
end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return seq
";

/// Marks a stream finished and forgets the oldest finished streams beyond
/// the bound (their position, mark and events), so that a long session's
/// keys do not grow with every request it makes. A stream whose session
/// ended meanwhile (or that Redis lost) is left alone: writing its mark
/// would make the `streams` hash again, with no expiry.
const FINISH: &str = r"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1] .. ':finished', 1)
redis.call('RPUSH', KEYS[2], ARGV[1])
while redis.call('LLEN', KEYS[2]) > tonumber(ARGV[2]) do
  local oldest = redis.call('LPOP', KEYS[2])
  redis.call('HDEL', KEYS[1], oldest, oldest .. ':finished', oldest .. ':bytes')
  redis.call('DEL', ARGV[3] .. oldest)
end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 0
";

/// Finished streams kept per session for late resumption.
const FINISHED_STREAMS: usize = 16;

/// The events of every session's streams in Redis, so that a client can
/// resume a stream through any replica; see [`redis`](super) for the keys.
/// Made by [`RedisSessions::connect`](super::RedisSessions::connect).
///
/// Each stream keeps its last `events_per_stream` events and at most
/// [`MemoryEventStore::BYTES_PER_STREAM`] bytes of them (1 MiB, as the
/// memory store; Redis Streams trimmed on append, the newest event always
/// kept), each session its open streams and last 16 finished ones, and
/// everything expires with the session's idle timeout.
#[derive(Clone)]
pub struct RedisEventStore {
    redis: Redis,
    keys: Keys,
    lifetime: Lifetime,
    events_per_stream: usize,
    append: Arc<redis::Script>,
    finish: Arc<redis::Script>,
}

impl RedisEventStore {
    pub(super) fn new(redis: Redis, keys: Keys, lifetime: Lifetime, events_per_stream: usize) -> Self {
        Self {
            redis,
            keys,
            lifetime,
            events_per_stream,
            append: Arc::new(redis::Script::new(APPEND)),
            finish: Arc::new(redis::Script::new(FINISH)),
        }
    }

    fn ttl_ms(&self) -> u64 {
        self.lifetime.ttl_ms()
    }

    /// The last position of `stream` and whether it is finished; `None`
    /// when the session has no such stream.
    async fn position(&self, session: &str, stream: StreamId) -> Result<Option<(u64, bool)>, StoreError> {
        let mut pipe = Batch::new();
        pipe.cmd("HGET").arg(self.keys.streams(session)).arg(stream.to_string());
        pipe.cmd("HEXISTS").arg(self.keys.streams(session)).arg(finished_field(stream));
        let (last, finished): (Option<u64>, bool) = self.redis.batch(&pipe).await?;
        Ok(last.map(|last| (last, finished)))
    }
}

/// Entries of `XRANGE`: (id, [(field, value)]).
type Entries = Vec<(String, Vec<(String, Vec<u8>)>)>;

impl EventStore for RedisEventStore {
    fn open_stream<'a>(&'a self, session: &'a str) -> StoreFuture<'a, StreamId> {
        Box::pin(async move {
            loop {
                let stream = StreamId::random();
                let mut pipe = Batch::new();
                pipe.cmd("HSETNX").arg(self.keys.streams(session)).arg(stream.to_string()).arg(0);
                pipe.cmd("PEXPIRE").arg(self.keys.streams(session)).arg(self.ttl_ms()).ignore();
                let (created,): (bool,) = self.redis.batch(&pipe).await?;
                if created {
                    return Ok(stream);
                }
            }
        })
    }

    fn append<'a>(
        &'a self,
        session: &'a str,
        stream: StreamId,
        message: &'a [u8],
    ) -> StoreFuture<'a, EventId, ResumeError> {
        Box::pin(async move {
            let mut invocation = self.append.prepare_invoke();
            invocation
                .key(self.keys.streams(session))
                .key(self.keys.events(session, stream))
                .arg(stream.to_string())
                .arg(message)
                .arg(self.events_per_stream)
                .arg(self.ttl_ms())
                .arg(MemoryEventStore::BYTES_PER_STREAM);
            let seq: i64 = self.redis.invoke(&invocation).await?;
            match u64::try_from(seq) {
                Ok(seq) => Ok(EventId { stream, seq }),
                Err(_) => Err(ResumeError::Gone),
            }
        })
    }

    fn last_event_id<'a>(&'a self, session: &'a str, stream: StreamId) -> StoreFuture<'a, EventId, ResumeError> {
        Box::pin(async move {
            match self.position(session, stream).await? {
                Some((seq, _)) => Ok(EventId { stream, seq }),
                None => Err(ResumeError::Gone),
            }
        })
    }

    fn replay_after<'a>(&'a self, session: &'a str, after: EventId) -> StoreFuture<'a, Replay, ResumeError> {
        Box::pin(async move {
            let Some((last, finished)) = self.position(session, after.stream).await? else {
                return Err(ResumeError::Gone);
            };
            if after.seq > last {
                return Err(ResumeError::Gone);
            }
            let key = self.keys.events(session, after.stream);
            let from = format!("0-{}", after.seq + 1);
            let entries: Entries = self.redis.query(redis::cmd("XRANGE").arg(key).arg(from).arg("+")).await?;
            let mut events = Vec::with_capacity(entries.len());
            for (id, fields) in entries {
                let seq = id.strip_prefix("0-").and_then(|s| s.parse().ok()).ok_or(ResumeError::Gone)?;
                let data = fields.into_iter().next().map(|(_, data)| data).unwrap_or_default();
                events.push(Event { id: EventId { stream: after.stream, seq }, data });
            }
            // Never a partial replay: the events right after `after` must all be there.
            let complete = match events.first() {
                Some(first) => first.id.seq == after.seq + 1 && events.last().is_some_and(|e| e.id.seq >= last),
                None => after.seq == last,
            };
            if !complete {
                return Err(ResumeError::Gone);
            }
            Ok(Replay { events, open: !finished })
        })
    }

    fn finish<'a>(&'a self, session: &'a str, stream: StreamId) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut invocation = self.finish.prepare_invoke();
            invocation
                .key(self.keys.streams(session))
                .key(self.keys.finished(session))
                .arg(stream.to_string())
                .arg(FINISHED_STREAMS)
                .arg(self.keys.events_prefix(session))
                .arg(self.ttl_ms());
            self.redis.invoke::<()>(&invocation).await
        })
    }

    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let streams_key = self.keys.streams(session);
            let key = streams_key.clone();
            let fields: Vec<String> = self.redis.query(redis::cmd("HKEYS").arg(key)).await?;
            let mut del = redis::cmd("DEL");
            del.arg(&streams_key).arg(self.keys.finished(session));
            for field in fields.iter().filter(|f| !f.contains(':')) {
                if let Ok(stream) = u64::from_str_radix(field, 16) {
                    del.arg(self.keys.events(session, StreamId(stream)));
                }
            }
            self.redis.query::<()>(&del).await
        })
    }

    fn ready(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.redis.query::<()>(&redis::cmd("PING")).await })
    }
}
