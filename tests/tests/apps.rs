//! MCP Apps (SEP-1865) over a real socket, in both eras, against the
//! `apps` example: the extension declared, tools pointing at their page
//! under both `_meta` keys, the page served with the app type and its
//! `_meta.ui`, the app-only tool listed and callable only for hosts that
//! declared the extension; and the build refusing pages that do not exist,
//! URIs that are not `ui://` and origins a policy cannot hold.

use mcp_integration_tests::{ERAS, EraClient};
use quickmcp::apps::{App, MIME_TYPE, ToolUi, Visibility};
use quickmcp::prelude::*;
use quickmcp_axum::TestClient;
use serde_json::{Value, json};

fn host_capabilities(mime_types: Value) -> Value {
    let mut capabilities = TestClient::default_capabilities();
    capabilities["extensions"] = json!({ "io.modelcontextprotocol/ui": { "mimeTypes": mime_types } });
    capabilities
}

async fn client(era: mcp_integration_tests::Era, capabilities: Value) -> EraClient {
    EraClient::start_with(mcp_examples::apps::builder().build(), era, capabilities).await
}

async fn declared_extensions(client: &EraClient, era: mcp_integration_tests::Era) -> Value {
    match era {
        mcp_integration_tests::Era::Session => {
            let mut http = client.http.clone();
            http.initialize().await["capabilities"]["extensions"].clone()
        }
        mcp_integration_tests::Era::Stateless => {
            client.request("server/discover", json!({})).await["capabilities"]["extensions"].clone()
        }
    }
}

fn tool<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list["tools"].as_array()?.iter().find(|t| t["name"] == name)
}

#[tokio::test]
async fn a_host_sees_the_page_the_tools_and_the_app_only_tool_in_both_eras() {
    for era in ERAS {
        let host = client(era, host_capabilities(json!([MIME_TYPE]))).await;
        assert_eq!(declared_extensions(&host, era).await["io.modelcontextprotocol/ui"], json!({}), "{era:?}");

        let tools = host.request("tools/list", json!({})).await;
        let weather = tool(&tools, "get_weather").expect("get_weather listed");
        assert_eq!(weather["_meta"]["ui"]["resourceUri"], "ui://weather/forecast", "{era:?}");
        assert_eq!(weather["_meta"]["ui/resourceUri"], "ui://weather/forecast", "{era:?}: the legacy key too");
        let cities = tool(&tools, "list_cities").expect("a host sees the app-only tool");
        assert_eq!(cities["_meta"]["ui"]["visibility"], json!(["app"]), "{era:?}");

        let listed = host.request("resources/list", json!({})).await;
        let page = listed["resources"].as_array().unwrap().iter().find(|r| r["uri"] == "ui://weather/forecast");
        let page = page.expect("the page is listed");
        assert_eq!(page["mimeType"], MIME_TYPE);
        assert_eq!(page["_meta"]["ui"]["prefersBorder"], true);

        let read = host.request("resources/read", json!({"uri": "ui://weather/forecast"})).await;
        let contents = &read["contents"][0];
        assert_eq!(contents["mimeType"], MIME_TYPE, "{era:?}");
        assert_eq!(contents["_meta"]["ui"], json!({"prefersBorder": true}), "{era:?}: nothing declared, no network");
        let html = contents["text"].as_str().unwrap();
        let lower = html.to_ascii_lowercase();
        assert!(lower.contains("<!doctype html>") && lower.contains("</html>"), "a whole HTML document");
        assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "nothing loaded from the network");

        let week = host.call("get_weather", json!({"city": "Lisbon"})).await;
        let days = week["structuredContent"]["days"].as_array().unwrap();
        assert_eq!(days.len(), 7, "{era:?}");
        assert!(days.iter().all(|d| d["low"].as_f64() < d["high"].as_f64()));
        assert!(week["content"][0]["text"].as_str().unwrap().contains("Lisbon"), "text for hosts without apps");
        let picked = host.call("list_cities", json!({})).await;
        assert!(picked["structuredContent"]["cities"].as_array().unwrap().contains(&json!("Tokyo")), "{era:?}");
    }
}

#[tokio::test]
async fn a_client_that_cannot_show_apps_neither_sees_nor_calls_the_app_only_tool() {
    let without =
        [TestClient::default_capabilities(), host_capabilities(json!(["text/plain"])), host_capabilities(json!("x"))];
    for era in ERAS {
        for capabilities in without.clone() {
            let plain = client(era, capabilities.clone()).await;
            let tools = plain.request("tools/list", json!({})).await;
            assert!(tool(&tools, "get_weather").is_some(), "{era:?}: a plain tool with a text result");
            assert!(tool(&tools, "list_cities").is_none(), "{era:?} {capabilities}: app-only tools are not listed");
            let refused = plain.call("list_cities", json!({})).await;
            assert_eq!(refused["code"], -32602, "{era:?}: {refused}");
            assert_eq!(refused["message"], "Invalid params: Unknown tool: list_cities");
            let week = plain.call("get_weather", json!({"city": "Paris"})).await;
            assert_eq!(week["structuredContent"]["city"], "Paris", "{era:?}");
        }
    }
}

/// The week ahead.
#[tool(ui = "ui://weather/week")]
async fn week(city: String) -> String {
    format!("{city}: mild")
}

/// A page that is a plain web page.
#[tool]
async fn elsewhere() -> String {
    String::new()
}

