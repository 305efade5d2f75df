//! Defects a hostile client could use, each reproduced over a real socket
//! and answered with a clear error instead of a kept session, a panic or a
//! check that passes by accident.

use mcp_integration_tests::fixtures::{add, readme};
use mcp_integration_tests::{HttpClient, spawn};
use quickmcp::prelude::*;
use serde_json::{Value, json};

// Not `fixtures::nap`: these tests wait for the answer.
/// Takes a short rest.
#[tool]
async fn nap() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    "rested".into()
}

/// A note by number.
#[resource("doc://notes/{id}")]
async fn note(id: u32) -> Result<String, ResourceError> {
    Ok(format!("note {id}"))
}

fn server() -> Server {
    Server::builder("hostile", "0").tools(tools![add]).resources(resources![readme, note]).build()
}

async fn start(server: Server) -> HttpClient {
    HttpClient::new(format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await))
}

async fn status_and_body(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_failed_initialize_opens_no_session() {
    let server = server();
    let client = start(server.clone()).await;
    for params in [json!({}), json!({"protocolVersion": 7}), json!([1, 2])] {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params});
        let response = client.post(&body).await;
        assert!(response.headers().get("mcp-session-id").is_none(), "{params}");
        let (status, body) = status_and_body(response).await;
        assert_eq!((status, body["error"]["code"].as_i64()), (200, Some(-32602)), "{params}");
    }
    assert_eq!(server.session_count().await.unwrap(), 0, "nothing was kept");
    let mut honest = client.clone();
    honest.initialize().await;
    assert_eq!(server.session_count().await.unwrap(), 1);
}

#[tokio::test]
async fn a_json_array_is_not_a_message() {
    let client = start(server()).await;
    let response = client.post_builder().body(r#"["2.0",1,"ping",null,null,null]"#).send().await.unwrap();
    let (status, body) = status_and_body(response).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (400, Some(-32600)));
    let response = client.post_builder().body("[1,").send().await.unwrap();
    assert_eq!(status_and_body(response).await.1["error"]["code"], -32700, "broken JSON stays a parse error");
}

#[tokio::test]
async fn the_mcp_name_check_fails_closed_on_odd_bodies() {
    let client = start(server()).await;
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read",
        "params": {"uri": "doc://readme", "arguments": 0, "_meta": meta}});
    let headers =
        [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "resources/read"), ("mcp-name", "doc://other")];
    let response = client.post_with(&headers).body(body.to_string()).send().await.unwrap();
    let (status, answer) = status_and_body(response).await;
    assert_eq!((status, answer["error"]["code"].as_i64()), (400, Some(-32020)));
}

#[tokio::test]
async fn an_event_id_at_the_end_of_the_range_is_refused_not_a_panic() {
    let mut client = start(server()).await;
    client.initialize().await;
    for last in ["1-18446744073709551615", "ffffffffffffffff-18446744073709551615", "1-99999999999999999999"] {
        let response = client.get_stream(Some(last)).await;
        assert!(matches!(response.status().as_u16(), 400 | 404), "{last}: {}", response.status());
    }
    let answer = client.request(2, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 2}})).await;
    assert_eq!(answer[0]["result"]["content"][0]["text"], "3", "the server is still serving");
}

#[tokio::test]
async fn a_zero_keep_alive_is_refused_in_the_environment_and_harmless_in_code() {
    let refused = quickmcp_axum::McpConfig::from_lookup(|key| (key == "MCP_KEEP_ALIVE_SECS").then(|| "0".to_owned()));
    assert!(refused.unwrap_err().to_string().contains("MCP_KEEP_ALIVE_SECS=\"0\""));
    let zero = quickmcp_axum::McpConfig { keep_alive: std::time::Duration::ZERO, ..Default::default() };
    let url = spawn(quickmcp_axum::McpRouter::new(server()).config(zero).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    let stream = client.get_stream(None).await;
    assert_eq!(stream.status(), 200, "a stream opens with a zero interval in the config");
    let answer = client.request(2, "ping", json!({})).await;
    assert_eq!(answer[0]["result"], json!({}));
}

#[tokio::test]
async fn a_session_keeps_flags_and_bounded_names_not_what_initialize_carried() {
    let server = server();
    let client = start(server.clone()).await;
    let padding = vec!["x".repeat(1024); 1024];
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {"experimental": {"pad": padding}, "sampling": {"pad": padding}},
        "clientInfo": {"name": "n".repeat(1 << 20), "version": "1"},
    }});
    let response = client.post(&body).await;
    assert_eq!(response.status(), 200);
    let id = response.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let named = quickmcp::server::SessionSource::Named(Some(&id));
    let session = server.find_session(named, &Default::default()).await.unwrap().unwrap();
    let declared = session.record().client.as_ref().unwrap();
    assert!(declared.capabilities.sampling.is_some(), "the flag the server uses is kept");
    assert_eq!(declared.implementation.name.len(), quickmcp::protocol::IMPLEMENTATION_FIELD_MAX);
    assert!(declared.implementation.name.capacity() <= quickmcp::protocol::IMPLEMENTATION_FIELD_MAX);
}

