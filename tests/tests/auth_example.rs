//! The auth example over a real socket, with its development issuer: no
//! token gets a 401 whose metadata URL resolves; a token from the issuer
//! reaches the tools, whose scopes are checked.

use mcp_examples::auth;
use mcp_integration_tests::HttpClient;
use serde_json::{Value, json};

/// Serves the example on a free port (its resource URI names that port).
async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = quickmcp_axum::McpConfig { port: listener.local_addr().unwrap().port(), ..Default::default() };
    let url = format!("http://127.0.0.1:{}", config.port);
    let app = auth::app(config).unwrap();
    tokio::spawn(async move { quickmcp_axum::serve(listener, app).await });
    url
}

async fn token(url: &str, scope: &str) -> String {
    let answer: Value =
        reqwest::get(format!("{url}/dev-issuer/token?sub=alice&scope={scope}")).await.unwrap().json().await.unwrap();
    answer["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn without_a_token_the_challenge_leads_to_the_metadata() {
    let url = start().await;
    let client = HttpClient::new(format!("{url}/mcp"));
    let refused = client
        .post_builder()
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap();
    let metadata_url = challenge.split('"').nth(1).unwrap();
    assert_eq!(metadata_url, format!("{url}/.well-known/oauth-protected-resource/mcp"));
    let metadata: Value = reqwest::get(metadata_url).await.unwrap().json().await.unwrap();
    assert_eq!(metadata["resource"], format!("{url}/mcp"));
    assert_eq!(metadata["authorization_servers"], json!([format!("{url}/dev-issuer")]));
}

#[tokio::test]
async fn a_token_from_the_development_issuer_reaches_scoped_tools() {
    let url = start().await;
    let reader = token(&url, "weather:read").await;
    let mut client = HttpClient::with_bearer(format!("{url}/mcp"), &reader);
    client.initialize().await;
    let call = |name: &str, arguments: Value| {
        let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": arguments}});
        client.post_builder().body(body.to_string()).send()
    };
    let me: Value = call("whoami", json!({})).await.unwrap().json().await.unwrap();
    assert_eq!(me["result"]["content"][0]["text"], "alice (scopes: weather:read)");
    let weather: Value = call("weather_get_weather", json!({"city": "Paris"})).await.unwrap().json().await.unwrap();
    assert_eq!(weather["result"]["structuredContent"]["city"], "Paris");
    let admin = call("clear_cache", json!({})).await.unwrap();
    assert_eq!(admin.status(), 403);
    assert!(admin.headers()["www-authenticate"].to_str().unwrap().contains("scope=\"weather:admin\""));
}
