//! `quickmcp-client` against the weather example: in-process and over HTTP, in
//! both eras; and against servers that misbehave, over a real socket.

use axum::routing::post;
use mcp_examples::weather;
use mcp_integration_tests::spawn;
use quickmcp_client::{Client, ClientError, Era};
use serde_json::{Value, json};
use std::time::Duration;

/// What every era and transport must give for the weather example.
async fn exercise(client: &Client) {
    let tools = client.list_tools().await.unwrap();
    assert!(tools.iter().any(|t| t["name"] == "get_weather"), "{tools:?}");
    let weather: Value = client.call_tool_as("get_weather", json!({"city": "Paris"})).await.unwrap();
    assert_eq!(weather["city"], "Paris");
    let bad = client.call_tool("get_weather", json!({"city": 42})).await.unwrap();
    assert!(bad.is_error);
    assert_eq!(bad.text(), "invalid value for argument `city`: expected a string, got a number");
    let failed = client.call_tool_as::<Value>("get_weather", json!({"city": 42})).await.unwrap_err();
    assert!(matches!(failed, ClientError::Tool(_)), "{failed}");
    match client.call_tool("no_such_tool", json!({})).await.unwrap_err() {
        ClientError::Rpc(error) => assert_eq!(error.code, -32602),
        other => panic!("{other}"),
    }
    let forecast = client.read_resource("weather://forecast/Paris").await.unwrap();
    assert_eq!(forecast[0]["uri"], "weather://forecast/Paris");
    let prompt = client.get_prompt("plan_trip", json!({"city": "Paris"})).await.unwrap();
    assert!(prompt["messages"].as_array().is_some_and(|m| !m.is_empty()), "{prompt}");
    assert!(!client.list_resource_templates().await.unwrap().is_empty());
    client.ping().await.unwrap();
}

