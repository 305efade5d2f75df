//! The 2026-07-28 era's requests: the client's `_meta` on each, and the
//! `input_required` rounds, answered by the client's handlers.

use super::Client;
use super::exchange::{Extras, parse};
use crate::error::ClientError;
use quickmcp::middleware::Era;
use serde_json::value::RawValue;
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
    /// 2026-07-28 era's `input_required` rounds: the result as JSON.
    pub(super) async fn request_with(
        &self,
        method: &str,
        params: Value,
        extras: &Extras,
    ) -> Result<Value, ClientError> {
        parse(&self.request_raw(method, params, extras).await?)
    }

    /// Like [`request_with`](Self::request_with), the result as the server
    /// wrote it (for a caller that decodes it once, into its own type).
    pub(super) async fn request_raw(
        &self,
        method: &str,
        mut params: Value,
        extras: &Extras,
    ) -> Result<Box<RawValue>, ClientError> {
        let agreed = self.inner.agreed.get().ok_or(ClientError::Closed)?;
        if agreed.era == Era::Session {
            return self.within(extras, self.exchange(method, &params, extras, Some(agreed.revision))).await;
        }
        if let (Value::Object(fields), Value::Object(ours)) = (&mut params, &agreed.meta) {
            let meta = fields.entry("_meta").or_insert_with(|| json!({}));
            // What the request says of itself wins (a proxy passes on its
            // caller's capabilities).
            if let Value::Object(meta) = meta {
                for (key, value) in ours {
                    meta.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
            if extras.task {
                super::tasks::declare(meta);
            }
        }
        // Every round within the one time limit of the call.
        self.within(extras, self.rounds(method, params, extras, agreed.revision)).await
    }

    /// The 2026-07-28 era asks the client within the request: answer the
    /// round's questions and send the request again, with the state.
    async fn rounds(
        &self,
        method: &str,
        mut params: Value,
        extras: &Extras,
        revision: &'static str,
    ) -> Result<Box<RawValue>, ClientError> {
        for _ in 0..MAX_ROUNDS {
            let raw = self.exchange(method, &params, extras, Some(revision)).await?;
            if !is_result_type(&raw, "input_required") {
                return Ok(raw);
            }
            let result = parse(&raw)?;
            let questions = result.get("inputRequests").and_then(Value::as_object).into_iter().flatten();
            // Answered together: a handler that asks someone else in turn
            // (a proxy) puts every question to them at once.
            let answers = futures_util::future::try_join_all(questions.map(|(key, question)| async move {
                let asked = question.get("method").and_then(Value::as_str).unwrap_or_default();
                let params = question.get("params").cloned().unwrap_or_default();
                Ok::<_, ClientError>((key.clone(), self.inner.handlers.answer_keyed(key, asked, params).await?))
            }))
            .await?;
            params["inputResponses"] = Value::Object(answers.into_iter().collect());
            // Echoed exactly as the server sent it, and left out when it sent none.
            match (result.get("requestState"), params.as_object_mut()) {
                (Some(state), _) => params["requestState"] = state.clone(),
                (None, Some(fields)) => drop(fields.remove("requestState")),
                (None, None) => {}
            }
        }
        Err(ClientError::Protocol(format!(
            "{method} asked for input more than {MAX_ROUNDS} times (the server's input_required rounds never end)"
        )))
    }
}

/// Whether a result's `resultType` is `kind` (`input_required`, `task`),
/// read without building the result.
pub(super) fn is_result_type(result: &RawValue, kind: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "resultType", borrow)]
        result_type: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_str::<Kind<'_>>(result.get()).is_ok_and(|k| k.result_type.as_deref() == Some(kind))
}