#[tokio::test]
async fn subscriptions_name_known_resources_and_are_capped_per_session() {
    let mut client = start(server()).await;
    client.initialize().await;
    let subscribe = |uri: String| json!({"uri": uri});
    let unknown = client.request(1, "resources/subscribe", subscribe("doc://nowhere".into())).await;
    assert_eq!(unknown[0]["error"]["code"], -32002, "not in the catalog");
    let long = client.request(2, "resources/subscribe", subscribe(format!("doc://notes/{}", "9".repeat(4096)))).await;
    assert_eq!(long[0]["error"]["code"], -32602, "too long");
    for n in 0..quickmcp::server::MAX_SUBSCRIPTIONS {
        let ok = client.request(3, "resources/subscribe", subscribe(format!("doc://notes/{n}"))).await;
        assert_eq!(ok[0]["result"], json!({}), "subscription {n}");
    }
    let over = client.request(4, "resources/subscribe", subscribe("doc://readme".into())).await;
    assert_eq!(over[0]["error"]["code"], -32602, "over the cap");
    let again = client.request(5, "resources/subscribe", subscribe("doc://notes/0".into())).await;
    assert_eq!(again[0]["result"], json!({}), "a repeat is not a new subscription");
}

#[tokio::test]
async fn one_request_id_runs_once_at_a_time_in_a_session() {
    let server = Server::builder("hostile", "0").tools(tools![add, nap]).build();
    let mut client = start(server).await;
    client.initialize().await;
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "nap", "arguments": {}}});
    let (first, second) = tokio::join!(client.post(&body), client.post(&body));
    let mut answers = [status_and_body(first).await, status_and_body(second).await];
    answers.sort_by_key(|(status, _)| *status);
    assert_eq!(answers[0].1["result"]["content"][0]["text"], "rested");
    let refused = &answers[1];
    assert_eq!(refused.1["error"]["code"], -32600, "the duplicate is refused: {refused:?}");
}

#[tokio::test]
async fn a_second_connection_cannot_take_the_get_stream_by_resuming_it() {
    let mut client = start(server()).await;
    client.initialize().await;
    let first = client.get_stream(None).await;
    assert_eq!(first.status(), 200);
    let body = first.bytes_stream();
    let mut body = std::pin::pin!(body);
    let priming = futures_util::StreamExt::next(&mut body).await.unwrap().unwrap();
    let id = String::from_utf8_lossy(&priming).lines().find_map(|l| l.strip_prefix("id: ")).unwrap().to_owned();
    let stream = id.split_once('-').unwrap().0.to_owned();
    assert_eq!(client.get_stream(Some(&format!("{stream}-0"))).await.status(), 409);
    assert_eq!(client.get_stream(None).await.status(), 409);
}

#[tokio::test]
async fn a_request_without_host_is_refused() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let url = spawn(quickmcp_axum::McpRouter::new(server()).into_router()).await;
    let address = url.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let request = format!(
        "POST /mcp HTTP/1.0\r\naccept: application/json, text/event-stream\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.0 403"), "{answer}");
}

#[tokio::test]
async fn a_session_that_only_listens_is_not_expired() {
    let server =
        Server::builder("hostile", "0").tools(tools![add]).session_timeout(std::time::Duration::from_secs(1)).build();
    let mut client = start(server).await;
    client.initialize().await;
    let listening = client.get_stream(None).await;
    assert_eq!(listening.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let answer = client.request(1, "ping", json!({})).await;
    assert_eq!(answer[0]["result"], json!({}), "the open stream kept the session in use");
    drop(listening);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let client = start(server()).await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let answered = client.post(&ping).await;
    let refused = client.post_with(&[("origin", "https://evil.example")]).body(ping.to_string()).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    for response in [answered, refused] {
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.headers()["x-frame-options"], "DENY");
    }
}

