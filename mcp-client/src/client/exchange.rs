//! One request's exchange with the transport: sent, awaited within the
//! time limit, cancelled when dropped; and the answers to what the server
//! asks.

use super::{Client, Inner};
use crate::error::ClientError;
use crate::transport::Outgoing;
use mcp_core::protocol::jsonrpc::{self, Request, RequestId, RpcError};
use serde_json::{Value, json};
use std::sync::Weak;
use std::time::Duration;
use tokio::sync::mpsc;

/// What a request carries besides its method and params.
#[derive(Debug, Default, Clone)]
pub(crate) struct Extras {
    /// The tool, prompt or resource it names (`Mcp-Name`).
    pub(crate) name: Option<String>,
    /// More HTTP headers (the tool's `Mcp-Param-*`).
    pub(crate) headers: Vec<(String, String)>,
    /// Its own time limit, instead of the client's.
    pub(crate) timeout: Option<Duration>,
    /// Whether it declares the tasks extension (stateless era: in its own
    /// `_meta`).
    pub(crate) task: bool,
}

impl Client {
    /// Sends a request and awaits its answer within the time limit; a call
    /// dropped or timed out tells the server (`notifications/cancelled`).
    pub(super) async fn send_request(
        &self,
        method: &str,
        params: Value,
        extras: &Extras,
        revision: Option<&'static str>,
    ) -> Result<Value, ClientError> {
        let inbox = &self.inner.inbox;
        if inbox.is_closed() {
            return Err(ClientError::Closed);
        }
        let (id, answer) = inbox.pending.begin();
        let mut waiting = Waiting { client: self, id: Some(id.clone()) };
        let message = Outgoing {
            bytes: jsonrpc::encode_request(&id, method, &params),
            id: Some(id.clone()),
            method: Some(method.to_owned()),
            name: extras.name.clone(),
            revision,
            headers: extras.headers.clone(),
        };
        // The limit covers the sending too: over HTTP a JSON answer arrives
        // with the POST's response.
        let deadline = tokio::time::Instant::now() + extras.timeout.unwrap_or(self.inner.timeout);
        match tokio::time::timeout_at(deadline, self.inner.transport.send(message, inbox)).await {
            Err(_) => return Err(ClientError::Timeout),
            Ok(Err(error)) => {
                waiting.settled();
                return Err(error);
            }
            Ok(Ok(())) => {}
        }
        let outcome = match tokio::time::timeout_at(deadline, answer).await {
            Err(_) => return Err(ClientError::Timeout),
            Ok(outcome) => outcome,
        };
        waiting.settled();
        match outcome {
            Ok(Ok(result)) => serde_json::from_str(result.get()).map_err(|e| ClientError::Protocol(e.to_string())),
            Ok(Err(error)) => Err(ClientError::Rpc(error)),
            Err(_) => Err(ClientError::Closed),
        }
    }

    pub(super) async fn notify(&self, method: &str, params: Value) -> Result<(), ClientError> {
        let message = Outgoing {
            bytes: jsonrpc::encode_notification(method, &params),
            id: None,
            method: Some(method.to_owned()),
            name: None,
            revision: self.protocol_version(),
            headers: Vec::new(),
        };
        self.inner.transport.send(message, &self.inner.inbox).await
    }
}

/// A request awaiting its answer: dropped before it settles (the caller's
/// future was dropped, or its time ran out), it tells the server to stop.
struct Waiting<'a> {
    client: &'a Client,
    id: Option<RequestId>,
}

impl Waiting<'_> {
    fn settled(&mut self) {
        self.id = None;
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        self.client.inner.inbox.pending.abandon(&id);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let client = self.client.clone();
        runtime.spawn(async move {
            let params = json!({"requestId": id, "reason": "the client stopped waiting"});
            let _ = client.notify("notifications/cancelled", params).await;
        });
    }
}

/// Answers what the server asks while the client lives (session era), each
/// on its own task: by the builder's handlers, `ping`, else `-32601`.
pub(super) async fn answer_server_requests(inner: Weak<Inner>, mut requests: mpsc::Receiver<Request>) {
    while let Some(request) = requests.recv().await {
        let Some(inner) = inner.upgrade() else { return };
        tokio::spawn(async move {
            let params = request.params.and_then(|raw| serde_json::from_str(raw.get()).ok()).unwrap_or_default();
            let bytes = match inner.handlers.answer(&request.method, params).await {
                Ok(result) => match serde_json::value::to_raw_value(&result) {
                    Ok(raw) => jsonrpc::encode_result(&request.id, &raw),
                    Err(e) => jsonrpc::encode_error(Some(&request.id), &RpcError::internal(e)),
                },
                Err(error) => jsonrpc::encode_error(Some(&request.id), &error),
            };
            let revision = inner.agreed.get().map(|a| a.revision);
            let answer = Outgoing { bytes, id: None, method: None, name: None, revision, headers: Vec::new() };
            if let Err(error) = inner.transport.send(answer, &inner.inbox).await {
                tracing::debug!(%error, "an answer to the server did not get through");
            }
        });
    }
}
