//! What one call may ask for besides its arguments: its own time limit, and
//! a callback for the progress the server reports on it.

use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// One `notifications/progress` of a call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// How far the work is (grows with each notification).
    pub progress: f64,
    /// Where it ends, when the server knows.
    pub total: Option<f64>,
    /// What the server says of it.
    pub message: Option<String>,
}

impl Progress {
    /// Reads the params of a `notifications/progress`.
    pub(crate) fn from_params(params: &Value) -> Option<Self> {
        Some(Self {
            progress: params.get("progress")?.as_f64()?,
            total: params.get("total").and_then(Value::as_f64),
            message: params.get("message").and_then(Value::as_str).map(str::to_owned),
        })
    }
}

/// A callback for a call's progress.
pub type ProgressHandler = Arc<dyn Fn(Progress) + Send + Sync>;

/// Options of one call ([`Client::call_tool_with`](crate::Client::call_tool_with)).
///
/// ```no_run
/// use quickmcp_client::CallOptions;
/// use std::time::Duration;
///
/// # async fn run(client: quickmcp_client::Client) -> Result<(), quickmcp_client::ClientError> {
/// let options = CallOptions::new()
///     .timeout(Duration::from_secs(300))
///     .on_progress(|p| println!("{}/{:?} {}", p.progress, p.total, p.message.unwrap_or_default()));
/// let result = client.call_tool_with("reindex", serde_json::json!({"shards": 8}), options).await?;
/// # let _ = result; Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) progress: Option<ProgressHandler>,
}

impl CallOptions {
    /// No options: the client's time limit, no progress callback.
    pub fn new() -> Self {
        Self::default()
    }

    /// This call's time limit, instead of the client's.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Calls `handler` with each `notifications/progress` the server sends
    /// for this call (the call carries a `progressToken` of its own).
    #[must_use]
    pub fn on_progress(mut self, handler: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(handler));
        self
    }
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}
