//! Our own examples, as separate processes: weather (both eras, HTTP and
//! stdio), auth (a token from the development issuer), tasks (the tasks
//! extension) and transactions (one session through two replicas sharing
//! Redis behind nginx).

use crate::{Checks, Target, call_text, expect};
use quickmcp_client::{Client, Era};
use serde_json::{Value, json};
use std::time::Duration;

pub async fn weather(client: &Client, checks: &mut Checks) {
    checks
        .check("tools/list", async {
            let tools = client.list_tools().await.map_err(|e| e.to_string())?;
            expect(tools.iter().any(|t| t["name"] == "get_weather"), || format!("{tools:?}"))
        })
        .await;
    checks
        .check("get_weather, typed", async {
            let weather: Value =
                client.call_tool_as("get_weather", json!({"city": "Paris"})).await.map_err(|e| e.to_string())?;
            expect(weather["city"] == "Paris", || weather.to_string())
        })
        .await;
    checks
        .check("a bad argument is the tool's error", async {
            let result = client.call_tool("get_weather", json!({"city": 42})).await.map_err(|e| e.to_string())?;
            expect(result.is_error, || format!("{result:?}"))
        })
        .await;
    checks
        .check("resources: read a template's resource, list templates", async {
            let forecast = client.read_resource("weather://forecast/Paris").await.map_err(|e| e.to_string())?;
            expect(forecast.first().is_some_and(|c| c["uri"] == "weather://forecast/Paris"), || {
                format!("{forecast:?}")
            })?;
            let templates = client.list_resource_templates().await.map_err(|e| e.to_string())?;
            expect(!templates.is_empty(), || "no templates".into())
        })
        .await;
    checks
        .check("prompts/get plan_trip", async {
            let prompt = client.get_prompt("plan_trip", json!({"city": "Oslo"})).await.map_err(|e| e.to_string())?;
            expect(prompt["messages"][0]["content"]["text"].as_str().is_some_and(|t| t.contains("Oslo")), || {
                prompt.to_string()
            })
        })
        .await;
    checks
        .check("completion of a template's argument", async {
            let reference = json!({"type": "ref/resource", "uri": "weather://forecast/{city}"});
            let completion = client.complete(reference, json!({"name": "city", "value": "Pa"})).await;
            let values = completion.map_err(|e| e.to_string())?["values"].clone();
            expect(values.as_array().is_some_and(|v| v.contains(&Value::from("Paris"))), || values.to_string())
        })
        .await;
    checks.check("ping", async { client.ping().await.map_err(|e| e.to_string()) }).await;
}

pub async fn auth(client: &Client, target: &Target, checks: &mut Checks) {
    checks
        .check("whoami sees the token's subject and scopes", async {
            let text = call_text(client, "whoami", json!({})).await?;
            expect(text == "alice (scopes: weather:read)", || format!("whoami said {text:?}"))
        })
        .await;
    checks
        .check("a mounted tool behind the token", async {
            let weather: Value = client
                .call_tool_as("weather_get_weather", json!({"city": "Paris"}))
                .await
                .map_err(|e| e.to_string())?;
            expect(weather["city"] == "Paris", || weather.to_string())
        })
        .await;
    checks
        .check("a tool needing a scope the token lacks fails", async {
            match client.call_tool("clear_cache", json!({})).await {
                Ok(result) => expect(result.is_error, || format!("clear_cache ran: {result:?}")),
                Err(error) => expect(error.to_string().contains("403") || error.to_string().contains("scope"), || {
                    error.to_string()
                }),
            }
        })
        .await;
    checks
        .check("without a token the connection is refused, and says why", async {
            let url = target.url.as_deref().ok_or("the auth suite runs over HTTP")?;
            let builder = Client::builder().timeout(Duration::from_secs(10));
            let builder = match target.era {
                Some(era) => builder.era(era),
                None => builder,
            };
            match builder.connect_http(url).await {
                Ok(_) => Err("connected without a token".into()),
                Err(error) => expect(error.to_string().contains("bearer token"), || error.to_string()),
            }
        })
        .await;
}

