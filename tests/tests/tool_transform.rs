//! Tool transformation over a real socket, in both eras, with mcp-client:
//! a local tool, a mounted server's tool and a wrapped tool served under
//! new names with renamed, defaulted and hidden arguments; calls mapped
//! back to the originals; hidden and renamed-away names refused `-32602`;
//! tools that enter the catalog later transformed too; a remote (proxied)
//! server's tools alike; transforms that do not apply refused at build.

use mcp_integration_tests::{logged_while, spawn};
use quickmcp::handler::{ArgTransform, ToolTransform};
use quickmcp::middleware::Visibility;
use quickmcp::prelude::*;
use quickmcp::protocol::{CallToolResult, Content};
use quickmcp_client::{Client, ClientError, Era};
use serde_json::{Value, json};

/// Searches the catalogue.
#[tool]
async fn search(query: String, limit: Option<u32>, api_key: String) -> String {
    format!("query={query} limit={limit:?} key={api_key}")
}

/// Says it louder.
#[tool]
async fn shout(text: String) -> String {
    format!("{text}!")
}

/// Current weather, the region mirrored in an `Mcp-Param-Region` header.
#[tool]
async fn get_weather(city: String, units: String, #[arg(header = "Region")] region: String) -> String {
    format!("21 {units} in {city} ({region})")
}

/// Not for the parent's clients.
#[tool(tags("internal"))]
async fn internal() -> &'static str {
    "secret"
}

/// Added at runtime.
#[tool]
async fn later(n: u32) -> String {
    format!("later {n}")
}

fn weather() -> Server {
    Server::builder("weather", "1")
        .tools(tools![get_weather, internal])
        .middleware(Visibility::new().hide_tags(["internal"]))
        .build()
}

fn app(child: Server) -> Server {
    let louder = ToolTransform::new().describe("Shouts, in capitals").wrap(|ctx, arguments, original| async move {
        if arguments.get("text").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Ok(CallToolResult::error("nothing to shout"));
        }
        let result = original.call(ctx, arguments).await?;
        Ok(CallToolResult::success(vec![Content::text(result.text().to_uppercase())]))
    });
    Server::builder("app", "1")
        .tools(tools![search, shout])
        .mount("w", child)
        .transform_tool(
            "search",
            ToolTransform::new()
                .rename("find")
                .argument("query", ArgTransform::new().rename("q").describe("What to look for"))
                .argument("limit", ArgTransform::new().default(json!(5)))
                .hide_argument("api_key", json!("k-123")),
        )
        .transform_tool("shout", louder)
        .transform_tool(
            "w_get_weather",
            ToolTransform::new()
                .rename("forecast")
                .argument("city", ArgTransform::new().rename("location").default(json!("Paris")))
                .argument("region", ArgTransform::new().rename("area"))
                .hide_argument("units", json!("metric"))
                .tags(["public"]),
        )
        .transform_tool("w_internal", ToolTransform::new().rename("exposed"))
        .transform_tool(
            "later",
            ToolTransform::new().rename("soon").argument("n", ArgTransform::new().default(json!(7))),
        )
        .build()
}

async fn clients(server: Server) -> Vec<Client> {
    let url = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await);
    let mut clients = Vec::new();
    for era in [Era::Stateless, Era::Session] {
        clients.push(Client::builder().era(era).connect_http(&url).await.unwrap());
    }
    clients
}

fn invalid_params(result: Result<CallToolResult, ClientError>) -> String {
    match result {
        Err(ClientError::Rpc(error)) if error.code == -32602 => error.message,
        other => panic!("expected -32602, got {other:?}"),
    }
}

#[tokio::test]
async fn local_mounted_and_wrapped_tools_are_served_transformed() {
    for client in clients(app(weather())).await {
        let era = client.era();
        let tools = client.list_tools().await.unwrap();
        let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        names.sort_unstable();
        assert_eq!(names, ["find", "forecast", "shout"], "{era:?}: the child's hidden tool stays hidden renamed");
        let tool = |name: &str| tools.iter().find(|t| t["name"] == name).unwrap().clone();

        let find = tool("find");
        assert_eq!(find["inputSchema"]["properties"]["q"]["description"], "What to look for");
        assert_eq!(find["inputSchema"]["properties"]["limit"]["default"], 5);
        assert!(find["inputSchema"]["properties"].get("api_key").is_none());
        assert_eq!(find["inputSchema"]["required"], json!(["q"]));
        let found = client.call_tool("find", json!({"q": "rust"})).await.unwrap();
        assert_eq!(found.text(), "query=rust limit=Some(5) key=k-123", "{era:?}");
        let found = client.call_tool("find", json!({"q": "rust", "limit": 2})).await.unwrap();
        assert_eq!(found.text(), "query=rust limit=Some(2) key=k-123");

        let forecast = tool("forecast");
        assert_eq!(forecast["inputSchema"]["properties"]["area"]["x-mcp-header"], "Region");
        assert_eq!(forecast["_meta"]["tags"], json!(["public"]));
        let weather = client.call_tool("forecast", json!({"area": "north"})).await.unwrap();
        assert_eq!(weather.text(), "21 metric in Paris (north)", "{era:?}: the header follows the rename");
        let weather = client.call_tool("forecast", json!({"location": "Oslo", "area": "north"})).await.unwrap();
        assert_eq!(weather.text(), "21 metric in Oslo (north)");

        assert_eq!(tool("shout")["description"], "Shouts, in capitals");
        let shouted = client.call_tool("shout", json!({"text": "hi"})).await.unwrap();
        assert_eq!(shouted.text(), "HI!");
        let refused = client.call_tool("shout", json!({"text": ""})).await.unwrap();
        assert!(refused.is_error && refused.text() == "nothing to shout", "the wrapper answers by itself");

        let hidden = invalid_params(client.call_tool("find", json!({"q": "x", "api_key": "mine"})).await);
        assert!(hidden.contains("unknown argument `api_key` of tool `find`"), "{hidden}");
        let old_name = invalid_params(client.call_tool("find", json!({"query": "x"})).await);
        assert!(old_name.contains("`query`") && old_name.contains("it is now `q`"), "{old_name}");
        let units = invalid_params(client.call_tool("forecast", json!({"area": "n", "units": "kelvin"})).await);
        assert!(units.contains("`units`"), "{units}");
        let other = client.call_tool("find", json!({"q": "x", "extra": 1})).await.unwrap();
        assert!(other.is_error && other.text().contains("unknown argument `extra`"), "the original judges other names");
        invalid_params(client.call_tool("exposed", json!({})).await);
        invalid_params(client.call_tool("search", json!({"query": "x", "api_key": "k"})).await);
    }
}

