//! Servers mounted in servers, over a real socket in both eras: prefixed
//! names and URIs, each child's own state and middleware, runtime changes
//! reaching the parent's clients, and clashes refused at build.

use mcp_integration_tests::{ERAS, EraClient, HttpClient, read_events, spawn};
use quickmcp::middleware::{Middleware, Next, Outcome, ToolCall, Visibility};
use quickmcp::prelude::*;
use quickmcp::protocol::{CallToolResult, Content, PromptMessage};
use serde_json::json;

#[derive(Clone)]
struct Units(&'static str);

/// Current weather, in the child's units.
#[tool(tags("weather"))]
async fn get_weather(city: String, State(units): State<Units>) -> String {
    format!("21 {} in {city}", units.0)
}

/// A forecast.
#[resource("weather://forecast/{city}")]
async fn forecast(city: String) -> String {
    format!("forecast for {city}")
}

/// Plans a trip.
#[prompt]
async fn plan(city: String) -> PromptMessage {
    PromptMessage::user(format!("plan {city}"))
}

/// The parent's own tool.
#[tool]
async fn ping_me() -> &'static str {
    "pong"
}

/// Appends its mark to every tool result.
struct Mark(&'static str);

impl Middleware for Mark {
    fn on_call_tool<'a>(&'a self, call: ToolCall, next: Next<'a, ToolCall>) -> Outcome<'a, CallToolResult> {
        Box::pin(async move {
            let mut result = next.run(call).await?;
            result.content.push(Content::text(self.0));
            Ok(result)
        })
    }
}

fn weather() -> Server {
    Server::builder("weather", "1")
        .tools(tools![get_weather])
        .resources(resources![forecast])
        .prompts(prompts![plan])
        .state(Units("°C"))
        .middleware(Mark("child"))
        .build()
}

#[tokio::test]
async fn a_mounted_server_serves_under_its_prefix_with_its_own_state_and_middleware() {
    for era in ERAS {
        let parent =
            Server::builder("app", "1").tools(tools![ping_me]).middleware(Mark("parent")).mount("w", weather()).build();
        let client = EraClient::start(parent, era).await;
        let tools = client.request("tools/list", json!({})).await;
        let names: Vec<&str> = tools["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["ping_me", "w_get_weather"]);
        assert_eq!(tools["tools"][1]["_meta"]["tags"], json!(["weather"]));

        let call = client.call("w_get_weather", json!({"city": "Oslo"})).await;
        let texts: Vec<&str> =
            call["content"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
        assert_eq!(
            texts,
            ["21 °C in Oslo", "child", "parent"],
            "the child's state; its middleware inside the parent's"
        );

        let templates = client.request("resources/templates/list", json!({})).await;
        assert_eq!(templates["resourceTemplates"][0]["uriTemplate"], "weather://w/forecast/{city}");
        let read = client.request("resources/read", json!({"uri": "weather://w/forecast/Oslo"})).await;
        assert_eq!(read["contents"][0]["text"], "forecast for Oslo");
        assert_eq!(read["contents"][0]["uri"], "weather://w/forecast/Oslo", "the URI the client asked for");
        let prompt = client.request("prompts/get", json!({"name": "w_plan", "arguments": {"city": "Rome"}})).await;
        assert_eq!(prompt["messages"][0]["content"]["text"], "plan Rome");
        let unknown = client.call("get_weather", json!({"city": "Oslo"})).await;
        assert_eq!(unknown["code"], -32602, "only the prefixed name exists in the parent");
    }
}

#[tokio::test]
async fn the_childs_visibility_and_runtime_changes_show_in_the_parent() {
    let child = Server::builder("weather", "1")
        .tools(tools![get_weather])
        .state(Units("°F"))
        .middleware(Visibility::new().hide_tags(["weather"]))
        .build();
    let parent = Server::builder("app", "1").mount("w", child.clone()).build();
    let url = spawn(quickmcp_axum::McpRouter::new(parent).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    let list = client.request(1, "tools/list", json!({})).await;
    assert_eq!(list[0]["result"]["tools"], json!([]), "hidden by the child's own rule");
    let call = client.request(2, "tools/call", json!({"name": "w_get_weather", "arguments": {"city": "x"}})).await;
    assert_eq!(call[0]["error"]["code"], -32602);

    let stream = client.get_stream(None).await;
    child.add_tool(<ping_me as quickmcp::__private::ToolFactory>::definition());
    let events = read_events(stream, std::time::Duration::from_secs(5), |m| m["method"].is_string()).await;
    let methods: Vec<&serde_json::Value> = events.iter().map(|(_, m)| &m["method"]).filter(|m| m.is_string()).collect();
    assert_eq!(methods, ["notifications/tools/list_changed"], "the parent's client hears of the change");
    let list = client.request(3, "tools/list", json!({})).await;
    assert_eq!(list[0]["result"]["tools"][0]["name"], "w_ping_me");
    let call = client.request(4, "tools/call", json!({"name": "w_ping_me", "arguments": {}})).await;
    assert_eq!(call[0]["result"]["content"][0]["text"], "pong");
    assert!(child.remove_tool("ping_me"));
    let list = client.request(5, "tools/list", json!({})).await;
    assert_eq!(list[0]["result"]["tools"], json!([]));
}

#[test]
fn clashes_and_bad_prefixes_are_build_errors_naming_both_sources() {
    /// Clashes with the mounted `w_get_weather`.
    #[tool(name = "w_get_weather")]
    async fn own() -> &'static str {
        "own"
    }
    let error = Server::builder("app", "1").tools(tools![own]).mount("w", weather()).try_build().unwrap_err();
    assert_eq!(error.duplicates, ["tool `w_get_weather` (this server and mount `w`)"]);
    let error = Server::builder("app", "1").mount("a/b", weather()).try_build().unwrap_err();
    assert_eq!(error.invalid_prefixes, ["a/b"]);
}