#[tokio::test]
async fn a_template_variable_cannot_smuggle_a_path() {
    let mut client = start(server()).await;
    client.initialize().await;
    for uri in ["doc://notes/..%2F..%2Fetc", "doc://notes/%2E%2E", &format!("doc://notes/{}", "1".repeat(9000))] {
        let answer = client.request(1, "resources/read", json!({"uri": uri})).await;
        assert_eq!(answer[0]["error"]["code"], -32002, "{uri:.40}");
    }
    let answer = client.request(2, "resources/read", json!({"uri": "doc://notes/7"})).await;
    assert_eq!(answer[0]["result"]["contents"][0]["text"], "note 7");
}

/// Asks the user a question and reports how that went.
#[tool]
async fn ask_user(ctx: quickmcp::Context) -> String {
    let schema = json!({"type": "object", "properties": {"ok": {"type": "boolean"}}});
    match ctx.elicit("Continue?", schema).await {
        Ok(answer) => answer.action,
        Err(error) => format!("{}: {}", error.code, error.message),
    }
}

#[tokio::test]
async fn a_client_that_never_answers_the_server_times_out() {
    let server = Server::builder("hostile", "0")
        .tools(tools![ask_user])
        .client_request_timeout(std::time::Duration::from_millis(300))
        .build();
    let mut client = start(server).await;
    client.initialize().await;
    let body =
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "ask_user", "arguments": {}}});
    let response = client.post(&body).await;
    let events =
        mcp_integration_tests::read_events(response, std::time::Duration::from_secs(5), |m| m["id"] == 4).await;
    assert!(events.iter().any(|(_, m)| m["method"] == "elicitation/create"), "the question went out");
    let answer = &events.last().unwrap().1;
    assert!(answer["result"]["content"][0]["text"].as_str().unwrap().starts_with("-32001"), "{answer}");
}

#[tokio::test]
async fn a_reader_that_falls_behind_loses_its_stream_not_the_server_memory() {
    let server = server();
    let config = quickmcp_axum::McpConfig { stream_buffer: 4096, ..quickmcp_axum::McpConfig::default() };
    let url = spawn(quickmcp_axum::McpRouter::new(server.clone()).config(config).into_router()).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.initialize().await;
    client.request(1, "resources/subscribe", json!({"uri": "doc://readme"})).await;
    let stream = client.get_stream(None).await;
    // The client reads nothing while far more than the socket buffers hold is sent.
    for _ in 0..100_000 {
        server.notify_resource_updated("doc://readme");
    }
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), stream.bytes());
    let body = read.await.expect("the stream ended instead of growing without bound").unwrap();
    let received = body.windows(5).filter(|w| w == b"data:").count();
    assert!(received < 100_000, "the slow reader was cut off ({received} events reached it)");
    let answer = client.request(2, "tools/call", json!({"name": "add", "arguments": {"a": 2, "b": 2}})).await;
    assert_eq!(answer[0]["result"]["content"][0]["text"], "4", "the session still serves");
}

#[tokio::test]
async fn requests_beyond_the_concurrency_limit_are_shed_with_retry_after() {
    let server = Server::builder("hostile", "0").tools(tools![add, nap]).build();
    let config = quickmcp_axum::McpConfig { max_concurrent: 2, ..quickmcp_axum::McpConfig::default() };
    let url = spawn(quickmcp_axum::McpRouter::new(server).config(config).stateless(true).into_router()).await;
    let client = HttpClient::new(format!("{url}/mcp"));
    let nap = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "nap", "arguments": {}}});
    let calls = (0..6).map(|_| client.post(&nap));
    let responses = futures_util::future::join_all(calls).await;
    let shed: Vec<_> = responses.iter().filter(|r| r.status() == 503).collect();
    assert_eq!(responses.len() - shed.len(), 2, "two ran");
    assert!(shed.iter().all(|r| r.headers()["retry-after"] == "1"));
    let add = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 1}}});
    assert_eq!(client.post(&add).await.status(), 200, "slots come back");
}