#[test]
fn the_build_refuses_missing_pages_bad_uris_bad_origins_and_wrong_types() {
    let error = Server::builder("w", "1").tools(tools![week]).try_build().unwrap_err();
    assert_eq!(
        error.invalid_apps,
        [
            "tool `week` shows `ui://weather/week`, which no resource serves (register the page with `.app(App::html(\"ui://weather/week\", ..))`)"
        ]
    );

    let web = tools![elsewhere].remove(0).with_ui(ToolUi::new("https://example.com/page"));
    let error = Server::builder("w", "1").tool(web).try_build().unwrap_err();
    assert_eq!(
        error.invalid_apps,
        ["tool `elsewhere` shows `https://example.com/page`: an app's URI starts with `ui://`"]
    );

    let page =
        App::html("ui://weather/week", "<!doctype html>").connect_domains(["https://api.example.com; script-src *"]);
    let error = Server::builder("w", "1").tools(tools![week]).app(page).try_build().unwrap_err();
    assert_eq!(error.invalid_apps.len(), 1, "{error}");
    assert!(error.invalid_apps[0].contains("is not an origin"), "{error}");

    let error = Server::builder("w", "1").app(App::html("weather/week", "")).try_build().unwrap_err();
    assert!(error.to_string().contains("app `weather/week`: an app's URI starts with `ui://`"), "{error}");

    let html = quickmcp::handler::ResourceDef::fixed(
        quickmcp::protocol::Resource {
            uri: "ui://weather/week".into(),
            name: "week".into(),
            title: None,
            description: None,
            mime_type: Some("text/html".into()),
            size: None,
            annotations: None,
            icons: None,
            meta: None,
        },
        |_, _| async { Ok(Vec::new()) },
    );
    let error = Server::builder("w", "1").tools(tools![week]).resource(html).try_build().unwrap_err();
    assert!(error.to_string().contains("whose type is `text/html`, not `text/html;profile=mcp-app`"), "{error}");

    let page = App::html("ui://weather/week", "<!doctype html>");
    assert!(Server::builder("w", "1").tools(tools![week]).app(page).try_build().is_ok());
}

#[tokio::test]
async fn a_mounted_servers_tool_points_at_its_page_under_the_prefix() {
    let parent = Server::builder("parent", "1").mount("wx", mcp_examples::apps::builder().build()).build();
    for era in ERAS {
        let host = EraClient::start_with(parent.clone(), era, host_capabilities(json!([MIME_TYPE]))).await;
        let tools = host.request("tools/list", json!({})).await;
        let weather = tool(&tools, "wx_get_weather").expect("the mounted tool");
        assert_eq!(weather["_meta"]["ui"]["resourceUri"], "ui://wx/weather/forecast", "{era:?}");
        assert_eq!(weather["_meta"]["ui/resourceUri"], "ui://wx/weather/forecast");
        let read = host.request("resources/read", json!({"uri": "ui://wx/weather/forecast"})).await;
        assert_eq!(read["contents"][0]["mimeType"], MIME_TYPE, "{era:?}: {read}");
        assert!(tool(&tools, "wx_list_cities").is_some(), "{era:?}");
    }
    let plain =
        EraClient::start_with(parent, mcp_integration_tests::Era::Session, TestClient::default_capabilities()).await;
    assert!(
        tool(&plain.request("tools/list", json!({})).await, "wx_list_cities").is_none(),
        "hidden through the mount too"
    );
}

#[test]
fn tools_built_at_runtime_say_who_may_call_them() {
    let def = tools![elsewhere].remove(0).with_ui(ToolUi::new("ui://a/b").visibility([Visibility::Model]));
    assert_eq!(def.tool.meta.unwrap()["ui"], json!({"resourceUri": "ui://a/b", "visibility": ["model"]}));
}

#[tokio::test]
async fn a_proxied_apps_server_keeps_its_pages_and_its_app_only_tool_for_hosts() {
    use quickmcp::proxy::Remote;
    use quickmcp_client::upstream::RemoteServer;
    let url = format!("{}/mcp", mcp_integration_tests::spawn(mcp_examples::apps::app(Default::default())).await);
    for upstream_era in [quickmcp_client::Era::Session, quickmcp_client::Era::Stateless] {
        let upstream = RemoteServer::http(&url).configure(|builder| builder.era(upstream_era));
        let remote = Remote::connect(upstream).await.expect("the remote answers");
        let proxy = Server::builder("gateway", "1").mount_remote("wx", remote).build();
        for era in ERAS {
            let host = EraClient::start_with(proxy.clone(), era, host_capabilities(json!([MIME_TYPE]))).await;
            assert_eq!(declared_extensions(&host, era).await["io.modelcontextprotocol/ui"], json!({}));
            let tools = host.request("tools/list", json!({})).await;
            let weather = tool(&tools, "wx_get_weather").expect("the remote's tool");
            assert_eq!(weather["_meta"]["ui"]["resourceUri"], "ui://wx/weather/forecast", "{upstream_era:?} {era:?}");
            let read = host.request("resources/read", json!({"uri": "ui://wx/weather/forecast"})).await;
            assert_eq!(read["contents"][0]["mimeType"], MIME_TYPE, "{upstream_era:?} {era:?}: {read}");
            assert_eq!(read["contents"][0]["_meta"]["ui"]["prefersBorder"], true);
            let cities = host.call("wx_list_cities", json!({})).await;
            assert!(cities["structuredContent"]["cities"].is_array(), "{upstream_era:?} {era:?}: {cities}");

            let plain = EraClient::start_with(proxy.clone(), era, TestClient::default_capabilities()).await;
            let tools = plain.request("tools/list", json!({})).await;
            assert!(tool(&tools, "wx_list_cities").is_none(), "{upstream_era:?} {era:?}");
            assert_eq!(plain.call("wx_list_cities", json!({})).await["code"], -32602);
        }
    }
}
