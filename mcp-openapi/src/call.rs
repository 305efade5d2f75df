//! Running a generated tool or resource: arguments checked against the
//! input schema, the request built and sent, and the answer turned into a
//! result: a 2xx answer is the tool's result (its JSON as structured
//! content when the operation declares a JSON response), any other status a
//! tool error (`isError: true`) with the status and the body.

use crate::backend::{self, Answer, Failure};
use crate::forward::CallerAuthorization;
use crate::input::Plan;
use crate::output::Output;
use crate::request::{self, Outgoing};
use http::{HeaderMap, Method};
use quickmcp::Context;
use quickmcp::handler::{ResourceError, ResourceRequest};
use quickmcp::protocol::jsonrpc::RpcError;
use quickmcp::protocol::{CallToolResult, Content, ResourceContents};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// How much of an error answer's body a tool error quotes.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// Adds headers to each call, from what the MCP request carries.
pub type HeaderProvider = Arc<dyn Fn(&Context, &mut HeaderMap) + Send + Sync>;

/// What every call of one document shares.
pub(crate) struct Shared {
    pub send: backend::Sender,
    pub headers: HeaderMap,
    pub provider: Option<HeaderProvider>,
    pub forward_authorization: bool,
    pub max_response_bytes: usize,
}

/// One operation, ready to be called.
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub plan: Plan,
    pub output: Output,
    pub validator: jsonschema::Validator,
    pub shared: Arc<Shared>,
}

impl Call {
    /// The handler of the tool.
    pub async fn tool(self: Arc<Self>, ctx: Context, arguments_raw: Option<Box<RawValue>>) -> CallToolResult {
        let arguments = match parse_arguments(arguments_raw.as_deref()) {
            Ok(arguments) => arguments,
            Err(message) => return CallToolResult::error(message),
        };
        // Checking first is cheaper than collecting no errors.
        let problems: Vec<String> = if self.validator.is_valid(&arguments) {
            Vec::new()
        } else {
            self.validator
                .iter_errors(&arguments)
                .take(5)
                .map(|e| match e.instance_path.as_str() {
                    "" => e.to_string(),
                    path => format!("{path}: {e}"),
                })
                .collect()
        };
        if !problems.is_empty() {
            return CallToolResult::error(format!("invalid arguments: {}", problems.join("; ")));
        }
        let Value::Object(arguments) = arguments else {
            return CallToolResult::error("the arguments are not an object");
        };
        let raw = arguments_raw.as_deref().map(RawValue::get);
        let answer = match self.send(&ctx, &arguments, raw).await {
            Ok(answer) => answer,
            Err(message) => return CallToolResult::error(message),
        };
        if !answer.status.is_success() {
            return CallToolResult::error(self.failure(&answer));
        }
        self.success(answer)
    }

    /// The handler of the resource or template.
    pub async fn resource(
        self: Arc<Self>,
        ctx: Context,
        request: ResourceRequest,
    ) -> Result<Vec<ResourceContents>, RpcError> {
        let arguments: Map<String, Value> = request.vars.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let answer = self.send(&ctx, &arguments, None).await.map_err(RpcError::internal)?;
        if answer.status == http::StatusCode::NOT_FOUND {
            return Err(ResourceError::not_found(&request.uri).0);
        }
        if !answer.status.is_success() {
            return Err(RpcError::internal(self.failure(&answer)));
        }
        let mime = content_type(&answer).unwrap_or("application/json").to_owned();
        let contents = match String::from_utf8(answer.body.to_vec()) {
            Ok(text) => ResourceContents::text(&request.uri, text),
            Err(_) => ResourceContents::blob(&request.uri, &answer.body),
        };
        Ok(vec![contents.with_mime_type(mime)])
    }

    async fn send(&self, ctx: &Context, arguments: &Map<String, Value>, raw: Option<&str>) -> Result<Answer, String> {
        let mut outgoing: Outgoing = request::build(&self.method, &self.path, &self.plan, arguments, raw)?;
        let shared = &self.shared;
        for (name, value) in &shared.headers {
            if !outgoing.headers.contains_key(name) {
                outgoing.headers.insert(name.clone(), value.clone());
            }
        }
        if let Some(provider) = &shared.provider {
            provider(ctx, &mut outgoing.headers);
        }
        if shared.forward_authorization
            && let Some(CallerAuthorization(value)) = ctx.extensions().get::<CallerAuthorization>()
        {
            outgoing.headers.insert(http::header::AUTHORIZATION, value.clone());
        }
        (shared.send)(outgoing, shared.max_response_bytes).await.map_err(|failure| match failure {
            Failure::TooLarge(limit) => {
                format!("{} {}: the answer is larger than {limit} bytes", self.method, self.path)
            }
            Failure::Transport(why) => format!("{} {}: the request failed: {why}", self.method, self.path),
        })
    }

    fn success(&self, answer: Answer) -> CallToolResult {
        if answer.body.is_empty() {
            return CallToolResult::success(vec![Content::text(answer.status.to_string())]);
        }
        // The body's own buffer when it is UTF-8 (as good as always), a copy otherwise.
        let text = match String::from_utf8(Vec::from(answer.body)) {
            Ok(text) => text,
            Err(invalid) => String::from_utf8_lossy(invalid.as_bytes()).into_owned(),
        };
        let structured = match self.output {
            Output::Text => None,
            Output::Object | Output::Wrapped => serde_json::from_str::<Value>(&text).ok().map(|value| {
                if self.output == Output::Wrapped || !value.is_object() { json!({ "result": value }) } else { value }
            }),
        };
        CallToolResult {
            content: vec![Content::text(text)],
            structured_content: structured,
            ..CallToolResult::default()
        }
    }

    /// `GET /pets/9 answered 404 Not Found: {"message":"no such pet"}`.
    fn failure(&self, answer: &Answer) -> String {
        let body = &answer.body[..answer.body.len().min(MAX_ERROR_BODY)];
        let body = String::from_utf8_lossy(body);
        let cut = if answer.body.len() > MAX_ERROR_BODY { " (cut)" } else { "" };
        format!("{} {} answered {}: {body}{cut}", self.method, self.path, answer.status)
    }
}

fn content_type(answer: &Answer) -> Option<&str> {
    answer.headers.get(http::header::CONTENT_TYPE)?.to_str().ok()
}

fn parse_arguments(raw: Option<&RawValue>) -> Result<Value, String> {
    match raw {
        None => Ok(Value::Object(Map::new())),
        Some(raw) => match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::Null) => Ok(Value::Object(Map::new())),
            Ok(value @ Value::Object(_)) => Ok(value),
            Ok(_) => Err("the arguments are not an object".into()),
            Err(e) => Err(format!("the arguments are not JSON: {e}")),
        },
    }
}
