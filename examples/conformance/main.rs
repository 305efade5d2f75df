//! A server implementing the official MCP conformance suite's server
//! contract (`@modelcontextprotocol/conformance`), written with the
//! framework's public API only. `.ci/run` runs the suite against it.
//!
//! ```sh
//! MCP_PORT=3001 cargo run --release --example conformance
//! ```

mod stateless_tools;
mod task_tools;

use quickmcp::handler::ToolDef;
use quickmcp::prelude::*;
use quickmcp::protocol::{CallToolResult, Content, Tool};
use quickmcp::protocol::{PromptMessage, ResourceContents};
use serde_json::{Value, json};
use stateless_tools::*;
use std::time::Duration;
use task_tools::*;

/// A 1×1 red PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A minimal WAV file.
const WAV: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/// Returns a fixed text.
#[tool]
async fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Returns a PNG image.
#[tool]
async fn test_image_content() -> Content {
    Content::image(PNG, "image/png")
}

/// Returns a WAV clip.
#[tool]
async fn test_audio_content() -> Content {
    Content::audio(WAV, "audio/wav")
}

/// Returns an embedded text resource.
#[tool]
async fn test_embedded_resource() -> ResourceContents {
    ResourceContents::text("test://embedded-resource", "This is an embedded resource content.")
        .with_mime_type("text/plain")
}

/// Returns text, an image and a resource together.
#[tool]
async fn test_multiple_content_types() -> Vec<Content> {
    let resource = ResourceContents::text("test://mixed-content-resource", r#"{"test":"data","value":123}"#)
        .with_mime_type("application/json");
    vec![Content::text("Multiple content types test:"), Content::image(PNG, "image/png"), Content::resource(resource)]
}

/// Logs three messages while it runs.
#[tool]
async fn test_tool_with_logging(ctx: Context) -> &'static str {
    for message in ["Tool execution started", "Tool processing data", "Tool execution completed"] {
        ctx.info(message).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    "Tool with logging executed successfully"
}

/// Reports progress 0, 50 and 100, then returns the progress token.
#[tool]
async fn test_tool_with_progress(ctx: Context) -> String {
    for step in [0, 50, 100] {
        ctx.progress(step).of(100).message(format!("Completed step {step} of 100")).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ctx.progress_token().map(Value::to_string).unwrap_or_default()
}

/// Always fails, as a tool result.
#[tool]
async fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new("This tool intentionally returns an error for testing"))
}

/// Asks the client's model to answer `prompt`.
#[tool]
async fn test_sampling(
    /// What to ask the model.
    prompt: String,
    ctx: Context,
) -> Result<String, ToolError> {
    let request = json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": prompt}}],
        "maxTokens": 100,
    });
    let answer = ctx.sample(request).await.map_err(|e| ToolError::new(e.to_string()))?;
    Ok(format!("LLM response: {}", answer["content"]["text"].as_str().unwrap_or_default()))
}

/// Asks the user for a name and an email address.
#[tool]
async fn test_elicitation(
    /// What to tell the user.
    message: String,
    ctx: Context,
) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "username": {"type": "string", "description": "User's response"},
            "email": {"type": "string", "description": "User's email address"},
        },
        "required": ["username", "email"],
    });
    let answer = ctx.elicit(&message, schema).await.map_err(|e| ToolError::new(e.to_string()))?;
    Ok(format!("User response: action={}, content={}", answer.action, answer.content.unwrap_or_default()))
}

/// Asks for a form whose fields have defaults (SEP-1034).
#[tool]
async fn test_elicitation_sep1034_defaults(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "User name", "default": "John Doe"},
            "age": {"type": "integer", "description": "User age", "default": 30},
            "score": {"type": "number", "description": "User score", "default": 95.5},
            "status": {"type": "string", "description": "User status", "enum": ["active", "inactive", "pending"], "default": "active"},
            "verified": {"type": "boolean", "description": "Verification status", "default": true},
        },
        "required": [],
    });
    elicit_and_report(&ctx, "Please review and update the form fields with defaults", schema).await
}

/// Asks for enum fields in every variant (SEP-1330).
#[tool]
async fn test_elicitation_sep1330_enums(ctx: Context) -> Result<String, ToolError> {
    let options = |titles: [&str; 3]| -> Vec<Value> {
        titles.iter().enumerate().map(|(i, t)| json!({"const": format!("value{}", i + 1), "title": t})).collect()
    };
    let schema = json!({
        "type": "object",
        "properties": {
            "untitledSingle": {"type": "string", "description": "Untitled single-select", "enum": ["option1", "option2", "option3"]},
            "titledSingle": {"type": "string", "description": "Titled single-select", "oneOf": options(["First Option", "Second Option", "Third Option"])},
            "legacyEnum": {"type": "string", "description": "Legacy titled enum", "enum": ["opt1", "opt2", "opt3"], "enumNames": ["Option One", "Option Two", "Option Three"]},
            "untitledMulti": {"type": "array", "description": "Untitled multi-select", "minItems": 1, "maxItems": 3, "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
            "titledMulti": {"type": "array", "description": "Titled multi-select", "minItems": 1, "maxItems": 3, "items": {"anyOf": options(["First Choice", "Second Choice", "Third Choice"])}},
        },
        "required": [],
    });
    elicit_and_report(&ctx, "Please select options from the enum fields", schema).await
}

/// Asks for a form and reports what the user did with it.
async fn elicit_and_report(ctx: &Context, message: &str, schema: Value) -> Result<String, ToolError> {
    let answer = ctx.elicit(message, schema).await.map_err(|e| ToolError::new(e.to_string()))?;
    Ok(format!("Elicitation completed: action={}, content={}", answer.action, answer.content.unwrap_or_default()))
}

/// Closes its response stream, then finishes; the client must resume the
/// stream with `Last-Event-ID` to get the result (SSE polling).
#[tool]
async fn test_reconnection(ctx: Context) -> &'static str {
    ctx.close_stream();
    tokio::time::sleep(Duration::from_millis(100)).await;
    "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure."
}

