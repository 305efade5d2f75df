//! `@modelcontextprotocol/server-everything` (TypeScript SDK 1.x, the
//! 2025-11-25 session era): its tools, resources, prompts, completions,
//! logging, and the sampling, elicitation and roots requests it sends while
//! a tool runs, answered by our handlers.

use crate::{Checks, SAMPLED, call_text, expect};
use quickmcp_client::Client;
use serde_json::{Value, json};

pub async fn run(client: &Client, checks: &mut Checks) {
    checks
        .check("server info", async {
            let name = &client.server()["serverInfo"]["name"];
            expect(name == "mcp-servers/everything", || format!("serverInfo.name is {name}"))
        })
        .await;
    checks
        .check("tools/list holds the tools our capabilities unlock", async {
            let tools = client.list_tools().await.map_err(|e| e.to_string())?;
            let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
            let wanted =
                ["echo", "get-sum", "trigger-sampling-request", "trigger-elicitation-request", "get-roots-list"];
            let missing: Vec<&&str> = wanted.iter().filter(|w| !names.contains(w)).collect();
            expect(missing.is_empty(), || format!("missing {missing:?} among {names:?}"))
        })
        .await;
    checks
        .check("echo", async {
            let text = call_text(client, "echo", json!({"message": "hello"})).await?;
            expect(text == "Echo: hello", || format!("echo said {text:?}"))
        })
        .await;
    checks
        .check("get-sum", async {
            let text = call_text(client, "get-sum", json!({"a": 2, "b": 3})).await?;
            expect(text.contains('5'), || format!("get-sum said {text:?}"))
        })
        .await;
    checks
        .check("content of every kind parses (image, annotated, resource links, structured)", async {
            for (tool, arguments) in [
                ("get-tiny-image", json!({})),
                ("get-annotated-message", json!({"messageType": "success", "includeImage": true})),
                ("get-resource-links", json!({"count": 2})),
                ("get-resource-reference", json!({"resourceType": "Text", "resourceId": 1})),
            ] {
                let result = client.call_tool(tool, arguments).await.map_err(|e| format!("{tool}: {e}"))?;
                expect(!result.is_error && !result.content.is_empty(), || format!("{tool}: {result:?}"))?;
            }
            let structured = client.call_tool("get-structured-content", json!({"location": "New York"})).await;
            let structured = structured.map_err(|e| format!("get-structured-content: {e}"))?;
            expect(structured.structured_content.is_some(), || format!("no structuredContent: {structured:?}"))
        })
        .await;
    checks
        .check("trigger-sampling-request: our sampling handler answers", async {
            let text = call_text(client, "trigger-sampling-request", json!({"prompt": "hi", "maxTokens": 10})).await?;
            expect(text.contains(SAMPLED), || format!("the tool said {text:?}"))
        })
        .await;
    checks
        .check("trigger-elicitation-request: our elicitation handler answers", async {
            let result = client.call_tool("trigger-elicitation-request", json!({})).await.map_err(|e| e.to_string())?;
            let all = serde_json::to_string(&result).unwrap_or_default();
            expect(!result.is_error && all.contains("accept") && all.contains("mcp-client"), || all)
        })
        .await;
    checks
        .check("get-roots-list: the server asked for our roots", async {
            // The server asks for the roots shortly after the handshake.
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let text = call_text(client, "get-roots-list", json!({})).await?;
            expect(text.contains("file:///interop"), || format!("the tool said {text:?}"))
        })
        .await;
    checks
        .check("progress of trigger-long-running-operation", async {
            let mut notifications = client.notifications();
            let params = json!({"name": "trigger-long-running-operation",
                "arguments": {"duration": 1, "steps": 2}, "_meta": {"progressToken": "interop"}});
            client.request("tools/call", params).await.map_err(|e| e.to_string())?;
            let mut progress = 0;
            while let Ok(notification) = notifications.try_recv() {
                if notification.method == "notifications/progress" && notification.params["progressToken"] == "interop"
                {
                    progress += 1;
                }
            }
            expect(progress == 2, || format!("{progress} progress notifications, expected 2"))
        })
        .await;
    checks
        .check("resources: list, templates, read (text and a template's blob)", async {
            let resources = client.list_resources().await.map_err(|e| e.to_string())?;
            let first = resources.first().and_then(|r| r["uri"].as_str()).ok_or("no resources")?.to_owned();
            let contents = client.read_resource(&first).await.map_err(|e| format!("{first}: {e}"))?;
            expect(contents.first().is_some_and(|c| c["uri"] == first.as_str()), || format!("{first}: {contents:?}"))?;
            let templates = client.list_resource_templates().await.map_err(|e| e.to_string())?;
            expect(!templates.is_empty(), || "no templates".into())?;
            let blob = client.read_resource("demo://resource/dynamic/blob/1").await.map_err(|e| e.to_string())?;
            expect(blob.first().is_some_and(|c| c["blob"].is_string()), || format!("{blob:?}"))
        })
        .await;
    checks
        .check("resources/subscribe and unsubscribe", async {
            client.subscribe("demo://resource/dynamic/text/1").await.map_err(|e| e.to_string())?;
            client.unsubscribe("demo://resource/dynamic/text/1").await.map_err(|e| e.to_string())
        })
        .await;
    checks
        .check("prompts: list, simple-prompt, args-prompt", async {
            let prompts = client.list_prompts().await.map_err(|e| e.to_string())?;
            expect(prompts.iter().any(|p| p["name"] == "args-prompt"), || format!("{prompts:?}"))?;
            client.get_prompt("simple-prompt", json!({})).await.map_err(|e| e.to_string())?;
            let prompt = client.get_prompt("args-prompt", json!({"city": "Paris"})).await.map_err(|e| e.to_string())?;
            let text = prompt["messages"][0]["content"]["text"].as_str().unwrap_or_default();
            expect(text.contains("Paris"), || format!("{prompt}"))
        })
        .await;
    checks
        .check("completion/complete of a prompt argument", async {
            let reference = json!({"type": "ref/prompt", "name": "completable-prompt"});
            let completion = client.complete(reference, json!({"name": "department", "value": "Eng"})).await;
            let values = completion.map_err(|e| e.to_string())?["values"].clone();
            expect(values.as_array().is_some_and(|v| v.contains(&Value::from("Engineering"))), || values.to_string())
        })
        .await;
    checks.check("logging/setLevel", async { client.set_level("debug").await.map_err(|e| e.to_string()) }).await;
    checks.check("ping", async { client.ping().await.map_err(|e| e.to_string()) }).await;
}
