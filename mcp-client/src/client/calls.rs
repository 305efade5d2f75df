//! Calls with options: a time limit of their own, and progress delivered
//! to a callback by the call's `progressToken`.

use super::Client;
use super::exchange::{Extras, parse};
use super::rounds::is_result_type;
use crate::call_options::{CallOptions, Progress};
use crate::error::ClientError;
use quickmcp::era::codes::HEADER_MISMATCH;
use quickmcp::middleware::Era;
use quickmcp::protocol::CallToolResult;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// Progress tokens, unique within the process.
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// Stops forwarding a call's progress when the call ends (or is dropped).
struct Forwarding(Option<tokio::task::JoinHandle<()>>);

impl Drop for Forwarding {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

impl Client {
    /// Calls tool `name` with `options`: its own time limit, a callback for
    /// its progress.
    pub async fn call_tool_with(
        &self,
        name: &str,
        arguments: Value,
        options: CallOptions,
    ) -> Result<CallToolResult, ClientError> {
        let mut params = json!({"name": name, "arguments": arguments});
        let _forwarding = self.forward_progress(&mut params, &options);
        // Decoded once, straight from the server's bytes.
        let result = self.send_tool_call(params, options.timeout).await?;
        if is_result_type(&result, "task") {
            return self.await_task(parse(&result)?).await;
        }
        serde_json::from_str(result.get()).map_err(|e| ClientError::Protocol(format!("a tools/call result: {e}")))
    }

    /// Sends `tools/call` with `params` as they are (`name`, `arguments`,
    /// `_meta`) and the tool's `Mcp-Param-*` headers: its result as the
    /// server wrote it.
    pub(crate) async fn send_tool_call(
        &self,
        params: Value,
        timeout: Option<std::time::Duration>,
    ) -> Result<Box<serde_json::value::RawValue>, ClientError> {
        let name = params["name"].as_str().unwrap_or_default().to_owned();
        let headers = self.param_headers(&name, &params["arguments"])?;
        // A tool never listed has unknown `Mcp-Param-*` headers (2026-07-28):
        // a server that wants some says so (-32020); the tools are listed,
        // once, and the call made again with them.
        let again = (self.era() == Era::Stateless && !self.knows_tool(&name)).then(|| params.clone());
        let mut extras = Extras { name: Some(name.clone()), headers, timeout, ..Extras::default() };
        match (self.request_raw("tools/call", params, &extras).await, again) {
            (Err(ClientError::Rpc(error)), Some(params)) if error.code == HEADER_MISMATCH => {
                self.list_tools().await?;
                extras.headers = self.param_headers(&name, &params["arguments"])?;
                self.request_raw("tools/call", params, &extras).await
            }
            (result, _) => result,
        }
    }

    /// Any request with `options` (a time limit, a progress callback).
    pub async fn request_with_options(
        &self,
        method: &str,
        mut params: Value,
        options: CallOptions,
    ) -> Result<Value, ClientError> {
        let extras = Extras { timeout: options.timeout, ..Extras::default() };
        let _forwarding = self.forward_progress(&mut params, &options);
        self.request_with(method, params, &extras).await
    }

    /// With a progress callback: a token of the call's own in
    /// `params._meta.progressToken`, and a task handing the server's
    /// progress for it to the callback while the call lasts.
    fn forward_progress(&self, params: &mut Value, options: &CallOptions) -> Forwarding {
        let Some(handler) = options.progress.clone() else { return Forwarding(None) };
        if !params.is_object() {
            return Forwarding(None);
        }
        let token = format!("mcp-client-{}", NEXT_TOKEN.fetch_add(1, Ordering::Relaxed));
        if !params["_meta"].is_object() {
            params["_meta"] = json!({});
        }
        params["_meta"]["progressToken"] = json!(token);
        let mut notifications = self.notifications();
        Forwarding(Some(tokio::spawn(async move {
            loop {
                match notifications.recv().await {
                    Ok(note) if note.method == "notifications/progress" && note.params["progressToken"] == token => {
                        if let Some(progress) = Progress::from_params(&note.params) {
                            handler(progress);
                        }
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        })))
    }
}
