//! Prometheus metrics of the weather example over a real socket: each
//! counter and histogram moves with traffic (a tool call, a tool error, a
//! refused origin), and the text parses as the exposition format.

use mcp_examples::weather;
use mcp_integration_tests::{HttpClient, spawn};
use serde_json::json;

/// The value of the series `name{labels}` (labels as written, in order).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn counters_and_histograms_move_with_traffic() {
    let url = spawn(weather::app(mcp_axum::McpConfig::default())).await;
    let scrape = || async { reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap() };
    let before = scrape().await;

    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    client.request(1, "tools/call", json!({"name": "get_weather", "arguments": {"city": "Paris"}})).await;
    client.request(2, "tools/call", json!({"name": "get_weather", "arguments": {"city": "Atlantis"}})).await;
    client.request(3, "tools/list", json!({})).await;
    let foreign =
        client.post_with(&[("origin", "https://evil.example")]).body(r#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#);
    assert_eq!(foreign.send().await.unwrap().status(), 403);

    let after = scrape().await;
    let moved = |series: &str| value(&after, series) - value(&before, series);
    let ok = r#"mcp_requests_total{mcp_method_name="tools/call",gen_ai_tool_name="get_weather",outcome="ok"}"#;
    let tool_error =
        r#"mcp_requests_total{mcp_method_name="tools/call",gen_ai_tool_name="get_weather",outcome="tool_error"}"#;
    let listed = r#"mcp_requests_total{mcp_method_name="tools/list",gen_ai_tool_name="",outcome="ok"}"#;
    let timed = r#"mcp_request_duration_seconds_count{mcp_method_name="tools/call",gen_ai_tool_name="get_weather"}"#;
    let posts = r#"mcp_http_requests_total{http_request_method="POST",http_response_status_code="200"}"#;
    let refused = r#"mcp_http_rejections_total{reason="origin"}"#;
    assert_eq!(moved(ok), 1.0, "{after}");
    assert_eq!(moved(tool_error), 1.0);
    assert_eq!(moved(listed), 1.0);
    assert_eq!(moved(timed), 2.0);
    assert!(moved(posts) >= 4.0, "initialize, two calls, a list");
    assert_eq!(moved(refused), 1.0);
    assert_eq!(value(&after, "mcp_sessions_active"), 1.0);
    assert_eq!(value(&after, "mcp_http_requests_in_flight"), 0.0);
    assert!(after.contains("# TYPE mcp_request_duration_seconds histogram"));
    assert!(after.contains("# TYPE mcp_requests_total counter"), "Prometheus text format");
}

#[tokio::test]
async fn open_sse_streams_are_counted_until_they_close() {
    let url = spawn(weather::app(mcp_axum::McpConfig::default())).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    let scrape = || async { reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap() };
    let stream = client.get_stream(None).await;
    assert_eq!(value(&scrape().await, "mcp_sse_streams_open"), 1.0);
    drop(stream);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(value(&scrape().await, "mcp_sse_streams_open"), 0.0);
}
