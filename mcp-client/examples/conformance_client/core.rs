//! The scenarios of the core protocol: tools, elicitation, SSE, request state.

use super::Scenario;
use serde_json::{Map, Value, json};

/// Accepts an elicitation with every default its schema declares (SEP-1034).
async fn accept_with_defaults(request: Value) -> Result<Value, quickmcp::protocol::jsonrpc::RpcError> {
    let mut content = Map::new();
    for (name, field) in request["requestedSchema"]["properties"].as_object().into_iter().flatten() {
        if let Some(default) = field.get("default") {
            content.insert(name.clone(), default.clone());
        }
    }
    Ok(json!({"action": "accept", "content": content}))
}

pub async fn run(scenario: &Scenario) -> Result<(), Box<dyn std::error::Error>> {
    let client = scenario.builder().on_elicitation(accept_with_defaults).connect_http(&scenario.url).await?;
    match scenario.name.as_str() {
        "tools_call" => {
            client.list_tools().await?;
            client.call_tool("add_numbers", json!({"a": 2, "b": 3})).await?;
        }
        "elicitation-sep1034-client-defaults" => {
            client.list_tools().await?;
            client.call_tool("test_client_elicitation_defaults", json!({})).await?;
        }
        "sep-2322-client-request-state" => {
            for tool in
                ["test_mrtr_echo_state", "test_mrtr_no_state", "test_mrtr_unrelated", "test_mrtr_no_result_type"]
            {
                client.call_tool(tool, json!({})).await?;
            }
        }
        // Anything else (initialize, sse-retry, …): every tool, once.
        _ => {
            for tool in client.list_tools().await? {
                let name = tool["name"].as_str().unwrap_or_default();
                if let Err(error) = client.call_tool(name, json!({})).await {
                    eprintln!("{name}: {error}");
                }
            }
        }
    }
    client.close().await;
    Ok(())
}
