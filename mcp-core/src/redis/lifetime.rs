//! [`Lifetime`]: how long a session's keys live in Redis, and when a
//! request refreshes them.

use std::time::Duration;

/// The longest margin past the idle timeout.
const MOST_MARGIN: Duration = Duration::from_secs(60);

/// A session's keys live for its idle timeout plus a margin (an eighth of
/// the timeout, at most a minute), and a request refreshes them only once
/// the record has less than the idle timeout left. A session in use thus
/// costs Redis a refresh once per margin instead of on every request, and
/// an idle session ends between its idle timeout and the margin after it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lifetime {
    idle: Duration,
}

impl Lifetime {
    pub(super) fn new(idle: Duration) -> Self {
        Self { idle }
    }

    /// The idle timeout.
    pub(super) fn idle(self) -> Duration {
        self.idle
    }

    /// The TTL set on a session's keys, in ms: the idle timeout and its margin.
    pub(super) fn ttl_ms(self) -> u64 {
        millis(self.idle + (self.idle / 8).min(MOST_MARGIN))
    }

    /// A request refreshes the keys when the record has less than this
    /// left, in ms: the idle timeout.
    pub(super) fn refresh_below_ms(self) -> u64 {
        millis(self.idle)
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_an_eighth_of_the_timeout_and_at_most_a_minute() {
        let short = Lifetime::new(Duration::from_secs(8));
        assert_eq!((short.ttl_ms(), short.refresh_below_ms()), (9_000, 8_000));
        let long = Lifetime::new(Duration::from_secs(3600));
        assert_eq!((long.ttl_ms(), long.refresh_below_ms()), (3_660_000, 3_600_000));
        assert_eq!(Lifetime::new(Duration::ZERO).ttl_ms(), 1, "a TTL of 0 would delete the key");
    }
}
