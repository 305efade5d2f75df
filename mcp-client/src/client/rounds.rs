//! The 2026-07-28 era's requests: the client's `_meta` on each, and the
//! `input_required` rounds, answered by the client's handlers.

use super::Client;
use super::exchange::Extras;
use crate::error::ClientError;
use mcp_core::middleware::Era;
use serde_json::{Value, json};

/// `input_required` rounds a stateless-era request may take.
const MAX_ROUNDS: usize = 16;

impl Client {
    pub(super) async fn request_named(
        &self,
        method: &str,
        params: Value,
        name: Option<&str>,
    ) -> Result<Value, ClientError> {
        let extras = Extras { name: name.map(str::to_owned), ..Extras::default() };
        self.request_with(method, params, &extras).await
    }

    /// Sends `method` with `params` and what `extras` adds, answering the
    /// 2026-07-28 era's `input_required` rounds.
    pub(super) async fn request_with(
        &self,
        method: &str,
        mut params: Value,
        extras: &Extras,
    ) -> Result<Value, ClientError> {
        let agreed = self.inner.agreed.get().ok_or(ClientError::Closed)?;
        if agreed.era == Era::Stateless {
            if let Value::Object(fields) = &mut params {
                let meta = fields.entry("_meta").or_insert_with(|| json!({}));
                if let (Value::Object(meta), Value::Object(ours)) = (&mut *meta, self.meta(agreed.revision)) {
                    meta.extend(ours);
                }
                if extras.task {
                    super::tasks::declare(meta);
                }
            }
        }
        if agreed.era == Era::Session {
            return self.send_request(method, params, extras, Some(agreed.revision)).await;
        }
        // The 2026-07-28 era asks the client within the request: answer the
        // round's questions and send the request again, with the state.
        for _ in 0..MAX_ROUNDS {
            let result = self.send_request(method, params.clone(), extras, Some(agreed.revision)).await?;
            if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
                return Ok(result);
            }
            let mut answers = serde_json::Map::new();
            for (key, question) in result.get("inputRequests").and_then(Value::as_object).into_iter().flatten() {
                let asked = question.get("method").and_then(Value::as_str).unwrap_or_default();
                let answer = self.inner.handlers.answer(asked, question.get("params").cloned().unwrap_or_default());
                answers.insert(key.clone(), answer.await?);
            }
            params["inputResponses"] = Value::Object(answers);
            // Echoed exactly as the server sent it, and left out when it sent none.
            match (result.get("requestState"), params.as_object_mut()) {
                (Some(state), _) => params["requestState"] = state.clone(),
                (None, Some(fields)) => drop(fields.remove("requestState")),
                (None, None) => {}
            }
        }
        Err(ClientError::Protocol(format!("{method} asked for input more than {MAX_ROUNDS} times")))
    }
}