#[tokio::test]
async fn tools_that_enter_later_are_transformed_too() {
    let child = weather();
    let parent = app(child.clone());
    parent.add_tool(tools![later].remove(0));
    assert!(parent.tool("later").is_none() && parent.tool("soon").is_some(), "served under the new name");
    // A change in the mounted server is synced through the transforms again.
    child.add_tool(tools![later].remove(0));
    let mut names = parent.tool_names();
    names.sort_unstable();
    assert_eq!(
        names,
        ["exposed", "find", "forecast", "shout", "soon", "w_later"],
        "`exposed` is in the catalog, hidden by the child"
    );
    for client in clients(parent.clone()).await {
        let soon = client.call_tool("soon", json!({})).await.unwrap();
        assert_eq!(soon.text(), "later 7");
        let weather = client.call_tool("forecast", json!({"area": "south"})).await.unwrap();
        assert_eq!(weather.text(), "21 metric in Paris (south)", "the mount's transform still holds");
    }
    // A transform that does not apply at runtime keeps the tool out.
    let strict = Server::builder("strict", "1")
        .transform_tool("later", ToolTransform::new().argument("missing", ArgTransform::new().rename("x")))
        .build();
    let log = logged_while(|| strict.add_tool(tools![later].remove(0)));
    assert!(strict.tool_names().is_empty());
    assert!(
        log.contains("ERROR") && log.contains("cannot transform tool `later`: it has no argument `missing`"),
        "{log}"
    );
    assert!(parent.remove_tool("soon"), "removed by the name it is served under");
}

#[tokio::test]
async fn a_remote_servers_tools_are_transformed_like_local_ones() {
    let url = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(weather()).into_router()).await);
    let remote = quickmcp::proxy::Remote::connect(quickmcp_client::upstream::RemoteServer::http(&url)).await.unwrap();
    let gateway = Server::builder("gateway", "1")
        .mount_remote("r", remote)
        .transform_tool(
            "r_get_weather",
            ToolTransform::new()
                .rename("remote_forecast")
                .argument("city", ArgTransform::new().default(json!("Rome")))
                .hide_argument("units", json!("kelvin")),
        )
        .build();
    assert!(gateway.tool_names().contains(&"remote_forecast".to_owned()));
    for client in clients(gateway).await {
        let weather = client.call_tool("remote_forecast", json!({"region": "east"})).await.unwrap();
        assert_eq!(weather.text(), "21 kelvin in Rome (east)", "{:?}", client.era());
        let units = invalid_params(client.call_tool("remote_forecast", json!({"region": "e", "units": "x"})).await);
        assert!(units.contains("`units`"), "{units}");
    }
}

#[test]
fn transforms_that_do_not_apply_are_build_errors() {
    let error = Server::builder("app", "1")
        .tools(tools![search])
        .transform_tool("search", ToolTransform::new().hide_argument("nope", json!(1)))
        .try_build()
        .unwrap_err();
    assert_eq!(error.invalid_transforms, ["cannot transform tool `search`: it has no argument `nope`"]);
    assert!(error.to_string().contains("it has no argument `nope`"), "{error}");

    let error = Server::builder("app", "1")
        .mount("w", weather())
        .transform_tool("w_get_weather", ToolTransform::new().argument("city", ArgTransform::new().rename("units")))
        .try_build()
        .unwrap_err();
    assert_eq!(error.invalid_transforms.len(), 1, "a mounted tool's transform is checked at build too");
    assert!(error.invalid_transforms[0].contains("`city` cannot be renamed `units`"), "{error}");

    let error = Server::builder("app", "1")
        .tools(tools![search, shout])
        .transform_tool("search", ToolTransform::new().rename("shout"))
        .try_build()
        .unwrap_err();
    assert_eq!(error.duplicates, ["tool `shout`"], "a rename onto another tool is a clash");

    let mut built = None;
    let log = logged_while(|| {
        let builder = Server::builder("app", "1").mount("w", weather());
        let builder = builder.transform_tool("w_get_weather", ToolTransform::new().rename("forecast"));
        built = Some(builder.transform_tool("not_yet", ToolTransform::new().rename("x")).try_build());
    });
    assert!(built.unwrap().is_ok(), "a tool that may come later is not an error");
    assert!(log.contains("WARN") && log.contains("tool `not_yet`"), "{log}");
    assert!(!log.contains("w_get_weather"), "a mounted tool is there at build: {log}");
}
