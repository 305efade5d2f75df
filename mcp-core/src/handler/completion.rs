use super::BoxFuture;
use crate::protocol::Completion;
use std::collections::HashMap;
use std::sync::Arc;

/// What a completion source is asked.
#[derive(Debug, Clone)]
pub struct CompletionRequest {
    /// The argument being completed.
    pub argument: String,
    /// What the user typed so far.
    pub value: String,
    /// Other arguments already filled in.
    pub context: HashMap<String, String>,
}

/// A stored completion source for one argument.
pub type CompleteFn = Arc<dyn Fn(CompletionRequest) -> BoxFuture<Completion> + Send + Sync>;

/// What a completion function (`complete(arg = f)`) may return.
pub trait IntoCompletion {
    /// Converts into the `completion` result.
    fn into_completion(self) -> Completion;
}

impl IntoCompletion for Completion {
    fn into_completion(self) -> Completion {
        self
    }
}

impl IntoCompletion for Vec<String> {
    fn into_completion(self) -> Completion {
        Completion::from_values(self)
    }
}

impl IntoCompletion for Vec<&str> {
    fn into_completion(self) -> Completion {
        Completion::from_values(self.into_iter().map(str::to_owned).collect())
    }
}

/// Builds a [`CompleteFn`] from an async function of the typed prefix; what
/// `complete(arg = f)` expands to.
pub fn complete_fn<F, Fut, R>(f: F) -> CompleteFn
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = R> + Send + 'static,
    R: IntoCompletion,
{
    Arc::new(move |req: CompletionRequest| {
        let fut = f(req.value);
        Box::pin(async move { fut.await.into_completion() })
    })
}