/// A tool whose input schema uses JSON Schema 2020-12 keywords verbatim.
fn json_schema_2020_12_tool() -> ToolDef {
    let input_schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {"address": {"$anchor": "addressDef", "type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
            "contactMethod": {"type": "string", "enum": ["phone", "email"]},
            "phone": {"type": "string"},
            "email": {"type": "string"},
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false,
    });
    let tool = Tool {
        name: "json_schema_2020_12_tool".into(),
        title: None,
        description: Some("A tool whose input schema uses JSON Schema 2020-12 keywords".into()),
        input_schema,
        output_schema: None,
        annotations: None,
        icons: None,
        meta: None,
    };
    ToolDef::new(tool, |_ctx, args| async move {
        let args = args.map(|a| a.get().to_owned()).unwrap_or_else(|| "{}".into());
        CallToolResult::success(vec![Content::text(format!("JSON Schema 2020-12 tool called with: {args}"))])
    })
}

/// A static text resource for testing.
#[resource("test://static-text", name = "static-text", title = "Static Text Resource", mime = "text/plain")]
async fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource (image) for testing.
#[resource("test://static-binary", name = "static-binary", mime = "image/png")]
async fn static_binary() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(PNG).unwrap_or_default()
}

/// A resource clients may subscribe to.
#[resource("test://watched-resource", name = "watched-resource", mime = "text/plain")]
async fn watched_resource() -> &'static str {
    "Watched resource content"
}

/// A resource template with parameter substitution.
#[resource("test://template/{id}/data", name = "template", title = "Resource Template", mime = "application/json")]
async fn template(id: String) -> String {
    json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")}).to_string()
}

/// A simple prompt without arguments.
#[prompt]
async fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// A prompt with two required arguments.
#[prompt]
async fn test_prompt_with_arguments(
    /// First test argument
    arg1: String,
    /// Second test argument
    arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// A prompt embedding a resource.
#[prompt]
async fn test_prompt_with_embedded_resource(
    /// URI of the resource to embed
    #[arg(rename = "resourceUri")]
    resource_uri: String,
) -> Vec<PromptMessage> {
    let resource =
        ResourceContents::text(resource_uri, "Embedded resource content for testing.").with_mime_type("text/plain");
    vec![
        PromptMessage::user(Content::resource(resource)),
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt with an image.
#[prompt]
async fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![PromptMessage::user(Content::image(PNG, "image/png")), PromptMessage::user("Please analyze the image above.")]
}

/// The conformance server.
pub fn conformance_server() -> Server {
    Server::builder("mcp-conformance-test-server", "1.0.0")
        // Every scenario of the suite opens its sessions from loopback.
        .max_sessions_per_client(usize::MAX)
        .tools(tools![
            test_simple_text,
            test_image_content,
            test_audio_content,
            test_embedded_resource,
            test_multiple_content_types,
            test_tool_with_logging,
            test_tool_with_progress,
            test_error_handling,
            test_sampling,
            test_elicitation,
            test_elicitation_sep1034_defaults,
            test_elicitation_sep1330_enums,
            test_reconnection,
            test_input_required_result_elicitation,
            test_input_required_result_sampling,
            test_input_required_result_list_roots,
            test_input_required_result_request_state,
            test_input_required_result_multiple_inputs,
            test_input_required_result_multi_round,
            test_input_required_result_tampered_state,
            test_input_required_result_capabilities,
            test_missing_capability,
            test_streaming_elicitation,
            test_logging_tool,
            test_header_param,
            test_trigger_tool_change,
            test_trigger_prompt_change,
            greet,
            slow_compute,
            failing_job,
            protocol_error_job,
            confirm_delete,
            multi_input,
            test_tool_with_task,
        ])
        .tool(json_schema_2020_12_tool())
        .resources(resources![static_text, static_binary, watched_resource, template])
        .prompts(prompts![
            test_simple_prompt,
            test_prompt_with_arguments,
            test_prompt_with_embedded_resource,
            test_prompt_with_image,
            test_input_required_result_prompt,
        ])
        .skills(skills())
        .build()
}

/// The skills of the `sep-2640-*` scenarios, from `skills/` beside this file.
fn skills() -> quickmcp::skills::Skills {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/skills");
    quickmcp::skills::Skills::from_dir(dir).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();
    let config = quickmcp_axum::McpConfig::from_env_or_exit();
    let listener = quickmcp_axum::bind(&config).await?;
    println!("conformance server: http://{}{}", listener.local_addr()?, config.path);
    let app = quickmcp_axum::McpRouter::new(conformance_server()).config(config).into_router();
    quickmcp_axum::serve(listener, app).await
}
