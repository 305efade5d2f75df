//! How a stateless-era handler asks the client: the question is recorded,
//! the call ends with `input_required`, and the handler runs again from the
//! start when the client retries with its answers.

use crate::era::StatelessMeta;
use crate::protocol::jsonrpc::RpcError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

/// Why a stateless-era handler stopped before finishing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Interrupt {
    /// It asked the client for input it does not have yet.
    NeedsInput(Vec<(String, Value)>),
    /// It needs a capability the request did not declare.
    MissingCapability(String),
}

/// One stateless-era call: its `_meta`, the client's answers so far, and
/// what the handler asked for that is not answered yet.
pub(crate) struct StatelessCall {
    pub(crate) meta: Arc<StatelessMeta>,
    pub(crate) answers: serde_json::Map<String, Value>,
    asked: AtomicUsize,
    interrupt: Mutex<Option<Interrupt>>,
    /// Wakes the call when a question is asked from another task (a
    /// proxy's remote asks on a task of its own).
    waiting: Mutex<Option<std::task::Waker>>,
}

impl StatelessCall {
    pub(crate) fn new(meta: Arc<StatelessMeta>, answers: serde_json::Map<String, Value>) -> Self {
        Self { meta, answers, asked: Default::default(), interrupt: Default::default(), waiting: Default::default() }
    }

    pub(crate) fn interrupt(&self, why: Interrupt) {
        let mut slot = self.interrupt.lock().unwrap_or_else(|p| p.into_inner());
        match (&mut *slot, why) {
            (Some(Interrupt::NeedsInput(needs)), Interrupt::NeedsInput(more)) => needs.extend(more),
            (Some(Interrupt::MissingCapability(_)), _) => {}
            (slot, why) => *slot = Some(why),
        }
        drop(slot);
        if let Some(waker) = self.waiting.lock().unwrap_or_else(|p| p.into_inner()).take() {
            waker.wake();
        }
    }

    pub(crate) fn take_interrupt(&self) -> Option<Interrupt> {
        self.interrupt.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The answer under `key` (or the next automatic key); when there is
    /// none yet (or it does not decode), records the question and waits
    /// forever: the dispatcher ends the call with `input_required`.
    pub(crate) async fn answer<R: DeserializeOwned>(
        &self,
        key: Option<&str>,
        method: &str,
        params: impl Serialize,
    ) -> Result<R, RpcError> {
        let key = input_key(key, method, self.asked.fetch_add(1, Ordering::Relaxed) + 1);
        if let Some(answer) = self.answers.get(&key).and_then(|a| serde_json::from_value(a.clone()).ok()) {
            return Ok(answer);
        }
        let request = serde_json::json!({ "method": method, "params": params });
        self.interrupt(Interrupt::NeedsInput(vec![(key, request)]));
        std::future::pending().await
    }
}

/// The key of a handler's `n`th question: the one it chose, or the
/// method's first segment and `n` (`elicitation-1`). A re-run asks the same
/// questions in the same order, so it finds its earlier answers.
pub(crate) fn input_key(key: Option<&str>, method: &str, n: usize) -> String {
    key.map_or_else(|| format!("{}-{n}", method.split('/').next().unwrap_or(method)), str::to_owned)
}

/// Polls `work` until it finishes, or until a poll leaves it waiting on
/// something only the client can provide.
pub(crate) fn until_interrupted<F: Future>(call: &StatelessCall, work: F) -> UntilInterrupted<'_, F> {
    UntilInterrupted { call, work }
}

pin_project_lite::pin_project! {
    /// The future of [`until_interrupted`]: `work` polled where it lies
    /// (an `async fn` would hold a second copy of it).
    pub(crate) struct UntilInterrupted<'a, F> {
        call: &'a StatelessCall,
        #[pin]
        work: F,
    }
}

impl<F: Future> Future for UntilInterrupted<'_, F> {
    type Output = Result<F::Output, Interrupt>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.work.poll(cx) {
            Poll::Ready(value) => Poll::Ready(Ok(value)),
            Poll::Pending => {
                *this.call.waiting.lock().unwrap_or_else(|p| p.into_inner()) = Some(cx.waker().clone());
                this.call.take_interrupt().map_or(Poll::Pending, |why| Poll::Ready(Err(why)))
            }
        }
    }
}
