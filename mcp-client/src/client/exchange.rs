//! One request's exchange with the transport: sent, awaited within the
//! time limit, cancelled when dropped; and the answers to what the server
//! asks.

use super::{Client, Inner};
use crate::error::ClientError;
use crate::inbox::PENDING_SERVER_REQUESTS;
use crate::transport::Outgoing;
use quickmcp::protocol::jsonrpc::{self, Request, RequestId, RpcError};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::future::Future;
use std::sync::{Arc, Weak};
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
    /// Sends a request and awaits its answer within its time limit, as JSON.
    pub(super) async fn send_request(
        &self,
        method: &str,
        params: Value,
        extras: &Extras,
        revision: Option<&'static str>,
    ) -> Result<Value, ClientError> {
        let result = self.within(extras, self.exchange(method, &params, extras, revision)).await?;
        parse(&result)
    }

    /// `work` within the call's time limit (`extras`' own, else the
    /// client's), else [`ClientError::Timeout`]: the sending, the answer's
    /// body or stream and the wait all count (over HTTP a JSON answer
    /// arrives with the POST's response). The dropped work tells the server
    /// to stop.
    pub(super) async fn within<T>(
        &self,
        extras: &Extras,
        work: impl Future<Output = Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        let limit = extras.timeout.unwrap_or(self.inner.timeout);
        tokio::time::timeout(limit, work).await.unwrap_or(Err(ClientError::Timeout))
    }

    /// Sends a request and awaits its answer as the server wrote it, with
    /// no time limit of its own; dropped before the answer (the caller went
    /// away, or its time ran out), it tells the server
    /// (`notifications/cancelled`). A failure the transport saw (a body too
    /// large, a stream that broke) is the error the caller gets.
    pub(super) async fn exchange(
        &self,
        method: &str,
        params: &Value,
        extras: &Extras,
        revision: Option<&'static str>,
    ) -> Result<Box<RawValue>, ClientError> {
        let inbox = &self.inner.inbox;
        if inbox.is_closed() {
            return Err(ClientError::Closed);
        }
        let (id, answer) = inbox.pending.begin();
        let mut waiting = Waiting { client: self, id: Some(id.clone()) };
        let message = Outgoing {
            bytes: jsonrpc::encode_request(&id, method, params),
            id: Some(id.clone()),
            method: Some(method.to_owned()),
            name: extras.name.clone(),
            revision,
            headers: extras.headers.clone(),
        };
        if let Err(error) = self.inner.transport.send(message, inbox).await {
            waiting.settled();
            inbox.pending.abandon(&id);
            return Err(inbox.local_failure(&id).unwrap_or(error));
        }
        let outcome = answer.await;
        waiting.settled();
        match outcome {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(error)) => Err(inbox.local_failure(&id).unwrap_or(ClientError::Rpc(error))),
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
        drop(self.client.inner.inbox.local_failure(&id));
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
/// At most [`PENDING_SERVER_REQUESTS`] are answered at once; while they
/// are, more wait in the inbox, and past that are dropped.
pub(super) async fn answer_server_requests(inner: Weak<Inner>, mut requests: mpsc::Receiver<Request>) {
    let answering = Arc::new(tokio::sync::Semaphore::new(PENDING_SERVER_REQUESTS));
    while let Some(request) = requests.recv().await {
        let Ok(permit) = answering.clone().acquire_owned().await else { return };
        let Some(inner) = inner.upgrade() else { return };
        tokio::spawn(async move {
            let _permit = permit;
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

/// A result as JSON.
pub(crate) fn parse(result: &RawValue) -> Result<Value, ClientError> {
    serde_json::from_str(result.get()).map_err(|e| ClientError::Protocol(format!("a result: {e}")))
}
