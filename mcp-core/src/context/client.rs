//! Asking the client from a handler: sampling, elicitation (form and URL)
//! and roots. In the session era the question goes out on the request's
//! stream and the handler awaits the answer; in the stateless era the call
//! ends with `input_required` and resumes when the client retries.

use super::Context;
use crate::era::rounds::Interrupt;
use crate::peer::Outbound;
use crate::protocol::ClientCapabilities;
use crate::protocol::jsonrpc::{self, RequestId, RpcError, code};
use crate::session::Session;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

impl Context {
    /// Sends a request to the client and awaits its answer. In session mode
    /// it goes out on this request's stream; in the stateless era the call
    /// ends with an `input_required` result and the answer arrives when the
    /// client retries (the handler then runs again from the start, and this
    /// call returns the answer). Fails when there is no way to reach the
    /// client, when the client answers with an error, or on cancellation.
    pub async fn request_client<R: DeserializeOwned>(
        &self,
        method: &str,
        params: impl Serialize,
    ) -> Result<R, RpcError> {
        self.ask(None, method, params).await
    }

    /// Asks the client under a chosen input key (the key of the
    /// `inputRequests` entry in the stateless era; ignored in session mode).
    ///
    /// ```
    /// # async fn f(ctx: quickmcp::Context) -> Result<(), quickmcp::protocol::jsonrpc::RpcError> {
    /// let answer = ctx.input("user_name").elicit("Your name?", serde_json::json!({
    ///     "type": "object", "properties": {"name": {"type": "string"}}
    /// })).await?;
    /// # Ok(()) }
    /// ```
    pub fn input<'a>(&'a self, key: &'a str) -> Input<'a> {
        Input { ctx: self, key: Some(key) }
    }

    async fn ask<R: DeserializeOwned>(
        &self,
        key: Option<&str>,
        method: &str,
        params: impl Serialize,
    ) -> Result<R, RpcError> {
        if let Some(task) = self.task_run() {
            return task.answer(key, method, params).await;
        }
        if let Some(call) = &self.scope.stateless {
            return call.answer(key, method, params).await;
        }
        let (Some(session), Some(sink)) = (self.live_session(), &self.scope.sink) else {
            return Err(RpcError::new(
                code::INVALID_REQUEST,
                format!("`{method}` needs a session with an open stream"),
            ));
        };
        let (id, answer) = session.await_client();
        // However this ends (answer, cancellation, the future dropped with its
        // connection), the session stops waiting for the answer.
        let _waiting = Waiting { session, id: &id };
        if sink.send(Outbound::Message(jsonrpc::encode_request(&id, method, &params))).is_err() {
            return Err(RpcError::internal("the request's stream is closed"));
        }
        let patience = self.server().client_request_timeout();
        let outcome = tokio::select! {
            outcome = answer => outcome.map_err(|_| RpcError::internal("the session ended"))?,
            () = self.cancelled() => return Err(RpcError::new(code::REQUEST_CANCELLED, "request cancelled")),
            () = tokio::time::sleep(patience) => {
                let message = format!("the client did not answer `{method}` within {patience:?}");
                return Err(RpcError::new(code::REQUEST_TIMEOUT, message));
            }
        };
        let answer = outcome?;
        if let Some(gate) = self.gate() {
            // Kept for the task's re-run, which asks again.
            if let Ok(value) = serde_json::from_str::<Value>(answer.get()) {
                gate.record(key, method, &value);
            }
        }
        serde_json::from_str(answer.get())
            .map_err(|e| RpcError::internal(format!("unexpected answer to `{method}`: {e}")))
    }

    /// Checks the client declared capability `name`. In the stateless era
    /// a missing capability ends the request with the revision's `-32021`
    /// error; in session mode the caller gets the error.
    async fn require_capability(
        &self,
        name: &str,
        declared: impl Fn(&ClientCapabilities) -> bool,
    ) -> Result<(), RpcError> {
        if self.client_capabilities().is_some_and(declared) {
            return Ok(());
        }
        if let Some(call) = &self.scope.stateless {
            call.interrupt(Interrupt::MissingCapability(name.to_owned()));
            std::future::pending::<()>().await;
        }
        Err(RpcError::new(code::INVALID_REQUEST, format!("the client did not declare the `{name}` capability")))
    }

