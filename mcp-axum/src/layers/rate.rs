//! Per-client rate limits: each client address gets `count` requests per
//! `period` (in bursts of up to `count`); one more is answered 429 with
//! `Retry-After`. The address is the connection's peer, or, when the peer is
//! a trusted proxy, the nearest address in `X-Forwarded-For` it did not add.

use super::RequestCheck;
use crate::config::RateLimit;
use crate::reply;
use axum::extract::ConnectInfo;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use http::{HeaderValue, Request, StatusCode};
use mcp_core::jsonrpc::code;
use std::net::{IpAddr, SocketAddr};
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

    /// The address a request is counted against.
    fn client<B>(&self, request: &Request<B>) -> Option<IpAddr> {
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
        let trusted = &self.shared.trusted_proxies;
        if !trusted.contains(&peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        Some(forwarded.into_iter().rev().find(|ip| !trusted.contains(ip)).unwrap_or(peer))
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
        let Some(client) = self.client(request) else {
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
                Err(response)
            }
        }
    }
}
