//! The development issuer (`Auth::development`, feature `dev-issuer`) over
//! a real socket: it refuses to start on an address other than loopback,
//! says loudly that it is on, sits behind the endpoint's Host/Origin check,
//! and its tokens reach the tools, whose declared scopes are enforced.

use mcp_integration_tests::{HttpClient, logged_while};
use quickmcp::auth::Principal;
use quickmcp::prelude::*;
use quickmcp_axum::auth::Auth;
use quickmcp_axum::{McpConfig, McpRouter};
use serde_json::{Value, json};

/// Says who is calling.
#[tool(scopes("notes:read"))]
async fn whoami(principal: Principal) -> String {
    principal.subject().to_owned()
}

/// Writes a note.
#[tool(scopes("notes:write"))]
async fn write_note(text: String) -> String {
    format!("wrote {text}")
}

/// Serves a protected server with a development issuer on a free loopback
/// port; returns its base URL and what starting it logged.
async fn start() -> (String, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = McpConfig { port: listener.local_addr().unwrap().port(), ..Default::default() };
    let url = format!("http://127.0.0.1:{}", config.port);
    let server = Server::builder("notes", "0").tools(tools![whoami, write_note]).build();
    let mut app = None;
    let log = logged_while(|| {
        let auth = Auth::development(&config).unwrap();
        app = Some(McpRouter::new(server).config(config).auth(auth).into_router());
    });
    let app = app.unwrap();
    tokio::spawn(async move { quickmcp_axum::serve(listener, app).await });
    (url, log)
}

#[test]
fn it_refuses_to_start_on_an_address_other_than_loopback_and_names_the_fix() {
    for host in ["0.0.0.0", "::", "10.1.2.3"] {
        let config = McpConfig { host: host.into(), ..Default::default() };
        let error = Auth::development(&config).unwrap_err();
        assert!(error.contains("loopback"), "{host}: {error}");
        assert!(error.contains("MCP_DEV_ISSUER=1") && error.contains("MCP_AUTH_ISSUER"), "{host}: {error}");
    }
}

#[tokio::test]
async fn it_says_loudly_that_it_is_on() {
    let (url, log) = start().await;
    assert!(log.contains("WARN") && log.contains("DEVELOPMENT token issuer ON"), "{log}");
    assert!(log.contains(&format!("{url}/dev-issuer")) && log.contains("MCP_AUTH_ISSUER"), "{log}");
}

#[tokio::test]
async fn its_routes_pass_the_host_and_origin_check_of_the_endpoint() {
    let (url, _) = start().await;
    let http = reqwest::Client::new();
    for path in
        ["/dev-issuer/token?sub=mallory&scope=notes:write", "/.well-known/oauth-authorization-server/dev-issuer"]
    {
        let get = |name: &'static str, value: &'static str| http.get(format!("{url}{path}")).header(name, value).send();
        let rebound = get("host", "evil.example").await.unwrap();
        assert_eq!(rebound.status(), 403, "{path}: a rebound name gets nothing");
        let cross_site = get("origin", "https://evil.example").await.unwrap();
        assert_eq!(cross_site.status(), 403, "{path}: another site's page gets nothing");
        let local = get("origin", "http://localhost:5173").await.unwrap();
        assert_eq!(local.status(), 200, "{path}");
        assert_eq!(local.headers()["x-content-type-options"], "nosniff", "{path}");
    }
}

#[tokio::test]
async fn its_tokens_reach_the_tools_and_their_declared_scopes_are_enforced() {
    let (url, _) = start().await;
    let metadata: Value = reqwest::get(format!("{url}/.well-known/oauth-authorization-server/dev-issuer"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], format!("{url}/dev-issuer"));
    let answer: Value =
        reqwest::get(format!("{url}/dev-issuer/token?sub=alice&scope=notes:read")).await.unwrap().json().await.unwrap();
    let mut client = HttpClient::with_bearer(format!("{url}/mcp"), answer["access_token"].as_str().unwrap());
    client.initialize().await;
    let call = |name: &str, arguments: Value| {
        let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": arguments}});
        client.post_builder().body(body.to_string()).send()
    };
    let me: Value = call("whoami", json!({})).await.unwrap().json().await.unwrap();
    assert_eq!(me["result"]["content"][0]["text"], "alice");
    assert_eq!(call("write_note", json!({"text": "x"})).await.unwrap().status(), 403, "a read-only token");

    let too_long = "a".repeat(257);
    let refused = reqwest::get(format!("{url}/dev-issuer/token?sub={too_long}")).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.json::<Value>().await.unwrap()["error"], "invalid_request");
}