/// Polls `tasks/get` until the task leaves `working` (at most 60 s).
async fn settled(client: &Client, id: &str) -> Result<Value, String> {
    for _ in 0..600 {
        let task = client.request("tasks/get", json!({"taskId": id})).await.map_err(|e| format!("tasks/get: {e}"))?;
        if !matches!(task["status"].as_str(), Some("working" | "submitted" | "input_required")) {
            return Ok(task);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("task {id} still working after 60 s"))
}

/// Calls `distributed_compute` and returns the task's id.
async fn create_task(client: &Client, arguments: Value) -> Result<String, String> {
    let params = json!({"name": "distributed_compute", "arguments": arguments});
    let created = client.request("tools/call", params).await.map_err(|e| e.to_string())?;
    let id = created["taskId"].as_str().or_else(|| created["task"]["taskId"].as_str());
    id.map(str::to_owned).ok_or_else(|| format!("no task handle: {created}"))
}

pub async fn tasks(client: &Client, checks: &mut Checks) {
    checks
        .check("a prime sieve as a task, polled to its result", async {
            let id = create_task(client, json!({"task_type": "prime_sieve", "data": {"limit": 100_000}})).await?;
            let task = settled(client, &id).await?;
            expect(task["status"] == "completed", || task.to_string())?;
            let values = &task["result"]["structuredContent"]["values"];
            expect(values[0] == 9592.0, || format!("π(100000) is 9592, the task says {values}"))
        })
        .await;
    checks
        .check("a task cancelled while it works", async {
            let id = create_task(client, json!({"task_type": "prime_sieve", "data": {"limit": 2_000_000_000}})).await?;
            client.request("tasks/cancel", json!({"taskId": id})).await.map_err(|e| format!("tasks/cancel: {e}"))?;
            let task = settled(client, &id).await?;
            expect(task["status"] == "cancelled", || task.to_string())
        })
        .await;
    checks
        .check("the task's status resource", async {
            let id =
                create_task(client, json!({"task_type": "svd", "data": {"matrix": [[3.0, 0.0], [4.0, 5.0]]}})).await?;
            settled(client, &id).await?;
            let status = client.read_resource(&format!("task://status/{id}")).await.map_err(|e| e.to_string())?;
            let text = status.first().and_then(|c| c["text"].as_str()).unwrap_or_default();
            expect(text.contains("completed"), || format!("{status:?}"))
        })
        .await;
}

pub async fn transactions(client: &Client, checks: &mut Checks) {
    let session = client.era() == Era::Session;
    checks
        .check("the session era (state lives in the session)", async { expect(session, || "not a session".into()) })
        .await;
    let start = |description: &'static str| async move {
        let started: Value = client
            .call_tool_as("start_transaction", json!({"description": description}))
            .await
            .map_err(|e| e.to_string())?;
        started["id"].as_u64().ok_or_else(|| format!("no id: {started}"))
    };
    let operation = |id: u64, kind: &'static str| async move {
        let operation = json!({"kind": kind, "account": "interop", "amount_cents": 500});
        client.call_tool_as::<Value>("add_operation", json!({"transaction_id": id, "operation": operation})).await
    };
    checks
        .check("start, debit, credit, commit, read: the ledger follows the session across replicas", async {
            let id = start("interop").await?;
            operation(id, "debit").await.map_err(|e| e.to_string())?;
            operation(id, "credit").await.map_err(|e| e.to_string())?;
            let committed: Value =
                client.call_tool_as("commit", json!({"transaction_id": id})).await.map_err(|e| e.to_string())?;
            expect(committed["status"] == "committed", || committed.to_string())?;
            let read = client.read_resource(&format!("transaction://{id}")).await.map_err(|e| e.to_string())?;
            let text = read.first().and_then(|c| c["text"].as_str()).unwrap_or_default();
            expect(text.contains("committed"), || format!("{read:?}"))
        })
        .await;
    checks
        .check("a resource update reaches the session's stream", async {
            let id = start("watched").await?;
            let uri = format!("transaction://{id}");
            let mut notifications = client.notifications();
            client.subscribe(&uri).await.map_err(|e| e.to_string())?;
            operation(id, "debit").await.map_err(|e| e.to_string())?;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                let next = tokio::time::timeout_at(deadline, notifications.recv()).await;
                let notification =
                    next.map_err(|_| format!("no update of {uri} within 10 s"))?.map_err(|e| e.to_string())?;
                if notification.method == "notifications/resources/updated"
                    && notification.params["uri"] == uri.as_str()
                {
                    return Ok(());
                }
            }
        })
        .await;
    checks
        .check("rollback asks the user (elicitation answered by our handler)", async {
            let id = start("rolled back").await?;
            operation(id, "debit").await.map_err(|e| e.to_string())?;
            let rolled: Value =
                client.call_tool_as("rollback", json!({"transaction_id": id})).await.map_err(|e| e.to_string())?;
            expect(rolled["status"] == "rolled_back", || rolled.to_string())
        })
        .await;
}
