//! A stdio "server" that misbehaves on purpose, for the client's hostile
//! tests: it answers `initialize` and `tools/call add` properly, and each
//! other tool by breaking the protocol in its own way (its name says how).

use serde_json::{Value, json};
use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return };
        let Ok(message) = serde_json::from_str::<Value>(&line) else { continue };
        let id = message["id"].clone();
        let answer = |result: Value| json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string();
        let text = match message["method"].as_str() {
            Some("initialize") => answer(json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "hostile", "version": "0"},
            })),
            Some("tools/call") => {
                let arguments = &message["params"]["arguments"];
                match message["params"]["name"].as_str().unwrap_or_default() {
                    "add" => {
                        let sum = arguments["a"].as_i64().unwrap_or(0) + arguments["b"].as_i64().unwrap_or(0);
                        answer(json!({"content": [{"type": "text", "text": sum.to_string()}]}))
                    }
                    // A 5 MiB answer on one line.
                    "huge" => answer(json!({"content": [{"type": "text", "text": "x".repeat(5 << 20)}]})),
                    // A 5 MiB notification, then the answer: the call is fine.
                    "huge_notification" => {
                        let pad = "x".repeat(5 << 20);
                        let noise =
                            json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {"data": pad}});
                        format!("{noise}\n{}", answer(json!({"content": []})))
                    }
                    "malformed" => format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"content":"#),
                    "wrong_id" => json!({"jsonrpc": "2.0", "id": "nobody", "result": {"content": []}}).to_string(),
                    // Dies before the answer.
                    "exit" => std::process::exit(3),
                    // A line that never ends: the output is stuck from here on.
                    "endless_line" => loop {
                        if out.write_all(&[b'x'; 4096]).and_then(|()| out.flush()).is_err() {
                            return;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    },
                    _ => continue,
                }
            }
            _ => continue,
        };
        if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}
