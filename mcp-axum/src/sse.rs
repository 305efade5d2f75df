//! Server-sent events: framing, the priming event and keep-alive.
//!
//! Each event is framed into one buffer so it goes out in one write.

use bytes::Bytes;
use futures_util::Stream;
use quickmcp::session::{EventReceiver, Session};
use std::time::Duration;

/// `id: <id>\ndata: <json>\n\n` (JSON has no raw newlines, so one data line).
pub fn frame(id: Option<&str>, data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() + 32);
    if let Some(id) = id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b"event: message\ndata: ");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// The first event of a resumable stream: an id and an empty data field, so
/// the client can reconnect with `Last-Event-ID`, and a `retry` hint.
pub fn priming(id: &str, retry_ms: u64) -> Bytes {
    Bytes::from(format!("id: {id}\nretry: {retry_ms}\ndata: \n\n"))
}

/// The priming event for a session's stream, when its protocol revision
/// has them (2025-11-25 on; older clients may not expect an empty event).
pub fn priming_for(session: &Session, id: &str, retry_ms: u64) -> Vec<Bytes> {
    let primes = session.record().protocol_version().is_none_or(|v| v >= "2025-11-25");
    if primes { vec![priming(id, retry_ms)] } else { Vec::new() }
}

/// Shortest interval between keep-alive comments (a zero interval would
/// spin, and `tokio` refuses it).
const KEEP_ALIVE_MIN: Duration = Duration::from_secs(1);

/// Ticks every `every` (at least [`KEEP_ALIVE_MIN`]), first after one interval.
pub(crate) fn keep_alive_ticker(every: Duration) -> tokio::time::Interval {
    let every = every.max(KEEP_ALIVE_MIN);
    tokio::time::interval_at(tokio::time::Instant::now() + every, every)
}

/// A comment line that keeps proxies from closing an idle stream.
pub fn keep_alive() -> Bytes {
    Bytes::from_static(b": keep-alive\n\n")
}

/// The last words of a stream the server ends while shutting down: a
/// comment and a `retry` hint, so the client reconnects (with
/// `Last-Event-ID` where the stream had ids) after `retry_ms`, to whichever
/// replica answers.
pub fn closing(retry_ms: u64) -> Bytes {
    Bytes::from(format!(": the server is shutting down; reconnect\nretry: {retry_ms}\n\n"))
}

/// The body of a resumable stream: `head` (priming, replayed events), then
/// every event that reaches `events` past position `seen` (the replay's
/// last, which the connection may also receive live) and past every event
/// sent before it, with keep-alive comments while idle. Ends when the
/// sender side closes, or with [`closing`] when `end` resolves.
pub fn event_stream(
    head: Vec<Bytes>,
    mut events: EventReceiver,
    mut seen: u64,
    keep_alive_every: Duration,
    end: impl std::future::Future<Output = ()> + Send + 'static,
    retry_ms: u64,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> + Send {
    async_stream::stream! {
        for chunk in head {
            yield Ok(chunk);
        }
        let mut ticker = keep_alive_ticker(keep_alive_every);
        let mut end = std::pin::pin!(end);
        loop {
            tokio::select! {
                () = &mut end => {
                    yield Ok(closing(retry_ms));
                    break;
                }
                event = events.recv() => match event {
                    Some(event) if event.id.seq <= seen => {}
                    Some(event) => {
                        seen = event.id.seq;
                        yield Ok(frame(Some(&event.id.to_string()), &event.data));
                    }
                    None => break,
                },
                _ = ticker.tick() => yield Ok(keep_alive()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_zero_keep_alive_interval_is_raised_not_a_panic() {
        keep_alive_ticker(Duration::ZERO).tick().await;
    }

    #[test]
    fn frames_are_single_buffers() {
        assert_eq!(&frame(Some("1-2"), b"{}")[..], b"id: 1-2\nevent: message\ndata: {}\n\n");
        assert_eq!(&priming("3-0", 500)[..], b"id: 3-0\nretry: 500\ndata: \n\n");
    }
}
