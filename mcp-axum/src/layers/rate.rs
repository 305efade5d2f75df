//! Per-client rate limits: each client address ([`client_addr`]) gets
//! `count` requests per `period` (in bursts of up to `count`); one more is
//! answered 429 with `Retry-After`.

use super::{RequestCheck, client_addr};
use crate::config::RateLimit;
use crate::reply;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use http::{HeaderValue, Request, StatusCode};
use quickmcp::protocol::jsonrpc::code;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many checks pass between sweeps of clients that are back to a full
/// allowance (so the table does not keep every address ever seen).
const SWEEP_EVERY: u64 = 4096;

/// Answers 429 to a client over its allowance. Requests without a known peer
/// address (an app served without connection info) are not limited.
#[derive(Clone)]
pub struct RateLimitCheck {
    shared: Arc<Shared>,
}

struct Shared {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    trusted_proxies: Vec<IpAddr>,
    checks: AtomicU64,
}

impl RateLimitCheck {
    /// `limit` per client address; `trusted_proxies` may name the client in
    /// `X-Forwarded-For`.
    pub fn new(limit: RateLimit, trusted_proxies: Vec<IpAddr>) -> Self {
        let count = NonZeroU32::new(limit.count.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(limit.period / count.get())
            .unwrap_or_else(|| Quota::per_second(count))
            .allow_burst(count);
        let limiter = DefaultKeyedRateLimiter::keyed(quota);
        Self { shared: Arc::new(Shared { limiter, trusted_proxies, checks: AtomicU64::new(0) }) }
    }
}

impl std::fmt::Debug for RateLimitCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitCheck").field("trusted_proxies", &self.shared.trusted_proxies).finish_non_exhaustive()
    }
}

#[allow(clippy::result_large_err)]
impl RequestCheck for RateLimitCheck {
    fn check<B>(&self, request: &Request<B>) -> Result<(), Response> {
        let trusted = &self.shared.trusted_proxies;
        let Some(client) = client_addr(request.headers(), request.extensions(), trusted) else {
            return Ok(());
        };
        if self.shared.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.shared.limiter.retain_recent();
        }
        match self.shared.limiter.check_key(&client) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                let mut response = reply::refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    code::SESSION_ERROR,
                    format!("Too Many Requests: retry in {seconds} s"),
                );
                response.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
                Err(reply::rejected(response, "rate_limit"))
            }
        }
    }
}
