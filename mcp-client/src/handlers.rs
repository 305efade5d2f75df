//! What the client answers when a server asks: sampling, elicitation and
//! roots (or any method), by closures given to the
//! [`ClientBuilder`](crate::ClientBuilder). A server asks on its own stream
//! in the session era, and through `input_required` rounds in the
//! 2026-07-28 era; the same handler answers both.

use futures_util::future::BoxFuture;
use quickmcp::protocol::jsonrpc::RpcError;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static INPUT_KEY: String;
}

/// The key of the 2026-07-28 `input_required` question (or task input
/// request) the running handler answers; `None` in the session era, whose
/// requests have no key. A handler that passes questions on (a proxy) uses
/// it to keep the server's key.
pub fn input_key() -> Option<String> {
    INPUT_KEY.try_with(Clone::clone).ok()
}

/// A handler: the request's params in, its result (or error) out.
pub type Handler = Arc<dyn Fn(Value) -> BoxFuture<'static, Result<Value, RpcError>> + Send + Sync>;

/// Handlers by method.
#[derive(Clone, Default)]
pub(crate) struct Handlers(HashMap<String, Handler>);

impl Handlers {
    pub(crate) fn insert<F, Fut>(&mut self, method: &str, handler: F)
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, RpcError>> + Send + 'static,
    {
        self.0.insert(method.to_owned(), Arc::new(move |params| Box::pin(handler(params))));
    }

    /// [`answer`](Self::answer) for the question filed under `key`
    /// (readable by the handler through [`input_key`]).
    pub(crate) async fn answer_keyed(&self, key: &str, method: &str, params: Value) -> Result<Value, RpcError> {
        INPUT_KEY.scope(key.to_owned(), self.answer(method, params)).await
    }

    /// Answers `method` with `params`: `ping` always, a handled method by its
    /// handler, anything else `-32601`.
    pub(crate) async fn answer(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        match (method, self.0.get(method)) {
            (_, Some(handler)) => handler(params).await,
            ("ping", None) => Ok(serde_json::json!({})),
            (method, None) => Err(RpcError::method_not_found(method)),
        }
    }
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}
