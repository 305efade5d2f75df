//! The stdio transport over a pipe: the weather example's server answers
//! line by line, streams progress and asks the client, takes answers and
//! cancellations, refuses bad lines without stopping, speaks the stateless
//! era when `_meta` asks for it, and returns when its input ends.

use mcp_examples::weather;
use mcp_integration_tests::fixtures::{ask_name, nap};
use quickmcp::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};

/// A client at the other end of the pipe.
struct Pipe {
    to_server: DuplexStream,
    from_server: Lines<BufReader<DuplexStream>>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Pipe {
    fn start(server: Server) -> Self {
        let (client_out, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, client_in) = tokio::io::duplex(1 << 16);
        let served = tokio::spawn(server.serve_io(server_in, server_out));
        Self { to_server: client_out, from_server: BufReader::new(client_in).lines(), served }
    }

    async fn send(&mut self, message: Value) {
        self.send_raw(message.to_string().as_bytes()).await;
    }

    async fn send_raw(&mut self, line: &[u8]) {
        self.to_server.write_all(line).await.unwrap();
        self.to_server.write_all(b"\n").await.unwrap();
    }

    async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(5), self.from_server.next_line()).await;
        serde_json::from_str(&line.expect("a message within 5 s").unwrap().expect("a line")).unwrap()
    }

    async fn initialize(&mut self) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "pipe", "version": "0"}}}))
            .await;
        let answer = self.next().await;
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        answer
    }
}

#[tokio::test]
async fn the_weather_server_answers_over_a_pipe_and_stops_at_end_of_input() {
    let mut pipe = Pipe::start(weather::server());
    let initialized = pipe.initialize().await;
    assert_eq!(initialized["result"]["serverInfo"]["name"], "weather");
    pipe.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "get_weather", "arguments": {"city": "Paris"}}}))
        .await;
    let answer = pipe.next().await;
    assert_eq!(answer["id"], 1);
    assert!(answer["result"]["content"][0]["text"].as_str().unwrap().contains("Paris"), "{answer}");

    pipe.send_raw(b"{not json").await;
    assert_eq!(pipe.next().await["error"]["code"], -32700, "a bad line is answered, not fatal");
    pipe.send_raw(b"").await; // blank lines are skipped
    pipe.send(json!({"jsonrpc": "2.0", "id": 2, "method": "ping"})).await;
    assert_eq!(pipe.next().await["id"], 2);

    drop(pipe.to_server);
    let served = tokio::time::timeout(Duration::from_secs(5), pipe.served).await.expect("returns at end of input");
    served.unwrap().unwrap();
}

/// Answers after a pause.
#[tool]
async fn slow_echo(text: String) -> String {
    tokio::time::sleep(Duration::from_millis(300)).await;
    text
}

#[tokio::test]
async fn a_request_still_running_at_end_of_input_is_answered_first() {
    let mut pipe = Pipe::start(Server::builder("pipe", "0").tools(tools![slow_echo]).build());
    pipe.initialize().await;
    pipe.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "slow_echo", "arguments": {"text": "late"}}}))
        .await;
    pipe.to_server.shutdown().await.unwrap(); // end of input, as `printf … | server` gives
    assert_eq!(pipe.next().await["result"]["content"][0]["text"], "late");
    tokio::time::timeout(Duration::from_secs(5), pipe.served).await.expect("then returns").unwrap().unwrap();
}

#[tokio::test]
async fn handlers_stream_ask_the_client_and_are_cancelled_over_a_pipe() {
    let mut pipe = Pipe::start(Server::builder("pipe", "0").tools(tools![ask_name, nap]).build());
    pipe.initialize().await;
    pipe.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "ask_name", "arguments": {}, "_meta": {"progressToken": "p"}}}))
        .await;
    assert_eq!(pipe.next().await["method"], "notifications/progress");
    let question = pipe.next().await;
    assert_eq!(question["method"], "elicitation/create");
    pipe.send(
        json!({"jsonrpc": "2.0", "id": question["id"], "result": {"action": "accept", "content": {"name": "Bo"}}}),
    )
    .await;
    assert_eq!(pipe.next().await["result"]["content"][0]["text"], "accept: \"Bo\"");

    pipe.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "nap", "arguments": {}}}))
        .await;
    pipe.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 2}})).await;
    pipe.send(json!({"jsonrpc": "2.0", "id": 3, "method": "ping"})).await;
    assert_eq!(pipe.next().await["id"], 3, "the cancelled call sends nothing");
}

#[tokio::test]
async fn a_request_with_a_protocol_version_in_meta_is_served_in_the_stateless_era() {
    let mut pipe = Pipe::start(weather::server());
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "pipe", "version": "0"},
    });
    pipe.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta}})).await;
    let listed = pipe.next().await;
    assert_eq!(listed["result"]["resultType"], "complete", "{listed}");
    assert!(listed["result"]["tools"].as_array().unwrap().iter().any(|t| t["name"] == "get_weather"));
}

#[tokio::test]
async fn a_line_longer_than_the_limit_is_refused_and_skipped() {
    let mut pipe = Pipe::start(weather::server());
    let long = vec![b'x'; quickmcp::transport::stdio::MAX_LINE + 10];
    let writer = tokio::spawn(async move {
        pipe.send_raw(&long).await;
        pipe.send(json!({"jsonrpc": "2.0", "id": 9, "method": "ping"})).await;
        pipe
    });
    // The duplex buffer is small: read while the long line is written.
    let mut pipe = writer.await.unwrap();
    assert_eq!(pipe.next().await["error"]["code"], -32700);
    assert_eq!(pipe.next().await["id"], 9, "the next line is read as usual");
}

#[tokio::test]
async fn errors_repeat_at_most_a_short_prefix_of_what_the_client_sent() {
    let mut pipe = Pipe::start(weather::server());
    pipe.initialize().await;
    let name = "n".repeat(1 << 20);
    let writer = tokio::spawn(async move {
        pipe.send(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": {}}}),
        )
        .await;
        pipe.send(
            json!({"jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": "x".repeat(1 << 20)}}),
        )
        .await;
        pipe.send(json!({"jsonrpc": "2.0", "id": 3, "method": "m".repeat(1 << 20)})).await;
        pipe
    });
    let mut pipe = writer.await.unwrap();
    for id in 1..=3 {
        let answer = pipe.next().await;
        assert_eq!(answer["id"], id, "{answer}");
        let error = answer["error"].to_string();
        assert!(error.len() < 1024, "the error of request {id} repeats {} bytes", error.len());
        assert!(error.contains('…'), "the name is cut, visibly: {error}");
    }
}

/// Waits for a minute: a request that stays in flight.
#[tool]
async fn stuck() -> &'static str {
    tokio::time::sleep(Duration::from_secs(60)).await;
    "unstuck"
}

#[tokio::test]
async fn a_client_that_does_not_read_its_answers_is_slowed_down_not_buffered() {
    let server = Server::builder("stuck", "0").tools(tools![stuck]).build();
    let mut pipe = Pipe::start(server);
    pipe.initialize().await;
    let stuck = |id: usize| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "stuck"}});
    // Past the bound of requests in flight, the server stops reading: the
    // client's writes block once the pipe's buffer is full.
    let written = async {
        for id in 1..=2000 {
            pipe.send(stuck(id)).await;
        }
    };
    let blocked = tokio::time::timeout(Duration::from_secs(3), written).await.is_err();
    assert!(blocked, "the server read 2000 requests that never finish, holding them all");
}
