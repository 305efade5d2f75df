//! A handler run's guard: it ends when the handler finishes, the request is
//! cancelled or its time is up, and a panic becomes an error.

use super::Context;
use crate::protocol::jsonrpc::{RpcError, code};

/// Runs a handler until it finishes, the request is cancelled or its time
/// is up (`-32001`). A panic in it is answered with `-32603` (and logged)
/// instead of dropping the connection or leaving a stream without its
/// response.
pub(crate) fn guarded<T>(
    ctx: &Context,
    work: impl Future<Output = Result<T, RpcError>>,
) -> impl Future<Output = Result<T, RpcError>> {
    guarded_for(ctx, work, ctx.server().request_timeout())
}

/// [`guarded`] with a time `limit` of its own (a task's is its TTL).
pub(crate) async fn guarded_for<T>(
    ctx: &Context,
    work: impl Future<Output = Result<T, RpcError>>,
    limit: std::time::Duration,
) -> Result<T, RpcError> {
    use futures_util::FutureExt as _;
    let work = std::panic::AssertUnwindSafe(work).catch_unwind();
    let mut work = std::pin::pin!(work);
    // Most handlers finish in their first poll: they need no timer and no
    // cancellation watch (arming a timer costs more than a small tool).
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(work.as_mut().poll(cx))).await;
    if let std::task::Poll::Ready(outcome) = first {
        return outcome.unwrap_or_else(|panic| panicked(ctx, &*panic));
    }
    // On the heap: the timer and the cancellation watch are most of this
    // future's size, and most calls never come here.
    let interrupted = Box::pin(async {
        tokio::select! {
            biased;
            () = ctx.cancelled() => RpcError::new(code::REQUEST_CANCELLED, "request cancelled"),
            () = tokio::time::sleep(limit) => {
                tracing::warn!(request = ?ctx.request_id(), ?limit, "an MCP handler ran out of time");
                RpcError::new(code::REQUEST_TIMEOUT, format!("Request timed out after {limit:?}"))
            }
        }
    });
    tokio::select! {
        biased;
        outcome = work => outcome.unwrap_or_else(|panic| panicked(ctx, &*panic)),
        error = interrupted => Err(error),
    }
}

/// The answer to a handler that panicked, logged with the panic's message.
fn panicked<T>(ctx: &Context, panic: &(dyn std::any::Any + Send)) -> Result<T, RpcError> {
    let reason = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(request = ?ctx.request_id(), %reason, "an MCP handler panicked");
    Err(RpcError::internal("the handler panicked"))
}
