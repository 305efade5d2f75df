//! Dispatch in the stateless era (2026-07-28): `server/discover`,
//! `resultType` and cache hints on results, the removed session-era
//! methods, and multi-round-trip requests (`input_required`).

use super::Server;
use super::call::{Call, ToolCallRun};
use super::listen::TaskWatch;
use crate::era::rounds::{Interrupt, StatelessCall, until_interrupted};
use crate::era::{META_SERVER_INFO, annotate, missing_capability};
use crate::middleware::Caller;
use crate::peer::RequestEnv;
use crate::protocol::jsonrpc::{Request, RpcError, code, to_raw};
use crate::protocol::version;
use futures_util::FutureExt as _;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Cache hints of list results: anyone may cache, but not for long, since
/// the catalog can change at runtime and this era has no change stream.
fn list_hints() -> [(&'static str, Value); 2] {
    [("ttlMs", json!(0)), ("cacheScope", json!("public"))]
}

/// Cache hints of per-caller results (`resources/read`, `server/discover`).
fn private_hints() -> [(&'static str, Value); 2] {
    [("ttlMs", json!(0)), ("cacheScope", json!("private"))]
}

impl Server {
    /// The stateless era's method table. Like `dispatch`, a plain
    /// function whose methods' work is awaited boxed, so a request's
    /// future stays the size of the method it runs.
    #[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
    pub(super) fn handle_stateless(
        &self,
        request: Request,
        env: RequestEnv,
    ) -> impl Future<Output = Result<Box<RawValue>, RpcError>> + Send + '_ {
        async move {
            let params = request.params.as_deref();
            match request.method.as_str() {
                "server/discover" => {
                    let mut result = json!({
                        "supportedVersions": version::STATELESS,
                        "capabilities": &self.inner.stateless_capabilities,
                        "_meta": { META_SERVER_INFO: &self.inner.info },
                    });
                    if let Some(instructions) = &self.inner.instructions {
                        result["instructions"] = instructions.as_str().into();
                    }
                    annotate(&to_raw(&result)?, "complete", &private_hints())
                }
                "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
                    let listed = self.list_method(&request.method, params, &Caller::of_env(&env))?;
                    annotate(&listed, "complete", &list_hints())
                }
                "completion/complete" => {
                    annotate(&self.complete(params, &Caller::of_env(&env)).boxed().await?, "complete", &[])
                }
                "skills/list" | "skills/get" | "resources/directory/read" => {
                    let answer = self.skills_method(&request.method, params, &env).boxed().await?;
                    annotate(&answer, "complete", &list_hints())
                }
                "subscriptions/listen" => self.listen_stateless(&request, env).boxed().await,
                "tasks/get" | "tasks/update" | "tasks/cancel" => {
                    let capabilities = env.stateless.as_ref().map(|era| era.meta.client_capabilities);
                    self.task_method(&request.method, params, &env, capabilities.as_ref()).boxed().await
                }
                "tools/call" => self.multi_round(Call::Tool, request, env).await,
                "prompts/get" => self.multi_round(Call::Prompt, request, env).await,
                "resources/read" => self.multi_round(Call::Read, request, env).await,
                method => Err(RpcError::method_not_found(method)),
            }
        }
    }

    /// `subscriptions/listen`: the stream a stateless-era client follows
    /// notifications on (`listen`).
    pub(super) async fn listen_stateless(
        &self,
        request: &Request,
        mut env: RequestEnv,
    ) -> Result<Box<RawValue>, RpcError> {
        let declared = env.stateless.as_ref().is_some_and(|era| era.meta.client_capabilities.tasks());
        let owner = crate::auth::caller_subject(&env.extensions).map(str::to_owned);
        let sink = env.sink.take();
        let params = request.params.as_deref();
        self.listen(&request.id, params, sink, &env, TaskWatch { declared, owner }).await
    }

    /// Runs a handler that may ask the client for input. Answers gathered so
    /// far travel in the signed `requestState`; the handler runs from the
    /// start each round and gets its answers back in order.
    #[allow(clippy::manual_async_fn, reason = "an `async fn` keeps its arguments twice in its future")]
    fn multi_round(
        &self,
        call: Call,
        request: Request,
        mut env: RequestEnv,
    ) -> impl Future<Output = Result<Box<RawValue>, RpcError>> + Send + '_ {
        async move {
            let mut era = env.stateless.take().unwrap_or_default();
            let method = call.method();
            let tool_call = if call == Call::Tool { Some(era.take_tool_call()?) } else { None };
            let name = era.name.take().or(era.uri.take()).unwrap_or_default();
            // A round trip is bound to the caller who started it.
            let subject = crate::auth::caller_subject(&env.extensions).map(str::to_owned);
            let mut answers = match &era.request_state {
                Some(state) => {
                    let state: String = serde_json::from_str(state.get())
                        .map_err(|_| RpcError::invalid_params("`requestState` must be a string"))?;
                    self.inner.state_keys.verify(&state, method, &name, subject.as_deref())?.answers
                }
                None => Map::new(),
            };
            match era.input_responses.as_deref().map(|r| serde_json::from_str::<Value>(r.get())) {
                None | Some(Ok(Value::Null)) => {}
                Some(Ok(Value::Object(responses))) => answers.extend(responses),
                Some(_) => {
                    return Err(RpcError::invalid_params("`inputResponses` must be an object"));
                }
            }
            let round = Arc::new(StatelessCall::new(Arc::clone(&era.meta), answers));
            let stateless = Some(Arc::clone(&round));
            // The handler's own future is boxed (see `dispatch`).
            let work = async {
                match tool_call {
                    Some((arguments, progress_token)) => {
                        let run = ToolCallRun { name: &name, arguments, progress_token };
                        self.call_tool(&request.id, run, env, stateless).boxed().await
                    }
                    None => self.call(call, request, env, stateless).boxed().await,
                }
            };
            match until_interrupted(&round, work).await {
                // This era reports an unknown resource as invalid params (SEP-2164).
                Ok(Err(e)) if e.code == code::RESOURCE_NOT_FOUND => Err(RpcError { code: code::INVALID_PARAMS, ..e }),
                Ok(outcome) => outcome,
                Err(Interrupt::MissingCapability(capability)) => Err(missing_capability(&capability)),
                Err(Interrupt::NeedsInput(needs)) => {
                    let requests: Map<String, Value> = needs.into_iter().collect();
                    let state = self.inner.state_keys.sign(method, &name, subject.as_deref(), round.answers.clone());
                    to_raw(&json!({ "resultType": "input_required", "inputRequests": requests, "requestState": state }))
                }
            }
        }
    }
}
