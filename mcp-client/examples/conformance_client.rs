//! The client the official conformance suite drives:
//! `conformance client --command "target/debug/examples/conformance_client" --scenario NAME`.
//! It reads the scenario from `MCP_CONFORMANCE_SCENARIO`, the revision from
//! `MCP_CONFORMANCE_PROTOCOL_VERSION` and the server's URL from its
//! argument, and does what the scenario expects of a client.

use mcp_client::{Client, Era};
use serde_json::{Map, Value, json};

/// Accepts an elicitation with every default its schema declares (SEP-1034).
async fn accept_with_defaults(request: Value) -> Result<Value, mcp_core::protocol::jsonrpc::RpcError> {
    let mut content = Map::new();
    for (name, field) in request["requestedSchema"]["properties"].as_object().into_iter().flatten() {
        if let Some(default) = field.get("default") {
            content.insert(name.clone(), default.clone());
        }
    }
    Ok(json!({"action": "accept", "content": content}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: conformance_client URL")?;
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    let revision = std::env::var("MCP_CONFORMANCE_PROTOCOL_VERSION").unwrap_or_default();
    let mut builder =
        Client::builder().client_info("mcp-rs-conformance-client", "0.1.0").on_elicitation(accept_with_defaults);
    builder = match revision.as_str() {
        "2026-07-28" => builder.era(Era::Stateless),
        "" => builder,
        _ => builder.era(Era::Session),
    };
    let client = builder.connect_http(&url).await?;
    match scenario.as_str() {
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
