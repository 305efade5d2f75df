//! Per-tool limits: [`RateLimit`] (calls per period) and
//! [`ConcurrencyLimit`] (calls at once), for tools that protect something
//! slow or costly behind them.

use crate::middleware::{Middleware, Next, Outcome, ToolCall};
use crate::protocol::CallToolResult;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// At most so many calls of a tool per period, shared by every caller; one
/// more is answered with a tool error (`isError`) telling the model when
/// to try again. Tools not named here are not limited.
///
/// ```
/// use quickmcp::Server;
/// use quickmcp::middleware::RateLimit;
/// use std::time::Duration;
///
/// let limits = RateLimit::new().tool("search", 10, Duration::from_secs(60));
/// let server = Server::builder("demo", "1.0.0").middleware(limits).build();
/// # let _ = server;
/// ```
#[derive(Debug, Default)]
pub struct RateLimit {
    tools: HashMap<String, DefaultDirectRateLimiter>,
}

impl RateLimit {
    /// No limits yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tool `name` may be called `count` times per `period` (in bursts of
    /// up to `count`).
    #[must_use]
    pub fn tool(mut self, name: impl Into<String>, count: u32, period: Duration) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period / count.get()).unwrap_or_else(|| Quota::per_second(count));
        self.tools.insert(name.into(), DefaultDirectRateLimiter::direct(quota.allow_burst(count)));
        self
    }
}

impl Middleware for RateLimit {
    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        let Some(limiter) = self.tools.get(call.name()) else {
            return next.run(call);
        };
        match limiter.check() {
            Ok(()) => next.run(call),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                let message = format!("`{}` is called too often: try again in {seconds} s", call.name());
                Box::pin(std::future::ready(Ok(CallToolResult::error(message))))
            }
        }
    }
}

/// At most so many calls of a tool running at once; later calls wait for
/// a place (within the request's time limit, and until cancelled). Tools
/// not named here are not limited.
///
/// ```
/// use quickmcp::Server;
/// use quickmcp::middleware::ConcurrencyLimit;
///
/// let server = Server::builder("demo", "1.0.0").middleware(ConcurrencyLimit::new().tool("render", 2)).build();
/// # let _ = server;
/// ```
#[derive(Debug, Default)]
pub struct ConcurrencyLimit {
    tools: HashMap<String, Arc<Semaphore>>,
}

impl ConcurrencyLimit {
    /// No limits yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `max` calls of tool `name` at once.
    #[must_use]
    pub fn tool(mut self, name: impl Into<String>, max: usize) -> Self {
        self.tools.insert(name.into(), Arc::new(Semaphore::new(max.max(1))));
        self
    }
}

impl Middleware for ConcurrencyLimit {
    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        let Some(places) = self.tools.get(call.name()) else {
            return next.run(call);
        };
        Box::pin(async move {
            let _place = places
                .acquire()
                .await
                .map_err(|_| crate::protocol::jsonrpc::RpcError::internal("the limit was closed"))?;
            next.run(call).await
        })
    }
}
