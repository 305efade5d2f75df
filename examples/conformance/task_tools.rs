//! Tools the suite's tasks-extension scenarios (`tasks-*`, SEP-2663) call:
//! a sync tool, task tools that sleep, fail, panic or ask the client, and
//! one that asks first and then becomes a task.

use quickmcp::prelude::*;
use quickmcp::protocol::jsonrpc::RpcError;
use serde_json::{Value, json};
use std::time::Duration;

fn confirm_form() -> Value {
    json!({"type": "object", "properties": {"confirm": {"type": "boolean"}}, "required": ["confirm"]})
}

fn failed(e: RpcError) -> ToolError {
    ToolError::new(e.to_string())
}

/// Greets `name` (never a task).
#[tool]
pub async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// Sleeps `seconds`, then reports `label` (a task when the client can
/// take one).
#[tool(task)]
pub async fn slow_compute(seconds: f64, label: String) -> String {
    tokio::time::sleep(Duration::from_secs_f64(seconds.clamp(0.0, 3600.0))).await;
    format!("computed {label} after {seconds} s")
}

/// Fails after a second with a tool error (only as a task).
#[tool(task = "required")]
pub async fn failing_job() -> Result<String, ToolError> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err(ToolError::new("the job failed, as it always does"))
}

/// Ends with a protocol error: its handler panics.
#[tool(task)]
pub async fn protocol_error_job() -> String {
    tokio::time::sleep(Duration::from_millis(100)).await;
    panic!("protocol_error_job always panics")
}

/// Asks the user to confirm, then "deletes" `filename`.
#[tool(task)]
pub async fn confirm_delete(ctx: Context, filename: String) -> Result<String, ToolError> {
    let answer = ctx.elicit(&format!("Delete {filename}?"), confirm_form()).await.map_err(failed)?;
    let confirmed = answer.action == "accept" && answer.content.is_some_and(|c| c["confirm"] == true);
    Ok(if confirmed { format!("deleted {filename}") } else { format!("kept {filename}") })
}

/// Asks two questions at once.
#[tool(task)]
pub async fn multi_input(ctx: Context) -> Result<String, ToolError> {
    let name = json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]});
    let (first, second) = tokio::join!(ctx.elicit("Your name?", name), ctx.elicit("Proceed?", confirm_form()));
    let (first, second) = (first.map_err(failed)?, second.map_err(failed)?);
    Ok(format!("got {} and {}", first.action, second.action))
}

/// Asks for a name in the request, then greets in a task.
#[tool(task = "required", asks_first)]
pub async fn test_tool_with_task(ctx: Context) -> Result<String, ToolError> {
    let name = json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]});
    let answer = ctx.input("user_name").elicit("What is your name?", name).await.map_err(failed)?;
    ctx.begin_task().await;
    let name = answer.content.as_ref().and_then(|c| c["name"].as_str()).unwrap_or("stranger").to_owned();
    Ok(format!("Hello, {name}, from a task!"))
}