#[tokio::test]
async fn a_client_over_its_rate_limit_gets_429_with_retry_after() {
    let limit = "3/min".parse().unwrap();
    let config = quickmcp_axum::McpConfig { rate_limit: Some(limit), ..quickmcp_axum::McpConfig::default() };
    let url = spawn(quickmcp_axum::McpRouter::new(server()).config(config).into_router()).await;
    let client = HttpClient::new(format!("{url}/mcp"));
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    for _ in 0..3 {
        assert_eq!(client.post(&ping).await.status(), 200);
    }
    let (status, body) = {
        let response = client.post(&ping).await;
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=20).contains(&retry_after), "{retry_after}");
        status_and_body(response).await
    };
    assert_eq!((status, body["error"]["code"].as_i64()), (429, Some(-32000)));
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    let config = quickmcp_axum::McpConfig {
        rate_limit: Some("1/min".parse().unwrap()),
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..quickmcp_axum::McpConfig::default()
    };
    let url = spawn(quickmcp_axum::McpRouter::new(server()).config(config).into_router()).await;
    let client = HttpClient::new(format!("{url}/mcp"));
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    let from = |address: &'static str| client.post_with(&[("x-forwarded-for", address)]).body(ping.to_string()).send();
    assert_eq!(from("203.0.113.7").await.unwrap().status(), 200);
    assert_eq!(from("203.0.113.8").await.unwrap().status(), 200, "another client");
    assert_eq!(from("203.0.113.7").await.unwrap().status(), 429, "the first, again");
    assert_eq!(from("198.51.100.1, 203.0.113.8").await.unwrap().status(), 429, "the address the proxy saw counts");
}

#[tokio::test]
async fn browsers_on_the_cors_list_get_cors_answers_and_others_do_not() {
    let config = quickmcp_axum::McpConfig { cors_origins: vec!["https://app.example".into()], ..Default::default() };
    let url = spawn(quickmcp_axum::McpRouter::new(server()).config(config).into_router()).await;
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, format!("{url}/mcp"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, mcp-session-id, mcp-param-city")
            .send()
    };
    let allowed = preflight("https://app.example").await.unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.example");
    assert!(allowed.headers()["access-control-allow-headers"].to_str().unwrap().contains("mcp-session-id"));
    assert_eq!(preflight("https://evil.example").await.unwrap().status(), 403);
    let client = HttpClient::new(format!("{url}/mcp"));
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    let answer = client.post_with(&[("origin", "https://app.example")]).body(init.to_string()).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let exposed = answer.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(exposed.contains("mcp-session-id"), "{exposed}");
}

#[tokio::test]
async fn each_client_address_holds_a_bounded_number_of_sessions() {
    let server = Server::builder("bounded", "0").tools(tools![add]).max_sessions_per_client(2).build();
    let config = quickmcp_axum::McpConfig { trusted_proxies: vec!["127.0.0.1".parse().unwrap()], ..Default::default() };
    let url = spawn(quickmcp_axum::McpRouter::new(server.clone()).config(config).into_router()).await;
    let client = HttpClient::new(format!("{url}/mcp"));
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    let open = |address: &'static str| client.post_with(&[("x-forwarded-for", address)]).body(init.to_string()).send();
    let first = open("203.0.113.7").await.unwrap();
    let first_id = first.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    assert_eq!(open("203.0.113.7").await.unwrap().status(), 200);
    let refused = open("203.0.113.7").await.unwrap();
    assert!(refused.headers().get("mcp-session-id").is_none());
    let (status, body) = status_and_body(refused).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (429, Some(-32000)), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("maximum of 2 sessions"), "{body}");
    assert_eq!(open("203.0.113.8").await.unwrap().status(), 200, "another client is not affected");
    assert_eq!(server.session_count().await.unwrap(), 3);

    let delete = reqwest::Client::new().delete(format!("{url}/mcp")).header("mcp-session-id", &first_id);
    assert_eq!(delete.send().await.unwrap().status(), 200);
    assert_eq!(open("203.0.113.7").await.unwrap().status(), 200, "ending a session frees its place");
}

/// Opens a `subscriptions/listen` stream from `address`, as `subject` when
/// given (the header stands for a verified token, see `listener_app`).
async fn listen_from(url: &str, address: &str, subject: Option<&str>) -> reqwest::Response {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
    });
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen", "params": {
        "_meta": meta, "notifications": {"toolsListChanged": true}}});
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "subscriptions/listen"),
        ("x-forwarded-for", address),
    ];
    if let Some(subject) = subject {
        headers.push(("x-test-subject", subject));
    }
    HttpClient::new(url).post_with(&headers).body(body.to_string()).send().await.unwrap()
}

