//! The server on an open network, over real sockets: slow clients are cut
//! off, open connections are capped, and shutdown ends within its grace
//! period even while a stream stays open.

use mcp_integration_tests::{HttpClient, closed_within};
use quickmcp::Server;
use quickmcp_axum::{McpConfig, McpRouter, ServeLimits};
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};

fn limits(max_connections: usize, header_read_timeout: Duration) -> ServeLimits {
    let config = McpConfig {
        max_connections,
        header_read_timeout,
        shutdown_grace: Duration::from_secs(1),
        ..McpConfig::default()
    };
    ServeLimits::from_config(&config)
}

/// Serves a bare MCP server with `limits` until `stop` fires; returns the address.
async fn start(limits: ServeLimits, stop: tokio::sync::oneshot::Receiver<()>) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let app = McpRouter::new(Server::builder("serving", "0").build()).into_router();
    let served = tokio::spawn(async move {
        quickmcp_axum::serve_with(listener, app, limits, async {
            let _ = stop.await;
        })
        .await
        .unwrap();
    });
    (address, served)
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_cut_off() {
    let (_stop, stop) = tokio::sync::oneshot::channel();
    let (address, _) = start(limits(16, Duration::from_millis(500)), stop).await;
    let mut slow = TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\n").await.unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(5)).await, "the half-sent request was dropped");
}

#[tokio::test]
async fn connections_over_the_cap_are_closed_and_the_rest_keep_working() {
    let (_stop, stop) = tokio::sync::oneshot::channel();
    let (address, _) = start(limits(2, Duration::from_secs(30)), stop).await;
    let _first = TcpStream::connect(&address).await.unwrap();
    let _second = TcpStream::connect(&address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(&address).await.unwrap();
    assert!(closed_within(&mut third, Duration::from_secs(5)).await, "over the cap");
    drop(_first);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut client = HttpClient::new(format!("http://{address}/mcp"));
    client.initialize().await;
}

#[tokio::test]
async fn shutdown_ends_within_its_grace_period_while_a_stream_is_open() {
    let (stop_now, stop) = tokio::sync::oneshot::channel();
    let (address, served) = start(limits(16, Duration::from_secs(10)), stop).await;
    let mut client = HttpClient::new(format!("http://{address}/mcp"));
    client.initialize().await;
    let stream = client.get_stream(None).await;
    assert_eq!(stream.status(), 200);
    stop_now.send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(10), served).await;
    assert!(finished.is_ok(), "serve_with returned after the grace period");
    drop(stream);
}

/// Everything `response` sends until it ends (or `within` passes: `None`).
async fn body_until_end(response: reqwest::Response, within: Duration) -> Option<String> {
    let text = tokio::time::timeout(within, response.text()).await.ok()?;
    Some(text.unwrap_or_default())
}

#[tokio::test]
async fn shutdown_ends_open_streams_at_once_with_a_last_event_to_reconnect() {
    let grace = Duration::from_secs(60);
    let config = McpConfig { shutdown_grace: grace, retry_ms: 750, ..McpConfig::default() };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = McpRouter::new(Server::builder("serving", "0").build()).config(config.clone()).into_router();
    let (stop_now, stop) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(quickmcp_axum::serve_with(listener, app, ServeLimits::from_config(&config), async {
        let _ = stop.await;
    }));
    // A session's GET stream, and a stateless-era `subscriptions/listen`.
    let mut session = HttpClient::new(format!("http://{address}/mcp"));
    session.initialize().await;
    let get = session.get_stream(None).await;
    assert_eq!(get.status(), 200);
    let listen = HttpClient::new(format!("http://{address}/mcp")).listen().await;
    assert_eq!(listen.status(), 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop_now.send(()).unwrap();
    // Far inside the 60 s grace: the streams end on their own, with a retry hint.
    let get = body_until_end(get, Duration::from_secs(10)).await.expect("the GET stream ended at shutdown");
    assert!(get.ends_with("retry: 750\n\n"), "{get:?}");
    let listen = body_until_end(listen, Duration::from_secs(10)).await.expect("the listen stream ended at shutdown");
    assert!(
        listen.contains("notifications/subscriptions/acknowledged") && listen.ends_with("retry: 750\n\n"),
        "{listen:?}"
    );
    let finished = tokio::time::timeout(Duration::from_secs(10), served).await;
    assert!(finished.is_ok(), "with its streams ended, the server stopped long before the grace period");
}