    /// Asks the client's model for a message (`sampling/createMessage`).
    /// `params` follows the specification's `CreateMessageRequest` params.
    pub async fn sample(&self, params: Value) -> Result<Value, RpcError> {
        Input { ctx: self, key: None }.sample(params).await
    }

    /// Asks the user to fill in a form (`elicitation/create`, form mode).
    /// `requested_schema` is a flat object schema of primitive properties.
    pub async fn elicit(&self, message: &str, requested_schema: Value) -> Result<ElicitResult, RpcError> {
        Input { ctx: self, key: None }.elicit(message, requested_schema).await
    }

    /// Sends the user to `url` (`elicitation/create`, URL mode).
    pub async fn elicit_url(&self, message: &str, url: &str, elicitation_id: &str) -> Result<ElicitResult, RpcError> {
        self.require_capability("elicitation", |c| c.elicitation.is_some_and(|e| e.url.is_some())).await?;
        let params =
            serde_json::json!({ "mode": "url", "message": message, "url": url, "elicitationId": elicitation_id });
        self.ask(None, "elicitation/create", params).await
    }

    /// The client's roots (`roots/list`).
    pub async fn roots(&self) -> Result<Value, RpcError> {
        Input { ctx: self, key: None }.roots().await
    }
}

impl Context {
    /// Asks the client what a remote server asked through the proxy:
    /// `method` with `params` as they came, under `key` (the remote's
    /// input key, in the stateless era), once the client declared the
    /// capability the method needs.
    pub(crate) async fn ask_relayed(&self, key: Option<&str>, method: &str, params: Value) -> Result<Value, RpcError> {
        match method {
            "sampling/createMessage" => self.require_capability("sampling", |c| c.sampling.is_some()).await?,
            "roots/list" => self.require_capability("roots", |c| c.roots.is_some()).await?,
            "elicitation/create" => {
                let url = params["mode"] == "url";
                let declared = |c: &ClientCapabilities| c.elicitation.is_some_and(|e| !url || e.url.is_some());
                self.require_capability("elicitation", declared).await?;
            }
            _ => {}
        }
        self.ask(key, method, params).await
    }
}

/// Forgets an awaited client answer when dropped.
struct Waiting<'a> {
    session: &'a Session,
    id: &'a RequestId,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.session.abandon_client_request(self.id);
    }
}

/// A question to the client under a chosen key; see [`Context::input`].
pub struct Input<'a> {
    ctx: &'a Context,
    key: Option<&'a str>,
}

impl Input<'_> {
    /// `sampling/createMessage`.
    pub async fn sample(self, params: Value) -> Result<Value, RpcError> {
        self.ctx.require_capability("sampling", |c| c.sampling.is_some()).await?;
        self.ctx.ask(self.key, "sampling/createMessage", params).await
    }

    /// `elicitation/create` in form mode.
    pub async fn elicit(self, message: &str, requested_schema: Value) -> Result<ElicitResult, RpcError> {
        self.ctx.require_capability("elicitation", |c| c.elicitation.is_some()).await?;
        let params = serde_json::json!({ "mode": "form", "message": message, "requestedSchema": requested_schema });
        self.ctx.ask(self.key, "elicitation/create", params).await
    }

    /// `roots/list`.
    pub async fn roots(self) -> Result<Value, RpcError> {
        self.ctx.require_capability("roots", |c| c.roots.is_some()).await?;
        self.ctx.ask(self.key, "roots/list", serde_json::json!({})).await
    }
}

/// The user's answer to an elicitation.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct ElicitResult {
    /// `accept`, `decline` or `cancel`.
    pub action: String,
    /// The submitted form, when accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Value>,
}
