//! Tools and a prompt the suite's 2026-07-28 scenarios call: multi-round
//! requests (`input_required`), capability checks, logging opt-in. They
//! work in the session era too, where the same questions go to the client
//! as server→client requests.

use quickmcp::prelude::*;
use quickmcp::protocol::PromptMessage;
use quickmcp::protocol::jsonrpc::RpcError;
use serde_json::{Value, json};

fn form(field: &str, kind: &str) -> Value {
    json!({"type": "object", "properties": {field: {"type": kind}}, "required": [field]})
}

fn failed(e: RpcError) -> ToolError {
    ToolError::new(e.to_string())
}

fn field(content: Option<&Value>, name: &str) -> String {
    content
        .and_then(|c| c.get(name))
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .unwrap_or_default()
}

/// Greets the user by the name it asks for.
#[tool]
pub async fn test_input_required_result_elicitation(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx.input("user_name").elicit("What is your name?", form("name", "string")).await.map_err(failed)?;
    Ok(format!("Hello, {}!", field(answer.content.as_ref(), "name")))
}

/// Asks the client's model a question.
#[tool]
pub async fn test_input_required_result_sampling(ctx: Context) -> Result<String, ToolError> {
    let question = json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": "What is the capital of France?"}}],
        "maxTokens": 100,
    });
    let answer = ctx.input("capital_question").sample(question).await.map_err(failed)?;
    Ok(format!("Model answered: {}", answer["content"]["text"].as_str().unwrap_or_default()))
}

/// Lists the client's roots.
#[tool]
pub async fn test_input_required_result_list_roots(ctx: Context) -> Result<String, ToolError> {
    let roots = ctx.input("client_roots").roots().await.map_err(failed)?;
    let uris: Vec<&str> = roots["roots"].as_array().into_iter().flatten().filter_map(|r| r["uri"].as_str()).collect();
    Ok(format!("Client roots: {}", uris.join(", ")))
}

/// Asks for a confirmation; the answer comes back with the signed state.
#[tool]
pub async fn test_input_required_result_request_state(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx.input("confirm").elicit("Please confirm", form("ok", "boolean")).await.map_err(failed)?;
    Ok(format!("state-ok: action={}", answer.action))
}

/// Asks three questions at once.
#[tool]
pub async fn test_input_required_result_multiple_inputs(ctx: Context) -> Result<String, ToolError> {
    let greeting = json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": "Generate a greeting"}}],
        "maxTokens": 50,
    });
    let (name, greeting, roots) = tokio::join!(
        ctx.input("user_name").elicit("What is your name?", form("name", "string")),
        ctx.input("greeting").sample(greeting),
        ctx.input("client_roots").roots(),
    );
    let (name, greeting, roots) = (name.map_err(failed)?, greeting.map_err(failed)?, roots.map_err(failed)?);
    Ok(format!(
        "name={}, greeting={}, roots={}",
        field(name.content.as_ref(), "name"),
        greeting["content"]["text"].as_str().unwrap_or_default(),
        roots["roots"].as_array().map_or(0, Vec::len)
    ))
}

/// Asks two questions, one per round.
#[tool]
pub async fn test_input_required_result_multi_round(ctx: Context) -> Result<String, ToolError> {
    let name = ctx.input("step1").elicit("Step 1: What is your name?", form("name", "string")).await.map_err(failed)?;
    let color = ctx
        .input("step2")
        .elicit("Step 2: What is your favorite color?", form("color", "string"))
        .await
        .map_err(failed)?;
    Ok(format!("{} likes {}", field(name.content.as_ref(), "name"), field(color.content.as_ref(), "color")))
}

/// Asks one question; a tampered state on the retry is refused.
#[tool]
pub async fn test_input_required_result_tampered_state(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx.input("confirm").elicit("Please confirm", form("ok", "boolean")).await.map_err(failed)?;
    Ok(format!("confirmed: {}", answer.action))
}

/// Asks only through capabilities the client declared.
#[tool]
pub async fn test_input_required_result_capabilities(ctx: Context) -> Result<String, ToolError> {
    let capabilities = ctx.client_capabilities().cloned().unwrap_or_default();
    if capabilities.elicitation.is_some() {
        let answer =
            ctx.input("user_name").elicit("What is your name?", form("name", "string")).await.map_err(failed)?;
        return Ok(format!("Hello, {}!", field(answer.content.as_ref(), "name")));
    }
    if capabilities.sampling.is_some() {
        let question = json!({
            "messages": [{"role": "user", "content": {"type": "text", "text": "Say hello"}}],
            "maxTokens": 20,
        });
        let answer = ctx.input("hello").sample(question).await.map_err(failed)?;
        return Ok(format!("Model said: {}", answer["content"]["text"].as_str().unwrap_or_default()));
    }
    Ok("The client offers no way to ask it anything.".into())
}

/// Needs sampling: without the capability the request fails with -32021.
#[tool]
pub async fn test_missing_capability(ctx: Context) -> Result<String, ToolError> {
    let question = json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": "Hello"}}],
        "maxTokens": 10,
    });
    let answer = ctx.sample(question).await.map_err(failed)?;
    Ok(format!("Model said: {}", answer["content"]["text"].as_str().unwrap_or_default()))
}

/// Reports progress, then asks for input (never as a request on the stream
/// in the stateless era).
#[tool]
pub async fn test_streaming_elicitation(ctx: Context) -> Result<String, ToolError> {
    ctx.progress(0).of(1).message("asking").await;
    let answer = ctx.input("user_name").elicit("What is your name?", form("name", "string")).await.map_err(failed)?;
    Ok(format!("Hello, {}!", field(answer.content.as_ref(), "name")))
}

/// Logs at info; in the stateless era only when the request set a log level.
#[tool]
pub async fn test_logging_tool(ctx: Context) -> &'static str {
    ctx.info("test_logging_tool ran").await;
    "Logged (if asked to)."
}

/// Echoes a greeting that clients also send in the `Mcp-Param-Greeting`
/// header, so intermediaries can route on it.
#[tool]
pub async fn test_header_param(
    /// The greeting to echo.
    #[arg(header = "Greeting")]
    greeting: String,
) -> String {
    format!("Greeting: {greeting}")
}

/// Re-registers a tool, which tells listeners the tool list changed.
#[tool]
pub async fn test_trigger_tool_change(ctx: Context) -> &'static str {
    if let Some(def) = ctx.server().tool("test_simple_text") {
        ctx.server().add_tool((*def).clone());
    }
    "Tool list change announced."
}

/// Re-registers a prompt, which tells listeners the prompt list changed.
#[tool]
pub async fn test_trigger_prompt_change(ctx: Context) -> &'static str {
    if let Some(def) = ctx.server().prompt("test_simple_prompt") {
        ctx.server().add_prompt((*def).clone());
    }
    "Prompt list change announced."
}

/// A prompt that asks for context first.
#[prompt]
pub async fn test_input_required_result_prompt(ctx: Context) -> Result<Vec<PromptMessage>, RpcError> {
    let answer =
        ctx.input("user_context").elicit("What context should the prompt use?", form("context", "string")).await?;
    Ok(vec![PromptMessage::user(format!("Use this context: {}", field(answer.content.as_ref(), "context")))])
}