#[tokio::test]
async fn in_process_the_client_finds_the_stateless_era_or_speaks_the_one_it_is_given() {
    let auto = Client::builder().connect_in_process(weather::server()).await.unwrap();
    assert_eq!((auto.era(), auto.protocol_version()), (Era::Stateless, Some("2026-07-28")));
    assert_eq!(auto.server()["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "weather");
    exercise(&auto).await;
    let session = Client::builder().era(Era::Session).connect_in_process(weather::server()).await.unwrap();
    assert_eq!((session.era(), session.protocol_version()), (Era::Session, Some("2025-11-25")));
    assert_eq!(session.server()["serverInfo"]["name"], "weather");
    exercise(&session).await;
    session.close().await;
    assert_eq!(session.ping().await.unwrap_err(), ClientError::Closed);
}

#[tokio::test]
async fn over_http_both_eras_work_and_closing_ends_the_session() {
    let url = format!("{}/mcp", spawn(weather::app(quickmcp_axum::McpConfig::default())).await);
    let auto = Client::builder().connect_http(&url).await.unwrap();
    assert_eq!(auto.era(), Era::Stateless);
    exercise(&auto).await;

    let transport = quickmcp_client::transport::http::HttpTransport::new(&url);
    let session = Client::builder().era(Era::Session).connect(transport).await.unwrap();
    assert_eq!(session.era(), Era::Session);
    exercise(&session).await;
    let mut notifications = session.notifications();
    // A call that streams its progress: SSE answers reach the client too.
    let analysis = session.call_tool("analyze_text", json!({"text": "one two three"})).await.unwrap();
    assert!(!analysis.is_error, "{analysis:?}");
    let _ = notifications.try_recv();
    session.close().await;
}

#[tokio::test]
async fn a_call_past_its_time_limit_fails_and_the_client_goes_on() {
    let server = quickmcp::Server::builder("slow", "0")
        .tools(quickmcp::tools![mcp_integration_tests::fixtures::nap, mcp_integration_tests::fixtures::add])
        .build();
    let client = Client::builder().timeout(Duration::from_millis(200)).connect_in_process(server).await.unwrap();
    assert_eq!(client.call_tool("nap", json!({})).await.unwrap_err(), ClientError::Timeout);
    assert_eq!(client.call_tool("add", json!({"a": 1, "b": 2})).await.unwrap().text(), "3");
}

/// A server on a real socket that answers every POST with `answer`.
async fn misbehaving(answer: fn() -> axum::response::Response) -> String {
    format!("{}/mcp", spawn(axum::Router::new().route("/mcp", post(move || async move { answer() }))).await)
}

#[tokio::test]
async fn a_server_that_misbehaves_gets_a_clear_error_not_a_hang() {
    use axum::response::IntoResponse;
    let pinned = || Client::builder().era(Era::Session).timeout(Duration::from_secs(5));
    // Not JSON at all.
    let url = misbehaving(|| ([("content-type", "application/json")], "<html>oops</html>").into_response()).await;
    let error = pinned().connect_http(&url).await.unwrap_err();
    assert!(matches!(error, ClientError::Protocol(ref why) if why.contains("not JSON-RPC")), "{error}");
    // An answer over the size limit.
    let url = misbehaving(|| {
        let huge = format!(r#"{{"jsonrpc":"2.0","id":"x","result":{{"pad":"{}"}}}}"#, "x".repeat(5 << 20));
        ([("content-type", "application/json")], huge).into_response()
    })
    .await;
    let error = pinned().connect_http(&url).await.unwrap_err();
    assert!(matches!(error, ClientError::Protocol(ref why) if why.contains("bytes")), "{error}");
    // An SSE answer that ends before the result.
    let url = misbehaving(|| ([("content-type", "text/event-stream")], "id: 1\ndata: \n\n").into_response()).await;
    let error = pinned().connect_http(&url).await.unwrap_err();
    assert!(matches!(error, ClientError::Transport(ref why) if why.contains("ended before the answer")), "{error}");
    // An SSE line that never ends, past the size limit.
    let url = misbehaving(|| {
        ([("content-type", "text/event-stream")], "data: ".to_owned() + &"x".repeat(5 << 20)).into_response()
    })
    .await;
    let error = pinned().connect_http(&url).await.unwrap_err();
    assert!(matches!(error, ClientError::Protocol(ref why) if why.contains("bytes")), "{error}");
}

#[tokio::test]
async fn a_stdio_server_started_as_a_child_process_is_served_and_stopped() {
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_stdio_fixture_server"));
    let transport = quickmcp_client::transport::lines::LineTransport::spawn(command).unwrap();
    let client = Client::builder().connect(transport).await.unwrap();
    assert_eq!(client.era(), Era::Stateless, "our stdio transport speaks both eras");
    assert_eq!(client.call_tool("add", json!({"a": 40, "b": 2})).await.unwrap().text(), "42");
    let readme = client.read_resource("doc://readme").await.unwrap();
    assert!(readme[0]["text"].is_string(), "{readme:?}");
    client.close().await;
    assert_eq!(client.ping().await.unwrap_err(), ClientError::Closed);
}

#[tokio::test]
async fn the_client_answers_what_the_server_asks_in_both_eras() {
    for era in [Era::Session, Era::Stateless] {
        let server = quickmcp::Server::builder("asks", "0")
            .tools(quickmcp::tools![mcp_integration_tests::fixtures::ask_name])
            .build();
        let client = Client::builder()
            .era(era)
            .on_elicitation(|params: Value| async move {
                assert_eq!(params["message"], "Your name?");
                Ok(json!({"action": "accept", "content": {"name": "Zoe"}}))
            })
            .connect_in_process(server)
            .await
            .unwrap();
        let answer = client.call_tool("ask_name", json!({})).await.unwrap();
        assert_eq!(answer.text(), r#"accept: "Zoe""#, "{era:?}");
    }
    // Without a handler, the capability is not declared and the tool says so.
    let server = quickmcp::Server::builder("asks", "0")
        .tools(quickmcp::tools![mcp_integration_tests::fixtures::ask_name])
        .build();
    let client = Client::builder().era(Era::Session).connect_in_process(server).await.unwrap();
    let refused = client.call_tool("ask_name", json!({})).await.unwrap();
    assert!(refused.is_error && refused.text().contains("elicitation"), "{refused:?}");
}

#[tokio::test]
async fn completion_subscriptions_and_log_levels() {
    let client = Client::builder().era(Era::Session).connect_in_process(weather::server()).await.unwrap();
    let completion = client
        .complete(
            json!({"type": "ref/resource", "uri": "weather://forecast/{city}"}),
            json!({"name": "city", "value": "Pa"}),
        )
        .await
        .unwrap();
    assert!(completion["values"].as_array().unwrap().iter().any(|v| v == "Paris"), "{completion}");
    client.set_level("debug").await.unwrap();
    client.subscribe("weather://forecast/Paris").await.unwrap();
    client.unsubscribe("weather://forecast/Paris").await.unwrap();
    match client.subscribe("weather://nowhere").await.unwrap_err() {
        ClientError::Rpc(error) => assert_eq!(error.code, -32002, "{error:?}"),
        other => panic!("{other}"),
    }
}
