//! A circuit breaker per provider: after `threshold` failures in a row the
//! provider is skipped for `cooldown`; then one trial call decides whether
//! it is back.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where a provider's circuit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Calls go through; `failures` in a row so far.
    Closed { failures: u32 },
    /// Calls are skipped until `until`.
    Open { until: Instant },
    /// One trial call is out.
    Trial,
}

/// See the module docs.
#[derive(Debug)]
pub struct Breaker {
    state: Mutex<State>,
    threshold: u32,
    cooldown: Duration,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self { state: Mutex::new(State::Closed { failures: 0 }), threshold, cooldown }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a call may go out now (a trial, once the cooldown passed).
    pub fn allow(&self) -> bool {
        let mut state = self.state();
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *state = State::Trial;
                true
            }
            State::Open { .. } | State::Trial => false,
        }
    }

    pub fn succeeded(&self) {
        *self.state() = State::Closed { failures: 0 };
    }

    pub fn failed(&self) {
        let mut state = self.state();
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed { failures: failures + 1 },
            _ => State::Open { until: Instant::now() + self.cooldown },
        };
    }

    pub fn is_open(&self) -> bool {
        !matches!(*self.state(), State::Closed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_recovers_after_a_good_trial() {
        let breaker = Breaker::new(2, Duration::ZERO);
        breaker.failed();
        assert!(breaker.allow() && !breaker.is_open());
        breaker.failed();
        assert!(breaker.is_open());
        assert!(breaker.allow(), "the cooldown (zero) passed: one trial");
        assert!(!breaker.allow(), "only one trial at a time");
        breaker.succeeded();
        assert!(!breaker.is_open());
    }
}