/// The endpoint behind a trusted proxy, with a layer that turns the
/// `x-test-subject` header into a verified principal.
async fn listener_app(server: Server) -> String {
    use axum::extract::Request;
    let verify = axum::middleware::map_request(|mut request: Request| async move {
        let subject = request.headers().get("x-test-subject").and_then(|v| v.to_str().ok()).map(str::to_owned);
        if let Some(subject) = subject {
            request.extensions_mut().insert(quickmcp::auth::Principal::new(subject, vec![], Value::Null));
        }
        request
    });
    let config = quickmcp_axum::McpConfig { trusted_proxies: vec!["127.0.0.1".parse().unwrap()], ..Default::default() };
    let app = quickmcp_axum::McpRouter::new(server).config(config).into_router().layer(verify);
    format!("{}/mcp", spawn(app).await)
}

#[tokio::test]
async fn each_client_holds_a_bounded_number_of_listeners() {
    const PER_CLIENT: usize = 16; // MCP_MAX_LISTENERS_PER_CLIENT's default
    let server = server();
    let url = listener_app(server.clone()).await;
    let mut streams = Vec::new();
    for _ in 0..PER_CLIENT {
        let stream = listen_from(&url, "203.0.113.7", None).await;
        assert_eq!(stream.status(), 200);
        streams.push(stream);
    }
    let refused = listen_from(&url, "203.0.113.7", None).await;
    assert_eq!(refused.status(), 429, "the 17th stream of one address is refused");
    let (status, body) = status_and_body(refused).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (429, Some(-32004)), "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("maximum of 16") && message.contains("MCP_MAX_LISTENERS_PER_CLIENT"), "{message}");
    let other = listen_from(&url, "203.0.113.8", None).await;
    assert_eq!(other.status(), 200, "another address is not affected");
    streams.push(other);
    // Authenticated callers are counted by subject, wherever they come from.
    for _ in 0..PER_CLIENT {
        let stream = listen_from(&url, "203.0.113.7", Some("alice")).await;
        assert_eq!(stream.status(), 200, "alice has her own share");
        streams.push(stream);
    }
    assert_eq!(listen_from(&url, "203.0.113.9", Some("alice")).await.status(), 429);
    assert_eq!(server.listener_count(), 2 * PER_CLIENT + 1);
    streams.truncate(PER_CLIENT - 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while server.listener_count() > PER_CLIENT - 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(listen_from(&url, "203.0.113.7", None).await.status(), 200, "a closed stream frees its place");
}

#[tokio::test]
async fn the_server_holds_a_bounded_number_of_listeners() {
    let server = Server::builder("few", "0").tools(tools![add]).max_listeners(3).build();
    let url = listener_app(server.clone()).await;
    let mut streams = Vec::new();
    for n in 0..3 {
        let stream = listen_from(&url, &format!("203.0.113.{n}"), None).await;
        assert_eq!(stream.status(), 200);
        streams.push(stream);
    }
    let full = listen_from(&url, "203.0.113.9", None).await;
    assert_eq!(full.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
    let (status, body) = status_and_body(full).await;
    assert_eq!((status, &body["error"]["code"]), (503, &json!(-32005)), "the server is full, not this client: {body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("maximum of 3") && message.contains("MCP_MAX_LISTENERS"), "{body}");
    assert_eq!(body["error"]["data"]["limit"], 3);
    assert_eq!(server.listener_count(), 3);
    streams.pop();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while server.listener_count() > 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(listen_from(&url, "203.0.113.9", None).await.status(), 200, "a closed stream frees its place");
}

#[tokio::test]
async fn a_handler_past_the_request_timeout_is_answered_and_dropped() {
    let server = Server::builder("timed", "0")
        .tools(tools![add, nap])
        .request_timeout(std::time::Duration::from_millis(100))
        .build();
    let mut client = start(server).await;
    client.initialize().await;
    let answer = client.request(2, "tools/call", json!({"name": "nap", "arguments": {}})).await;
    assert_eq!(answer[0]["error"]["code"], -32001, "{answer:?}");
    assert!(answer[0]["error"]["message"].as_str().unwrap().contains("timed out"));
    let answer = client.request(3, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 2}})).await;
    assert_eq!(answer[0]["result"]["content"][0]["text"], "3", "the session goes on");
    let again = client.request(2, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 1}})).await;
    assert_eq!(again[0]["result"]["content"][0]["text"], "2", "the timed-out request id was released");
}
