//! `.ci/interop/python_server.py` (the official Python SDK's MCPServer, the
//! renamed FastMCP), in both eras: its tools, structured output, resources,
//! a template, a prompt, and elicitation, sampling and roots asked through
//! the SDK's resolvers (mid-call requests in the session era,
//! `input_required` rounds in the stateless era).

use crate::{Checks, SAMPLED, call_text, expect};
use quickmcp_client::Client;
use serde_json::{Value, json};

pub async fn run(client: &Client, checks: &mut Checks) {
    checks
        .check("tools/list", async {
            let tools = client.list_tools().await.map_err(|e| e.to_string())?;
            let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
            expect(names == ["add", "weather", "greet", "haiku", "roots"], || format!("{names:?}"))
        })
        .await;
    checks
        .check("add", async {
            let text = call_text(client, "add", json!({"a": 2, "b": 3})).await?;
            expect(text == "5", || format!("add said {text:?}"))
        })
        .await;
    checks
        .check("structured output, typed", async {
            let weather: Value =
                client.call_tool_as("weather", json!({"city": "Lyon"})).await.map_err(|e| e.to_string())?;
            expect(weather == json!({"city": "Lyon", "celsius": 21.5}), || weather.to_string())
        })
        .await;
    checks
        .check("an unknown tool is an error the client reports", async {
            match client.call_tool("nope", json!({})).await {
                Ok(result) => expect(result.is_error, || format!("{result:?}")),
                Err(error) => expect(error.to_string().contains("nope"), || error.to_string()),
            }
        })
        .await;
    checks
        .check("greet: elicitation answered by our handler", async {
            let text = call_text(client, "greet", json!({})).await?;
            expect(text == "Hello, mcp-client!", || format!("greet said {text:?}"))
        })
        .await;
    checks
        .check("haiku: sampling answered by our handler", async {
            let text = call_text(client, "haiku", json!({"topic": "rust"})).await?;
            expect(text.contains(SAMPLED) && text.contains("mcp-client-interop"), || format!("haiku said {text:?}"))
        })
        .await;
    checks
        .check("roots: answered by our handler", async {
            let text = call_text(client, "roots", json!({})).await?;
            expect(text.contains("file:///interop"), || format!("roots said {text:?}"))
        })
        .await;
    checks
        .check("resources: list, read, a template read", async {
            let resources = client.list_resources().await.map_err(|e| e.to_string())?;
            expect(resources.iter().any(|r| r["uri"] == "config://interop"), || format!("{resources:?}"))?;
            let config = client.read_resource("config://interop").await.map_err(|e| e.to_string())?;
            expect(config.first().is_some_and(|c| c["text"] == "interop=true"), || format!("{config:?}"))?;
            let templates = client.list_resource_templates().await.map_err(|e| e.to_string())?;
            expect(templates.iter().any(|t| t["uriTemplate"] == "greeting://{name}"), || format!("{templates:?}"))?;
            let greeting = client.read_resource("greeting://Ada").await.map_err(|e| e.to_string())?;
            expect(greeting.first().is_some_and(|c| c["text"] == "Hello, Ada, from a template"), || {
                format!("{greeting:?}")
            })
        })
        .await;
    checks
        .check("prompts: list and get", async {
            let prompts = client.list_prompts().await.map_err(|e| e.to_string())?;
            expect(prompts.iter().any(|p| p["name"] == "review"), || format!("{prompts:?}"))?;
            let prompt =
                client.get_prompt("review", json!({"code": "fn main() {}"})).await.map_err(|e| e.to_string())?;
            let text = prompt["messages"][0]["content"]["text"].as_str().unwrap_or_default();
            expect(text.contains("fn main() {}"), || prompt.to_string())
        })
        .await;
    checks.check("ping", async { client.ping().await.map_err(|e| e.to_string()) }).await;
}
