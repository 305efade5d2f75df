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
    let url = spawn(weather::app(quickmcp_axum::McpConfig::default())).await;
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
    let url = spawn(weather::app(quickmcp_axum::McpConfig::default())).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    let scrape = || async { reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap() };
    let stream = client.get_stream(None).await;
    assert_eq!(value(&scrape().await, "mcp_sse_streams_open"), 1.0);
    drop(stream);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(value(&scrape().await, "mcp_sse_streams_open"), 0.0);
}

#[tokio::test]
async fn metrics_beside_the_endpoint_pass_its_host_check_and_carry_its_headers() {
    let url = spawn(weather::app(quickmcp_axum::McpConfig::default())).await;
    let http = reqwest::Client::new();
    let scrape = http.get(format!("{url}/metrics")).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    assert_eq!(scrape.headers()["x-content-type-options"], "nosniff");
    assert_eq!(scrape.headers()["x-frame-options"], "DENY");
    // A page on a rebound name (DNS rebinding) cannot read them.
    let rebound = http.get(format!("{url}/metrics")).header("host", "evil.example").send().await.unwrap();
    assert_eq!(rebound.status(), 403);
    let foreign = http.get(format!("{url}/metrics")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(foreign.status(), 403);
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn run_serves_the_metrics_on_their_own_address_when_one_is_configured() {
    let (port, metrics_port) = (free_port(), free_port());
    let env = [
        ("MCP_PORT".to_owned(), port.to_string()),
        ("MCP_METRICS_ADDR".to_owned(), format!("127.0.0.1:{metrics_port}")),
    ];
    let config =
        quickmcp_axum::McpConfig::from_lookup(|name| env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
            .unwrap();
    let metrics = quickmcp_axum::metrics::Metrics::new();
    let server = weather::builder().middleware(metrics.middleware()).build();
    let mcp = quickmcp_axum::McpRouter::new(server).config(config).metrics(metrics);
    tokio::spawn(mcp.run(axum::Router::new()));
    let base = format!("http://127.0.0.1:{port}");
    let mut client = HttpClient::new(format!("{base}/mcp"));
    for _ in 0..50 {
        if reqwest::get(format!("{base}/health")).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    client.initialize().await;
    // Not beside the endpoint, but on the private address.
    assert_eq!(reqwest::get(format!("{base}/metrics")).await.unwrap().status(), 404);
    let private = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics")).await.unwrap();
    assert_eq!(private.status(), 200);
    assert_eq!(private.headers()["x-content-type-options"], "nosniff");
    assert!(private.text().await.unwrap().contains("mcp_sessions_active 1"));
}

#[tokio::test]
async fn run_refuses_a_metrics_address_without_metrics_to_serve() {
    let config = quickmcp_axum::McpConfig {
        port: free_port(),
        metrics_addr: Some(format!("127.0.0.1:{}", free_port())),
        ..quickmcp_axum::McpConfig::default()
    };
    let mcp = quickmcp_axum::McpRouter::new(weather::server()).config(config);
    let error = mcp.run(axum::Router::new()).await.unwrap_err();
    assert!(error.to_string().contains("MCP_METRICS_ADDR"), "{error}");
}
