//! The scenarios about tool definitions: arguments mirrored in headers
//! (`http-custom-headers`, `http-invalid-tool-headers`) and JSON Schemas
//! kept as the server wrote them (`json-schema-2020-12-preservation`).

use super::Scenario;
use serde_json::{Value, json};

/// The tool whose schema the preservation scenario asks to echo back.
const FOCAL_TOOL: &str = "json_schema_2020_12_tool";

pub async fn run(scenario: &Scenario) -> Result<(), Box<dyn std::error::Error>> {
    let client = scenario.builder().connect_http(&scenario.url).await?;
    let tools = client.list_tools().await?;
    match scenario.name.as_str() {
        // The calls to make are in the context the suite gives.
        "http-custom-headers" => {
            let context: Value = serde_json::from_str(&std::env::var("MCP_CONFORMANCE_CONTEXT")?)?;
            for call in context["toolCalls"].as_array().into_iter().flatten() {
                let name = call["name"].as_str().unwrap_or_default();
                client.call_tool(name, call["arguments"].clone()).await?;
            }
        }
        "json-schema-2020-12-preservation" => {
            let focal = tools.iter().find(|t| t["name"] == FOCAL_TOOL).ok_or("the focal tool is not listed")?;
            client.call_tool("json_schema_echo", json!({"schema": focal["inputSchema"]})).await?;
        }
        // http-invalid-tool-headers: every tool the client kept, once.
        _ => {
            for tool in &tools {
                client.call_tool(tool["name"].as_str().unwrap_or_default(), json!({"region": "us-west1"})).await?;
            }
        }
    }
    client.close().await;
    Ok(())
}
