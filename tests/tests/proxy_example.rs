//! `cargo run -p quickmcp-proxy --example proxy`: the gateway in front of a stdio server and
//! a token-protected HTTP server, driven as a user would.

use mcp_integration_tests::built;
use quickmcp_client::{Client, Era};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Kills the example when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_proxy_example_serves_both_remotes_beside_its_own_tool() {
    let binary = built(&["-p", "quickmcp-proxy", "--example", "proxy"], "examples/proxy");
    let mut child = Command::new(binary)
        .env("MCP_PORT", "0")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let _running = Running(child);
    let (found, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("MCP endpoint at ") {
                let url = line[at + "MCP endpoint at ".len()..].split_whitespace().next().unwrap_or("").to_owned();
                let _ = found.send(url);
            }
        }
    });
    let url = address.recv_timeout(Duration::from_secs(60)).expect("the example says where it serves");
    for era in [Era::Session, Era::Stateless] {
        let client = Client::builder().era(era).connect_http(&url).await.unwrap();
        let names: Vec<String> =
            client.list_tools().await.unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect();
        assert_eq!(names, ["gateway_status", "notes_list_notes", "weather_get_weather"], "{era:?}");
        let weather = client.call_tool("weather_get_weather", json!({"city": "Oslo"})).await.unwrap();
        assert!(weather.text().contains("Oslo"), "through the token-protected remote: {}", weather.text());
        let notes = client.call_tool("notes_list_notes", json!({})).await.unwrap();
        assert!(notes.text().contains("buy milk"), "through the stdio remote: {}", notes.text());
        let note = client.read_resource("notes://notes/note/1").await.unwrap();
        assert_eq!(note[0]["text"], "call Ann", "{era:?}");
    }
}
