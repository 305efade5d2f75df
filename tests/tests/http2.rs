//! Cleartext HTTP/2 (prior knowledge) beside HTTP/1.1 on one port, over
//! real sockets: the endpoint answers both, the Host check reads HTTP/2's
//! `:authority`, a connection holds at most `MCP_HTTP2_MAX_STREAMS` streams
//! at once, a client that sends part of the preface is cut off, and a
//! connection without a stream is closed after the header timeout.

use mcp_integration_tests::{HttpClient, closed_within};
use quickmcp::Server;
use quickmcp_axum::{McpConfig, McpRouter, ServeLimits};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};

/// Serves a bare MCP server configured by `config` until the test ends.
async fn start(config: McpConfig) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let limits = ServeLimits::from_config(&config);
    let app = McpRouter::new(Server::builder("http2", "0").build()).config(config).into_router();
    tokio::spawn(quickmcp_axum::serve_with(listener, app, limits, std::future::pending()));
    address
}

/// A client that speaks HTTP/2 from its first byte, all its requests on one connection.
fn http2_client(url: String) -> HttpClient {
    let http = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    HttpClient { http, url, session: None }
}

#[tokio::test]
async fn one_port_serves_http2_and_http1() {
    let address = start(McpConfig::default()).await;
    let mut h2 = http2_client(format!("http://{address}/mcp"));
    let initialized = h2.initialize().await;
    assert_eq!(initialized["serverInfo"]["name"], "http2", "{initialized}");
    let answer = h2.post_builder().body(r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#).send().await.unwrap();
    assert_eq!(answer.version(), reqwest::Version::HTTP_2);
    assert_eq!(answer.status(), 200);

    let mut h1 = HttpClient::new(format!("http://{address}/mcp"));
    h1.initialize().await;
    let answer = h1.post_builder().body(r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#).send().await.unwrap();
    assert_eq!(answer.version(), reqwest::Version::HTTP_11);
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn an_http2_authority_outside_the_allow_list_is_refused() {
    let address = start(McpConfig::default()).await;
    // DNS rebinding over HTTP/2: the page's host reaches a loopback address.
    let http = reqwest::Client::builder().http2_prior_knowledge().resolve("evil.example", address).build().unwrap();
    let client = HttpClient { http, url: format!("http://evil.example:{}/mcp", address.port()), session: None };
    let answer = client.post_builder().body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).send().await.unwrap();
    assert_eq!(answer.version(), reqwest::Version::HTTP_2);
    assert_eq!(answer.status(), 403);
    let body = answer.text().await.unwrap();
    assert!(body.contains("evil.example"), "{body}");
}

#[tokio::test]
async fn a_connection_holds_at_most_its_streams_and_the_next_waits() {
    let address = start(McpConfig { http2_max_streams: 2, ..McpConfig::default() }).await;
    let client = http2_client(format!("http://{address}/mcp"));
    let first = client.listen().await;
    let second = client.listen().await;
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));
    assert_eq!(first.version(), reqwest::Version::HTTP_2);
    // The server told the client its limit: a third stream waits for one to end.
    let third = tokio::spawn({
        let client = client.clone();
        async move { client.listen().await.status() }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!third.is_finished(), "a third stream opened while two were open");
    drop(first);
    let status = tokio::time::timeout(Duration::from_secs(10), third).await.expect("the third stream opened").unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_client_that_sends_part_of_the_preface_is_cut_off() {
    let config = McpConfig { header_read_timeout: Duration::from_millis(500), ..McpConfig::default() };
    let address = start(config).await;
    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(5)).await, "the half-sent preface was dropped");
}

#[tokio::test]
async fn a_connection_without_streams_is_closed_after_the_header_timeout() {
    let config = McpConfig { header_read_timeout: Duration::from_millis(500), ..McpConfig::default() };
    let address = start(config).await;
    // The preface and an empty SETTINGS frame, then nothing.
    let mut idle = TcpStream::connect(address).await.unwrap();
    idle.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0").await.unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(5)).await, "the idle HTTP/2 connection was closed");

    // A connection with a stream open stays, past the same timeout.
    let client = http2_client(format!("http://{address}/mcp"));
    let mut stream = client.listen().await;
    assert_eq!(stream.status(), 200);
    let acknowledged = stream.chunk().await.unwrap().expect("the listen stream's first event");
    assert!(String::from_utf8_lossy(&acknowledged).contains("acknowledged"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let next = tokio::time::timeout(Duration::from_millis(300), stream.chunk()).await;
    assert!(next.is_err(), "the stream is still open and quiet: {next:?}");
}
